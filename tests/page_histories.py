"""Histories of watched pages, written for Lagebild's tests and benchmarks/bench_pages.py.

Each history is one page fetched again and again: a baseline, then steps that are
noise only (stamps, tokens, cookie dialogs, language pickers, tables of contents, link
rows, markup), link-only changes (a link's target or a link list), variant flips (a
page serving its EU or its US text, an A/B test) and real changes (a word, a sentence,
a list item, a table row). The layouts follow the shapes of real terms pages (a
language list and a table of contents inside the main area, a cookie dialog that hides
the rest of the page, collapsed sections, a `select:` that a redesign breaks); the
text is ours.

Every step says what it is, so a test can count what Lagebild reported against what
really changed: `kind` is "change" for a real change, anything else is not one.
"""

from __future__ import annotations

import html as html_lib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

CHANGE = "change"
NOISE = "noise"
LINK = "link"
VARIANT = "variant"


@dataclass
class Step:
    kind: str             # baseline | change | noise | link | variant
    note: str
    html: str


@dataclass
class History:
    name: str                                     # the source name, as in feeds.yaml
    url: str
    platforms: list[str]
    steps: list[Step]
    options: dict = field(default_factory=dict)   # select / remove / ignore / variant, as in feeds.yaml
    language: str = "en"


# ----------------------------------------------------------------------------- documents
# A document is a list of blocks: ("h2", text), ("p", text), ("ul", [items]), ("table", [[cells]]).

TERMS = [
    ("h2", "1. The services we provide"),
    ("p", "Our mission is to help people stay in touch with the people and causes they care about. "
          "To do that, we offer the products and services described below."),
    ("p", "We show you posts, groups and events that we think you will find relevant. "
          "We use the information we have to decide what you see in your feed."),
    ("h2", "2. How our services are funded"),
    ("p", "Instead of paying to use the service, you agree that we can show you ads that businesses pay us "
          "to promote. We do not sell your personal data to advertisers."),
    ("p", "Advertisers tell us the kind of audience they want to reach and we show their ads to people "
          "who may be interested."),
    ("h2", "3. Your commitments"),
    ("p", "You must be at least 13 years old to use the service. You may not use the service if you have "
          "been convicted of a sexual offence."),
    ("ul", ["Use the same name that you use in everyday life.", "Provide accurate information about yourself.",
            "Create only one personal account."]),
    ("p", "You may not use the service to do or share anything that is unlawful, misleading or fraudulent."),
    ("h2", "4. Permissions you give us"),
    ("p", "When you share content that is covered by intellectual property rights, you give us a "
          "non-exclusive, royalty-free and worldwide licence to host, use and display it."),
    ("p", "This licence ends when your content is deleted from our systems, which can take up to 90 days."),
    ("h2", "5. Limits on liability"),
    ("p", "We work hard to provide the best service we can, but we cannot predict every problem. "
          "Our liability is limited to the fullest extent permitted by applicable law."),
    ("h2", "6. Disputes"),
    ("p", "We try to resolve disputes with you amicably before any court is involved."),
]

PRIVACY = [
    ("h2", "What information do we collect?"),
    ("p", "We collect the content you create, such as posts, comments and audio, and information about "
          "the people, pages and accounts you connect with."),
    ("p", "We also collect information from the devices you use, such as the operating system, battery "
          "level and signal strength."),
    ("h2", "How do we use your information?"),
    ("p", "We use information to personalise features and content and to make suggestions for you."),
    ("p", "We use information to measure how ads perform and to help advertisers understand their audience."),
    ("ul", ["To provide and improve our products.", "To promote safety, integrity and security.",
            "To communicate with you."]),
    ("h2", "How long do we keep your information?"),
    ("table", [["Information", "How long we keep it"], ["Search history", "Until you delete it"],
               ["Location history", "Up to 12 months"], ["Call logs", "Up to 90 days"]]),
    ("h2", "How can you exercise your rights?"),
    ("p", "You have the right to access, correct, port and erase your information, and to object to "
          "certain processing."),
    ("p", "You can lodge a complaint with the Data Protection Commission, our lead supervisory authority."),
    ("h2", "How will we notify you of changes?"),
    ("p", "We will notify you before we make material changes to this policy and give you the opportunity "
          "to review the revised policy."),
]

GUIDELINES = [
    ("h2", "Overview"),
    ("p", "We do not allow content that threatens, harasses or demeans other people."),
    ("p", "These rules apply to everyone and to all content, including videos, comments, live streams "
          "and profile information."),
    ("h2", "What is not allowed"),
    ("ul", ["Threats of violence against a person or a group.", "Insults based on protected attributes.",
            "Sharing private information to harass someone."]),
    ("h2", "What is allowed"),
    ("p", "Criticism of public figures is allowed when it does not include threats or sexualised content."),
    ("p", "Content that raises awareness of harassment may stay up, but it may not be eligible for the "
          "For You feed."),
    ("h2", "Enforcement"),
    ("p", "If you break these rules, we may remove the content and restrict your account. Repeated "
          "violations lead to a permanent ban."),
]

AGREEMENT = [
    ("h2", "1. Introduction"),
    ("p", "When you use our services, you agree to all of these terms. Your use of our services is also "
          "subject to our cookie policy and our privacy policy."),
    ("h2", "2. Obligations"),
    ("p", "To use the services, you agree that you must be the minimum age of 16 years or older."),
    ("p", "You will only have one account, which must be in your real name."),
    ("h2", "3. Rights and limits"),
    ("p", "As between you and us, you own the content and information that you submit or post to the "
          "services."),
    ("p", "We may use, copy, modify and publish the content you post, with the permissions you give us."),
    ("h2", "4. Disclaimer and limit of liability"),
    ("p", "We make no representation or warranty about the services, including any representation that "
          "the services will be uninterrupted or error-free."),
    ("h2", "5. Termination"),
    ("p", "Both you and we may terminate this contract at any time with notice to the other."),
]

NUTZUNG = [
    ("h2", "1. Einleitung"),
    ("p", "Willkommen! Diese Nutzungsbedingungen regeln deine Nutzung unserer Apps und Dienste."),
    ("p", "Bitte lies sie sorgfältig. Sie enthalten eine Schiedsklausel für Nutzer in bestimmten Ländern."),
    ("h2", "2. Wer unsere Dienste nutzen darf"),
    ("p", "Du musst mindestens 13 Jahre alt sein, um unsere Dienste zu nutzen."),
    ("p", "Wenn du jünger als 18 Jahre bist, brauchst du die Zustimmung deiner Eltern."),
    ("h2", "3. Rechte, die du uns einräumst"),
    ("p", "Du behältst alle Rechte an deinen Inhalten. Du räumst uns eine weltweite Lizenz ein, sie zu "
          "speichern und anzuzeigen."),
    ("h2", "4. Inhalte anderer"),
    ("p", "Inhalte anderer Nutzer stammen nicht von uns und geben nicht unbedingt unsere Meinung wieder."),
    ("h2", "5. Kündigung"),
    ("p", "Du kannst diese Bedingungen jederzeit beenden, indem du dein Konto löschst."),
]


def edit(doc: list, index: int, old: str, new: str) -> list:
    """The document with `old` replaced by `new` in block `index` (text, list item or table cell)."""
    kind, body = doc[index]
    assert old in str(body), (old, body)
    if kind in ("h2", "p"):
        body = body.replace(old, new, 1)
    elif kind == "ul":
        body = [item.replace(old, new, 1) for item in body]
    else:
        body = [[cell.replace(old, new, 1) for cell in row] for row in body]
    return doc[:index] + [(kind, body)] + doc[index + 1:]


def insert(doc: list, index: int, block: tuple) -> list:
    return doc[:index] + [block] + doc[index:]


def delete(doc: list, index: int) -> list:
    return doc[:index] + doc[index + 1:]


def add_item(doc: list, index: int, item) -> list:
    kind, body = doc[index]
    return doc[:index] + [(kind, [*body, item])] + doc[index + 1:]


# ----------------------------------------------------------------------------- page state and noise

LANGS = [("en", "English (US)"), ("de", "Deutsch"), ("fr", "Français (France)"), ("es", "Español"),
         ("it", "Italiano"), ("pt", "Português (Brasil)"), ("pl", "Polski"), ("nl", "Nederlands"),
         ("tr", "Türkçe"), ("ja", "日本語"), ("ar", "العربية"), ("uk", "Українська")]


@dataclass
class State:
    """What a page shows besides its document; noise steps change only this."""
    rng: random.Random
    date: str = "January 1, 2025"
    langs: int = 8                     # how many languages the picker lists
    lang_shift: int = 0                # their order
    footer_links: tuple = ("Privacy Policy", "Cookies Policy", "Community Standards")
    related_href: str = "/policies/ads"
    cookie_dialog: bool = False
    dialog_text: str = "Allow the use of cookies by this site on this browser?"
    toc_prefix: str = "u_0_3"
    wrapper_class: str = "x9f619 x1n2onr6"
    variant: str = "eu"
    promo: bool = False
    counter: int = 1204
    redesigned: bool = False
    collapsed: bool = False
    curly: bool = False
    eu_clause: bool = True
    related: tuple = ("How to report a post", "Manage your account settings", "Delete your account")

    def token(self, n: int = 16) -> str:
        return "".join(self.rng.choice("abcdef0123456789") for _ in range(n))


def _blocks(doc: list, ids: bool = True, curly: bool = False) -> str:
    out = []
    if curly:       # the template's typography: ' -> ’, and a soft hyphen in long words
        doc = [(k, b.replace("'", "\u2019") if isinstance(b, str) else b) for k, b in doc]
    for n, (kind, body) in enumerate(doc):
        if kind == "h2":
            out.append(f'<h2 id="section-{n}">{html_lib.escape(body)}</h2>' if ids else f"<h2>{html_lib.escape(body)}</h2>")
        elif kind == "p":
            out.append(f'<p class="_2pi9">{html_lib.escape(body)}</p>')
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{html_lib.escape(i)}</li>" for i in body) + "</ul>")
        else:
            head, *rows = body
            out.append("<table><thead><tr>" + "".join(f"<th>{html_lib.escape(c)}</th>" for c in head)
                       + "</tr></thead><tbody>" + "".join("<tr>" + "".join(f"<td><p>{html_lib.escape(c)}</p></td>"
                                                                             for c in row) + "</tr>" for row in rows)
                       + "</tbody></table>")
    return "\n".join(out)


def _language_picker(s: State, base: str, tag: str = "ul") -> str:
    langs = LANGS[:s.langs]
    langs = langs[s.lang_shift % len(langs):] + langs[:s.lang_shift % len(langs)]
    links = "".join(f'<li><a href="{base}?locale={code}&amp;_rdr={s.token(6)}" hreflang="{code}">{name}</a></li>'
                    for code, name in langs)
    return f'<div class="_4lfx"><{tag}>{links}</{tag}></div>'


def _toc(doc: list, s: State) -> str:
    heads = [(n, body) for n, (kind, body) in enumerate(doc) if kind == "h2"]
    return ('<div class="_7yw"><ul>' + "".join(f'<li><a href="#section-{n}" id="{s.toc_prefix}_{n}">'
                                                f"{html_lib.escape(b)}</a></li>" for n, b in heads) + "</ul></div>")


def _head(title: str, s: State) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="csrf" content="{s.token(32)}"><script nonce="{s.token(12)}">'
            f'window.__bootstrap={{"lsd":"{s.token(20)}","ts":{s.rng.randint(10**9, 2 * 10**9)}}};</script>'
            f'<link rel="stylesheet" href="/rsrc.php/v3/{s.token(8)}.css"></head>')


# ----------------------------------------------------------------------------- layouts

def facebook_terms(doc: list, s: State) -> str:
    """Terms page with the issue's Facebook shape: language list, table of contents and footer links
    inside the main area, EU and US texts served by region."""
    entity = "Meta Platforms Ireland Limited." if s.variant == "eu" else "Meta Platforms, Inc."
    eu_only = ('<p>If you are a consumer and habitually reside in a Member State of the European Union, '
               'the laws of that Member State will apply to any claim you bring against us.</p>'
               if s.variant == "eu" and s.eu_clause else "" if s.variant == "eu" else
               '<p>Any claim you have against us must be resolved exclusively in a state or federal court '
               'located in Northern California.</p>')
    footer = "".join(f'<li><a href="/policies/{n.lower().replace(" ", "-")}?ref={s.token(5)}">{n}</a></li>'
                     for n in s.footer_links)
    return (_head("Terms of Service | Facebook", s)
            + f'<body class="{s.wrapper_class}"><div id="globalContainer">'
            + '<div role="banner"><a href="/">facebook</a><a href="/login">Log in</a>'
              '<a href="/recover">Forgot account?</a></div>'
            + '<div role="main" id="content">'
            + _language_picker(s, "https://www.facebook.com/legal/terms")
            + _toc(doc, s)
            + f"<h1>Terms of Service</h1><p>These Products are provided to you by {entity}</p>"
            + _blocks(doc, curly=s.curly) + eu_only
            + f'<p class="_3-8x">Date of Last Revision: {s.date}</p>'
            + f'<ul class="_5bw">{footer}</ul>'
            + "</div>"
            + f'<div id="pageFooter" role="contentinfo"><a href="/about">About</a> Meta © 2025 '
              f'<span>{s.counter} people</span></div>'
            + "</div></body></html>")


def meta_privacy(doc: list, s: State) -> str:
    """Privacy page without <main>: when the cookie dialog is open, everything else is aria-hidden."""
    hidden = ' aria-hidden="true"' if s.cookie_dialog else ""
    dialog = (f'<div class="x1uvtmcs" role="dialog"><h2>{s.dialog_text}</h2><p>We use cookies to help '
              f'personalise content and to provide a safer experience.</p><div role="button">Allow all '
              f'cookies</div><div role="button">Decline optional cookies</div></div>'
              if s.cookie_dialog else "")
    return (_head("Privacy Policy | Meta", s)
            + f'<body><div class="{s.wrapper_class}"{hidden}>'
            + '<div class="x78zum5"><a href="/privacy/center">Privacy Center</a>'
              '<span hidden>Open menu</span></div>'
            + f'<div class="_9lsb" id="policy-{s.token(6)}"><h1>Privacy Policy</h1>'
            + f"<p>Effective {s.date}</p>"
            + _blocks(doc)
            + f'<p>See also: <a href="{s.related_href}">how ads work</a>.</p>'
            + "</div></div>" + dialog + "</body></html>")


def google_privacy(doc: list, s: State) -> str:
    """A stable page: article role, archived versions as a list of dated links, tracking parameters."""
    archive = "".join(f'<li><a href="/privacy/archive/{y}0101?hl=en&amp;gl={s.token(4)}">January 1, {y}</a></li>'
                      for y in range(2019, 2019 + s.langs))
    return (_head("Privacy Policy – Privacy & Terms – Google", s)
            + '<body><header><a href="/">Google</a><nav><a href="/overview">Overview</a></nav></header>'
            + '<div role="article"><h1>Google Privacy Policy</h1>'
            + f"<p>Effective {s.date}</p>"
            + f'<p><a href="/privacy/archive?gl={s.token(3)}">Archived versions</a></p>'
            + _blocks(doc)
            + f'<h2>Archived versions</h2><ul class="archive">{archive}</ul>'
            + "</div><footer><p>Google</p></footer></body></html>")


def linkedin_agreement(doc: list, s: State) -> str:
    """Configured with `select: section.legal-article`; a redesign renames it, leaving a table of
    contents and a language picker beside the text in <main>."""
    article = (f'<div class="lc-article-body">{_blocks(doc)}</div>' if s.redesigned else
               f'<section class="legal-article">{_blocks(doc)}</section>')
    extra = _toc(doc, s) + _language_picker(s, "https://www.linkedin.com/legal/user-agreement") \
        if s.redesigned else ""
    return (_head("User Agreement | LinkedIn", s)
            + '<body><header class="global-nav"><a href="/">LinkedIn</a><a href="/signup">Join now</a></header>'
            + f'<main id="main-content" class="{s.wrapper_class}">' + extra + article + "</main>"
            + f'<footer><p>LinkedIn Corporation © 2025</p><p>{s.counter} members</p></footer></body></html>')


def tiktok_guidelines(doc: list, s: State) -> str:
    """Sub-page of community guidelines: collapsed sections (hidden until opened) and an A/B test
    that shows a promotion paragraph to some visitors."""
    hidden = " hidden" if s.collapsed else ""
    sections, current = [], []
    for block in doc:
        if block[0] == "h2" and current:
            sections.append(current)
            current = []
        current.append(block)
    sections.append(current)
    body = "".join(f'<div class="accordion"><div role="button" aria-expanded="false">'
                   f"{_blocks(sec[:1], ids=False)}</div><div class=\"accordion-panel\"{hidden}>"
                   f"{_blocks(sec[1:])}</div></div>" for sec in sections)
    promo = ("<p>New: learn how we label content made with artificial intelligence in our Safety Center.</p>"
             if s.promo else "")
    return (_head("Safety and Civility | TikTok", s)
            + '<body><div id="app"><header><a href="/">TikTok</a><a href="/upload">Upload</a></header>'
            + f'<main class="{s.wrapper_class}"><h1>Safety and Civility</h1>{promo}'
            + _language_picker(s, "https://www.tiktok.com/community-guidelines/en/safety-civility", "ul")
            + body
            + f'<div class="helpful">Was this helpful? <span>{s.counter} people found this helpful</span></div>'
            + "</main></div></body></html>")


def x_terms(doc: list, s: State) -> str:
    """Chapter navigation of anchors inside main; short duplicates hidden by style for large screens."""
    dupes = "".join(f'<span style="display: none">{html_lib.escape(b)}</span>'
                    for k, b in doc if k == "h2")[:400]
    return (_head("Terms of Service", s)
            + f'<body><main id="twtr-main" class="{s.wrapper_class}">'
            + '<nav class="skip"><a href="#main">Skip to content</a></nav>'
            + '<div class="p05-chapter-navigation"><ol>'
            + "".join(f'<li><a href="#section-{n}">{html_lib.escape(b)}</a></li>'
                      for n, (k, b) in enumerate(doc) if k == "h2")
            + "</ol></div>"
            + f"<h1>X Terms of Service</h1><p>Effective: {s.date}</p>{dupes}"
            + _blocks(doc, curly=s.curly)
            + "</main></body></html>")


def instagram_help(doc: list, s: State) -> str:
    """Help-centre article: breadcrumbs, 'Copy link' buttons, a related-articles link list and a
    feedback form inside role=main."""
    related = "".join(f'<li><a href="/help/{sum(map(ord, r))}?helpref=related&amp;ref={s.token(4)}">{r}</a></li>'
                      for r in s.related)
    return (_head("Terms of Use | Instagram Help Center", s)
            + '<body><div class="_4-u2"><div role="navigation"><a href="/help">Help Center</a>'
              '<a href="/help/privacy">Privacy and safety</a></div>'
            + f'<div role="main" class="{s.wrapper_class}"><div class="breadcrumbs"><a href="/help">Help Center</a>'
              ' › <a href="/help/legal">Policies and reports</a></div>'
            + '<h1>Terms of Use</h1><div aria-label="Copy link" role="button">Copy link</div>'
            + _blocks(doc, curly=s.curly)
            + f'<div id="Related Articles"><h3>Related Articles</h3><ul>{related}</ul></div>'
            + '<fieldset><legend>Was this helpful?</legend><label><input type="radio">Yes</label>'
              '<label><input type="radio">No</label></fieldset>'
            + "</div></div></body></html>")


def youtube_terms(doc: list, s: State) -> str:
    """Terms with a country list of links (not languages) and a 'download' link row inside the content."""
    countries = ["Germany", "Austria", "Switzerland", "France", "United Kingdom", "United States", "Japan",
                 "Brazil", "India", "Spain", "Italy", "Poland"][:s.langs]
    links = "".join(f'<li><a href="/t/terms?gl={c[:2].upper()}&amp;hl=en&amp;s={s.token(3)}">{c}</a></li>'
                    for c in countries[s.lang_shift % len(countries):] + countries[:s.lang_shift % len(countries)])
    return (_head("Terms of Service - YouTube", s)
            + f'<body><div id="main-content" class="{s.wrapper_class}">'
            + '<div class="country-picker"><p>Choose your country</p>' + f"<ul>{links}</ul></div>"
            + f"<h1>Terms of Service</h1><p>Dated: {s.date}</p>"
            + '<div class="actions"><a href="/t/terms.pdf">Download PDF</a> · <a href="/t/terms/print">Print</a>'
              ' · <a href="/t/terms/archive">Previous versions</a></div>'
            + _blocks(doc, curly=s.curly)
            + "</div></body></html>")


def snap_terms_de(doc: list, s: State) -> str:
    """German terms with a picker of language names (no hreflang) and a German stamp."""
    names = [name for _, name in LANGS[:s.langs]]
    names = names[s.lang_shift % len(names):] + names[:s.lang_shift % len(names)]
    picker = "".join(f'<a href="?lang={s.token(2)}" class="lang">{n}</a>' for n in names)
    return (_head("Snap Inc. Nutzungsbedingungen", s)
            + '<body><main>'
            + f'<div class="locale-switcher">{picker}</div>'
            + f"<h1>Snap Inc. Nutzungsbedingungen</h1><p>Zuletzt aktualisiert: {s.date}</p>"
            + _blocks(doc, curly=s.curly)
            + '<ul class="links"><li><a href="/de-DE/privacy">Datenschutz</a></li>'
              '<li><a href="/de-DE/cookies">Cookies</a></li><li><a href="/de-DE/impressum">Impressum</a></li></ul>'
            + "</main></body></html>")


# ----------------------------------------------------------------------------- histories

Op = Callable[[list, State], tuple[list, State]]


def _run(layout: Callable[[list, State], str], doc: list, state: State,
         script: list[tuple[str, str, Op]]) -> list[Step]:
    steps = [Step("baseline", "first fetch", layout(doc, state))]
    for kind, note, op in script:
        doc, state = op(doc, state)
        steps.append(Step(kind, note, layout(doc, state)))
    return steps


def noise(**changes) -> Op:
    return lambda doc, s: (doc, replace(s, **changes))


def same() -> Op:
    return lambda doc, s: (doc, s)      # a fresh fetch: new tokens, nonces, cache busters


def text(fn: Callable[[list], list], **changes) -> Op:
    return lambda doc, s: (fn(doc), replace(s, **changes))


def facebook_history() -> History:
    script = [
        ("noise", "new tokens", same()),
        ("variant", "US text served", noise(variant="us")),
        ("variant", "EU text again", noise(variant="eu")),
        ("noise", "language added to the picker", noise(langs=9)),
        ("variant", "US text again", noise(variant="us", lang_shift=2)),
        ("noise", "table of contents ids renamed", noise(toc_prefix="u_0_7")),
        ("variant", "EU text again", noise(variant="eu")),
        ("noise", "curly apostrophes", noise(curly=True)),
        ("change", "minimum age 13 -> 14", text(lambda d: edit(d, 7, "13 years", "14 years"), date="May 2, 2025")),
        ("link", "footer link added", noise(footer_links=("Privacy Policy", "Cookies Policy",
                                                              "Community Standards", "AI Terms"))),
        ("variant", "US text catches up", noise(variant="us")),
        ("noise", "language picker reordered", noise(lang_shift=5)),
        ("link", "footer link renamed", noise(footer_links=("Privacy Policy", "Cookie Policy",
                                                                "Community Standards", "AI Terms"))),
        ("variant", "EU text", noise(variant="eu")),
        ("change", "sentence added on AI training", text(lambda d: edit(
            d, 12, "which can take up to 90 days.",
            "which can take up to 90 days. We may use public content to train our AI models."))),
        ("noise", "markup classes renamed", noise(wrapper_class="x1lliihq x193iq5w")),
        ("variant", "US text catches up", noise(variant="us")),
        ("variant", "EU text", noise(variant="eu")),
        ("noise", "languages removed", noise(langs=6)),
        ("noise", "straight apostrophes", noise(curly=False)),
        ("change", "dispute clause rewritten", text(lambda d: edit(
            d, 16, "amicably before any court is involved", "through our online mediation service first"))),
        ("noise", "new tokens", same()),
        ("variant", "US text catches up", noise(variant="us")),
        ("noise", "counter", noise(counter=1500)),
        ("variant", "EU text", noise(variant="eu")),
        ("change", "list item removed", text(lambda d: edit(
            d, 8, "Create only one personal account.", "Create only one personal account per device."))),
        ("noise", "table of contents ids renamed", noise(toc_prefix="u_1_a")),
        ("variant", "US text", noise(variant="us")),
        ("change", "EU-only consumer clause dropped", noise(variant="eu", eu_clause=False)),
        ("variant", "US text", noise(variant="us")),
        ("noise", "new tokens", same()),
    ]
    return History("Facebook Terms of Service", "https://www.facebook.com/legal/terms", ["facebook"],
                   _run(facebook_terms, TERMS, State(random.Random(1)), script),
                   options={"variant": {"eu": r"Meta Platforms Ireland Limited", "us": r"Meta Platforms, Inc\."}})


def meta_privacy_history() -> History:
    script = [
        ("noise", "cookie dialog hides the page", noise(cookie_dialog=True)),
        ("noise", "cookie dialog gone", noise(cookie_dialog=False)),
        ("noise", "cookie dialog again, other wording", noise(cookie_dialog=True,
                                                               dialog_text="Allow cookies on this browser?")),
        ("change", "location history kept longer",
         text(lambda d: edit(d, 8, "Up to 12 months", "Up to 18 months"), date="March 3, 2025")),
        ("noise", "dialog closed", noise(cookie_dialog=False)),
        ("link", "'how ads work' links elsewhere", noise(related_href="/ads/about")),
        ("noise", "new tokens", same()),
        ("change", "new use of information", text(lambda d: add_item(
            d, 6, "To develop and train artificial intelligence features."), cookie_dialog=True)),
        ("noise", "classes renamed", noise(wrapper_class="x6s0dn4 x1q0g3np")),
        ("noise", "dialog closed", noise(cookie_dialog=False)),
        ("link", "'how ads work' links back", noise(related_href="/policies/ads")),
        ("change", "complaint sentence removed", text(lambda d: delete(d, 11))),
        ("noise", "dialog open", noise(cookie_dialog=True)),
        ("noise", "dialog wording", noise(dialog_text="Cookies on this browser")),
        ("change", "new table row", text(lambda d: add_item(d, 8, ["Voice recordings", "Up to 3 years"]))),
        ("noise", "dialog closed", noise(cookie_dialog=False)),
    ]
    return History("Meta Privacy Policy", "https://www.facebook.com/privacy/policy/", ["facebook", "instagram"],
                   _run(meta_privacy, PRIVACY, State(random.Random(2), date="January 1, 2025"), script))


def google_history() -> History:
    script = [
        ("noise", "new tokens", same()),
        ("link", "archived version added", noise(langs=9)),
        ("change", "call logs kept shorter", text(lambda d: edit(d, 8, "Up to 90 days", "Up to 30 days"),
                                                  date="April 1, 2025")),
        ("noise", "new tokens", same()),
        ("noise", "archived version added", noise(langs=10)),
        ("change", "right added", text(lambda d: edit(d, 10, "and to object to certain processing",
                                                     "to object to certain processing and to withdraw consent"))),
        ("noise", "new tokens", same()),
        ("noise", "curly apostrophes", noise(curly=True)),
        ("noise", "new tokens", same()),
        ("noise", "archived version added", noise(langs=11)),
        ("noise", "new tokens", same()),
    ]
    return History("Google Privacy Policy", "https://policies.google.com/privacy", ["google"],
                   _run(google_privacy, PRIVACY, State(random.Random(3), langs=8), script))


def linkedin_history() -> History:
    script = [
        ("noise", "new tokens", same()),
        ("change", "minimum age 16 -> 18", text(lambda d: edit(d, 3, "16 years", "18 years"))),
        ("noise", "counter", noise(counter=99)),
        ("noise", "redesign: select no longer matches", noise(redesigned=True)),
        ("noise", "language list grows", noise(langs=10)),
        ("change", "termination notice period", text(lambda d: edit(
            d, 11, "at any time with notice to the other", "at any time with 30 days notice to the other"))),
        ("noise", "table of contents ids", noise(toc_prefix="ember")),
        ("noise", "new tokens", same()),
        ("change", "new section on AI", text(lambda d: insert(insert(
            d, 10, ("h2", "5. Generative AI features")), 11,
            ("p", "Content created with our generative AI features may be inaccurate and you are responsible "
                  "for reviewing it before sharing.")))),
        ("noise", "language list shrinks", noise(langs=7)),
        ("noise", "new tokens", same()),
    ]
    return History("LinkedIn User Agreement", "https://www.linkedin.com/legal/user-agreement", ["linkedin"],
                   _run(linkedin_agreement, AGREEMENT, State(random.Random(4)), script),
                   options={"select": "section.legal-article"})


def tiktok_history() -> History:
    script = [
        ("noise", "sections collapsed", noise(collapsed=True)),
        ("variant", "A/B test: promotion shown", noise(promo=True)),
        ("variant", "A/B test: promotion hidden", noise(promo=False, collapsed=False)),
        ("noise", "helpful counter", noise(counter=1311)),
        ("change", "new rule on doxxing", text(lambda d: add_item(
            d, 4, "Threatening to share someone's home address."), collapsed=True)),
        ("variant", "A/B test: promotion shown", noise(promo=True)),
        ("noise", "language picker reordered", noise(lang_shift=3, promo=False)),
        ("change", "ban wording", text(lambda d: edit(d, 9, "lead to a permanent ban",
                                                      "may lead to a permanent ban"))),
        ("noise", "sections expanded", noise(collapsed=False)),
        ("variant", "A/B test: promotion shown", noise(promo=True)),
        ("noise", "helpful counter", noise(counter=1400)),
        ("variant", "A/B test: promotion hidden", noise(promo=False)),
        ("noise", "sections collapsed", noise(collapsed=True)),
    ]
    return History("TikTok Community Guidelines: Safety and Civility",
                   "https://www.tiktok.com/community-guidelines/en/safety-civility/", ["tiktok"],
                   _run(tiktok_guidelines, GUIDELINES, State(random.Random(5)), script))


def x_history() -> History:
    script = [
        ("noise", "new tokens", same()),
        ("noise", "classes", noise(wrapper_class="twtr-main css-1dbjc4n")),
        ("change", "licence wording", text(lambda d: edit(d, 11, "host, use and display it",
                                                          "host, use, adapt and display it"), date="June 1, 2025")),
        ("noise", "new tokens", same()),
        ("noise", "curly apostrophes", noise(curly=True)),
        ("change", "section heading renamed", text(lambda d: edit(d, 13, "Limits on liability",
                                                                  "Limitation of liability"))),
        ("noise", "new tokens", same()),
        ("change", "ads sentence removed", text(lambda d: edit(
            d, 4, " We do not sell your personal data to advertisers.", ""))),
        ("noise", "new tokens", same()),
    ]
    return History("X Terms of Service", "https://x.com/en/tos", ["x"],
                   _run(x_terms, TERMS, State(random.Random(6)), script))


def instagram_history() -> History:
    script = [
        ("noise", "new tokens", same()),
        ("link", "related article added", noise(related=("How to report a post", "Manage your account settings",
                                                         "Delete your account", "Download your information"))),
        ("change", "licence end", text(lambda d: edit(d, 12, "up to 90 days", "up to 30 days"))),
        ("link", "related article renamed", noise(related=("Report a post", "Manage your account settings",
                                                           "Delete your account", "Download your information"))),
        ("noise", "classes", noise(wrapper_class="x1yztbdb")),
        ("noise", "curly apostrophes", noise(curly=True)),
        ("change", "new commitment", text(lambda d: add_item(d, 8, "Do not buy or sell likes or followers."))),
        ("noise", "new tokens", same()),
    ]
    return History("Instagram Terms of Use", "https://help.instagram.com/581066165581870", ["instagram"],
                   _run(instagram_help, TERMS, State(random.Random(8)), script))


def youtube_history() -> History:
    script = [
        ("noise", "new tokens", same()),
        ("noise", "country list reordered", noise(lang_shift=4)),
        ("link", "countries added", noise(langs=12)),
        ("change", "age wording", text(lambda d: edit(d, 7, "at least 13 years old",
                                                      "at least 13 years old, or older where local law requires"))),
        ("noise", "new tokens", same()),
        ("noise", "curly apostrophes", noise(curly=True)),
        ("noise", "new tokens", same()),
    ]
    return History("YouTube Terms of Service", "https://www.youtube.com/t/terms", ["youtube"],
                   _run(youtube_terms, TERMS, State(random.Random(9), langs=9), script))


def snap_history() -> History:
    script = [
        ("noise", "neue Tokens", same()),
        ("noise", "Sprachen umsortiert", noise(lang_shift=4)),
        ("change", "Mindestalter 13 -> 16", text(lambda d: edit(d, 4, "13 Jahre", "16 Jahre"), date="2. Juni 2025")),
        ("noise", "Sprache hinzugefügt", noise(langs=11)),
        ("change", "Satz entfernt", text(lambda d: edit(d, 2, " Sie enthalten eine Schiedsklausel für Nutzer in "
                                                            "bestimmten Ländern.", ""))),
        ("noise", "neue Tokens", same()),
        ("noise", "Sprachen umsortiert", noise(lang_shift=7)),
        ("change", "Kündigung", text(lambda d: edit(d, 11, "jederzeit beenden", "jederzeit mit einer Frist von "
                                                                               "30 Tagen beenden"))),
        ("noise", "neue Tokens", same()),
    ]
    return History("Snap Nutzungsbedingungen", "https://www.snap.com/de-DE/terms", ["snapchat"],
                   _run(snap_terms_de, NUTZUNG, State(random.Random(7)), script), language="de")


def histories() -> list[History]:
    return [facebook_history(), meta_privacy_history(), google_history(), linkedin_history(), tiktok_history(),
            x_history(), instagram_history(), youtube_history(), snap_history()]


def steps(history: History) -> Iterator[tuple[int, Step]]:
    yield from enumerate(history.steps)
