"""Which platforms an item is about, from a dictionary of names and aliases.

A dictionary, not a model: the names are known, a reader can check why an item got
a platform, and adding an alias is one line. Most names are distinctive and match
in any case, also at the start of German compounds ("Instagram-Reels",
"TikTok-Verbot"). A few aliases are ordinary words too, so they match only in the
forms that name the platform:

* ``X``: never the letter ``x``. Only "X" written as a name: "auf X", "on X",
  "X's", "X-Chef", "X Premium", "X Corp", "X (formerly Twitter)", "X, vormals
  Twitter", "x.com", or a headline starting "X tests …". Not "x-axis", "3 x 4",
  "X-Men", "Gen X", "Model X", "SpaceX".
* ``Threads``: capitalised, not "threads" and not "Threads of …" nor "Twitter/X/Reddit
  threads" (threads of posts on other platforms).
* ``Messenger``: with Facebook or Meta ("Facebook Messenger", which is Messenger alone), or "on/in/via
  Messenger", "Messenger app/Kids/chats". In German "Messenger" is also the common
  noun for any chat app ("Drittanbieter-Messenger"), which must not count.
* ``Reels`` -> instagram only. Facebook has Reels too, but a bare "Reels" almost
  always means Instagram's; an item about Facebook Reels names Facebook anyway.
* ``Shorts`` -> youtube when capitalised and not the first word (clothing, a
  headline's first word) or before "creators", "videos", "feed", "Fund"; "YouTube
  Shorts" names YouTube anyway.
* ``Snap`` -> snapchat when capitalised ("Snap Inc", "Snap's Spotlight").
* ``Twitch`` capitalised ("The Twitch streamer"); "a nervous twitch" is no platform.
* ``IG``, ``YT``, ``FB`` in capitals only.
* ``Meta Business Suite`` -> facebook and instagram; "Fediverse" -> mastodon.
* A platform named only as a company's owner description ("Facebook's parent Meta",
  "Meta, which owns Facebook"), as an old name ("formerly Twitter") or as the medium of a
  statement ("in einem Tweet", beside another platform) does not count; the company does.
  Nor does one named only as another platform's owner or maker ("Instagram, the app owned by
  Facebook", "Google-owned YouTube", "die Google-Tochter", "der zu Facebook gehörende Messenger",
  "built by the Instagram team"),
  or as its rival ("Twitter-Konkurrenz Threads", "Twitter/X rival Bluesky", "competition from TikTok",
  "inspired by Snapchat", "a TikTok lookalike", "die TikTok-Kopie", "sich an TikTok annähern",
  "Konkurrenzangebot zu Twitter", "a competitor for X", "to challenge X", "compared with Facebook",
  "short-video competitor TikTok", "als Antwort auf TikTok", "kein Ersatz für Twitter", "kopiert eine
  beliebte Funktion von Telegram", "mimics Instagram", "a TikTok-inspired feed")
  where another platform is named, or a company that runs platforms of its own is named before it
  ("Meta … taking inspiration from X"); so does a list closed by "und Co."
  or "& Co." ("sich von Facebook, YouTube und Co. abheben"), which names a kind of network to
  compare with.
* ``X`` as the subject of a sentence ("X lowers …", "X to charge …", "X quietly launches …",
  German "X streicht …", a headline "X: …"), as the object of a fine or ban ("fines X",
  "bans X"), before "users", "subscribers", "API", and after a preposition that opens a
  sentence ("Auf X sehen …").
* A company counts for the platforms it runs when the item is about it: Meta -> facebook
  and instagram; ByteDance -> tiktok and Alphabet -> google only when no platform is named
  (they run other products too). Not a company that went first ("Nach Meta will jetzt
  auch LinkedIn …", "After Meta, …").
* With no platform named at all, a person or product that belongs to one names it:
  Mosseri (Instagram), FYP (TikTok), Graph/Marketing API (Facebook), AI Overviews,
  Search Console and core/spam/helpful-content updates (Google), Zuckerberg, Creator
  Studio and Business Suite (Facebook and Instagram), Community Notes (X), Cambridge Analytica
  (Facebook).
* ``X`` is not a numeral, variable or product name: "iPhone X", "Kapitel X", "Brand X",
  "Unternehmen X … Unternehmen Y", "X days", "X-fach".
* X named only as the place of a statement ("said on X", "schrieb auf Twitter", "hat auf X
  geschrieben") or to date another story ("seit der Übernahme von Twitter") does not count
  beside another platform; nor does a platform named only in a person's job ("the Instagram
  boss said", "Twitter-Mitgründer Dorsey") after another platform was named.
* A company's description of its platform names that platform: "Googles Videoplattform",
  "Googles eigener Kurzvideodienst", "Google's video hub" -> youtube (not google), "Microsoft's
  professional network" -> linkedin.
* With no platform named at all, a law written against known platforms names them: the NetzDG
  (Facebook, YouTube, X) and the upload filters of Art. 17 of the copyright directive, the UrhDaG
  (YouTube). Not the DSA's or DMA's designations: their lists hold shops and app stores too.
* Google named after YouTube only as the company acting for it ("YouTube testet … Nach Versuchen in
  den USA weitet Google den Test aus") does not count beside YouTube; Google's search or another
  product of its own, Google named first, in a list of addressees or as "YouTube owner Google" does.
* "Unternehmensprofil" alone is not mapped to google: LinkedIn pages are called that
  too; "Google-Unternehmensprofil" names Google anyway.
* An item is about what its title and first sentences name (`named_platforms`, 300 characters
  of its summary): a whole article's later paragraphs name rivals, examples and the places of
  quotes for context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

from .furniture import strip_furniture
from .labels import PLATFORMS  # noqa: F401 - re-exported: the dictionary covers exactly these
from .text import lede

_I = re.IGNORECASE
_START = r"(?<![\w.-])"  # not inside a word, domain or compound; "@name" and "#name" count
_X_VERBS = (r"tests?|testet|rolls|launch\w*|adds?|removes?|bans?|sues|verklagt|fuehrt|führt|startet|will|"
            r"plans?|plant|is|ist|says|sagt|cuts?|drops?|changes?|ändert|aendert|erlaubt|allows?|lets|"
            r"now|jetzt|bringt|stellt|limits?|begrenzt|updates?|introduces?|hides?|shows?|blocks?|sperrt|"
            r"gets|bekommt|loses|verliert|pays|zahlt|must|muss|wants|will|soll|expands?|erweitert|"
            r"brings|makes|macht|has|hat|kills|ends|beendet|raises|kündigt|kuendigt|restricts|"
            r"schränkt|verschärft|lockert|fined|reverses|rewards|boosts|downranks|deprioriti[sz]es")
_X_COMPOUNDS = (r"Chef\w*|CEO|Konto|Kontos|Account\w*|Nutzer\w*|User\w*|Post\w*|Beitr\w*|Profil\w*|"
                r"Algorithmus|Feed|Premium|Werbung|Ads|Kanal|Kanäle|Eigentümer\w*|Mutter\w*|Timeline|"
                r"Plattform|App|Community|Communities|Alternative\w*|Abo\w*|Blue|Chefin|Sperre|Verbot|Daten")

# Words after which "X" is a verb's subject: "X is throttling", "X Rewrites Terms".
_X_MORE_VERBS = (r"throttl\w*|drosselt|rewrites?|will|is|has|was|says|said|announced|announces|confirmed|confirms|"
                 r"rolled|rolls|begins|began|started|stopped|stops|no longer|now|teilte|hat|wird|gibt|zeigt|"
                 r"versteckt|entfernt|rewards|penali[sz]es|suspends?|fines?|faces|must|owned|updated|updates")
# Adverbs between X as a subject and its verb: "X quietly launches", "X jetzt testet" is rarer than "X testet jetzt".
_X_ADVERB = r"(?:[a-z]{3,}ly|now|also|still|finally|soon|already|again|jetzt|nun|bald|auch|wieder) "
# Nouns that name what X is: "social media giant X", "die Plattform X".
_X_NOUNS = (r"giant|platform|Plattform|network|Netzwerk|Dienst|service|app|App|company|Konzern|Unternehmen|"
            r"firm|site|Kurznachrichtendienst|Kurznachrichtenplattform|Onlinedienst|Online-Plattform|owner|"
            r"Musk's|Musks")
# German verbs before their subject (verb second): "teilte X mit", "hat X angekündigt".
_X_BEFORE = (r"teilte|hat|hatte|will|plant|testet|führt|startet|kündigte|verklagt|sperrt|ändert|soll|muss|darf"
             r"|kann|gegen|against|fines|fined|sues|sued|bans|banned|probes|investigates|verhängt")

# (platforms, pattern, flags). Patterns run on the original text.
_RULES: list[tuple[tuple[str, ...], str, int]] = [
    (("facebook",), _START + r"facebook", _I),
    (("facebook",), r"\bFB\b", 0),
    (("facebook", "instagram"), r"\bMeta Business (?:Suite|Manager)\b", _I),
    (("instagram",), _START + r"instagram", _I),
    (("instagram",), _START + r"insta\b", _I),
    (("instagram",), r"\bIG\b", 0),
    (("instagram",), r"\b(?:Reels?|reels)\b", 0),
    (("threads",), r"(?<![\w@#./-])(?<!Twitter )(?<!Reddit )(?<!X )(?<!Forum )(?<!E-Mail-)Threads\b(?! of\b)", 0),
    (("threads",), r"\bthreads\.(?:net|com)\b", _I),
    (("whatsapp",), _START + r"whats ?app", _I),
    (("messenger",), r"\b(?:Facebook|Meta)[- ]Messenger\b", _I),
    (("messenger",), r"\b(?:on|in|via|to|from|inside) Messenger\b(?!-)", 0),
    (("messenger",), r"\bMessenger(?:'s| app\b| Kids\b| chats?\b| users\b| Rooms\b| Broadcast)", 0),
    (("linkedin",), _START + r"linkedin", _I),
    (("linkedin",), _START + r"Linked ?In\b", 0),       # "linked in the PR" is English, not the network
    (("xing",), _START + r"xing\b", _I),
    (("tiktok",), _START + r"tik ?tok", _I),
    (("youtube",), _START + r"you ?tube", _I),
    (("youtube",), r"\bYT\b", 0),
    (("youtube",), r"(?<=[\w,;:)] )Shorts\b", 0),
    (("youtube",), r"\bShorts[- ](?:[Cc]reators?|[Vv]ideos?|[Ff]eed|Fund|[Pp]layer|[Ss]helf|[Rr]emix\w*)\b", 0),
    (("x",), _START + r"twitter", _I),
    (("x",), _START + r"(?:tweet(?:s|ed|et|en|ing)?|retweet\w*|getwittert)\b", _I),
    (("x",), r"\bx\.com\b|\bX Corp\b|\bX\s*\((?:formerly|früher|frueher|vormals|ehemals|ex)\b", _I),
    (("x",), r"\bX,? (?:formerly|früher|frueher|vormals|ehemals)\b", 0),
    # a preposition or conjunction before it, also capitalised at a sentence's start ("Auf X sehen …")
    (("x",), r"\b(?i:auf|on|bei|von|to|from|via|an|zu|über|ueber|about|und|and|or|oder|wie|like|than|als|für|"
             r"fuer|for|mit|with|across|"
             r"Twitter/|Twitter-)\s?X\b(?![-'’]?\w)", 0),
    (("x",), r"(?<![\w/-])X(?:'s|’s|s)\b|(?<![\w/-])X/Twitter\b", 0),
    (("x",), r"(?<![\w/-])X-(?:" + _X_COMPOUNDS + r")\b", 0),
    (("x",), r"(?<![\w/-])X (?:" + _X_COMPOUNDS + r"|Money|Spaces|Pro|Grok|Inc|API|Developers?|[Ee]ngineering|"
             r"Safety|Business)\b", 0),
    (("x",), r"(?:^|[.!?:]\s+)X (?:" + _X_VERBS + r")\b", 0),
    # a sentence about X as its subject: "X lowers …", "X to charge …", a headline "X: …"
    (("x",), r"(?:^|[.!?:\n]\s*)X (?!marks\b|factors?\b)(?:" + _X_ADVERB + r")?(?:[a-z]{3,}s|to [a-z]{3,})\b|^X: ", 0),
    # … and in German, whose verbs in the third person end in -t: "X blendet …", "X streicht …"
    (("x",), r"(?:^|[.!?:\n]\s*)X (?:" + _X_ADVERB + r")?[a-zäöüß]{3,}t\b", 0),
    (("x",), r"(?<![\w/-])X (?:users?|subscribers?|creators?|accounts?|posts?|algorithm|feed|owner|boss|chief)\b", 0),
    (("x",), r"(?<![\w/-])X,? (?i:" + _X_VERBS + r"|" + _X_MORE_VERBS + r")\b", 0),
    (("x",), r"\b(?:" + _X_NOUNS + r")\s+X\b(?![-'’]?\w)", 0),
    (("x",), r"\b(?:" + _X_BEFORE + r")\s+X\b(?![-'’]?\w)", 0),
    (("x",), r"\b(?:Facebook|Instagram|TikTok|Tiktok|YouTube|LinkedIn|Threads|Bluesky|Mastodon|Snapchat|Meta),? "
             r"X\b(?![-'’]?\w)|(?<![\w/-])X,? (?:und|and|or|oder|&) (?:Co\b|[A-Z])", 0),
    (("pinterest",), _START + r"pinterest", _I),
    (("snapchat",), _START + r"snapchat", _I),
    (("snapchat",), r"(?<![\w-])(?<!Oh )Snap(?:'s|’s| Inc\b| Map\b| Star\b|\b)(?![-.]\w)", 0),
    (("reddit",), _START + r"reddit", _I),
    (("reddit",), r"(?<![\w/])r/[A-Za-z0-9_]{2,}|\bsubreddit", _I),
    (("bluesky",), _START + r"blue ?sky\b(?! thinking)|\bbsky\b", _I),
    (("mastodon",), _START + r"mastodon|\bfediverse\b|\bfediversum\b", _I),
    (("google",), _START + r"google", _I),
    (("telegram",), _START + r"telegram\b", _I),
    (("twitch",), r"(?<![\w@#-])Twitch(?:'s)?\b|\btwitch\.tv\b", 0),
]

_COMPILED = tuple((names, re.compile(pattern, flags)) for names, pattern, flags in _RULES)

# Substrings (of the lower-cased text) without which no rule of a platform can match: a
# cheap test that spares ~30 regex searches on most items (tens of thousands a run).
# Letters one of which every pattern of a platform needs, in the lower-cased text; the
# abbreviations and capitalised names that only match as written are in _CASED_TRIGGERS
# ("you", "ig" and "meta" are in too many words: they made YouTube and Instagram
# candidates of a quarter of all items, and their patterns a third of the time).
_TRIGGERS = {
    "facebook": ("facebook", "meta business"), "instagram": ("insta", "reel", "meta business"),
    "threads": ("threads",), "whatsapp": ("whats",), "messenger": ("messenger",), "linkedin": ("linked",),
    "xing": ("xing",), "tiktok": ("tik",), "youtube": ("youtube", "you tube"), "pinterest": ("pinterest",),
    "snapchat": ("snap",), "reddit": ("reddit", "r/"), "bluesky": ("blue", "bsky"),
    "mastodon": ("mastodon", "fedivers"), "google": ("google",), "telegram": ("telegram",), "twitch": ("twitch",),
    "x": ("twitter", "tweet", "twitt", "x.com", "x corp"),
}


_CASED_TRIGGERS = (("FB", "facebook"), ("IG", "instagram"), ("YT", "youtube"), ("Shorts", "youtube"))

_TRIGGER_PAIRS = tuple((trigger, name) for name, triggers in _TRIGGERS.items() for trigger in triggers)


def _candidates(text: str) -> set[str]:
    """Platforms whose names could be in the text at all (a flat loop of substring tests:
    a generator per platform cost more than the tests themselves)."""
    low = text.lower()
    found = {name for trigger, name in _TRIGGER_PAIRS if trigger in low}
    found.update(name for trigger, name in _CASED_TRIGGERS if trigger in text)
    if "X" in text:        # the X rules all need a capital X written as a name
        found.add("x")
    return found


_X_NEGATIVE = re.compile(
    r"\b(?:Gen(?:eration)?|Model|Malcolm|OS|Mac OS|Windows|Project|Planet|Phase|Typ|Type|Faktor|Factor|Tesla|"
    r"Space|iPhone|Xbox Series|Final Fantasy|Mission|Level|Stufe|Version|Kapitel|Chapter|Teil|Part|Band|Volume|"
    r"Vol\.|Artikel|Article|Papst|Pope|Pius|Ludwig|Louis|Karl|Charles|Henry|Heinrich|Brand|Marke|Person|Kunde|"
    r"Kundin|customer|Produkt|product|Nutzer|user|Herr|Frau|Mr\.|Mrs\.|Ms\.) X\b"
    r"|\bX-(?:Men|Ray|Files|Box|Factor)\b"
    # a placeholder: "X und Y", "from X to Y", "X days", "X Prozent"
    r"|\bX\b(?=[^.!?\n]{0,40}\b[YZ]\b)"
    r"|\bX (?=(?:days?|hours?|weeks?|months?|years?|times|percent|per cent|Tage\w*|Stunden|Wochen|Monate\w*|"
    r"Jahre\w*|Mal|Prozent|Euro|Dollar)\b)")


# A company stands for the platforms it runs when the item is about the company itself
# ("Meta senkt die organische Reichweite", "EU court rules Meta …"); when one of its
# platforms is named ("Threads, Metas App …"), the company is only the owner.
_COMPANIES = (
    (re.compile(r"(?<![\w@#./-])Meta(?:'s|’s|s)?\b(?![-.]\w)(?! (?:[Dd]escription|[Tt]ags?|[Tt]itles?|[Dd]ata)\b)"
                r"|(?<![\w@#./-])Meta-(?:Konzern|Chef\w*|CEO|Plattform\w*|Dienste?|Apps?|Tochter|Gruppe)\b"),
     ("facebook", "instagram"), {"facebook", "instagram", "threads", "whatsapp", "messenger"}, False),
    # ByteDance and Alphabet run other products too (CapCut, Lemon8, Waymo): they count only when the
    # item names no platform at all. German "nach dem Alphabet" is the alphabet.
    (re.compile(r"(?<![\w@#./-])Byte[Dd]ance(?:'s|’s|s)?\b"), ("tiktok",), {"tiktok"}, True),
    (re.compile(r"(?<![\w@#./-])(?<!nach )(?<!dem )(?<!das )(?<!des )(?<![Ii]m )(?<!Das )"
                r"Alphabet(?:'s|’s|s)?\b(?![-.]\w)|(?<![\w@#./-])Alphabet-(?:Konzern|Chef\w*|CEO|Tochter)\b"),
     ("google",), {"google", "youtube"}, True),
)
# The letters each company's pattern needs (case as written): tested before the pattern.
_COMPANY_NAMES = {("facebook", "instagram"): ("Meta",), ("tiktok",): ("ByteDance", "Bytedance"),
                  ("google",): ("Alphabet",)}
# A sentence that starts with "After Meta, …", "Nach Meta will jetzt auch …", "Like Meta, …" names the
# company as the one that went first; the item is about the other platform it names.
_COMPANY_FOLLOWED = re.compile(r"(?:^|[.!?:\n]\s*)(?:After|Following|Like|Nach|Wie|Ähnlich wie)\s+$")

# A company's description of one of its platforms names that platform, and the company's own name in
# it does not count ("Googles Videoplattform" -> youtube, not google; "Microsoft's professional network"
# -> linkedin).
_VIDEO_OF_GOOGLE = (r"\b(?:Google|Alphabet)(?:'s|’s|s)?[- ](?:(?:own|eigene[rnms]?) )?(?:(?:[Ss]hort[- ])?[Vv]ideo[- ]?"
                    r"(?:platform|site|service|portal|hub|sharing (?:platform|site|service))|"
                    r"(?:Kurz)?[Vv]ideo(?:plattform|dienst|-Plattform)|Video(?:portal|-Portal|-Tochter|tochter))\b"
                    r"|\b(?:Google|Alphabet)-owned video\b"
                    r"|\bvideo (?:platform|site|service) (?:owned by|of) (?:Google|Alphabet)\b"
                    r"|\bzu (?:Google|Alphabet) gehörende\w* Video\w*")
_NETWORK_OF_MICROSOFT = (r"\bMicrosoft(?:'s|’s|s)?[- ](?:(?:professional|business|career|jobs?) "
                         r"(?:network|platform|site)|Karrierenetzwerk|Karriere-Netzwerk|Karriereplattform|"
                         r"Karriere-Plattform|Business-Netzwerk|Businessnetzwerk|Berufsnetzwerk|Jobnetzwerk)\b"
                         r"|\bMicrosoft-owned (?:professional|business|career|jobs?) (?:network|platform|site)\b"
                         r"|\b(?:professional|business|career) (?:network|platform) (?:owned by|of) Microsoft\b"
                         r"|\bzu Microsoft gehörende\w* (?:Karriere|Business|Berufs|Job)-?[Nn]etzwerk")
# (substrings one of which must be there, pattern, the platform described, the owner it stands in for)
_DESCRIPTIONS: tuple[tuple[tuple[str, ...], re.Pattern[str], str, str | None], ...] = (
    (("google", "alphabet"), re.compile(_VIDEO_OF_GOOGLE), "youtube", "google"),
    (("microsoft",), re.compile(_NETWORK_OF_MICROSOFT), "linkedin", None),
)

# When no platform is named at all, a product or person that belongs to one only names it:
# the head of Instagram, TikTok's "FYP", Meta's Graph and Marketing APIs, Google's AI
# Overviews and Search Console.
_BY_PRODUCT: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"\bMosseri\b"), ("instagram",)),
    (re.compile(r"\bFYP\b|\bFor[- ]You[- ]Page\b|\bFür[- ]Dich[- ]Seite\b", re.I), ("tiktok",)),
    (re.compile(r"\b(?:Graph|Marketing) API\b"), ("facebook",)),
    (re.compile(r"\bAI Overviews?\b|\bKI-Übersicht(?:en)?\b|\bSearch Console\b|\bGooglebot\b", re.I), ("google",)),
    # Google's search updates: "the March core update", "Helpful-Content-Update"
    (re.compile(r"\b(?:core|helpful[- ]content|spam|product[- ]reviews?)[- ]updates?\b", re.I), ("google",)),
    # Meta's head and Meta's tools for pages and creators run Facebook and Instagram
    (re.compile(r"\bZuckerberg\b|\bCreator Studio\b|\bBusiness Suite\b"), ("facebook", "instagram")),
    (re.compile(r"\bCommunity Notes\b"), ("x",)),
    # the scandal of 2018 was about Facebook's data; looks back and rulings on it name the company only
    (re.compile(r"\bCambridge Analytica\b"), ("facebook",)),
)

# When no platform is named, a law written for a known set of platforms names them. Each set is the
# public record, not a guess per item: the NetzDG was drafted against the deletion practice of
# Facebook, YouTube and Twitter (the networks the justice ministry's monitoring tested); the upload-filter
# rule of the EU copyright directive (Art. 17, in Germany the UrhDaG) is the "lex YouTube". An item about
# such a law concerns the teams on those platforms; filtering the archive by one of them should find it.
# Not here: the DSA's "very large online platforms" and the DMA's gatekeepers. Each designation names
# other services too (shops, app stores, adult sites), so an item about the category or one designation
# does not concern all the social networks on the list.
_COPYRIGHT = r"(?:[Cc]opyright|Urheberrecht|DSM)"
_BY_LAW: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"\bNetzDG\b|Netzwerkdurchsetzungsgesetz|\bNetwork Enforcement Act\b"), ("facebook", "x", "youtube")),
    (re.compile(r"\b[Uu]pload-?[Ff]ilter|\bUrhDaG\b|Urheberrechts-Diensteanbieter-Gesetz"
                r"|\b(?:Artikel|Article|Art\.) 17\b(?=[^\n]*" + _COPYRIGHT + r")"
                r"|" + _COPYRIGHT + r"[^\n]*\b(?:Artikel|Article|Art\.) 17\b"), ("youtube",)),
)
# Letters one of which each law's pattern needs (in the lower-cased text): most items name no law.
_LAW_HINTS = ("netzdg", "netzwerkdurchsetzung", "network enforcement", "upload", "urhdag", "urheberrechts-dienst",
              " 17")

# The words of a copy or a rival product, read before a platform's name by both patterns below.
_RIVAL_PRODUCT = (r"copies|kopier\w*|clone of|mimic\w*|mirror(?:s|ing|ed)|imitat\w*|imitier\w*|compete with|"
                  r"competitors? (?:to|for|of)|"
                  r"Konkurrenz\w* (?:zu|für|mit|gegen|von)|alternative to|Alternative zu")
# A platform named only as the yardstick of another ("much like TikTok", "Twitter-Alternative
# Threads", "ähnlich wie Instagram") is not what the item is about.
_COMPARED_BEFORE = re.compile(r"(?:\b(?:same way as|in the style of|im Stil von|seen on|"
                              r"orientiert (?:man )?sich(?: noch einmal)? an|like|wie|"
                              r"resembl\w*|similar to|ähnlich\w*|ähnel\w*|rivals?|rivalling|competitors?|"
                              r"(?<!-)Konkurrent\w*|à la|copy(?!right)\w*|" + _RIVAL_PRODUCT +
                              r"|Vorbild|take on|to challenge|"
                              r"than|neben|"
                              r"inspired by|inspiration from|competition from|compete more \w+ with|"
                              r"similar move (?:over )?at|konkurrier\w*|compared (?:to|with)|verglichen mit|"
                              r"im Vergleich zu[mr]?|reminiscent of|akin to|pioneered by|"
                              # a rank among others: "noch vor WhatsApp", "ahead of X and Threads"
                              r"noch vor|ahead of)\b[^.!?]{0,25}"
                              # … and "the third largest, behind Facebook and YouTube": only names between,
                              # since "the reason behind lower reach on Instagram" is about Instagram
                              r"|\bbehind\s+(?:(?-i:[A-Z])[\w'’-]*(?:,|\s+and|\s+&)?\s+){0,3}"
                              # a time reference: "seit der Übernahme von Twitter", "since Musk bought Twitter"
                              r"|\b(?:seit|since|after|nach)\b[^.!?]{0,30}\b(?:Übernahme|takeover|acquisition|"
                              r"Kauf|bought|kaufte|übernahm|took over|acquired|purchase)\b[^.!?,;]{0,20})$",
                              re.I)
# A copy, a rival product, an answer or a replacement names its model with room for the model's description
# between ("kopiert eine beliebte Funktion von Telegram", "to compete with the popular video-sharing platform
# TikTok", "als Antwort auf Instagram-Stories", "kein Ersatz für Twitter"): read only as far back as the
# platform named before it, since "Metas Antwort auf TikTok erreicht Facebook" is about Facebook.
_COPIED_BEFORE = re.compile(r"\b(?:copy(?!right)\w*|" + _RIVAL_PRODUCT +
                            r"|answer to|Antwort auf|replacement for|Ersatz für)\b[^.!?:]{0,45}$", re.I)
# "TikTok-Alternative", "Twitter/X rival" (a second name after a slash names the same platform)
_COMPARED_AFTER = re.compile(r"^(?:/\w+)?[-\s]?(?:Alternative|Konkurren\w*|Klon|Kopie|Rival\w*|Trend|like|style|Stil|"
                             r"inspired|ähnlich\w*|look-?alike|clone|copycat|competitors?|competition|killer)\b"
                             # German puts the rival before "Konkurrenz machen": "Will Instagram Snapchat jetzt
                             # Konkurrenz machen?" (up to two words between, so the subject before it is not read so)
                             r"|^(?:\s+[\w-]+){0,2}?\s+Konkurrenz\s+(?:zu\s+)?mach\w*",
                             re.I)
# "… das an TikTok und Instagram erinnert": "an" before the names and "erinnert" after them compare.
_REMINDS_BEFORE = re.compile(r"\ban\s+(?:[\w-]+(?:,\s*|\s+(?:und|oder|&)\s+))*$")
_REMINDS_AFTER = re.compile(r"^(?:(?:,\s*|\s+(?:und|oder|&)\s+)[\w-]+)*(?:\s+\w+)?\s+(?:erinner(?:t|n|te|ten)|"
                            r"an(?:zu)?(?:näher|lehn)\w*|angenähert|angelehnt)\b")
# A platform in a list closed by "und Co." ("von Facebook, YouTube und Co. absetzen", "Snapchat,
# Facebook & Co.") stands for a kind of network, the yardstick of the one the item is about.
_IN_A_CLASS = re.compile(r"^(?:,\s*[\w.-]+){0,5},?\s+(?:und|&|and)\s+(?:Co\b|co\b|Konsorten\b)")
# The platform that went first, at a sentence's start: "Nach Instagram führt jetzt auch WhatsApp …",
# "After X, the Commission now targets TikTok": the item is about the one that follows ("auch",
# "now"). Without those words ("Nach Facebook-Kritik ändert Instagram …"), or after a time or a use
# ("Nach 3 Monaten mit Threads …"), both stay. (A company that went first: `_COMPANY_FOLLOWED`.)
_FOLLOWED_BEFORE = re.compile(r"(?:^|[.!?:\n]\s*)(?:After|Following|Nach)\s+"
                              r"(?:(?!(?:mit|with)\s)[^\W\d_][\w'’-]*\s+){0,3}$")
_FOLLOWED_AFTER = re.compile(r"[^.!?]{0,60}?\b(?:auch|jetzt|nun|also|too|now|as well)\b")
# "Facebook Messenger" is Messenger: the owner's name is part of the product's.
_PART_OF_NAME = re.compile(r"[- ]Messenger\b")
# A platform named only to say who owns the company ("Facebook's parent", "Facebook-Mutter Meta",
# "Meta, which owns Facebook", "der Konzern hinter Facebook"), or as an old name after the new one
# ("X, the platform previously called Twitter"), describes; the item is about the company or the
# other name. The company rule below then gives the company's platforms.
_DESCRIBED_BEFORE = re.compile(r"(?:\b(?:Konzern|Mutterkonzern|Mutter|company|Unternehmen) (?:hinter|behind)\b"
                               r"[^.!?]{0,30}|\b(?:Muttergesellschaft|Mutterkonzern|Mutterunternehmen|parent company|"
                               r"parent) (?:von|of) (?:the )?(?:[A-Za-z][\w-]*(?:, | and | und | & ))*"
                               r"|\b(?:which|that) (?:also )?owns?\b[^.!?]{0,30}"
                               r"|\b(?:owned by|im Besitz von|subsidiary of|a unit of|Tochter(?:firma)? von|"
                               r"(?:built|developed|made) by the|entwickelt vom)\s"
                               r"|\b(?:previously|formerly) (?:called|known as)\s|\b(?:früher|vormals|ehemals)\s)$",
                               re.I)
_DESCRIBED_AFTER = re.compile(r"^(?:'s|’s|s)?\)?[-\s]?(?:parent|owner|Mutter\w*|Konzern\w*|Eigentümer|owned|Tochter|"
                              r"gehörend\w*)\b"
                              r"|^(?:,? [A-Z]\w+)*,? (?:and|und) [A-Z]\w+ (?:owner|parent|Mutter)\b", re.I)
# A platform named only in a person's job ("the Instagram boss", "head of Instagram", "Twitter-Mitgründer
# Dorsey") after another platform was named: the item is about the first one ("Threads ranks replies
# higher, the Instagram boss said"). Named first ("Instagram-Chef: …", "Threads-Chef wechselt …") it stays.
_TITLE_AFTER = re.compile(r"^(?:'s|’s|s)?[- ]?(?:boss|chief|head|CEO|COO|CTO|CFO|Chef|Chefin|Chefs|[Cc]hef-|"
                          r"executive|exec|VP|vice president|president|founder|co-founder|Gründer\w*|Mitgründer\w*|"
                          r"Manager\w*|Managerin|Sprecher\w*|spokes(?:man|woman|person))\b")
_TITLE_BEFORE = re.compile(r"\b(?:head|chief|boss|CEO|COO|CTO|CFO|Chef|Chefin|Leiter\w*|president|VP|"
                           r"vice president|founder|co-founder|Gründer\w*|Mitgründer\w*) (?:of|at|von|bei) (?:the )?$")
# Words that name X only as the medium of a statement ("said in a tweet", "tweeted that"): X counts
# from them alone only when the item names no other platform.
_MEDIUM_ONLY = re.compile(r"(?i:tweet(?:s|ed|et|en|ing)?|retweet\w*|getwittert)")
# "said on X", "schrieb auf Twitter", "so Mosseri … auf Twitter", "in a post on X": the place a statement was
# made, not what it is about.
_STATEMENT_BEFORE = re.compile(
    r"(?:\b(?:said|says|wrote|writes|posted|posts|announced|announces|confirmed|confirms|explained|explains|"
    r"shared|shares|stated|states|replied|noted|revealed|reveals|spotted|complain\w*|"
    r"sagte|sagt|schrieb|schreibt|erklärte|erklärt|teilte|teilt|"
    r"bestätigte|bestätigt|kündigte|postete|verkündete|verkündet|betonte|betont|antwortete|beschwer\w*|"
    r"so [A-Z]\w+)\b"
    r"[^.!?]{0,60}|\b(?:post|Post|Beitrag|thread|Thread|video|Video|statement|Statement|Tweet)\s)"
    r"\b(?:on|auf|via|bei)\s+$")
# German perfect tense puts the verb after the place: "hat auf X geschrieben", "auf X mitgeteilt".
_STATEMENT_AFTER = re.compile(r"\s+(?:[\w-]+\s+){0,4}?(?:geschrieben|erklärt|mitgeteilt|gepostet|bestätigt|"
                              r"angekündigt|verkündet|betont|geantwortet|geäußert|beschwert|mit\b)")


def find_platforms(text: str) -> list[str]:
    """Sorted lowercase platform names the item in `text` is about."""
    if not text:
        return []
    found: set[str] = set()
    possible = _candidates(text)
    for names, pattern in _COMPILED:
        if possible.intersection(names) and not found.issuperset(names) and pattern.search(text):
            found.update(names)
    if "x" in found and not _x_survives(text):
        found.discard("x")
    companies = [company for company in _COMPANIES if _names_company(text, company)]
    # A platform named only to compare goes where another platform is named, or where a company that
    # stands for its own platforms is named before it ("Meta is replacing fact-checks with Community
    # Notes, taking inspiration from X": Meta's apps; not "Gatekeeper wie Google, Meta und Apple")
    compared = {name for name in found if _only_compared(text, name)} if len(found) > 1 or companies else set()
    if compared != found or (compared and _company_compares(text, companies, compared)):
        found -= compared
    if "x" in found and len(found) > 1 and _x_only_as_medium(text):
        found.discard("x")
    if "google" in found and len(found) > 1 and _google_only_as_store(text):
        found.discard("google")
    if "google" in found and "youtube" in found and _google_only_as_owner(text):
        found.discard("google")
    if len(found) > 1:
        first = min(found, key=lambda name: _first_mention(text, name))
        found -= {name for name in found if name != first and _only_in_a_title(text, name)}
    if found and (companies or len(found) > 1):
        # "Facebook's parent Meta": the company rule below gives Meta's platforms. "Instagram, the app
        # owned by Facebook": the owner describes the other platform, which stays.
        described = {name for name in found if _only_described(text, name)}
        if companies or described != found:
            found -= described
    low = text.lower()
    for triggers, pattern, platform, owner in _DESCRIPTIONS:
        described_spans = [m.span() for m in pattern.finditer(text)] if any(t in low for t in triggers) else []
        if described_spans:
            found.add(platform)
            if owner in found and _all_inside(text, owner, described_spans):
                found.discard(owner)
    for pattern, platforms, own, alone in companies:
        if not found & own and not (alone and found) and _company_is_subject(text, pattern, bool(found)):
            found.update(platforms)
    if not found:
        for pattern, names in _BY_PRODUCT:
            if pattern.search(text):
                found.update(names)
    if not found and any(hint in low for hint in _LAW_HINTS):
        for pattern, names in _BY_LAW:
            if pattern.search(text):
                found.update(names)
    return sorted(found)


# A platform's own newsroom and blogs speak of that platform even where a post never names it
# ("3 improvements our users inspired"). Hosts (and, where the host carries more than news, the path)
# of those sites only: a video on youtube.com, a post on x.com or a thread on reddit.com is hosted by
# the platform but can be about anything, and Meta's newsroom and developer sites cover five apps.
_NEWSROOMS: tuple[tuple[str, str, str], ...] = (
    ("newsroom.pinterest.com", "", "pinterest"), ("business.pinterest.com", "", "pinterest"),
    ("snap.com", "/news", "snapchat"), ("newsroom.snap.com", "", "snapchat"),
    ("redditinc.com", "", "reddit"), ("news.linkedin.com", "", "linkedin"),
    ("linkedin.com", "/blog", "linkedin"), ("newsroom.tiktok.com", "", "tiktok"),
    ("blog.youtube", "", "youtube"), ("blog.x.com", "", "x"), ("blog.twitter.com", "", "x"),
    ("about.instagram.com", "", "instagram"), ("creators.instagram.com", "", "instagram"),
    ("business.instagram.com", "", "instagram"), ("blog.whatsapp.com", "", "whatsapp"),
    ("telegram.org", "/blog", "telegram"), ("blog.twitch.tv", "", "twitch"), ("bsky.social", "/about/blog", "bluesky"),
    ("blog.joinmastodon.org", "", "mastodon"), ("about.threads.com", "", "threads"),
)

# Reddit announces its changes in its own communities, not on a blog: r/reddit (once r/blog),
# r/announcements, r/modnews, r/redditdev (the API), r/changelog, r/ModSupport, r/RedditSafety. A
# thread there is Reddit's newsroom, on reddit.com or on a front end that mirrors it (old.reddit,
# redlib, teddit), so the path alone says it; any other community's thread can be about anything.
_REDDIT_OWN_COMMUNITY = re.compile(
    r"/r/(?:reddit|blog|announcements|modnews|redditdev|changelog|modsupport|redditsafety|redditsecurity)"
    r"(?:/|$)", re.IGNORECASE)


def platforms_of_link(url: str | None) -> list[str]:
    """The platform whose own newsroom or blog `url` is on (as a list), Reddit for a thread in
    one of its own communities; else the platforms the link's article slug names
    (`platforms_of_slug`); else []. A language part of the path ("/de-DE/news") is skipped."""
    if not url or not url.startswith(("http://", "https://")):
        return []
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = re.sub(r"^/[a-z]{2}(?:[-_][A-Za-z]{2})?(?=/)", "", parts.path)
    for site, prefix, platform in _NEWSROOMS:
        if host == site and (not prefix or path == prefix or path.startswith(prefix + "/")):
            return [platform]
    if _REDDIT_OWN_COMMUNITY.match(parts.path):
        return ["reddit"]
    return platforms_of_slug(parts.path)


_SLUG_SEPARATOR = re.compile(r"[-_+\s]+")
_FILE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{2,5}$")
_MIN_SLUG_WORDS = 3


def platforms_of_slug(path: str) -> list[str]:
    """Platforms named by the slug in a link's path ("/2024/05/tiktok-drosselt-links-123.html").

    A news site writes its article's headline into the link. Where the item's own title does not
    stand for that headline (a post that opens with its first sentence, a feed that shortens its
    titles, an item retold in other words), the slug still names what the article is about. Only
    the path's longest segment counts, and only when it has three words or more: a section such
    as "/facebook/" or "/x/628056/" is a site's filing, not the item's subject. Words are what
    hyphens, underscores and spaces separate; a handle ("someone.bsky.social") is one word.
    """
    segments = [_SLUG_SEPARATOR.split(_FILE_SUFFIX.sub("", unquote(segment))) for segment in path.split("/")]
    words = max(([word for word in segment if word] for segment in segments), key=len, default=[])
    if len(words) < _MIN_SLUG_WORDS:
        return []
    return find_platforms(" ".join(words))


# Where an item says what it is about: its title and its first sentences. Where a feed carries the
# whole article, the summary is its first 2,000 characters, and later paragraphs name platforms for
# context (a rival, an example, a quote's place, "also on LinkedIn"): on 201 real articles, platforms
# read from the whole summary had precision 0.60 (133 false ones), read to 300 characters 0.89
# (micro-F1 0.752 -> 0.898). Teasers are shorter, so the real set reads as before (0.907); shorter
# cuts start to lose it (200: 0.903). classifiers/README.md, "seventeenth round".
PLATFORM_LEDE_CHARS = 300


def named_platforms(title: str, summary: str) -> list[str]:
    """Platforms named in an item's title and the first sentences of its summary (`text.lede` to
    `PLATFORM_LEDE_CHARS`), its furniture left out: a photo credit names whose picture it is
    ("Foto: Screenshot Instagram", "Image: © Meta"), not what the item is about."""
    return find_platforms(f"{title}\n{strip_furniture(lede(summary, PLATFORM_LEDE_CHARS))}".strip())


def platforms_of_item(title: str, summary: str, url: str | None = None) -> list[str]:
    """`named_platforms`; when the item names none, those of its link (`platforms_of_link`)."""
    return named_platforms(title, summary) or platforms_of_link(url)


def _names_company(text: str, company: tuple[re.Pattern[str], tuple[str, ...], set[str], bool]) -> bool:
    """Whether the text names the company at all: its name's letters first (a substring test is a
    hundred times cheaper than the pattern's look-behinds, and most items name no company)."""
    return any(name in text for name in _COMPANY_NAMES[company[1]]) and company[0].search(text) is not None


def _company_compares(text: str, companies: Sequence[tuple[re.Pattern[str], tuple[str, ...], set[str], bool]],
                      compared: set[str]) -> bool:
    """Whether a company that stands for its platforms (Meta, not ByteDance or Alphabet: they run other
    products too), and runs none of the `compared` ones, is named before them: the item is about it."""
    first = min(_first_mention(text, name) for name in compared)
    return any(not alone and not own & compared and (m := pattern.search(text)) is not None and m.start() < first
               for pattern, _, own, alone in companies)


def _company_is_subject(text: str, pattern: re.Pattern[str], others: bool) -> bool:
    """Whether a company is named other than as the one another platform followed ("Nach Meta
    will jetzt auch LinkedIn …"); that reading needs another platform in the item."""
    spans = [m.start() for m in pattern.finditer(text)]
    if not others:
        return bool(spans)
    return any(not _COMPANY_FOLLOWED.search(text[max(0, a - 30):a]) for a in spans)


def _only_described(text: str, name: str) -> bool:
    """Whether every mention of platform `name` describes a company that owns it."""
    spans = _mentions(text, name)
    return bool(spans) and all(_DESCRIBED_BEFORE.search(text[max(0, a - 60):a])
                               or _DESCRIBED_AFTER.search(text[b:b + 40]) for a, b in spans)


def _all_inside(text: str, name: str, outer: list[tuple[int, int]]) -> bool:
    """Whether every mention of platform `name` lies inside one of the `outer` spans."""
    spans = _mentions(text, name)
    return all(any(oa <= a and b <= ob for oa, ob in outer) for a, b in spans)


def _mentions(text: str, name: str) -> list[tuple[int, int]]:
    """Where the rules for platform `name` match in `text`, as (start, end) spans."""
    return [m.span() for names, pattern in _COMPILED if name in names for m in pattern.finditer(text)]


def _first_mention(text: str, name: str) -> int:
    """Where platform `name` is first named (the text's length when only a rule without a span found it)."""
    return min((a for a, _ in _mentions(text, name)), default=len(text))


def _only_in_a_title(text: str, name: str) -> bool:
    """Whether every mention of platform `name` is part of a person's job ("Instagram-Chef")."""
    spans = _mentions(text, name)
    return bool(spans) and all(_TITLE_AFTER.search(text[b:b + 25]) or _TITLE_BEFORE.search(text[max(0, a - 40):a])
                               for a, b in spans)


def _x_only_as_medium(text: str) -> bool:
    """Whether X is named only as the medium of a statement ("in einem Tweet", "tweeted", "schrieb
    Mosseri auf Twitter"), apart from mentions that compare or describe."""
    spans = _mentions(text, "x")
    medium = [_MEDIUM_ONLY.fullmatch(text[a:b]) or _is_statement_place(_before_name(text, a, b, 100), text[b:b + 60])
              for a, b in spans]
    return any(medium) and all(is_medium or _mention_is_aside(text, a, b) for is_medium, (a, b) in zip(medium, spans))


# Google's app store, where another platform's app is listed ("im App Store und bei Google Play"):
# Google counts from it alone only when the item names no other platform ("Google Play verlangt …").
_STORE_AFTER = re.compile(r"[ -]?play\b", re.I)


# Google's own products and its search, by name or by what they do: where an item names one, Google is
# more than YouTube's owner.
_GOOGLE_OWN = re.compile(r"\bGoogle(?:'s|’s|s)?[- ](?:Search|Suche|Discover|Maps|Chrome|Ads|News|Play|Gemini|Bard|"
                         r"Analytics|Business|Unternehmensprofil|Android|Gmail|Pixel|Podcasts|Assistant|Lens|Trends|"
                         r"Shopping|Merchant|App|Top|results?|Ergebnis\w*)\b"
                         r"|\b(?:search engines?|Suchmaschine\w*|search results?|Suchergebnis\w*|SERPs?|Discover|"
                         r"AI Overviews?|KI-Übersicht\w*|Search Console|core updates?)\b", re.I)


# A name in a list of addressees ("to Snapchat, YouTube, Apple and Google"): a company of its own there.
_LISTED_BEFORE = re.compile(r"(?:,|\band|\bund|&|\bsowie|\bor|\boder)\s+$")
# "YouTube owner Google fined …", "YouTube-Mutter Google": the owner named as such is the subject.
_OWNER_BEFORE = re.compile(r"(?:\b(?:owner|parent)|-?Mutter(?:konzern)?|Eigentümer(?:in)?)\s+$", re.I)


def _google_only_as_owner(text: str) -> bool:
    """Whether Google is named only as the company acting for YouTube, which the item named first ("YouTube
    testet … Nach Versuchen in den USA weitet Google den Test aus", "YouTube CEO steps down, severing ties
    to Google"): the item is about YouTube. Not where it names Google's search or another product of its own
    ("YouTube-Videos erscheinen seltener in der Google-Suche"), nor where Google comes first (a fine for
    cookies on google.fr and youtube.com), nor where Google is one of a list ("requests to Snapchat, YouTube,
    Apple and Google") or named as the owner ("YouTube owner Google fined …")."""
    if _GOOGLE_OWN.search(text):
        return False
    starts = [a for a, _ in _mentions(text, "google")]
    return (_first_mention(text, "youtube") < min(starts, default=len(text))
            and not any(_LISTED_BEFORE.search(text, max(0, a - 12), a) or _OWNER_BEFORE.search(text, max(0, a - 20), a)
                        for a in starts))


def _google_only_as_store(text: str) -> bool:
    """Whether every mention of Google is its app store."""
    return all(_STORE_AFTER.match(text, b) for _, b in _mentions(text, "google"))


def _only_compared(text: str, name: str) -> bool:
    """Whether every mention of platform `name` is a comparison with another one."""
    spans = _mentions(text, name)
    return bool(spans) and all(_mention_is_aside(text, a, b) for a, b in spans)


def _is_statement_place(before: str, after: str) -> bool:
    """Whether a mention with `before` and `after` it is where a statement was made ("said on X",
    "hat auf Twitter … geschrieben")."""
    return (_STATEMENT_BEFORE.search(before) is not None
            or (_AT_THE_END_AUF.search(before) is not None and _STATEMENT_AFTER.match(after) is not None))


_AT_THE_END_AUF = re.compile(r"\b(?:auf|bei)\s+$")
# A rule that matched a word before X with it ("to X", "auf X", "on X"): that word is context.
_LEAD_BEFORE_X = re.compile(r"[^\W\d_]+\s+(?=X\b)")


def _before_name(text: str, a: int, b: int, width: int) -> str:
    """The `width` characters before a mention, with the word its rule matched before the name
    ("to X", "auf X") moved into them."""
    lead = _LEAD_BEFORE_X.match(text, a, b)
    start = lead.end() if lead else a
    return text[max(0, a - width):start]


# "Twitter/X rival Bluesky", "Meta's Twitter rival Threads", a headline's "Twitter Rival Bluesky", "Twitter
# competitor Bluesky": a name before "rival" or "competitor" makes the platform after it the subject (the one
# before is the yardstick, `_COMPARED_AFTER`); "its rival TikTok" and a headline's "Its Rival TikTok" stay
# a yardstick. The letters are tested before the pattern, as elsewhere in this module.
_RIVAL_APPOSITION = re.compile(r"(?<![\w'’])(?!(?:Its|Their|Our|His|Her|The|A|An)\s)[A-Z][\w/.'’-]*\s+"
                               r"(?i:rivals?|competitors?)\s+$")
_RIVAL_LETTERS = ("ival", "IVAL", "ompetitor", "OMPETITOR")


_BEFORE_WIDTH = 60  # characters before a mention that `_mention_is_aside` reads


def _mention_is_aside(text: str, a: int, b: int) -> bool:
    """Whether the mention at text[a:b] only compares ("much like TikTok", "das an TikTok erinnert",
    "ahead of X"), dates ("since Musk bought Twitter"), gives an old name ("formerly Twitter") or is
    part of another platform's name ("Facebook Messenger")."""
    before = _before_name(text, a, b, _BEFORE_WIDTH)
    apposition = (_RIVAL_APPOSITION.search(before)
                  if any(letters in before for letters in _RIVAL_LETTERS) else None)
    if apposition:
        before = before[: apposition.start()]
    return bool(_COMPARED_BEFORE.search(before) or _COMPARED_AFTER.search(text[b:b + 40])
                or _copied_from(text, a, before)
                or _DESCRIBED_BEFORE.search(before) or _PART_OF_NAME.match(text[b:b + 12])
                or _IN_A_CLASS.match(text[b:b + 80])
                or (_FOLLOWED_BEFORE.search(before) is not None and _FOLLOWED_AFTER.match(text[b:b + 80]) is not None)
                or (_REMINDS_BEFORE.search(before) is not None and _REMINDS_AFTER.match(text[b:b + 60]) is not None))


def _copied_from(text: str, a: int, before: str) -> bool:
    """Whether the mention starting at `a` is the model of a copy, a rival or a replacement
    (`_COPIED_BEFORE`), reading back no further than the platform named before it."""
    match = _COPIED_BEFORE.search(before)
    if match is None:
        return False
    start = max(0, a - _BEFORE_WIDTH) + match.start()
    return not any(start < m.end() for _, pattern in _COMPILED for m in pattern.finditer(text, 0, a))


def _x_survives(text: str) -> bool:
    """Whether X is still named once "Gen X", "Model X", "X-Men" and the like are
    blanked out (they can look like "von X" or "X's")."""
    cleaned = _X_NEGATIVE.sub(" ", text)
    return any(pattern.search(cleaned) for names, pattern in _COMPILED if names == ("x",))
