"""Checks a command makes before any work, so a setup mistake stops it in plain words.

Two traps a newcomer fell into: a digest target whose URL is empty (an unset
`${MONITOR_EMAIL_URL:-}`) made `monitor digest` exit 0 having sent nothing, and
`monitor demo` on a busy port ran the whole pipeline before dying with the web
server's error. Both are now found first, and the message says what to do.
"""

from __future__ import annotations

import errno
import re
import socket
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from monitor.config import Config
from monitor.errors import ConfigError

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")
MAIL_EXAMPLE = "mailtos://user:pass@smtp.example.org?to=team@example.org"


def check_digest_targets(config: Config, command: str = "monitor digest") -> None:
    """Raise ConfigError when the digest has nowhere to go: no target named, or a named
    target whose URL is empty (its environment variable unset). A digest that silently
    goes nowhere is worse than a command that stops."""
    names = config.settings.digest.notify
    where = str(config.path or "feeds.yaml")
    if not names:
        raise ConfigError(f"{where}: settings.digest.notify names no target, so `{command}` has nowhere to send "
                          "the digest; add a name from `notify:` (e.g. [team-email]), or write the digest to a "
                          "file with `monitor digest --output digest.html`")
    for name in names:
        if config.notify.get(name):
            continue
        line, raw = _raw_notify(config.path, name)
        variables = _ENV_REF.findall(raw or "")
        why = (f"its URL comes from {variables[0]}, which is unset or empty" if variables
               else "its URL is empty")
        fix = (f"export {variables[0]}='{MAIL_EXAMPLE}' (any apprise URL)" if variables
               else f"give it an apprise URL such as {MAIL_EXAMPLE}")
        raise ConfigError(f"{where}:{line}: notify.{name}: the digest goes to {name!r}, but {why}; {fix}, "
                          f"or write the digest to a file with `monitor digest --output digest.html`")


def check_notify_urls(config: Config) -> None:
    """Raise ConfigError for a `notify:` URL apprise cannot use ("htps//hooks…", "not a url"): found
    before any work, not on the first day there is something to send. Empty URLs are left to
    `check_digest_targets` (an unset optional target is allowed)."""
    from monitor.tell.deliver import Sender

    sender = Sender()
    for name, url in config.notify.items():
        if not url:
            continue
        problems: list[str] = []
        if sender.plugin(url, problems) is None:
            line, _ = _raw_notify(config.path, name)
            why = f" ({'; '.join(problems)})" if problems else ""
            raise ConfigError(f"{config.path or 'feeds.yaml'}:{line}: notify.{name}: not a notification URL "
                              f"apprise knows{why}; write e.g. {MAIL_EXAMPLE} or "
                              "json://host/path (any apprise URL), and try it with `monitor notify-test "
                              f"{name}`")


def unset_digest_targets(config: Config) -> list[str]:
    """Digest targets that would send nothing: for a note after `monitor run`."""
    return [name for name in config.settings.digest.notify if not config.notify.get(name)]


def _raw_notify(path: Path | None, name: str) -> tuple[int, str | None]:
    """The line and the unexpanded text of `notify: NAME:` (e.g. '${MONITOR_EMAIL_URL:-}')."""
    if path is None:
        return 1, None
    try:
        tree = YAML(typ="rt").load(Path(path).read_text(encoding="utf-8"))
        notify = tree["notify"]
        if isinstance(notify, CommentedMap) and name in notify:
            value = notify[name]
            return notify.lc.key(name)[0] + 1, None if value is None else str(value)
    except Exception:  # noqa: BLE001 - the file was valid a moment ago; the message does without a line
        pass
    return 1, None


def port_problem(host: str, port: int, option: str = "--port") -> str | None:
    """None when `host:port` can be listened on now; else what is wrong and which option to use.

    Binds the way the web server will (SO_REUSEADDR), so a port that is only in
    TIME_WAIT after a previous run does not count as busy."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is already in use (another `monitor demo` or `monitor serve`, "
                        f"or another program); choose a free one with {option} {free_port(host)}")
            if e.errno == errno.EACCES:
                return f"port {port} on {host} needs more rights than this user has; choose one above 1023 " \
                       f"with {option} {free_port(host)}"
            return f"cannot listen on {host}:{port} ({e.strerror or e}); choose another address or {option}"
    return None


def free_port(host: str = "127.0.0.1", start: int = 8081, tries: int = 50) -> int:
    """A port near 8080 that is free now (to suggest; it may be taken again later)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for port in range(start, start + tries):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    return start
