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
* ``Messenger``: with Facebook or Meta ("Facebook Messenger"), or "on/in/via
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
* ``X`` as the subject of a sentence ("X lowers …", "X to charge …", a headline "X: …"),
  as the object of a fine or ban ("fines X", "bans X") and before "users", "subscribers".
* A company counts for the platforms it runs when the item is about it: Meta -> facebook
  and instagram; ByteDance -> tiktok and Alphabet -> google only when no platform is named
  (they run other products too). Not a company that went first ("Nach Meta will jetzt
  auch LinkedIn …", "After Meta, …").
* With no platform named at all, a person or product that belongs to one names it:
  Mosseri (Instagram), FYP (TikTok), Graph/Marketing API (Facebook), AI Overviews,
  Search Console and core/spam/helpful-content updates (Google), Zuckerberg, Creator
  Studio and Business Suite (Facebook and Instagram), Community Notes (X).
* "Unternehmensprofil" alone is not mapped to google: LinkedIn pages are called that
  too; "Google-Unternehmensprofil" names Google anyway.
"""

from __future__ import annotations

import re

from .labels import PLATFORMS  # noqa: F401 - re-exported: the dictionary covers exactly these

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
    (("linkedin",), _START + r"linked ?in", _I),
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
    (("x",), r"\b(?:auf|on|bei|von|to|from|via|an|zu|über|ueber|und|and|or|oder|wie|like|than|als|für|"
             r"fuer|for|mit|with|across|"
             r"Twitter/|Twitter-)\s?X\b(?![-'’]?\w)", 0),
    (("x",), r"(?<![\w/-])X(?:'s|’s|s)\b|(?<![\w/-])X/Twitter\b", 0),
    (("x",), r"(?<![\w/-])X-(?:" + _X_COMPOUNDS + r")\b", 0),
    (("x",), r"(?<![\w/-])X (?:" + _X_COMPOUNDS + r"|Money|Spaces|Pro|Grok|Inc)\b", 0),
    (("x",), r"(?:^|[.!?:]\s+)X (?:" + _X_VERBS + r")\b", 0),
    # a sentence about X as its subject: "X lowers …", "X to charge …", a headline "X: …"
    (("x",), r"(?:^|[.!?:\n]\s*)X (?!marks\b|factors?\b)(?:[a-z]{3,}s|to [a-z]{3,})\b|^X: ", 0),
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
_TRIGGERS = {
    "facebook": ("facebook", "fb", "meta"), "instagram": ("insta", "ig", "reel", "meta"),
    "threads": ("threads",), "whatsapp": ("whats",), "messenger": ("messenger",), "linkedin": ("linked",),
    "xing": ("xing",), "tiktok": ("tik",), "youtube": ("you", "yt", "shorts"), "pinterest": ("pinterest",),
    "snapchat": ("snap",), "reddit": ("reddit", "r/"), "bluesky": ("blue", "bsky"),
    "mastodon": ("mastodon", "fedivers"), "google": ("google",), "telegram": ("telegram",), "twitch": ("twitch",),
    "x": ("twitter", "tweet", "twitt", "x.com", "x corp"),
}


_TRIGGER_PAIRS = tuple((trigger, name) for name, triggers in _TRIGGERS.items() for trigger in triggers)


def _candidates(text: str) -> set[str]:
    """Platforms whose names could be in the text at all (a flat loop of substring tests:
    a generator per platform cost more than the tests themselves)."""
    low = text.lower()
    found = {name for trigger, name in _TRIGGER_PAIRS if trigger in low}
    if "X" in text:        # the X rules all need a capital X written as a name
        found.add("x")
    return found


_X_NEGATIVE = re.compile(r"\b(?:Gen(?:eration)?|Model|Malcolm|OS|Mac OS|Windows|Project|Planet|"
                         r"Phase|Typ|Type|Faktor|Factor|Tesla|Space) X\b|\bX-(?:Men|Ray|Files|Box|Factor)\b")


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
# A sentence that starts with "After Meta, …", "Nach Meta will jetzt auch …", "Like Meta, …" names the
# company as the one that went first; the item is about the other platform it names.
_COMPANY_FOLLOWED = re.compile(r"(?:^|[.!?:\n]\s*)(?:After|Following|Like|Nach|Wie|Ähnlich wie)\s+$")

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
)

# A platform named only as the yardstick of another ("much like TikTok", "Twitter-Alternative
# Threads", "ähnlich wie Instagram") is not what the item is about.
_COMPARED_BEFORE = re.compile(r"(?:\b(?:same way as|in the style of|im Stil von|seen on|"
                              r"orientiert (?:man )?sich(?: noch einmal)? an|like|wie|"
                              r"resembl\w*|similar to|ähnlich\w*|rivals?|rivalling|"
                              r"Konkurrent\w*|alternative to|Alternative zu|à la|copy\w*|copies|kopier\w*|"
                              r"clone of|Vorbild|competitor to|compete with|take on|than|neben)\b[^.!?]{0,25})$",
                              re.I)
_COMPARED_AFTER = re.compile(r"^[-\s]?(?:Alternative|Konkurrent\w*|Klon|Rivale\w*|Trend|like|style|ähnlich\w*)\b",
                             re.I)
# A platform named only to say who owns the company ("Facebook's parent", "Facebook-Mutter Meta",
# "Meta, which owns Facebook", "der Konzern hinter Facebook"), or as an old name after the new one
# ("X, the platform previously called Twitter"), describes; the item is about the company or the
# other name. The company rule below then gives the company's platforms.
_DESCRIBED_BEFORE = re.compile(r"(?:\b(?:Konzern|Mutterkonzern|Mutter|company|Unternehmen) (?:hinter|behind)\b"
                               r"[^.!?]{0,30}|\b(?:which|that) (?:also )?owns?\b[^.!?]{0,30}"
                               r"|\b(?:previously|formerly) (?:called|known as)\s|\b(?:früher|vormals|ehemals)\s)$",
                               re.I)
_DESCRIBED_AFTER = re.compile(r"^(?:'s|’s|s)?[-\s]?(?:parent|owner|Mutter\w*|Konzern|Eigentümer)\b"
                              r"|^(?:,? [A-Z]\w+)*,? (?:and|und) [A-Z]\w+ (?:owner|parent|Mutter)\b", re.I)
# Words that name X only as the medium of a statement ("said in a tweet", "tweeted that"): X counts
# from them alone only when the item names no other platform.
_MEDIUM_ONLY = re.compile(r"(?i:tweet(?:s|ed|et|en|ing)?|retweet\w*|getwittert)")


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
    compared = {name for name in found if _only_compared(text, name)} if len(found) > 1 else set()
    if compared != found:
        found -= compared
    if "x" in found and len(found) > 1 and _x_only_as_medium(text):
        found.discard("x")
    if found and any(pattern.search(text) for pattern, _, _, _ in _COMPANIES):
        described = {name for name in found if _only_described(text, name)}
        found -= described
    for pattern, platforms, own, alone in _COMPANIES:
        if not found & own and not (alone and found) and _company_is_subject(text, pattern, bool(found)):
            found.update(platforms)
    if not found:
        for pattern, names in _BY_PRODUCT:
            if pattern.search(text):
                found.update(names)
    return sorted(found)


def _company_is_subject(text: str, pattern: re.Pattern[str], others: bool) -> bool:
    """Whether a company is named other than as the one another platform followed ("Nach Meta
    will jetzt auch LinkedIn …"); that reading needs another platform in the item."""
    spans = [m.start() for m in pattern.finditer(text)]
    if not others:
        return bool(spans)
    return any(not _COMPANY_FOLLOWED.search(text[max(0, a - 30):a]) for a in spans)


def _only_described(text: str, name: str) -> bool:
    """Whether every mention of platform `name` describes a company that owns it."""
    spans = [m.span() for names, pattern in _COMPILED if name in names for m in pattern.finditer(text)]
    return bool(spans) and all(_DESCRIBED_BEFORE.search(text[max(0, a - 60):a])
                               or _DESCRIBED_AFTER.search(text[b:b + 40]) for a, b in spans)


def _x_only_as_medium(text: str) -> bool:
    """Whether X is named only as the medium of a statement ("in einem Tweet", "tweeted")."""
    spans = [m.span() for names, pattern in _COMPILED if names == ("x",) for m in pattern.finditer(text)]
    return bool(spans) and all(_MEDIUM_ONLY.fullmatch(text[a:b]) for a, b in spans)


def _only_compared(text: str, name: str) -> bool:
    """Whether every mention of platform `name` is a comparison with another one."""
    spans = [m.span() for names, pattern in _COMPILED if name in names for m in pattern.finditer(text)]
    return bool(spans) and all(_COMPARED_BEFORE.search(text[max(0, a - 60):a]) or _COMPARED_AFTER.search(text[b:b + 20])
                               or _DESCRIBED_BEFORE.search(text[max(0, a - 60):a]) for a, b in spans)


def _x_survives(text: str) -> bool:
    """Whether X is still named once "Gen X", "Model X", "X-Men" and the like are
    blanked out (they can look like "von X" or "X's")."""
    cleaned = _X_NEGATIVE.sub(" ", text)
    return any(pattern.search(cleaned) for names, pattern in _COMPILED if names == ("x",))
