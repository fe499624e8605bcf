"""A whole article, as a feed that carries whole articles delivers it (written for the tests).

Its first paragraph is the news and what it is; the background after it is full of other tags' words
(reach as a signal, the DSGVO, the DSA) and names other platforms, as articles do. Read whole, the
tagger found reach in it and the platforms found five networks; an item is about what its lede says
(`classifiers.text.lede`, `classifiers.platforms.named_platforms`).
"""

TITLE = "Instagram testet eine Zusammenfassung langer Kommentarspalten"
TEASER = ("Einige Nutzer in Deutschland sehen unter viel kommentierten Beiträgen jetzt einen Knopf, der die "
          "wichtigsten Punkte der Diskussion in drei Sätzen zusammenfasst. Instagram spricht von einem Test.")
DETAIL = (" Der Knopf erscheint ab etwa hundert Kommentaren oberhalb der Antworten. Wer ihn antippt, bekommt eine "
          "kurze Übersicht, welche Meinungen in der Diskussion vorkommen, darunter stehen die Kommentare wie bisher. "
          "Wer einen Beitrag veröffentlicht, kann die Übersicht in den Einstellungen für einzelne Beiträge abschalten.")
BACKGROUND = (
    " Kommentare gelten seit Jahren als wichtiges Signal: Wer viele Antworten bekommt, wird nach Ansicht vieler "
    "Agenturen auch im Feed häufiger ausgespielt. Ob die neue Zusammenfassung daran etwas ändert, sagt das "
    "Unternehmen nicht. Die Reichweite von Unternehmensprofilen ist nach Zahlen mehrerer Analysefirmen ohnehin "
    "seit Monaten rückläufig, vor allem bei Beiträgen mit Links. Datenschützer wiederum fragen, welche Daten für "
    "die Zusammenfassungen genutzt werden; nach der DSGVO müssen Nutzer erfahren, wenn ihre Inhalte für "
    "KI-Funktionen verarbeitet werden, und die EU-Kommission prüft im Rahmen des Digital Services Act bereits "
    "mehrere Verfahren gegen große Plattformen. Ein Sprecher verwies auf die Datenschutzrichtlinie, die solche "
    "Auswertungen seit dem vergangenen Jahr erlaube. Für Social-Media-Teams stellt sich vor allem die Frage, ob "
    "Diskussionen unter ihren Beiträgen künftig anders wahrgenommen werden: Wer nur noch die Zusammenfassung "
    "liest, antwortet womöglich seltener, und weniger Antworten könnten die Sichtbarkeit im Algorithmus drücken. "
    "Wann und ob die Funktion für alle kommt, ist offen; in der Vergangenheit hat Instagram viele Tests nach "
    "wenigen Wochen wieder beendet."
    " Ähnliche Übersichten gibt es bereits bei Reddit, und auch YouTube hat im vergangenen Jahr etwas "
    "Vergleichbares ausprobiert; ein Sprecher kündigte auf LinkedIn weitere Länder an.")
ARTICLE = TEASER + DETAIL + BACKGROUND
