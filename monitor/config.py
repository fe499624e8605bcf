"""feeds.yaml, validated once at the edge into typed objects.

Unknown keys and typos are errors (pydantic `extra="forbid"`), reported with the file,
the line and a fix, because a silently ignored `langauge:` would leave a team wondering
why nothing changes. Secrets are never written in feeds.yaml: notify URLs may name
environment variables as `${VAR}` (required) or `${VAR:-default}` (optional).
"""

from __future__ import annotations

import difflib
import hashlib
import marshal
import os
import re
from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from classifiers.labels import CATEGORIES, PLATFORM_ALIASES, PLATFORMS, TAGS, Category, Tag, platform_code  # noqa: F401 - re-exported
from monitor.durations import parse_duration
from monitor.errors import ConfigError  # noqa: F401 - part of this module's interface

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:([kmg])i?b?|b)?", re.IGNORECASE)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


_WEB_ADDRESS = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)


def web_address(text: str) -> str | None:
    """`text` as a source address, its scheme in lower case (HTTP://… as some lists write it), or
    None when it is no http(s) address: one rule for feeds.yaml and for imported OPML files."""
    if not _WEB_ADDRESS.match(text):
        return None
    scheme, rest = text.split(":", 1)
    return scheme.lower() + ":" + rest


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _platform(value: str) -> str:
    low = platform_code(value)
    if not re.fullmatch(r"[a-z0-9_-]+", low):
        raise ValueError(f"{value!r} is not a platform name; use lowercase names such as {', '.join(PLATFORMS[:5])}")
    return low


Platform = Annotated[str, Field(min_length=1)]


class FetchSettings(Strict):
    interval: timedelta = timedelta(minutes=30)
    timeout: timedelta = timedelta(seconds=30)
    max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    concurrency: int = Field(default=128, ge=1, le=1024)
    per_host: int = Field(default=2, ge=1, le=64)
    delay: timedelta = timedelta(0)
    retries: int = Field(default=2, ge=0, le=10)
    processes: int | None = Field(default=None, ge=1, le=8)   # crawl processes; default: cores - 1, 1 to 2
    user_agent: str = "Lagebild/0.1 (+https://github.com/lagebild; feed monitor for social media teams)"

    @field_validator("max_bytes", mode="before")
    @classmethod
    def _size(cls, v: Any) -> Any:
        """Bytes, or a size as people write it: 20MB, 512 KB, 1.5 MiB (K, M, G count in 1,024s)."""
        if not isinstance(v, str):
            return v
        m = _SIZE.fullmatch(v.strip())
        if m is None:
            raise ValueError(f"{v!r} is not a size; write bytes or e.g. 20MB, 512KB")
        return int(float(m[1]) * 1024 ** " KMG".index((m[2] or " ")[0].upper()))

    @field_validator("interval", "timeout", "delay", mode="before")
    @classmethod
    def _duration(cls, v: Any, info: ValidationInfo) -> timedelta:
        """A duration; `delay` may be 0, `interval` and `timeout` must be longer (a timeout of 0
        fails every request with a misleading reason, an interval of 0 fetches every second)."""
        duration = v if isinstance(v, timedelta) else parse_duration(v)
        example = {"interval": "30m", "timeout": "30s", "delay": "2s"}[str(info.field_name)]
        if duration < timedelta(0) or (not duration and info.field_name != "delay"):
            least = "0s or more" if info.field_name == "delay" else "longer than 0"
            raise ValueError(f"{info.field_name} must be {least}; write e.g. {example}")
        return duration


class DigestSettings(Strict):
    at: time = time(7, 30)
    notify: list[str] = Field(default_factory=list)
    send_empty: bool = False           # send a short 'nothing new' note on an empty day
    max_per_section: int = Field(default=12, ge=1, le=500)

    @field_validator("at", mode="before")
    @classmethod
    def _clock(cls, v: Any) -> Any:
        """A time of day as people write it: "07:30", 7:30 (unquoted; the loaders keep it as text,
        not YAML 1.1's number of minutes, which turned 25:00 into 01:00), "7:30:00"."""
        if isinstance(v, (bool, int, float)):
            raise ValueError(f"{v!r} is not a time of day; write hours and minutes, e.g. \"07:30\"")
        if isinstance(v, str):
            m = _CLOCK.fullmatch(v.strip())
            if not m or int(m[1]) > 23 or int(m[2]) > 59 or int(m[3] or 0) > 59:
                raise ValueError(f"{v!r} is not a time of day; write hours (0-23) and minutes, e.g. \"07:30\"")
            return time(int(m[1]), int(m[2]), int(m[3] or 0))
        return v


class AlertRule(Strict):
    """Items matching every given condition go to `notify` at once during `monitor run`.

    `name` is what an alert shows as its reason ("Rechtliches fürs Team"); without it the
    alert describes the rule's conditions, never a rule number or a score."""
    name: str | None = Field(default=None, max_length=80)
    tags: list[Tag] = Field(default_factory=list)
    platforms: list[Platform] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    min_score: float = Field(default=0.0, ge=0.0, le=1.0)
    notify: list[str] = Field(min_length=1)

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, v: list[str]) -> list[str]:
        return [_platform(p) for p in v]

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        if v is None:
            return None
        name = " ".join(v.split())      # one line in a chat message
        if not name:
            raise ValueError("the rule name is empty; write a short name such as 'Legal changes' or leave name: out")
        return name


class User(Strict):
    name: str = Field(min_length=1, max_length=200)
    password_hash: str = Field(min_length=10)   # argon2 hash from `monitor hash-password`
    # In this file's team (issue 17). Unset: admin in feeds.yaml's own team (the people of a one-team
    # installation manage it, as before teams), editor in a teams/<slug>.yaml.
    role: Literal["admin", "editor", "viewer"] | None = None


class WebSettings(Strict):
    users: list[User] = Field(default_factory=list)
    base_url: str | None = None                # used for links in mails and alerts
    rss_token: str | None = None


class Settings(Strict):
    timezone: str = "Europe/Berlin"
    language: Literal["de", "en"] = "de"
    database: str | None = None
    platforms: list[Platform] | None = None    # the team's platforms: shown first in the digest
    hide_other_platforms: bool = False
    fetch: FetchSettings = FetchSettings()
    digest: DigestSettings = DigestSettings()
    alerts: list[AlertRule] = Field(default_factory=list)
    web: WebSettings = WebSettings()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{v!r} is not a time zone; write e.g. Europe/Berlin") from None
        return v

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else [_platform(p) for p in v]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _selector(v: str | None) -> str | None:
    """CSS, or XPath when it starts with '/', './', '(' or 'xpath:'; checked here so a typo is a config error."""
    if v is None:
        return None
    expr = v.strip()
    if not expr:
        raise ValueError("a selector must not be empty")
    try:
        if expr.startswith(("xpath:", "/", "./", "(")):
            from lxml import etree
            etree.XPath(expr.removeprefix("xpath:").strip())
        else:
            from parsel.csstranslator import css2xpath
            css2xpath(expr)
    except Exception as e:  # noqa: BLE001 - lxml and cssselect raise their own kinds
        raise ValueError(f"{expr!r} is not a valid CSS or XPath selector ({e})") from None
    return expr


def _regex(pattern: str, key: str) -> None:
    try:
        re.compile(pattern)
    except re.error as e:
        raise ValueError(f"{key}: {pattern!r} is not a valid regular expression ({e})") from None


class Selectors(Strict):
    """Where a list page (kind: listpage) keeps its entries; title/link/date/summary are relative to `item`."""
    item: str
    title: str
    link: str | None = None            # default: the first link in the item
    date: str | None = None            # <time datetime>, else the text, in common EN/DE formats
    summary: str | None = None

    @field_validator("item", "title", "link", "date", "summary")
    @classmethod
    def _valid(cls, v: str | None) -> str | None:
        return _selector(v)


class Source(Strict):
    name: str = Field(min_length=1, max_length=200)
    url: str
    kind: str = "feed"
    category: Category = "industry"
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    platforms: list[Platform] = Field(default_factory=list)
    enabled: bool = True
    note: str | None = None
    selectors: Selectors | None = None     # kind listpage: where the entries are
    select: str | None = None              # kind page: CSS/XPath of the main text (default: main, article, body)
    remove: list[str] = Field(default_factory=list)   # kind page: CSS/XPath of parts that are not the document
    ignore: list[str] = Field(default_factory=list)   # kind page: regexes of text that is noise
    variant: dict[str, str] = Field(default_factory=dict)   # kind page: version name -> regex found in its text
    legal: bool | None = None              # tag every item legal_change (default for pages: category legal)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        address = web_address(v)
        if address is None:
            raise ValueError(f"{v!r} is not an http(s) URL")
        return address

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, v: list[str]) -> list[str]:
        return [_platform(p) for p in v]

    @field_validator("select")
    @classmethod
    def _select(cls, v: str | None) -> str | None:
        return _selector(v)

    @field_validator("remove")
    @classmethod
    def _remove(cls, v: list[str]) -> list[str]:
        return [checked for checked in map(_selector, v) if checked]

    @field_validator("ignore")
    @classmethod
    def _ignore(cls, v: list[str]) -> list[str]:
        for pattern in v:
            _regex(pattern, "ignore")
        return v

    @field_validator("variant")
    @classmethod
    def _variant(cls, v: dict[str, str]) -> dict[str, str]:
        for name, pattern in v.items():
            if not re.fullmatch(r"[\w.-]{1,40}", name):
                raise ValueError(f"variant: {name!r} is not a short name; use letters, digits, '-' or '_' "
                                 "such as eu, us, test-b")
            _regex(pattern, f"variant {name}")
        return v

    @model_validator(mode="after")
    def _options_fit_kind(self) -> Source:
        if self.kind == "listpage" and self.selectors is None:
            raise ValueError("kind listpage needs `selectors:` with at least item and title")
        if self.selectors is not None and self.kind != "listpage":
            raise ValueError(f"`selectors:` is only for kind listpage (this source is kind {self.kind})")
        if (self.select or self.ignore or self.remove or self.variant) and self.kind != "page":
            raise ValueError("`select:`, `remove:`, `ignore:` and `variant:` are only for kind page "
                             f"(this source is kind {self.kind})")
        return self


class Config(Strict):
    settings: Settings = Settings()
    notify: dict[str, str | None] = Field(default_factory=dict)
    sources: list[Source] = Field(default_factory=list)
    path: Path | None = Field(default=None, exclude=True)

    def source(self, name: str) -> Source | None:
        return next((s for s in self.sources if s.name == name), None)

    def targets(self, names: list[str]) -> dict[str, str]:
        """Named apprise URLs that are set (an empty `${VAR:-}` disables a target)."""
        return {n: url for n in names if (url := self.notify.get(n))}


# --------------------------------------------------------------------------- loading

def load_config(path: Path, known_kinds: set[str] | None = None, environ: dict[str, str] | None = None) -> Config:
    """Read, expand and validate feeds.yaml; raise ConfigError naming file, line and fix."""
    env = os.environ if environ is None else environ
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file; pass --config PATH, set MONITOR_CONFIG, "
                          "or create feeds.yaml in this folder") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read the config file ({e})") from None
    try:
        data = _fast_load(text)
    except (yaml.YAMLError, ValueError):
        data = None            # let the round-trip parser say where the problem is
    raw = _LazyTree(text, path)
    if data is None:
        data = _plain(raw.tree)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the config must be a mapping with settings, notify and sources")
    _expand_env(raw, data, path, env)
    try:
        config = Config.model_validate({**data, "path": path})
    except ValidationError as e:
        raise ConfigError(_explain(e, raw.tree, path)) from None
    _check_references(config, raw, path)
    _check_kinds(config, raw, path, known_kinds)
    return config


def _fast_load(text: str) -> Any:
    """libyaml's safe loader: a 2,000-source file in a fraction of a second. Timestamps stay
    strings (like the round-trip parser) so both paths give the same data.

    The last few texts' data are kept (as marshal bytes: every caller gets its own copy, since
    `${VAR}` expansion changes the data in place): a worker reads the applied configuration
    for its fetch plan and again for its teams' routes, and 20,000 sources take libyaml about
    1.2 s of CPU (marshal: 20 ms)."""
    key = hashlib.sha256(text.encode()).digest()
    kept = _PARSED.get(key)
    if kept is None:
        data = yaml.load(text, Loader=_Loader) or {}
        try:
            kept = marshal.dumps(data)
        except ValueError:          # a type marshal does not know (none in safe YAML): not kept
            return data
        if len(_PARSED) >= _PARSED_KEPT:
            del _PARSED[next(iter(_PARSED))]
        _PARSED[key] = kept
    return marshal.loads(kept)


_PARSED: dict[bytes, bytes] = {}
_PARSED_KEPT = 4


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml's when built with it
    """libyaml read as the round-trip parser reads YAML 1.2, so both paths agree: a key written twice
    is an error (the round-trip parser then says where), and 7:30 stays text, not minutes."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if key_node.value in seen:
                    raise ValueError(f"duplicate key {key_node.value!r}")
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def _int_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int | str:
    return loader.construct_scalar(node) if ":" in node.value else loader.construct_yaml_int(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
_Loader.add_constructor("tag:yaml.org,2002:int", _int_or_text)


class _LazyTree:
    """The round-trip YAML tree with line numbers, parsed only when an error needs a line."""

    def __init__(self, text: str, path: Path) -> None:
        self.text, self.path = text, path
        self._tree: Any = None

    @property
    def tree(self) -> Any:
        if self._tree is None:
            try:
                self._tree = YAML(typ="rt").load(self.text) or {}
            except YAMLError as e:
                mark = getattr(e, "problem_mark", None)
                where = f"{self.path}:{mark.line + 1}" if mark else str(self.path)
                fix = ("keep one of the two" if type(e).__name__ == "DuplicateKeyError"
                       else "check indentation and quoting")
                raise ConfigError(f"{where}: not valid YAML ({getattr(e, 'problem', None) or e}); {fix}") from None
        return self._tree


def _check_references(config: Config, raw: Any, path: Path) -> None:
    """Unique source names; every notify name used is defined."""
    def fail(loc: tuple, message: str) -> None:
        raise ConfigError(f"{path}:{_line(raw, loc)}: {'.'.join(map(str, loc))}: {message}")

    seen: set[str] = set()
    for i, src in enumerate(config.sources):
        if src.name in seen:
            fail(("sources", i, "name"), f"the source name {src.name!r} is used twice; names must be unique")
        seen.add(src.name)
    _check_platforms(config, fail)
    for i, rule in enumerate(config.settings.alerts):
        for j, name in enumerate(rule.sources):
            if name not in seen:
                close = difflib.get_close_matches(name, sorted(seen), n=1)
                hint = f"did you mean {close[0]!r}?" if close else "use a name from `sources:`"
                fail(("settings", "alerts", i, "sources", j), f"there is no source {name!r}; {hint}")
    uses: list[tuple[tuple[str | int, ...], list[str]]] = [
        (("settings", "digest", "notify"), config.settings.digest.notify)]
    uses += [(("settings", "alerts", i, "notify"), rule.notify) for i, rule in enumerate(config.settings.alerts)]
    for loc, names in uses:
        for j, name in enumerate(names):
            if name not in config.notify:
                known = ", ".join(sorted(config.notify)) or "none defined"
                fail(loc + (j,), f"notify name {name!r} is not defined under `notify:` (defined: {known}); "
                                 "add it there or fix the spelling")


def _check_platforms(config: Config, fail: Callable[[tuple, str], None]) -> None:
    """Platform names a rule or the team's list can match. A source may name a platform Lagebild does
    not know (its items then carry it); a near miss of a known one ("instagam") is a typo. Elsewhere
    a name must be known or one a source carries, or the rule could never fire."""
    def typo(name: str) -> str | None:
        close = difflib.get_close_matches(name, (*PLATFORMS, *PLATFORM_ALIASES), n=1, cutoff=0.75)
        return close[0] if close and name not in PLATFORMS else None

    carried = set(PLATFORMS)
    for i, src in enumerate(config.sources):
        for j, name in enumerate(src.platforms):
            if (known := typo(name)) is not None:
                fail(("sources", i, "platforms", j), f"{name!r} is not a platform; did you mean {known!r}?")
            carried.add(name)
    named: list[tuple[tuple[str | int, ...], str]] = [
        (("settings", "platforms", j), name) for j, name in enumerate(config.settings.platforms or [])]
    named += [(("settings", "alerts", i, "platforms", j), name)
              for i, rule in enumerate(config.settings.alerts) for j, name in enumerate(rule.platforms)]
    for loc, name in named:
        if name not in carried:
            known = typo(name)
            hint = f"did you mean {known!r}?" if known else f"known: {', '.join(PLATFORMS)}"
            fail(loc, f"{name!r} is not a platform Lagebild finds in items; {hint}")


def _check_kinds(config: Config, raw: Any, path: Path, known_kinds: set[str] | None) -> None:
    if known_kinds is None:
        return
    for i, src in enumerate(config.sources):
        if src.kind not in known_kinds:
            loc = ("sources", i, "kind")
            raise ConfigError(f"{path}:{_line(raw, loc)}: sources[{i}] ({src.name}): unknown kind {src.kind!r}; "
                              f"use one of: {', '.join(sorted(known_kinds))}")


def _expand_env(raw: Any, data: dict, path: Path, env: Any) -> None:
    """`${VAR}` and `${VAR:-default}` in notify URLs, settings.database and source URLs."""
    def expand(value: Any, loc: tuple) -> Any:
        if not isinstance(value, str):
            return value

        def one(m: re.Match) -> str:
            name, default = m.group(1), m.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise ConfigError(f"{path}:{_line(raw, loc)}: {'.'.join(map(str, loc))}: the environment variable "
                              f"{name} is not set; export {name}=... or write ${{{name}:-}} to make it optional")
        return _ENV_REF.sub(one, value)

    notify = data.get("notify")
    if isinstance(notify, dict):
        for key, value in notify.items():
            notify[key] = expand(value, ("notify", key))
    settings = data.get("settings")
    if isinstance(settings, dict) and "database" in settings:
        settings["database"] = expand(settings["database"], ("settings", "database"))
    sources = data.get("sources")
    if isinstance(sources, list):       # a private feed's token: https://example.org/feed?token=${FEED_TOKEN}
        for i, source in enumerate(sources):
            if isinstance(source, dict) and isinstance(source.get("url"), str) and "${" in source["url"]:
                source["url"] = expand(source["url"], ("sources", i, "url"))


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _line(raw: Any, loc: tuple) -> int:
    """1-based line of the deepest part of `loc` found in the round-trip YAML tree."""
    node, line = (raw.tree if isinstance(raw, _LazyTree) else raw), 1
    for part in loc:
        try:
            if isinstance(node, CommentedMap) and part in node:
                line = node.lc.key(part)[0] + 1
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                line = node.lc.item(part)[0] + 1
                node = node[part]
            else:
                break
        except (AttributeError, KeyError, TypeError):
            break
    return line


def _explain(error: ValidationError, raw: Any, path: Path) -> str:
    first = error.errors()[0]
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith(("function-", "literal["))))
    where = ".".join(str(p) for p in loc) or "(top level)"
    if first["type"] == "extra_forbidden":
        parent = loc[:-1]
        fix = f"unknown key {loc[-1]!r}; check the spelling (allowed here: {_allowed(parent)})"
    elif first["type"] == "missing":
        fix = "this key is required"
    else:
        fix = first["msg"].removeprefix("Value error, ")
        if "input" in first and first["type"].startswith("literal"):
            fix += f" (got {first['input']!r})"
    more = f" (and {error.error_count() - 1} more problem(s))" if error.error_count() > 1 else ""
    return f"{path}:{_line(raw, loc)}: {where}: {fix}{more}"


def _allowed(parent: tuple) -> str:
    model: type[BaseModel] = Config
    for part in parent:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        inner = _model_of(field.annotation) if field else None
        if inner is None:
            break
        model = inner
    return ", ".join(n for n in model.model_fields if n != "path")


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found:
            return found
    return None
