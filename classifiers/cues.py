"""Cue phrases: hand-written priors that the model combines with what it learnt.

Training examples come in a few house styles; real items come in many. Phrases such
as "rolls out", "testet", "Bußgeld", "Urteil", "Reichweite" or "ranking" mean the
same in every style, so one yes/no feature per group of such phrases helps the model
generalise beyond the wording of its examples. Groups also name the usual hard
negatives (tips, explainers, earnings, people, events, opinion, looks back,
denials) so that topic words inside them can be discounted.

Entries are written in normalised form (lowercase, ä -> ae, ß -> ss, digits -> 0):
``word`` matches the word, ``word*`` words starting with it, ``*part*`` words
containing it (German compounds: "Millionenbußgeld"), and entries with a space
match that phrase, each word optionally with ``*``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

_GROUPS: dict[str, str] = {
    # feature_rollout
    "launch": "launch* introduc* unveil* debut* rollout* release* unlock* adds added adding "
    "brings expands expanded expanding; roll out; rolls out; rolling out; rolled out; now available; "
    "available to; available in; generally available; comes to; coming to; opens to; starting today; "
    "today we; can now; now lets; now let; now allows; now shows; now supports; now offers; "
    "new feature*; new option*; new tool*; new setting*; new tab; new button",
    "test": "test testet testen tests testing tested testphase* testlauf* experiment* pilot* beta "
    "ausgewaehlt*; limited group; limited number; some users; select users; select creators; "
    "einige nutzer*; im test",
    "retire": "deprecat* sunset* retire* retiring discontinu* remov* eingestellt abgeschaltet abschalt* "
    "entfernt streicht gestrichen abgekuendigt verabschiedet; shut down; shuts down; phase out; "
    "phases out; phasing out; no longer; nicht mehr; ends support; end of life; breaking change*; "
    "stellt ein",
    "rollout_de": "fuehrt einfuehr* eingefuehrt startet gestartet rollt ausgerollt verfuegbar erweitert "
    "bringt ermoeglicht erstmals neuerung* freigeschaltet; ab sofort; ab heute; jetzt auch; "
    "neue funktion*; neues feature; neue features; neue option*; neues tool; neue einstellung*; "
    "neu bei; neu auf; ist da; sind da",
    "api": "api apis sdk endpoint* changelog webhook* v0; release notes; graph api; marketing api",
    # legal_change
    "fine": "fine fined fines penalt* *bussgeld* *geldbusse* *geldstrafe* strafe strafen sanktion* "
    "zwangsgeld*",
    "court": "court* ruling* ruled judge* *urteil* *gericht* bgh eugh cjeu olg lg verdict* lawsuit* sue "
    "sues sued klage* verklagt einstweilig* injunction* settlement* vergleich",
    "regulator": "regulator* commission kommission* ftc ofcom cnil dpc agcom *behoerde* "
    "*datenschutzbeauftragte* datenschuetzer* *kartellamt* bundesnetzagentur aufsicht* investigat* "
    "probe ermittl* verfahren* proceeding* antitrust edpb ico watchdog* senat* senate congress "
    "parliament parlament* bundestag bundesrat minister* ministerium* medienanstalt*; attorney general",
    "law": "law laws act gesetz* *gesetz *gesetze verordnung* *verordnung regulation* richtlinie "
    "directive bill legislat* dsa dma gdpr dsgvo copyright* urheberrecht* uwg impressum* ddg ttdsg "
    "tdddg coppa kosa eprivacy legal* rechtlich* illegal* rechtswidrig* unzulaessig* zulaessig* mstv "
    "jmstv; ai act; online safety",
    "policy": "terms nutzungsbedingungen agb datenschutz* gemeinschaftsrichtlinien policy policies "
    "nutzervereinbarung consent einwilligung* cookie* altersverifi* altersnachweis* altersgrenze* ban "
    "bans banned verbot* *verbot verbiet* abmahn* complian* comply minors minderjaehrig* "
    "jugendschutz* pflicht* *pflicht verpflicht*; terms of service; terms of use; privacy policy; "
    "community guidelines; community standards; user agreement; age verification; age check*; "
    "in kraft; takes effect; took effect; into force; gilt ab",
    # algorithm_reach_change
    "reach": "reach *reichweite* visibility sichtbarkeit* *sichtbarkeit impressions impressionen views "
    "aufrufe traffic distribut* ausspiel* ausgespielt organic* organisch* engagement* interaktion* "
    "exposure klicks clicks",
    "ranking": "algorithm* algorithmus algorithmen ranking* rank ranks ranked downrank* deboost* demot* "
    "boost* feed feeds *feed explore discover recommend* empfehl* empfiehlt signal signals signale "
    "watchtime wiedergabezeit verweildauer sends shares hashtag* link links shadowban* bevorzug* "
    "benachteilig* abgewertet abwert* aufgewertet priorisi* prioriti* surfac* gewicht* weight* "
    "suppress* unterdrueck* drossel* gedrosselt *sperre; for you; watch time; dwell time; core update; "
    "spam update",
    "change_dir": "drop dropped drops declin* fell fall falls plummet* surge* rose rise rises jump* "
    "increas* decreas* rueckgang *rueckgang einbruch eingebrochen *einbussen sinkt sinken gesunken "
    "*verlust *verluste steigt steigen gestiegen zuwachs verdoppel* halbiert lower higher hoeher "
    "niedriger weniger fewer; 0 prozent; 0 percent",
    "official": "mosseri confirm* bestaetig* klarstell* clarif* statement offiziell* official* "
    "announc* angekuendigt",
    "stats": "study studies studie* survey* umfrage* report reports analys* auswertung* benchmark* "
    "measur* messung* befragung* daten data",
    # hard negatives
    "howto": "tip tips tipp tipps guide* leitfaden anleitung* checklist* checkliste* strateg* ideen "
    "ideas idea mistakes fehler hack hacks secret secrets formel* tutorial* template* vorlage* worauf "
    "primer ratgeber*; how to; so geht*; so gehen; so klappt; so funktioniert; so nutzen; so nutzt; "
    "so gelingt; so erstellen; schritt fuer schritt; step by step; best practice*; ways to; what to; "
    "getting started; cheat sheet",
    "explainer": "explained explainer overview ueberblick faq basics grundlagen understanding verstehen "
    "glossar*; what is; was ist; everything you; alles was; alles ueber; wie funktioniert; "
    "was bedeutet; what does",
    "business": "revenue* umsatz* earnings quarter* quartal* profit* gewinn* stock aktie* investor* ipo "
    "valuation acquir* acquisition uebernimmt uebernahme funding finanzierung* layoff* entlass* "
    "nasdaq nyse",
    "people": "ceo chef chefin appoint* hire hires hired joins leaves verlaesst leiter leiterin "
    "personalie* managerin nachfolge* interview* podcast* gruendet founder* gruender*; steps down",
    "event": "conference* konferenz* webinar* summit meetup event events veranstaltung* messe omr "
    "dmexco cannes keynote* panel* workshop* ticket* vortrag*",
    "opinion": "opinion meinung kommentar commentary essay kolumne column rant unpopular; why i; "
    "warum ich; i think; ich finde; hot take",
    "retro": "rueckblick* remember* erinner* history geschichte damals anniversary jubilaeum timeline "
    "chronik; years ago; look back; looks back; looking back; was wurde aus; whatever happened",
    "denial": "denies denied deny dementi* rumor* rumour* geruecht* falschmeldung* hoax myth* mythos "
    "mythen unchanged unveraendert; not testing; no plans; keine plaene; nicht geplant; "
    "testet nicht; nothing changed; not changed; nichts geaendert; no change; no recent change; "
    "keine aenderung*",
    "community": "anyone jemand eure euer; does anyone; hat jemand; wie handhabt; what s your",
}

CUE_NAMES: tuple[str, ...] = tuple(_GROUPS)
# Pairs of groups whose evidence counts only together: a reach change is reported as a
# measurement with a direction ("Studie: Reichweite sinkt"), or as a platform's own word on
# ranking. Each group alone is common in items that report nothing (usage statistics,
# benchmarks, tips on "the algorithm"), so each alone weighs little, and an additive model
# cannot give the pair more than the sum of its parts. The tagger's second stage gets each
# pair's product as one more input (`tagger.combiner_inputs`). Fourteenth round,
# classifiers/README.md: reach ranking rose on the real set and on a fourth sample of
# original wording, on three fold seeds; the same pairs for the other tags did not help.
CUE_CONJUNCTIONS: tuple[tuple[str, str], ...] = (
    ("stats", "change_dir"), ("stats", "reach"), ("change_dir", "reach"), ("change_dir", "ranking"),
    ("official", "ranking"), ("official", "reach"))
# Kinds of items that report no change even when they are full of topic words; the
# tagger lets these scale the text evidence down (see `tagger.combiner_inputs`).
DISCOUNTING_CUES: tuple[str, ...] = ("howto", "explainer", "business", "people", "event", "opinion",
                                     "retro", "denial", "community")


Phrase = tuple[tuple[str, bool], ...]  # the words after the first, each with "is a prefix"


class CueMatcher:
    """Finds which cue groups occur in a tokenised item.

    Single words are looked up once per distinct word and cached; prefixes are
    indexed by their first two letters, phrases by their first word, so an item
    costs a dictionary lookup per word rather than a scan of every entry."""

    def __init__(self, groups: dict[str, str] = _GROUPS):
        self.exact: dict[str, set[int]] = {}
        self.prefixes: dict[str, list[tuple[str, int]]] = {}
        self.infixes: list[tuple[str, int]] = []
        self.phrases: dict[str, list[tuple[Phrase, int]]] = {}
        for gid, spec in enumerate(groups.values()):
            for entry in _entries(spec):
                self._add(entry, gid)
        self._cache: dict[str, int] = {}

    def groups_of(self, word: str) -> frozenset[int]:
        """Cue groups a single word belongs to."""
        mask = self.word_mask(word)
        return frozenset(gid for gid in range(len(CUE_NAMES)) if mask >> gid & 1)

    def word_mask(self, word: str) -> int:
        """The groups of one word as bits (cached: words repeat across items, and OR-ing
        ints is the cheapest way to collect an item's groups)."""
        found = self._cache.get(word)
        if found is None:
            hits = set(self.exact.get(word, ()))
            hits.update(gid for prefix, gid in self.prefixes.get(word[:2], ()) if word.startswith(prefix))
            hits.update(gid for part, gid in self.infixes if part in word)
            if len(self._cache) > 200_000:
                self._cache.clear()
            found = self._cache[word] = sum(1 << gid for gid in hits)
        return found

    def mask(self, words: Sequence[str]) -> int:
        """Bit `gid` set for each group found in `words`."""
        cache, found = self._cache, 0
        for word in set(words):
            bits = cache.get(word)
            found |= self.word_mask(word) if bits is None else bits
        for _, gid in self._phrase_hits(words):
            found |= 1 << gid
        return found

    def values(self, words: Sequence[str]) -> list[float]:
        """1.0 for each group found in `words`, else 0.0."""
        found = self.mask(words)
        return [1.0 if found >> gid & 1 else 0.0 for gid in range(len(CUE_NAMES))]

    def matches(self, words: Sequence[str]) -> dict[str, str]:
        """The first word or phrase each group found, to show why a score rose."""
        found: dict[str, str] = {}
        for phrase, gid in self._phrase_hits(words):
            found.setdefault(CUE_NAMES[gid], phrase)
        for word in words:
            for gid in self.groups_of(word):
                found.setdefault(CUE_NAMES[gid], word)
        return found

    def _phrase_hits(self, words: Sequence[str]) -> Iterator[tuple[str, int]]:
        """(matched text, group) for each phrase occurrence."""
        phrases = self.phrases
        for i, word in enumerate(words):
            if word in phrases:
                for length, gid in self.phrases_at(words, i, len(words)):
                    yield " ".join(words[i : i + length]), gid

    def phrases_at(self, words: Sequence[str], i: int, end: int) -> Iterator[tuple[int, int]]:
        """(length in words, group) of each phrase that starts at `words[i]` and ends before
        `words[end]`: the one test of a phrase, for an item's words or a whole batch's (`features`)."""
        if i + 1 >= end:
            return
        following = words[i + 1]
        for rest, gid in self.phrases.get(words[i], ()):
            second, is_prefix = rest[0]  # most phrases have two words: test inline
            if (following.startswith(second) if is_prefix else following == second) and (
                len(rest) == 1 or _follows(words, i + 2, end, rest[1:])
            ):
                yield 1 + len(rest), gid

    def _add(self, entry: str, gid: int) -> None:
        if " " in entry:
            first, *rest = entry.split()
            tail = tuple((w.rstrip("*"), w.endswith("*")) for w in rest)
            self.phrases.setdefault(first, []).append((tail, gid))
        elif entry.startswith("*"):
            self.infixes.append((entry.strip("*"), gid))
        elif entry.endswith("*"):
            stem = entry.rstrip("*")
            self.prefixes.setdefault(stem[:2], []).append((stem, gid))
        else:
            self.exact.setdefault(entry, set()).add(gid)


def _follows(words: Sequence[str], start: int, end: int, rest: Phrase) -> bool:
    if start + len(rest) > end:
        return False
    return all(words[start + k].startswith(w) if prefix else words[start + k] == w
               for k, (w, prefix) in enumerate(rest))


def _entries(spec: str) -> list[str]:
    """Single words are separated by spaces, phrases by semicolons (first part is words)."""
    words, *phrases = spec.split(";")
    return words.split() + [" ".join(p.split()) for p in phrases if p.strip()]
