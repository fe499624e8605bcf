"""Term extraction: what counts as a term, and which written forms are the same term."""

from monitor.trends.terms import HASHTAG, PHRASE, PLATFORM, TermExtractor, looks_like_name, stem, term_key


def keys(title: str, summary: str = "") -> set[str]:
    return TermExtractor().keys(title, summary)


def surfaces(title: str, summary: str = "") -> dict[str, str]:
    return {t.key: t.surface for t in TermExtractor().terms(title, summary)}


def test_german_compounds_and_hyphenated_names_stay_whole():
    found = surfaces("Instagram startet Broadcast-Kanäle und Reichweitenverlust-Analyse",
                     "Die neuen Broadcast-Kanäle kommen nach Deutschland.")
    assert found[term_key("Broadcast-Kanäle")] == "Broadcast-Kanäle"
    assert "Reichweitenverlust-Analyse" in found.values()
    # The parts of a hyphenated name are not terms of their own.
    assert "broadcast" not in found and "kanal" not in found


def test_capitalised_multiword_names_are_phrases():
    found = surfaces("Threads Communities and the Digital Services Act",
                     "Meta opens Threads Communities to all users in the EU.")
    assert "Threads Communities" in found.values()
    assert "Digital Services Act" in found.values()


def test_near_identical_forms_share_one_key():
    forms = ["Broadcast-Kanal", "Broadcast-Kanäle", "broadcast kanäle", "Broadcast Kanälen", "BROADCAST-KANAL"]
    assert len({term_key(f) for f in forms}) == 1
    assert term_key("Threads Community") == term_key("Threads Communities")
    assert term_key("Creator") == term_key("Creators")
    assert term_key("Richtlinie") == term_key("Richtlinien")
    assert term_key("Nutzer") == term_key("Nutzern")
    assert term_key("business") == term_key("businesses")
    # Written with a space, the same name is found under the same key as with a hyphen.
    assert term_key("Broadcast-Kanäle") in keys("Neue broadcast kanäle bei WhatsApp")
    assert term_key("Broadcast-Kanäle") in keys("WhatsApp: Broadcast-Kanal für alle")


def test_stemming_is_light_and_stable():
    assert stem("kanale") == "kanal"
    assert stem("communities") == "community"
    assert stem("news") == "news"                 # short words are left alone
    assert stem("status") == "statu" == stem("status")


def test_stop_words_and_boilerplate_are_removed():
    found = keys("The new feature is here", "Read more. Weiterlesen … The post New Feature appeared first on "
                 "Social Media Today. Der Beitrag Neue Funktion erschien zuerst auf OnlineMarketing.de")
    for word in ("the", "is", "here", "read", "weiterlesen", "post", "appeared", "social media today",
                 "onlinemarketing.de", "der", "erschien", "zuerst"):
        assert word not in found
    assert term_key("feature") in found
    assert not any(term_key(w) in found for w in ("Social", "Today", "Funktion"))


def test_links_numbers_and_single_letters_are_not_terms():
    found = keys("Update 2026: 5 Tipps", "Mehr unter https://example.org/tipps und 100 % mehr a b c")
    assert not any(k.isdigit() for k in found)
    assert not any("example" in k or "http" in k for k in found)
    assert all(len(k) >= 2 for k in found)


def test_platforms_are_found_and_named():
    terms = TermExtractor().terms("LinkedIn und TikTok ändern den Feed",
                                  "Auch auf X (ehemals Twitter) und bei Threads.")
    platforms = {t.surface for t in terms if t.kind == PLATFORM}
    assert platforms == {"LinkedIn", "TikTok", "X", "Threads"}
    # A platform name alone is a platform term, not also a one-word phrase.
    assert "linkedin" not in {t.key for t in terms if t.kind == PHRASE}


def test_twitter_is_x_and_x_alone_is_not_a_platform():
    assert "@x" in keys("Twitter limits reach of links")
    assert "@x" not in keys("Feature X is coming", "Version X of the app")


def test_hashtags_keep_their_hash_and_merge_their_forms():
    found = surfaces("Neue Regeln für #Reels", "Mehr dazu unter #reels, #Reel und #KI2026")
    assert {t for t in found if t.startswith("#")} == {"#reel", "#ki2026"}
    assert found["#reel"] == "#Reels"
    kinds = {t.key: t.kind for t in TermExtractor().terms("#Reels")}
    assert kinds == {"#reel": HASHTAG}


def test_phrases_are_one_to_three_words_and_do_not_cross_stop_words():
    found = keys("Meta AI Studio Creator Tools für Unternehmen")
    assert "meta ai studio" in found
    assert not any(len(k.split()) > 3 for k in found)
    assert not any("unternehm" in k and "tool" in k for k in found)   # 'für' ends the phrase


def test_custom_platform_finder_is_used_and_a_broken_one_falls_back():
    assert "@mastodon" in TermExtractor(lambda text: ["mastodon"]).keys("Irgendein Titel")

    def broken(text):
        raise RuntimeError("model missing")
    assert "@instagram" in TermExtractor(broken).keys("Instagram testet etwas")


def test_names_are_told_from_a_noun_with_its_verb():
    assert looks_like_name("Digital Services Act") and looks_like_name("Broadcast-Kanäle")
    assert looks_like_name("broadcast channels") and looks_like_name("#Reels")
    assert not looks_like_name("Bluesky wächst") and not looks_like_name("EU prüft")
    assert not looks_like_name("wächst")


SAMPLES = [
    ("Instagram startet Broadcast-Kanäle für Creator", "Neue broadcast kanäle in Deutschland. Weiterlesen"),
    ("EU fines TikTok under the Digital Services Act", "The European Commission fined TikTok. Read more"),
    ("Threads Communities on X (formerly Twitter)", "#Threads #Reels are growing, says Meta's Meta-AI-Team."),
    ("LinkedIn-Algorithmus: Reichweite für Links sinkt", "Beiträge mit Links im LinkedIn-Feed verlieren."),
]


def test_batch_finds_exactly_the_terms_of_each_item():
    extractor = TermExtractor()
    texts = SAMPLES + [("Meta's KI-Assistent für WhatsApp-Gruppen und Instagram-Reels", "Ein Test. #KI #ki")]
    mentions = extractor.batch(texts)
    for n, (title, summary) in enumerate(texts):
        in_batch = {extractor.key_of(mentions, m) for m in range(len(mentions.code)) if mentions.item[m] == n}
        assert in_batch == extractor.keys(title, summary)
    # The same phrase gets the same code in any batch and any spelling.
    again = extractor.batch([("Neue broadcast kanäle", "")])
    codes = {extractor.key_of(again, m): int(again.code[m]) for m in range(len(again.code))}
    first = {extractor.key_of(mentions, m): int(mentions.code[m]) for m in range(len(mentions.code))}
    assert codes[term_key("Broadcast-Kanäle")] == first[term_key("Broadcast-Kanäle")]


def test_an_empty_batch_has_no_mentions():
    assert len(TermExtractor().batch([]).code) == 0
    assert len(TermExtractor().batch([("", ""), ("...", "")]).code) == 0


def test_batch_restricted_to_some_words_finds_only_phrases_of_them():
    extractor = TermExtractor()
    texts = SAMPLES + [("Neue broadcast kanäle und Broadcast-Kanäle starten", "")]
    full = extractor.batch(texts)
    wanted = {term_key("Broadcast-Kanäle"), "digital servic act", "thread community", "kanal"}
    words = {w for k in wanted for w in k.split()}
    only = extractor.batch(texts, only_words=words)

    def found(m):
        return {(int(m.item[n]), extractor.key_of(m, n)) for n in range(len(m.code))}
    in_full = {(item, key) for item, key in found(full) if key in wanted or key[0] in "@#"}
    assert {(item, key) for item, key in found(only) if key in wanted or key[0] in "@#"} == in_full
    assert all(key[0] in "@#" or set(key.split()) <= words for _, key in found(only))


def test_terms_are_whole_words():
    # 'euren' is a German possessive, not the currency; an ending never shortens a word into another.
    assert term_key("euren") != term_key("EUR") and "eur" not in keys("Zeigt uns euren Lieblingsfilter")
    assert stem("tokens") == "token" and stem("games") == "game"
    # A part of a hyphenated word is not the word: 'EU-Kommission' counts for neither 'EU' nor 'Kommission'.
    found = keys("EU-Kommission prüft Reels-Funktion")
    assert {"eu", "kommission", "reel", "funktion"}.isdisjoint(found)
    assert {term_key("EU-Kommission"), term_key("Reels-Funktion")} <= found


def test_generic_words_and_short_abbreviations_are_no_trend_unless_names():
    from monitor.trends.names import is_generic, is_name, worth_tracking

    def tracked(surface: str) -> bool:
        key = "#" + term_key(surface[1:]) if surface.startswith("#") else term_key(surface)
        return worth_tracking(key, surface)

    for name in ("DSA", "DMA", "DSGVO", "FTC", "BGH", "EU-Kommission", "DSA-Bußgeld", "Digital Services Act",
                 "KI-Verordnung", "Threads Communities", "Broadcast-Kanäle", "#Starterpack"):
        assert tracked(name), name
    for generic in ("EU", "AI", "KI", "EUR", "USA", "CEO", "Ads", "Social Media", "EU-Bußgeld", "KI-Modelle",
                    "UPDATE", "Millionen", "#AI", "train AI", "Bluesky wächst"):
        assert not tracked(generic), generic
    # The names come from the story vocabulary, so trends and stories know the same ones.
    assert is_name("Bundeskartellamt") and is_name("digital markets act") and not is_name("EU")
    assert is_generic("Europa") and not is_generic("EU-Kommission")
