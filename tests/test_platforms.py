"""The platform dictionary: names and aliases in German and English, and the
ordinary words that must not become platforms."""

from __future__ import annotations

import pytest

from classifiers import find_platforms
from classifiers.platforms import PLATFORMS

FOUND = [
    # plain names, any case, also in compounds, handles and hashtags
    ("Instagram testet neue Funktion für Reels", ["instagram"]),
    ("TikTok-Verbot an Schulen gekippt", ["tiktok"]),
    ("Der LinkedIn-Algorithmus bevorzugt Dokumente", ["linkedin"]),
    ("Linked In testet Videos im Feed", ["linkedin"]),
    ("YOUTUBE and PINTEREST update their ad policies", ["pinterest", "youtube"]),
    ("Follow @instagram and #TikTok for updates", ["instagram", "tiktok"]),
    ("Snapchat+, Reddit and Telegram channels", ["reddit", "snapchat", "telegram"]),
    ("WhatsApp Business bekommt KI-Agenten", ["whatsapp"]),
    ("XING wird zu New Work, Xing-Profile bleiben", ["xing"]),
    ("Bluesky and Mastodon grow; bsky.app adds DMs", ["bluesky", "mastodon"]),
    ("Threads opens its API to the Fediverse", ["mastodon", "threads"]),
    ("Google Discover traffic drops for publishers", ["google"]),
    ("Google Business Profile: neue Felder im Google-Unternehmensprofil", ["google"]),
    # aliases
    ("Insta-Story tips for small shops", ["instagram"]),
    ("IG and YT Shorts compared", ["instagram", "youtube"]),
    ("Creators can now add links to Shorts", ["youtube"]),
    ("Meta Business Suite adds post scheduling", ["facebook", "instagram"]),
    ("FB Gruppen verlieren Reichweite", ["facebook"]),
    ("Facebook Messenger gets AI summaries", ["messenger"]),
    ("Broadcast channels arrive on Messenger", ["messenger"]),
    ("Snap Inc. reports a record quarter", ["snapchat"]),
    ("r/socialmedia asks how to handle approvals", ["reddit"]),
    ("Stream highlights from twitch.tv", ["twitch"]),
    ("The Twitch streamer moved to YouTube", ["twitch", "youtube"]),
    # X, formerly Twitter
    ("Twitter verliert Werbekunden", ["x"]),
    ("She tweeted that the feature is coming", ["x"]),
    ("X (formerly Twitter) sues advertisers", ["x"]),
    ("X, vormals Twitter, verklagt Werbekunden", ["x"]),
    ("X Corp appeals the ruling", ["x"]),
    ("Reichweite auf X sinkt seit dem Update", ["x"]),
    ("Brands keep posting on X and LinkedIn", ["linkedin", "x"]),
    ("X's new policy on labels", ["x"]),
    ("X-Chef Yaccarino tritt zurück", ["x"]),
    ("X Premium subscribers get a reply boost", ["x"]),
    ("X tests a dislike button", ["x"]),
    ("Musk: X will charge new users a small fee", ["x"]),
    ("Links to x.com now open in the app", ["x"]),
    ("Mehr Reichweite auf X und Threads", ["threads", "x"]),
    ("Meta's Threads passes 200 million users", ["threads"]),
    ("Threads testet Spoiler-Markierung", ["threads"]),
]

NOT_FOUND = [
    "The x-axis shows time, the y-axis reach",
    "A 3 x 4 grid of images",
    "Generation X and Gen X marketers prefer email",
    "Tesla recalls the Model X",
    "The new X-Men trailer",
    "SpaceX launches another rocket",
    "Threads of conversation about burnout",
    "A nervous twitch before the pitch",
    "Shorts are back in fashion this summer",
    "Oh snap, I forgot the caption",
    "Drittanbieter-Messenger wie Threema bleiben außen vor",
    "Ein Telegramm vom Chef",
    "The index was tweaked last week",
    "Unser Unternehmensprofil ist jetzt vollständig",
    "Metaverse hype is over",
    "Release notes and commits are linked in the pull request",
    "",
]


@pytest.mark.parametrize("text, expected", FOUND, ids=[t[:40] for t, _ in FOUND])
def test_platforms_are_found_by_name_and_alias(text, expected):
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text", NOT_FOUND, ids=[t[:40] or "empty" for t in NOT_FOUND])
def test_ordinary_words_are_not_platforms(text):
    assert find_platforms(text) == []


def test_twitter_threads_are_no_threads_platform():
    assert find_platforms("How to write better Twitter threads") == ["x"]
    assert find_platforms("Die besten Reddit Threads der Woche") == ["reddit"]


def test_every_platform_has_a_rule_and_names_are_lowercase():
    samples = {
        "facebook": "Facebook", "instagram": "Instagram", "threads": "on Threads", "whatsapp": "WhatsApp",
        "messenger": "Facebook-Messenger", "linkedin": "LinkedIn", "xing": "Xing", "tiktok": "TikTok",
        "youtube": "YouTube", "x": "auf X", "pinterest": "Pinterest", "snapchat": "Snapchat",
        "reddit": "Reddit", "bluesky": "Bluesky", "mastodon": "Mastodon", "google": "Google",
        "telegram": "Telegram", "twitch": "Twitch",
    }
    assert set(samples) == set(PLATFORMS)
    for name, text in samples.items():
        assert name in find_platforms(text), text
    assert all(name == name.lower() for name in PLATFORMS)


@pytest.mark.parametrize("text, expected", [
    ("Meta senkt die organische Reichweite von Unternehmensseiten", ["facebook", "instagram"]),
    ("EU court rules Meta must ask before using data for ads", ["facebook", "instagram"]),
    ("Threads, Metas Kurznachrichten-App, testet Communities", ["threads"]),
    ("WhatsApp, owned by Meta, adds usernames", ["whatsapp"]),
    ("Meta-Daten im Seitenkopf richtig pflegen", []),
    ("Meta description length for SEO in 2025", []),
])
def test_a_company_counts_for_its_platforms_only_when_the_item_is_about_it(text, expected):
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text", [
    "X throttles posts that contain links",
    "The EU fined the social media giant X over its blue checkmarks",
    "Am Dienstag teilte X mit, Links anders anzuzeigen",
    "Wer ein Firmenkonto bei Instagram, X und Co. hat, braucht ein Impressum",
    "X Rewrites Its Terms Of Service To Train Grok",
])
def test_x_counts_in_context(text):
    assert "x" in find_platforms(text)


@pytest.mark.parametrize("text", ["Generation X kauft anders ein", "Faktor X im Marketing-Mix",
                                  "Schritt 3 x 4 Bilder im Raster", "The X-Men trailer is out"])
def test_x_is_not_the_letter(text):
    assert "x" not in find_platforms(text)


def test_a_platform_named_only_as_a_yardstick_is_not_what_the_item_is_about():
    assert find_platforms("Pinterest launches short videos, much like TikTok") == ["pinterest"]
    assert find_platforms("Metas Twitter-Alternative Threads startet in der EU") == ["threads"]
    assert find_platforms("TikTok tests longer videos") == ["tiktok"]   # nothing to compare with: kept


@pytest.mark.parametrize("text, expected", [
    ("Metas Twitter-Konkurrenz Threads zeigt jetzt Trends", ["threads"]),
    ("Der Instagram-Chef spricht über die Konkurrenz mit TikTok", ["instagram"]),
    ("Threads, the Twitter killer, adds direct messages", ["threads"]),
    ("YouTube Shorts, a TikTok lookalike, expands to Austria", ["youtube"]),
    ("Pinterest tests a TikTok-style clone feed; Instagram rivals are watching", ["pinterest"]),
    ("Bluesky, a competitor for Elon Musk's X, adds starter packs", ["bluesky"]),
    ("Threads, das Konkurrenzangebot zu Twitter, startet in Europa", ["threads"]),
    ("Pinterest still reaches few brands compared with Facebook", ["pinterest"]),
    ("Threads wächst langsamer im Vergleich zu TikTok", ["threads"]),
    ("Bluesky wächst weiter und wird zu einem ernsthaften Konkurrenten für X", ["bluesky"]),
    ("Bluesky has become a serious competitor to X. Threads adds custom feeds", ["bluesky", "threads"]),
    ("Pinterest testet ein Layout, das an TikTok und Instagram erinnert", ["pinterest"]),
    ("LinkedIn tests a vertical feed reminiscent of TikTok", ["linkedin"]),
    ("Will Instagram Snapchat jetzt richtig Konkurrenz machen? Es testet verschwindende Nachrichten",
     ["instagram"]),
    ("Die App Threads liegt bei den Downloads noch vor WhatsApp und Facebook", ["threads"]),
    ("Bluesky climbed the app charts, ahead of X and Threads, after adding video", ["bluesky"]),
    ("Pinterest is the fourth largest network, behind Facebook and YouTube, and adds a video tab", ["pinterest"]),
    ("LinkedIn testet einen Video-Feed im TikTok-Stil", ["linkedin"]),
    ("LinkedIn tests a short-video feed, akin to the format pioneered by TikTok", ["linkedin"]),
    ("Instagram will sich stärker an TikTok annähern und testet ein Vollbild-Raster", ["instagram"]),
    ("Reels, die TikTok-Kopie von Instagram, bekommen längere Clips", ["instagram"]),
    ("Meta launched Threads a year ago to challenge Elon Musk's X", ["threads"]),
    # the same words where the platform is the subject: kept
    ("TikTok erinnert Nutzer an die neuen Regeln; Instagram folgt", ["instagram", "tiktok"]),
    ("X bleibt Konkurrent Nummer eins; Threads holt auf", ["threads", "x"]),
    ("Mosseri explains the reason behind lower reach on Instagram; TikTok is next", ["instagram", "tiktok"]),
])
def test_a_competitor_named_as_the_yardstick_is_not_what_the_item_is_about(text, expected):
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Xing will sich mit Video-Lebensläufen von Facebook, YouTube und Co. abheben", ["xing"]),
    ("LinkedIn testet ein Story-Format, wie Nutzer es von Snapchat, Instagram & Co. kennen", ["linkedin"]),
    ("Neben Facebook, TikTok, Twitter, Pinterest und Co. setzt Threads auf Textbeiträge", ["threads"]),
    ("WhatsApp startet öffentliche Kanäle. Sie ähneln den Kanälen bei Telegram", ["whatsapp"]),
])
def test_a_platform_in_a_list_closed_by_und_co_is_a_yardstick_beside_the_subject(text, expected):
    """"und Co." makes a list a kind of network to compare with; the item is about the other one."""
    assert find_platforms(text) == expected


def test_a_list_closed_by_und_co_that_is_all_the_item_names_still_counts():
    assert find_platforms("Facebook, Instagram und Co.: Was Unternehmen beim Impressum beachten müssen") == [
        "facebook", "instagram"]


def test_a_rival_named_first_still_counts_when_it_is_the_subject():
    assert find_platforms("Konkurrenz für TikTok: Instagram startet längere Reels") == ["instagram"]
    assert find_platforms("Twitter-Konkurrent Threads öffnet seine API") == ["threads"]
    # "<yardstick> rival <subject>": the name before "rival" is the yardstick
    assert find_platforms("Twitter/X rival Bluesky finally opens to the public") == ["bluesky"]
    assert find_platforms("Meta's Twitter rival Threads adds direct messages") == ["threads"]
    assert find_platforms("Twitter Rival Bluesky Opens Its Doors To Everyone") == ["bluesky"]
    # "its rival TikTok": the rival is the yardstick of the subject named before
    assert find_platforms("YouTube adds a remix button, as its rival TikTok did") == ["youtube"]
    assert find_platforms("YouTube Adds A Remix Button, As Its Rival TikTok Did") == ["youtube"]


@pytest.mark.parametrize("text, expected", [
    # a copy, a rival product or a replacement, with the rival's description between
    ("WhatsApp kopiert eine lange bekannte Funktion von Telegram und öffnet Kanäle für alle", ["whatsapp"]),
    ("LinkedIn kopiert ein bewährtes Format aus dem Messenger Telegram", ["linkedin"]),
    ("Reels launched to compete with the fast-growing short video app TikTok", ["instagram"]),
    ("Pinterest startete Idea Pins damals als Antwort auf Instagram-Stories", ["pinterest"]),
    ("Meta's answer to TikTok reaches Facebook users in Europe", ["facebook"]),
    ("Kolumne: Bluesky wird kein Ersatz für Twitter", ["bluesky"]),
    ("Threads is not yet a replacement for X, its users say", ["threads"]),
    # "competitor" as "rival": a bare "competitor TikTok" is a yardstick, "Twitter competitor Bluesky" the subject
    ("Facebook redesigns its feed after short-video competitor TikTok", ["facebook"]),
    ("X slows links to competitors such as Bluesky, a study finds", ["x"]),
    ("Twitter competitor Bluesky drops its invite codes", ["bluesky"]),
    # "zu … gehörend" is the German for "owned by"
    ("Der zu Meta (Facebook) gehörende Messenger WhatsApp testet Benutzernamen", ["whatsapp"]),
    # imitated, mirrored or inspired: the model is the yardstick
    ("Pinterest mimics Instagram with a new format for short clips", ["pinterest"]),
    ("LinkedIn imitiert mit einem neuen Video-Tab den Feed von TikTok", ["linkedin"]),
    ("LinkedIn adds a vertical video tab that mirrors the short-form feed of TikTok", ["linkedin"]),
    ("Threads tests Twitter-inspired tags for topics", ["threads"]),
    ("LinkedIn rolls out a TikTok-inspired video feed", ["linkedin"]),
    # a company that runs its own platforms, named first, is the subject; the yardstick after it goes
    ("Meta replaces its fact-checkers with community notes, taking inspiration from X", ["facebook", "instagram"]),
    ("Meta ersetzt Faktenchecks durch Community Notes nach dem Vorbild von X", ["facebook", "instagram"]),
    # … but not a company named after the platform, nor one that runs the platform compared
    ("Seit März müssen Gatekeeper wie Google, Meta und Apple die Regeln einhalten", ["facebook", "google", "instagram"]),
])
def test_a_platform_named_as_the_model_of_a_copy_or_the_rival_answered_is_not_what_the_item_is_about(text, expected):
    assert find_platforms(text) == expected


def test_a_copyright_word_does_not_read_as_a_copy():
    """"Copyright" begins like "copy": a copyright claim names the platform it concerns."""
    assert find_platforms("YouTube explains copyright claims on clips first posted to TikTok") == ["tiktok", "youtube"]
    # the same word read by the comparison pattern, just before the platform's name
    assert find_platforms("Instagram creators hit by a copyright claim on YouTube") == ["instagram", "youtube"]
    assert find_platforms("Copyright-Verstoß auf YouTube: Instagram-Nutzerin abgemahnt") == ["instagram", "youtube"]


@pytest.mark.parametrize("text, expected", [
    ("Instagram, the photo-sharing app owned by Facebook, tests a favourites list", ["instagram"]),
    ("Google-owned YouTube will hide dislike counts", ["youtube"]),
    ("Threads, built by the Instagram team, passes 100 million users", ["threads"]),
    ("YouTube blendet Dislikes aus: Die Google-Tochter reagiert auf Kritik", ["youtube"]),
    ("Instagram says it faces fierce competition from TikTok and YouTube", ["instagram"]),
    ("Threads tests custom feeds, following Bluesky competition", ["threads"]),
    ("Instagram takes inspiration from Snapchat and launches Stories", ["instagram"]),
    ("The feature was revealed by a developer on Twitter; Instagram confirmed the test", ["instagram"]),
    ("Facebook-Messenger: Ende-zu-Ende-Verschlüsselung jetzt Standard", ["messenger"]),
])
def test_a_platform_named_as_owner_rival_medium_or_part_of_a_name_is_not_what_the_item_is_about(text, expected):
    assert find_platforms(text) == expected


def test_an_owner_that_is_the_subject_still_counts():
    assert find_platforms("Facebook and Instagram get a joint ad-free subscription") == ["facebook", "instagram"]
    assert find_platforms("YouTube owner Google fined over Shorts ads") == ["google", "youtube"]


@pytest.mark.parametrize("text, expected", [
    ("Meta, which owns Facebook, drops its fact-checking partners", ["facebook", "instagram"]),
    ("Facebook's parent Meta will train its AI on public posts", ["facebook", "instagram"]),
    ("Die Facebook-Mutter Meta muss ein Bußgeld zahlen", ["facebook", "instagram"]),
    ("Meta, der Konzern hinter Facebook, ändert seine Regeln für Werbung", ["facebook", "instagram"]),
    ("Facebook, Instagram and WhatsApp owner Meta opens Threads to the Fediverse", ["mastodon", "threads"]),
    ("Facebook-Mutter Meta? Nein: Facebook selbst testet neue Gruppen", ["facebook"]),
    ("Meta, die Muttergesellschaft von Facebook, bringt Threads nach Europa", ["threads"]),
    ("Meta, the parent company of Facebook, expands Threads to Europe", ["threads"]),
])
def test_a_platform_named_only_as_the_owner_of_a_company_gives_way_to_the_company(text, expected):
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Instagram tests text notes, a product designer wrote in a tweet", ["instagram"]),
    ("Ein Sprecher von LinkedIn erklärte in einem Tweet, der Feed bleibe unverändert", ["linkedin"]),
    ("She tweeted that the new limit applies to everyone", ["x"]),
    ("LinkedIn adds Stories, a format already seen on Snapchat", ["linkedin"]),
    ("Bluesky is a serious rival to Elon Musk's X, the platform formerly known as Twitter", ["bluesky"]),
])
def test_x_named_only_as_a_medium_or_old_name_does_not_count_beside_another_platform(text, expected):
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Adam Mosseri kündigt einen neuen Feed an", ["instagram"]),
    ("Wie kommt ein Video auf die FYP?", ["tiktok"]),
    ("Endpoints deprecated in Graph API v19", ["facebook"]),
    ("AI Overviews cut organic clicks by a third", ["google"]),
    ("Mosseri explains how Threads ranks replies", ["threads"]),
])
def test_a_product_or_person_names_its_platform_when_nothing_else_does(text, expected):
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("ByteDance has to find a buyer for its US business by January", ["tiktok"]),
    ("Alphabet pays a settlement over location tracking", ["google"]),
    ("Die Google-Mutter Alphabet legt den Streit mit Verlagen bei", ["google"]),
    ("Instagram ships an editing app to take on ByteDance's CapCut", ["instagram"]),
    ("Die Kanäle sind nach Alphabet sortiert", []),
    ("The alphabet soup of EU digital laws", []),
    ("Nach Meta will jetzt auch LinkedIn seine KI mit Nutzerdaten trainieren", ["linkedin"]),
    ("After Meta, Snapchat too adds an AI assistant", ["snapchat"]),
    ("Auch Meta muss nun zahlen, nachdem TikTok verurteilt wurde", ["facebook", "instagram", "tiktok"]),
])
def test_other_companies_count_for_their_platforms_and_a_company_that_went_first_does_not(text, expected):
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text", [
    "X lowers the reach of posts that link elsewhere",
    "X to charge new accounts before they can reply",
    "X: Likes sind ab sofort privat",
    "Brussels fines X over blue checkmarks",
    "X users see fewer replies from strangers",
    # a German verb in the third person, an adverb before the verb, a capitalised preposition
    "X streicht Überschriften aus Link-Vorschauen",
    "Nach dem Urteil: X hebt die Sperre auf",
    "X quietly launches an ad-free tier in the EU",
    "X jetzt testet einen Dislike-Knopf",
    "Auf X sehen Nutzer bezahlte Antworten zuerst",
    "Can we talk about X taking the headline out of link previews?",
    # its products
    "X API gets a pay-per-use tier for developers",
    "X engineering says link posts are no longer deprioritised",
])
def test_x_as_the_subject_of_a_sentence_counts(text):
    assert find_platforms(text) == ["x"]


@pytest.mark.parametrize("text", ["X marks the spot on the campaign map", "X factors that drive a brand",
                                  "X-ray images of the product", "Model X owners get an update",
                                  "X mal Y ergibt Z", "Für X Tage gesperrt", "Malcolm X startet eine Rede",
                                  "Gen X nutzt lieber Facebook"])
def test_a_sentence_starting_with_the_letter_x_is_no_platform(text):
    assert "x" not in find_platforms(text)


@pytest.mark.parametrize("text, expected", [
    ("The March core update has finished rolling out", ["google"]),
    ("Spam-Update im Juni abgeschlossen", ["google"]),
    ("Zuckerberg kündigt mehr Empfehlungen im Feed an", ["facebook", "instagram"]),
    ("Creator Studio goes away; use Business Suite instead", ["facebook", "instagram"]),
    ("Community Notes now also appear under videos", ["x"]),
    ("Zuckerberg says WhatsApp gets usernames", ["whatsapp"]),
    ("Fünf Jahre nach Cambridge Analytica: was sich beim Datenschutz geändert hat", ["facebook"]),
    ("Cambridge Analytica and Meta's Instagram: what the settlement covers", ["instagram"]),
])
def test_more_products_and_people_name_their_platform_when_nothing_else_does(text, expected):
    assert find_platforms(text) == expected


def test_shorts_at_the_start_of_a_headline_count_before_a_word_of_the_format():
    assert find_platforms("Shorts creators get a remix button") == ["youtube"]
    assert find_platforms("Shorts-Videos dürfen jetzt drei Minuten lang sein") == ["youtube"]
    assert find_platforms("Shorts and sandals are back") == []


@pytest.mark.parametrize("text", [
    "X throttles posts with links, a study finds",
    "Reichweite auf X bricht für Nachrichtenseiten ein",
    "X (formerly Twitter) hides like counts",
    "X-Chef kündigt Bezahlpflicht für neue Konten an",
    "X Corp loses its appeal against the fine",
    "Musks Unternehmen X verklagt einen Werbeverband",
])
def test_x_counts_where_it_is_written_as_the_network(text):
    assert find_platforms(text) == ["x"]


@pytest.mark.parametrize("text", [
    "iPhone X users report faster charging after the update",
    "Kapitel X zeigt, wie man Hashtags auswählt",
    "Wenn Unternehmen X Daten an Unternehmen Y weitergibt, braucht es einen Vertrag",
    "Post for X days, then compare the reach",
    "Die Reichweite ist X-fach höher als gedacht",
    "Final Fantasy X comes to phones",
    "Brand X says its campaign doubled sales",
    "Papst Pius X und die Kirchengeschichte",
    "Windows X bleibt ein Gerücht",
    "Generation X liest lieber Newsletter",
])
def test_the_letter_x_as_a_variable_numeral_or_product_name_is_no_platform(text):
    assert "x" not in find_platforms(text)


@pytest.mark.parametrize("text, expected", [
    ("Nach Instagram führt jetzt auch WhatsApp verschwindende Statusmeldungen ein", ["whatsapp"]),
    ("Nach Elon Musks Plattform X nimmt die EU-Kommission jetzt TikTok ins Visier", ["tiktok"]),
    ("After Instagram and Threads, TikTok now also lets people post photos with text", ["tiktok"]),
    # no "auch" / "now", or a time or a use after "Nach": both stay
    ("Nach Facebook-Kritik ändert Instagram die Regeln für Werbung", ["facebook", "instagram"]),
    ("Nach 3 Monaten mit Threads: Unsere Posts tauchen auch auf Mastodon auf", ["mastodon", "threads"]),
])
def test_the_platform_that_went_first_is_not_what_the_item_is_about(text, expected):
    """"Nach X jetzt auch Y" reports Y's change; X's is old news."""
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Bluesky 1.90 ist im App Store und bei Google Play verfügbar und speichert Entwürfe", ["bluesky"]),
    ("Instagram retires the IGTV app; it leaves the App Store and the Google Play Store this week", ["instagram"]),
    # the store itself is the subject, or Google is named beside it: kept
    ("Google Play verlangt ab sofort eine Löschfunktion in allen Apps mit Nutzerkonto", ["google"]),
    ("Google ändert die Suche, und TikTok erscheint bei Google Play weiter oben", ["google", "tiktok"]),
])
def test_google_play_as_the_store_of_another_platforms_app_does_not_count(text, expected):
    """Where an app can be downloaded says nothing about what changed."""
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text, expected", [
    # Google as the company acting for YouTube, named after it: the item is about YouTube
    ("YouTube testet kürzere Werbepausen bei Livestreams. Nach Versuchen in den USA weitet Google den Test aus",
     ["youtube"]),
    ("YouTube CEO steps down, severing longtime ties to Google", ["youtube"]),
    ("Gerücht über YouTube-Gebühren für Creator: falsch, sagt Google", ["youtube"]),
    # Google's search or another product of its own is named, Google comes first, or it is one of a list: kept
    ("YouTube-Videos erscheinen seltener in der Google-Suche, zeigt eine Auswertung", ["google", "youtube"]),
    ("YouTube videos now show up less often in Google's top results", ["google", "youtube"]),
    ("Google fined in France over cookies on google.fr and youtube.com", ["google", "youtube"]),
    ("The Commission sent requests to Snapchat, YouTube, Apple and Google on minors", ["google", "snapchat", "youtube"]),
])
def test_google_named_only_as_the_company_acting_for_youtube_does_not_count(text, expected):
    """A team filtering by Google wants its search and its products, not every YouTube item Google speaks for."""
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Instagram head Adam Mosseri said on X that Reels from small accounts get more reach", ["instagram"]),
    ("Mosseri schrieb auf Twitter, dass Instagram Originalinhalte bevorzugt", ["instagram"]),
    ("Der TikTok-Support hat auf X am Montag geschrieben, die Störung sei behoben", ["tiktok"]),
    ("LinkedIn changes the feed, a spokesperson confirmed in a post on X", ["linkedin"]),
    ("Users complained on X after Instagram began limiting political posts by default", ["instagram"]),
    ("Viele Creator haben sich auf Twitter über die neuen YouTube-Regeln geäußert", ["youtube"]),
    ("Nutzer beschweren sich auf X: TikTok zeigt weniger Videos von Freunden", ["tiktok"]),
    # about X itself: kept
    ("Reichweite auf X sinkt, auch TikTok ist betroffen", ["tiktok", "x"]),
    ("He said X is throttling links, and LinkedIn is testing the same", ["linkedin", "x"]),
])
def test_x_as_the_place_of_a_statement_does_not_count_beside_another_platform(text, expected):
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Seit der Übernahme von Twitter durch Elon Musk wächst Bluesky stetig", ["bluesky"]),
    ("Since Musk bought Twitter, Mastodon has doubled its servers", ["mastodon"]),
    ("Musk completed his purchase of Twitter in October", ["x"]),   # the only platform: kept
])
def test_a_platform_named_only_to_date_another_story_does_not_count(text, expected):
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Threads ranks replies from friends higher, the Instagram boss said", ["threads"]),
    ("Dorsey verlässt Bluesky; der Twitter-Mitgründer nennt keine Gründe", ["bluesky"]),
    ("TikTok holt eine frühere Google-Managerin für die Empfehlungen", ["tiktok"]),
    # named first, the titled platform is what the item is about
    ("Instagram-Chef: Wer Videos von TikTok recycelt, wird seltener empfohlen", ["instagram", "tiktok"]),
    ("Threads-Chef wechselt, sein Nachfolger kommt aus dem Instagram-Team", ["instagram", "threads"]),
])
def test_a_platform_named_only_in_a_persons_job_after_another_one_does_not_count(text, expected):
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Googles Videoplattform zahlt Creators mehr für lange Videos", ["youtube"]),
    ("Google's video platform shortens mid-roll ad breaks", ["youtube"]),
    ("Googles eigener Kurzvideodienst startet in Deutschland", ["youtube"]),
    ("YouTube's chief writes to creators: Google's video hub doubles down on AI", ["youtube"]),
    ("Google's video calling app gets a new name", ["google"]),   # not a video platform
    ("Google's video platform and Google Search both change their rules", ["google", "youtube"]),
    ("Microsofts Karrierenetzwerk testet KI-Bewerbungen", ["linkedin"]),
    ("The Microsoft-owned professional network adds verification for recruiters", ["linkedin"]),
    ("Microsoft raises the price of Office", []),
    ("Google changes how reviews are shown in Maps", ["google"]),
])
def test_a_company_description_of_its_platform_names_that_platform(text, expected):
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Bundestag beschließt das Netzwerkdurchsetzungsgesetz: Löschfristen für strafbare Inhalte",
     ["facebook", "x", "youtube"]),
    ("NetzDG reports are due twice a year from now on", ["facebook", "x", "youtube"]),
    ("Ab August greifen Uploadfilter: was Creator jetzt wissen müssen", ["youtube"]),
    ("UrhDaG: erste Entscheidung zur Bagatellgrenze", ["youtube"]),
    ("Copyright directive: Member States must transpose Article 17 by June", ["youtube"]),
])
def test_a_law_written_for_known_platforms_names_them_when_the_item_names_none(text, expected):
    assert find_platforms(text) == expected


@pytest.mark.parametrize("text, expected", [
    # a platform named: the item is about that one
    ("Bundesamt für Justiz verhängt Bußgeld gegen Telegram nach dem NetzDG", ["telegram"]),
    ("Upload-Filter: TikTok blockt Musik in Livestreams", ["tiktok"]),
    # article 17 of another law, and the DSA's and DMA's designations, name no platforms
    ("Artikel 17 DSGVO: das Recht auf Löschung erklärt", []),
    ("Commission designates three more adult sites as very large online platforms", []),
    ("Digital Markets Act: six gatekeepers named", []),
])
def test_a_law_adds_no_platforms_beside_a_named_one_or_when_its_scope_is_wider(text, expected):
    assert find_platforms(text) == expected


@pytest.mark.parametrize("url, expected", [
    ("https://newsroom.pinterest.com/de/post/drei-verbesserungen", ["pinterest"]),
    ("https://www.snap.com/de-DE/news/post/zu-allem-eine-story", ["snapchat"]),
    ("https://www.linkedin.com/blog/member/product/new-feed", ["linkedin"]),
    ("https://blog.youtube/news-and-events/shorts-update/", ["youtube"]),
    ("https://telegram.org/blog/stories", ["telegram"]),
    # hosted by the platform, but about anything: a video, a post, a profile, a thread
    ("https://www.youtube.com/watch?v=abc", []),
    ("https://x.com/someone/status/1", []),
    ("https://www.linkedin.com/in/someone", []),
    ("https://www.snap.com/privacy/privacy-policy", []),
    # Meta's newsroom and developer sites cover five apps
    ("https://about.fb.com/news/2024/01/update/", []),
    ("https://developers.facebook.com/blog/post/2024/01/01/", []),
    # Reddit's own communities are its newsroom, on reddit.com or a front end that mirrors it
    ("https://www.reddit.com/r/modnews/comments/abc123/introducing_new_mod_tools/", ["reddit"]),
    ("https://redlib.example.net/r/redditdev/comments/abc123/api_update/", ["reddit"]),
    ("https://old.reddit.com/r/RedditSafety/comments/abc123/q3_report/", ["reddit"]),
    ("https://www.reddit.com/r/socialmedia/comments/abc123/my_reach_dropped/", []),
    ("https://www.reddit.com/r/redditdevelopers_fanclub/comments/abc123/hi/", []),
    ("javascript:alert(1)", []), ("", []), (None, []),
])
def test_a_platforms_own_newsroom_names_it(url, expected):
    from classifiers.platforms import platforms_of_link
    assert platforms_of_link(url) == expected


def test_the_text_wins_over_the_newsroom_link():
    from classifiers.platforms import platforms_of_item
    link = "https://newsroom.pinterest.com/post/partners"
    assert platforms_of_item("3 improvements our users inspired", "", link) == ["pinterest"]
    assert platforms_of_item("Pinterest and YouTube partner on shopping", "", link) == ["pinterest", "youtube"]
    assert platforms_of_item("Shopping ads with YouTube", "", link) == ["youtube"]


@pytest.mark.parametrize("url, expected", [
    # the article's slug carries its headline: the platform it names counts
    ("https://www.example-recht.de/ratgeber/internetrecht/wann-darf-facebook-konten-sperren-48211", ["facebook"]),
    ("https://blog.example.com/2024/05/why-are-tiktok-views-down-this-week.html", ["tiktok"]),
    ("https://example.org/news/Instagram%20testet%20neue%20Reels-Ansicht", ["instagram"]),
    # a section or a short path names the site's filing, not the item's subject
    ("https://www.example.de/facebook/", []),
    ("https://www.example.com/instagram/2024/05/31/", []),
    ("https://www.example.com/unitedstates/x/628056/advertising", []),
    ("https://www.example.com/news/neue-regeln-fuer-influencer-werbung", []),
    # a handle or a post's id on the platform itself is no headline
    ("https://bsky.app/profile/someone.bsky.social/post/3kabc", []),
    ("https://www.instagram.com/p/Cabc123/", []),
])
def test_a_links_slug_names_the_platform_its_headline_named(url, expected):
    from classifiers.platforms import platforms_of_link
    assert platforms_of_link(url) == expected


def test_the_text_wins_over_the_slug():
    from classifiers.platforms import platforms_of_item
    link = "https://example.com/2024/05/bluesky-passes-twenty-million-users"
    assert platforms_of_item("Threads passes 200 million users", "", link) == ["threads"]
    assert platforms_of_item("A rival app passes twenty million users", "", link) == ["bluesky"]
    # a slug is lower case: a name that is also a common word ("threads") is not read from it
    assert platforms_of_item("A rival app grows", "", "https://example.com/2024/05/threads-grows-fast") == []


def test_an_article_is_about_the_platforms_its_title_and_first_sentences_name():
    """A feed that carries whole articles: later paragraphs name other platforms for context (a rival,
    an example, where a quote was posted), which the article is not about."""
    from classifiers.platforms import PLATFORM_LEDE_CHARS, named_platforms
    from tests import articles
    later = articles.BACKGROUND[articles.BACKGROUND.index(" Ähnliche"):]     # Reddit, YouTube, LinkedIn
    assert len(articles.TEASER) < PLATFORM_LEDE_CHARS < len(articles.ARTICLE)
    assert named_platforms(articles.TITLE, articles.ARTICLE) == ["instagram"]
    assert named_platforms("Kommentare zusammengefasst", articles.TEASER) == ["instagram"]   # named in the lede: it counts
    assert "reddit" in named_platforms("", later)     # the same words read as a teaser still name their platforms


def test_a_photo_credit_names_no_platform_of_the_item():
    """A credit says whose picture it is, not what the item is about."""
    from classifiers.platforms import named_platforms
    assert named_platforms("LinkedIn testet Stories für Unternehmensseiten",
                           "Das Format kommt zuerst in Brasilien. (Foto: Instagram)") == ["linkedin"]
    assert named_platforms("LinkedIn tests Stories for company pages", "First in Brazil. Image credit: Meta") == ["linkedin"]
    assert sorted(named_platforms("LinkedIn testet Stories", "Auch Instagram baut das Format um. (Foto: dpa)")) == [
        "instagram", "linkedin"]
