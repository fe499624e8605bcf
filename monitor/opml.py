"""Sources in and out as OPML 2.0, the format every feed reader imports and exports.

`export_opml(config)` writes one outline per source, in a folder per category, with
the category, language and platforms as attributes, so another reader gets the feeds
and a second Lagebild gets everything back.

`import_opml(path, config_path)` ADDS the file's feed outlines (nested folders too) as
`kind: feed` sources to feeds.yaml. The file is not rewritten: the new entries are
appended as text after the last source, in the file's own indentation, so every
comment, blank line and quote stays where it was. URLs already present are skipped,
names made unique, and the result must load with `load_config` before it replaces
the file (atomically).

OPML comes from strangers, so it is parsed without entity expansion, DTD loading or
network access (defusedxml); a file that declares entities is refused.
"""

from __future__ import annotations

import io
import ipaddress
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from lxml import etree
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from monitor.clock import utcnow
from monitor.config import CATEGORIES, Config, ConfigError, Source, load_config, web_address

MAX_BYTES = 10 * 1024 * 1024
DEFAULT_CATEGORY = "industry"
# Folder names that mean a category (lowercase), besides the category names themselves.
CATEGORY_ALIASES = {
    "platforms": "platform", "plattform": "platform", "plattformen": "platform",
    "industries": "industry", "branche": "industry", "fachmedien": "industry", "news": "industry",
    "law": "legal", "recht": "legal", "datenschutz": "legal", "privacy": "legal",
    "networks": "network", "netzwerk": "network", "netzwerke": "network",
}
_PLATFORM = re.compile(r"^[a-z0-9_-]+$")
FEED_TYPES = ("rss", "atom", "feed")


class OpmlError(Exception):
    """An OPML file that cannot or must not be read; the message names the file and why."""


# ---------------------------------------------------------------------------------------------- export
def export_opml(config: Config, *, now: datetime | None = None) -> str:
    """Every configured source as OPML 2.0: folders by category, one outline per source."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = "Lagebild sources"
    etree.SubElement(head, "dateCreated").text = format_datetime(now or utcnow())
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")
    for category in CATEGORIES:
        sources = [s for s in config.sources if s.category == category]
        if not sources:
            continue
        folder = etree.SubElement(body, "outline", text=category, title=category)
        for src in sources:
            folder.append(_outline(src))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode", pretty_print=True)


def _outline(src: Source) -> etree._Element:
    attrs = {"text": src.name, "title": src.name}
    if src.kind == "feed":
        attrs.update(type="rss", xmlUrl=src.url)
    else:                          # pages and spiders: a link for readers, the kind for Lagebild
        attrs.update(type="link", url=src.url, kind=src.kind)
    attrs["category"] = src.category
    if src.language:
        attrs["language"] = src.language
    if src.platforms:
        attrs["platforms"] = " ".join(src.platforms)
    if src.note:
        attrs["note"] = src.note
    if not src.enabled:
        attrs["enabled"] = "false"
    return etree.Element("outline", attrs)


# ---------------------------------------------------------------------------------------------- import
@dataclass
class ImportReport:
    config: Path
    added: list[dict] = field(default_factory=list)                  # the new sources, as written
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (name, url) already there
    renamed: list[tuple[str, str]] = field(default_factory=list)     # (name in the OPML, name given)
    skipped: list[tuple[str, str]] = field(default_factory=list)     # (outline, why)

    def lines(self) -> list[str]:
        out = [f"{self.config}: added {len(self.added)} source(s), skipped {len(self.duplicates)} already present"
               + (f", {len(self.skipped)} not importable" if self.skipped else "")]
        out += [f"  + {s['name']} ({s['category']}) {s['url']}" for s in self.added]
        out += [f"  = {name}: {url} is already a source" for name, url in self.duplicates]
        out += [f"  ~ {old!r} is named {new!r} (the name was taken)" for old, new in self.renamed]
        out += [f"  - {what}: {why}" for what, why in self.skipped]
        return out


def import_opml(path: Path, config_path: Path) -> ImportReport:
    """Append the OPML's feeds to feeds.yaml; returns what was added and what was skipped."""
    path, config_path = Path(path), Path(config_path)
    outlines = read_opml(path)
    if config_path.exists():
        load_config(config_path)            # a broken config is reported as it is, before anything changes
    original = config_path.read_text(encoding="utf-8") if config_path.exists() else ""
    doc = _load_yaml(original, config_path)
    existing = list(doc.get("sources") or []) if isinstance(doc, dict) else []
    report = ImportReport(config=config_path)
    urls = {_url_key(str(s.get("url", ""))) for s in existing if isinstance(s, dict)}
    names = {str(s.get("name", "")).casefold() for s in existing if isinstance(s, dict)}
    for attrs, folders in outlines:
        entry = _entry(attrs, folders, report)
        if entry is None:
            continue
        if _url_key(entry["url"]) in urls:
            report.duplicates.append((entry["name"], entry["url"]))
            continue
        wanted = entry["name"]
        entry["name"] = _unique(wanted, names)
        if entry["name"] != wanted:
            report.renamed.append((wanted, entry["name"]))
        urls.add(_url_key(entry["url"]))
        names.add(entry["name"].casefold())
        report.added.append(entry)
    if report.added:
        updated = append_sources(original, doc, report.added, note=f"imported from {path.name} "
                                                                 f"on {datetime.now():%Y-%m-%d}")
        _replace_checked(config_path, updated, len(existing) + len(report.added))
    return report


def read_opml(path: Path) -> list[tuple[dict[str, str], list[str]]]:
    """(attributes, enclosing folder names innermost first) of every outline that has a URL."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise OpmlError(f"{path}: cannot read the file ({e.strerror or e})") from None
    if len(data) > MAX_BYTES:
        raise OpmlError(f"{path}: {len(data):,} bytes is too large for an OPML file (at most {MAX_BYTES:,})")
    root = _parse_safely(data, path)
    if _local(root.tag) != "opml":
        raise OpmlError(f"{path}: not an OPML file (the root element is <{_local(root.tag)}>, not <opml>)")
    body = next((el for el in root if _local(el.tag) == "body"), None)
    if body is None:
        raise OpmlError(f"{path}: the OPML file has no <body>")
    found: list[tuple[dict[str, str], list[str]]] = []
    # depth first, in document order, without recursion: a file nested a thousand folders deep
    # (hostile or broken) would exceed Python's recursion limit
    stack: list[tuple[Iterator[Element], list[str]]] = [(iter(body), [])]
    while stack:
        children, folders = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        if _local(child.tag) != "outline":
            continue
        attrs = {_local(k): (v or "").strip() for k, v in child.attrib.items()}
        if attrs.get("xmlUrl") or attrs.get("url") or attrs.get("type", "").lower() in FEED_TYPES:
            found.append((attrs, folders))
        label = attrs.get("text") or attrs.get("title") or ""
        stack.append((iter(child), [label, *folders] if label else folders))
    return found


def _parse_safely(data: bytes, path: Path) -> Element:
    """No entity expansion, no DTD, no network: a declared entity is refused outright."""
    refusal = (f"{path}: the file declares XML entities (<!ENTITY ...> in a DOCTYPE); refusing it, since "
               "entities can expand to gigabytes or read local files. Remove the DOCTYPE and import again")
    try:
        return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise OpmlError(refusal) from None
    except Exception as e:  # noqa: BLE001 - ParseError and expat's errors
        raise OpmlError(f"{path}: not well-formed XML ({e})") from None


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _entry(attrs: dict[str, str], folders: list[str], report: ImportReport) -> dict | None:
    """A feeds.yaml source for one outline, or None (and a reason in the report)."""
    label = attrs.get("title") or attrs.get("text") or attrs.get("xmlUrl") or attrs.get("url") or "?"
    url = attrs.get("xmlUrl", "")
    kind = attrs.get("type", "").lower()
    if not url and kind in FEED_TYPES:
        report.skipped.append((label, "a feed without its address (no xmlUrl)"))
        return None
    if not url or (kind and kind not in FEED_TYPES):
        report.skipped.append((label, f"not a feed (type {kind or 'none'}); add pages and spiders by hand"))
        return None
    address = web_address(url)
    if address is None:
        report.skipped.append((label, f"{url!r} is not an http(s) URL"))
        return None
    url = address
    if "${" in url:     # feeds.yaml fills ${VAR} in from this machine's environment: a secret would go to that site
        report.skipped.append((label, "its address names an environment variable (${...}), which would send "
                                      "this machine's value of it to that site; add it by hand if it is yours"))
        return None
    host = urlsplit(url).hostname or ""
    if _link_local(host):
        report.skipped.append((label, f"{host} is a link-local address (a cloud server's metadata service, "
                                      "not a feed); add it by hand if you mean it"))
        return None
    name = " ".join((attrs.get("title") or attrs.get("text") or urlsplit(url).hostname or url).split())[:190]
    entry: dict = {"name": name, "url": url, "kind": "feed", "category": _category(attrs, folders)}
    language = attrs.get("language", "").lower()[:2]
    if len(language) == 2 and language.isalpha() and language.isascii():
        entry["language"] = language
    platforms = [p for p in re.split(r"[\s,]+", attrs.get("platforms", "").lower()) if _PLATFORM.match(p)]
    if platforms:
        entry["platforms"] = list(dict.fromkeys(platforms))
    if attrs.get("note"):
        entry["note"] = attrs["note"][:500]
    if attrs.get("enabled", "").lower() == "false":
        entry["enabled"] = False
    return entry


def _link_local(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_link_local
    except ValueError:
        return False


def _category(attrs: dict[str, str], folders: list[str]) -> str:
    """The outline's own category attribute, else the innermost folder that names one, else industry."""
    for label in [attrs.get("category", "").strip("/").rsplit("/", 1)[-1], *folders]:
        key = label.strip().lower()
        if key in CATEGORIES:
            return key
        if key in CATEGORY_ALIASES:
            return CATEGORY_ALIASES[key]
    return DEFAULT_CATEGORY


def _url_key(url: str) -> str:
    """URLs that differ only in the case of scheme and host or a trailing slash are one URL."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}{path}" + (f"?{parts.query}" if parts.query else "")


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate.casefold() in taken:
        candidate, n = f"{name} ({n})", n + 1
    return candidate


# ---------------------------------------------------------------------------------------------- writing
def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


def _load_yaml(text: str, config_path: Path) -> CommentedMap:
    try:
        doc = _yaml().load(text) if text.strip() else None
    except Exception as e:  # noqa: BLE001 - ruamel's many error kinds
        raise OpmlError(f"{config_path}: not valid YAML, fix it first ({e})") from None
    if doc is None:
        return CommentedMap()
    if not isinstance(doc, CommentedMap):    # what ruamel's round-trip loader makes of a mapping
        raise OpmlError(f"{config_path}: the config must be a mapping with settings, notify and sources")
    sources = doc.get("sources")
    if sources is not None and not isinstance(sources, list):
        raise OpmlError(f"{config_path}: `sources:` must be a list")
    return doc


def append_sources(text: str, doc: CommentedMap, entries: list[dict], note: str = "") -> str:
    """`text` with `entries` added at the end of its `sources:` list, everything else unchanged."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    sources = doc.get("sources") if isinstance(doc, dict) else None
    if "sources" not in doc:
        block_lines = _dump(entries, offset=2, indent=2, note=note, blank=True)
        return "".join(lines) + ("\n" if lines and lines[-1].strip() else "") + "sources:\n" + block_lines
    key_line = doc.lc.key("sources")[0]
    if re.match(r"^sources\s*:\s*\[", lines[key_line]):          # written as a [flow, list]
        if sources:
            raise OpmlError("`sources:` is written as a [flow, list]; write it as a block list to import into it")
        lines[key_line] = re.sub(r"\[\s*\]", "", lines[key_line], count=1).rstrip() + "\n"
        sources = None
    if not sources:
        offset, indent, blank = 2, 2, True
        insert_at = key_line + 1
    else:
        first_line, dash_col = sources.lc.item(0)
        offset = _dash_column(lines, first_line, dash_col)
        indent = max(2, sources[0].lc.col - offset) if isinstance(sources[0], CommentedMap) else 2
        blank = len(sources) < 2 or _blank_before(lines, sources.lc.item(len(sources) - 1)[0])
        insert_at = _end_of_list(lines, doc, key_line, offset)
    block = _dump(entries, offset=offset, indent=indent, note=note, blank=blank and bool(sources))
    after = lines[insert_at:]
    tail = ("\n" if blank and after and after[0].strip() else "")
    return "".join(lines[:insert_at]) + block + tail + "".join(after)


def _dash_column(lines: list[str], line: int, col: int) -> int:
    """ruamel reports the item's content column; the dash is where the line's '-' is."""
    text = lines[line] if line < len(lines) else ""
    dash = text.find("-")
    return dash if 0 <= dash <= col else max(col - 2, 0)


def _blank_before(lines: list[str], line: int) -> bool:
    n = line - 1
    while n >= 0 and lines[n].lstrip().startswith("#"):
        n -= 1
    return n >= 0 and not lines[n].strip()


def _end_of_list(lines: list[str], doc: CommentedMap, key_line: int, offset: int) -> int:
    """The line after the last line of the sources list: before the next top-level key and
    before trailing comments at the list's indentation or less (they close the file)."""
    later = [doc.lc.key(k)[0] for k in doc if doc.lc.key(k)[0] > key_line]
    end = min(later) if later else len(lines)
    while end > key_line + 1:
        line = lines[end - 1]
        stripped = line.strip()
        if not stripped or (stripped.startswith("#") and len(line) - len(line.lstrip()) <= offset):
            end -= 1
            continue
        break
    return end


def _dump(entries: list[dict], *, offset: int, indent: int, note: str, blank: bool) -> str:
    yaml = _yaml()
    yaml.indent(mapping=indent, sequence=offset + indent, offset=offset)
    pad = " " * offset
    chunks = []
    for entry in entries:
        item = CommentedMap()
        for key, value in entry.items():
            if isinstance(value, list):
                value = CommentedSeq(value)
                value.fa.set_flow_style()
            item[key] = value
        buffer = io.StringIO()
        yaml.dump(CommentedSeq([item]), buffer)
        chunks.append(buffer.getvalue())
    head = ("\n" if blank else "") + (f"{pad}# {note}\n" if note else "")
    return head + ("\n" if blank else "").join(chunks)


def _replace_checked(config_path: Path, text: str, expected: int) -> None:
    """Write next to the config, check it loads with every source, then replace the config at once."""
    folder = config_path.resolve().parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".feeds-", suffix=".yaml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if config_path.exists():
            os.chmod(tmp, config_path.stat().st_mode & 0o777)
        try:
            loaded = load_config(Path(tmp))
        except ConfigError as e:
            raise ConfigError(str(e).replace(tmp, str(config_path))
                              + " (after the import; nothing was changed)") from None
        if len(loaded.sources) != expected:
            raise OpmlError(f"{config_path}: the updated file would hold {len(loaded.sources)} sources, "
                            f"not {expected}; nothing was changed")
        os.replace(tmp, config_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
