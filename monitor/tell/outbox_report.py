"""`monitor outbox [--retry]` and `monitor notify-test`: is delivery working, and if not, why.

A team usually notices a broken target by silence. These commands make the state
visible: what is waiting for which target and with which error; `--retry` sends it
now, without waiting out the backoff (a fixed webhook, a mail server back up); and a
test message proves a target works before the first real alert depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.config import Config
from monitor.tell.alerts import deliver_due
from monitor.tell.deliver import Sender, SendResult, redact
from monitor.tell.digest import send_digest
from monitor.tell.render import translator

if TYPE_CHECKING:
    from monitor.store import Store


def outbox_rows(store: Store, config: Config) -> list[dict]:
    """One row per target and kind (alert | digest) with something waiting; empty when all went out.

    Keys: kind, target, url (redacted), enabled, status (pending | failing | disabled |
    unknown), messages, attempts, last_error, next_attempt (ISO 8601 or None).
    """
    rows = []
    for row in store.outbox():
        url = config.notify.get(row["target"])
        status = _status(row["target"], config, failing=bool(row.get("last_error")))
        when = row.get("next_attempt")
        rows.append({**row, "next_attempt": when.isoformat() if when else None,
                     "url": redact(url) if url else "", "enabled": bool(url), "status": status})
    return sorted(rows, key=lambda r: (r["target"], r["kind"]))


@dataclass
class RetryReport:
    lines: list[str] = field(default_factory=list)     # what was sent, what still fails
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def retry_waiting(store: Store, config: Config, sender: Sender, now: datetime | None = None) -> RetryReport:
    """Send every waiting alert and digest now, whatever its backoff; what still fails stays waiting.

    Alerts go as in a run (grouped per target, accepted parts never again); a digest goes
    to each target one waits for, with every item not yet in a digest sent there.
    """
    report = RetryReport()
    alerts = deliver_due(store, config, sender, now=now, force=True)
    report.lines += alerts.lines
    report.failed.update({f"alert {k}": v for k, v in alerts.failed.items()})
    targets = sorted({row["target"] for row in store.outbox() if row["kind"] == "digest"})
    if targets:
        digests = send_digest(store, config, sender, targets=targets, now=now)
        report.lines += digests.lines
        report.failed.update({f"digest {k}": v for k, v in digests.failed.items()})
    return report


def _status(target: str, config: Config, failing: bool) -> str:
    if target not in config.notify:
        return "unknown"
    if not config.notify[target]:
        return "disabled"
    return "failing" if failing else "pending"


def notify_test(config: Config, name: str, sender: Sender) -> SendResult:
    """Send a short test message in the configured language to the target called `name`."""
    t = translator(config)
    if name not in config.notify:
        known = ", ".join(sorted(config.notify)) or "none (add some under `notify:` in feeds.yaml)"
        return SendResult(False, f"unknown notify target {name!r}; known targets: {known}")
    url = config.notify[name]
    if not url:
        return SendResult(False, f"the target {name!r} has no URL: the environment variable behind it is "
                                 "empty or unset, so it is disabled")
    alerts = any(name in rule.notify for rule in config.settings.alerts)
    digest = name in config.settings.digest.notify
    what = "both" if alerts and digest else "alerts" if alerts else "digest" if digest else "none"
    body = t("mail.test.body", target=name) + " " + t(f"mail.test.gets.{what}")
    return sender.send(url, title=t("mail.test.title"), body=body, body_format="text")
