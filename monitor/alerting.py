"""Alerting wired to the store: detection and the alert lifecycle, the radar, digests and
immediate mail queued in the outbox, and delivery of the outbox over SMTP."""

from __future__ import annotations

import hashlib
import logging
import math
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from alerts.detect import SEVERITIES, DetectionSettings, assess, national_rate
from alerts.digest import AlertEntry, BlindCouncil, Digest, StoryEntry, render, render_alert
from alerts.lifecycle import ACTIVE, AlertState, decide
from alerts.mail import SmtpSender, build_message
from models.labels import LABELS
from monitor.config import Settings
from monitor.errors import DeliveryError
from monitor.register import load_register
from monitor.store import Store
from monitor.store.tables import utcnow
from monitor.types import Council, SignalStory

__all__ = [
    "DetectionReport",
    "RadarRow",
    "deliver_outbox",
    "queue_digests",
    "radar",
    "run_detection",
]

log = logging.getLogger(__name__)
CHART_WEEKS = 12
# errors that every further message would meet too: stop the run, keep the messages
RUN_STOPPERS = {"smtp_auth", "smtp_no_starttls", "smtp_connect", "smtp_unset"}


def detection_settings(settings: Settings) -> DetectionSettings:
    a = settings.alerts
    return DetectionSettings(
        window_days=a.window_days,
        baseline_days=a.baseline_days,
        combine_days=a.combine_days,
        min_stories=a.min_stories,
        burst_min_stories=a.burst_min_stories,
        strong_score=a.strong_score,
        sensitivity=a.sensitivity,
    )


def _lookback(settings: Settings) -> timedelta:
    a = settings.alerts
    return timedelta(days=max(a.combine_days + a.baseline_days, CHART_WEEKS * 7) + 1)


def _prior(
    store: Store, stories: dict[str, list[SignalStory]], now: datetime, settings: Settings
) -> float:
    """National signal weight per council per day over the lookback period (or over the
    store's whole record, when that is shorter)."""
    since = now - _lookback(settings)
    start = store.alerts.history_start()
    if start is not None and start > since:
        since = start - timedelta(seconds=1)
    councils = store.alerts.councils_with_items(since, now)
    return national_rate(stories, councils, since, now)


@dataclass
class DetectionReport:
    opened: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    quieted: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    queued_mail: int = 0


def run_detection(store: Store, settings: Settings, now: datetime | None = None) -> DetectionReport:
    """Assess every council with signals or an active alert, and move alerts along."""
    now = now or utcnow()
    ds = detection_settings(settings)
    stories = store.alerts.signal_stories(now - _lookback(settings), now)
    prior = _prior(store, stories, now, settings)
    latest = store.alerts.latest()
    active = {gss: row for gss, row in latest.items() if row.status in ACTIVE}
    report = DetectionReport()
    start = store.alerts.history_start()
    for council in sorted(set(stories) | set(active)):
        assessment = assess(stories.get(council, []), now, ds, prior, start)
        row = latest.get(council)
        state = (
            None
            if row is None
            else AlertState(row.id, council, row.status, row.severity, row.last_evidence_at)
        )
        change = decide(
            state,
            assessment,
            now,
            quiet_days=settings.alerts.quiet_days,
            resolve_days=settings.alerts.resolve_days,
        )
        alert_id = _apply(store, change.kind, state, assessment, now, report)
        if change.notify and alert_id is not None and assessment is not None:
            report.queued_mail += queue_immediate(
                store, settings, alert_id, change.kind, assessment.severity, now
            )
    return report


def _apply(
    store: Store,
    kind: str,
    state: AlertState | None,
    assessment: Any,
    now: datetime,
    report: DetectionReport,
) -> int | None:
    if kind == "none":
        return state.id if state else None
    with store.db.write() as conn:
        if kind == "open":
            alert_id = store.alerts.open(
                conn,
                assessment.council_gss,
                assessment.severity,
                assessment.score,
                assessment.labels,
                assessment.explanation,
                now,
                assessment.last_evidence_at,
            )
            report.opened.append(alert_id)
            return alert_id
        assert state is not None
        values: dict[str, Any] = {}
        if assessment is not None:
            values.update(
                score=assessment.score,
                labels=assessment.labels,
                explanation=assessment.explanation,
                last_evidence_at=assessment.last_evidence_at,
            )
        if kind == "escalate":
            values.update(
                status="escalated", severity=assessment.severity, escalated_at=now, quiet_since=None
            )
            report.escalated.append(state.id)
            store.alerts.event(
                conn,
                state.id,
                now,
                "escalated",
                assessment.severity,
                ", ".join(assessment.explanation["rules"]),
            )
        elif kind == "reopen":
            values.update(status="open", quiet_since=None)
            store.alerts.event(conn, state.id, now, "reopened", state.severity)
            report.updated.append(state.id)
        elif kind == "quiet":
            values.update(status="quiet", quiet_since=now)
            store.alerts.event(conn, state.id, now, "quiet", state.severity)
            report.quieted.append(state.id)
        elif kind == "resolve":
            values.update(status="resolved", resolved_at=now)
            store.alerts.event(conn, state.id, now, "resolved", state.severity)
            report.resolved.append(state.id)
        else:
            report.updated.append(state.id)
        store.alerts.update(conn, state.id, now, **values)
        return state.id


# -- radar ------------------------------------------------------------------------------
@dataclass
class RadarRow:
    gss: str
    name: str
    score: float
    severity: str | None
    labels: list[str]
    stories: int
    reason: str
    coverage: str  # ok | partial | none

    def to_json(self) -> dict[str, Any]:
        return {
            "gss": self.gss,
            "name": self.name,
            "score": round(self.score, 3),
            "alert_severity": self.severity,
            "labels": self.labels,
            "stories": self.stories,
            "reason": self.reason,
            "coverage": self.coverage,
        }


def coverage_by_council(store: Store) -> dict[str, tuple[int, int]]:
    """(working sources, all sources) per council."""
    out: dict[str, tuple[int, int]] = {}
    for h in store.sources.health():
        if h.council:
            ok, total = out.get(h.council, (0, 0))
            out[h.council] = (ok + int(h.healthy), total + 1)
    return out


def radar(
    store: Store, settings: Settings, now: datetime | None = None
) -> tuple[list[RadarRow], list[dict[str, str]]]:
    """Councils ranked by current signal score, with the reason; and the councils we
    cannot judge because none of their sources works."""
    now = now or utcnow()
    ds = detection_settings(settings)
    register = load_register()
    stories = store.alerts.signal_stories(now - _lookback(settings), now)
    prior = _prior(store, stories, now, settings)
    active = store.alerts.active()
    coverage = coverage_by_council(store)
    combine_start = now - timedelta(days=ds.combine_days)
    rows = []
    for gss, all_stories in stories.items():
        council = register.get(gss)
        council_stories = [s for s in all_stories if s.first_seen > combine_start]
        if council is None or not council_stories:
            continue
        assessment = assess(all_stories, now, ds, prior, store.alerts.history_start())
        labels = sorted({la for s in council_stories for la in s.labels})
        if assessment is not None:
            score, reason = assessment.score, _reason(assessment.explanation)
        else:
            score = len(labels) + math.log2(1 + len(council_stories))
            reason = (
                f"{len(council_stories)} signal stories in {ds.combine_days} days; no rule fired"
            )
        ok, total = coverage.get(gss, (0, 0))
        alert = active.get(gss)
        rows.append(
            RadarRow(
                gss,
                council.name,
                score,
                alert.severity if alert else None,
                labels,
                len(council_stories),
                reason,
                "ok" if ok else ("none" if total == 0 else "failing"),
            )
        )
    rows.sort(key=lambda r: (-r.score, r.name))
    blind = [
        {
            "gss": c.gss,
            "name": c.name,
            "reason": "no source configured"
            if coverage.get(c.gss, (0, 0))[1] == 0
            else "every source is failing",
        }
        for c in register.current()
        if coverage.get(c.gss, (0, 0))[0] == 0
    ]
    return rows, blind


def _reason(explanation: dict[str, Any]) -> str:
    parts = [", ".join(explanation["rules"])]
    signals = ", ".join(f"{k} {v}" for k, v in sorted(explanation["signals"].items()))
    parts.append(f"{explanation['stories']} stories ({signals})")
    parts.append(f"{len(explanation['outlets'])} outlets")
    if explanation["formal_events"]:
        parts.append("formal: " + ", ".join(explanation["formal_events"]))
    return "; ".join(parts)


# -- subscribers, digests and immediate mail ------------------------------------------------
def watches(sub: dict[str, Any], council: Council | None) -> bool:
    if council is None:
        return False
    if not (sub["councils"] or sub["regions"] or sub["council_types"]):
        return True
    return (
        council.gss in sub["councils"]
        or council.region.lower() in [r.lower() for r in sub["regions"]]
        or council.type.lower() in [t.lower() for t in sub["council_types"]]
    )


def _wants(sub: dict[str, Any], labels: list[str], severity: str | None = None) -> bool:
    if sub["signals"] and not set(labels) & set(sub["signals"]):
        return False
    return severity is None or SEVERITIES.index(severity) >= SEVERITIES.index(sub["min_severity"])


def weekly_counts(
    stories: list[SignalStory], now: datetime, weeks: int = CHART_WEEKS
) -> dict[str, list[int]]:
    """Unique stories per week, oldest week first: in all (``"all"``) and per signal.

    One function for the digest's chart and the web UI's council page, so that the two
    never count a week differently.
    """
    counts = {key: [0] * weeks for key in ("all", *LABELS)}
    for s in stories:
        age = (now - s.first_seen).days // 7
        if 0 <= age < weeks:
            counts["all"][weeks - 1 - age] += 1
            for label in s.labels:
                if label in counts:
                    counts[label][weeks - 1 - age] += 1
    return counts


def _unsubscribe_url(settings: Settings, token: str) -> str:
    return f"{settings.alerts.base_url.rstrip('/')}/unsubscribe?token={token}"


def build_digest(
    store: Store,
    settings: Settings,
    sub: dict[str, Any],
    now: datetime,
    since: datetime | None = None,
) -> Digest:
    register = load_register()
    since = since or sub["last_digest_at"] or now - timedelta(days=1)
    tz = ZoneInfo(settings.alerts.timezone)
    digest = Digest(
        subscriber=sub["name"],
        day=now.astimezone(tz).date(),
        period_start=since,
        period_end=now,
        unsubscribe_url=_unsubscribe_url(settings, sub["unsubscribe_token"]),
        base_url=settings.alerts.base_url,
    )
    history = store.alerts.signal_stories(now - timedelta(days=CHART_WEEKS * 7), now)
    seen_alerts: set[int] = set()
    for event in reversed(store.alerts.events_between(since, now)):
        council = register.get(event["council_gss"])
        if (
            event["alert_id"] in seen_alerts
            or not watches(sub, council)
            or not _wants(sub, event["labels"], event["severity"])
        ):
            continue
        seen_alerts.add(event["alert_id"])
        assert council is not None
        digest.alerts.append(
            AlertEntry(
                alert_id=event["alert_id"],
                council=council.name,
                council_gss=council.gss,
                kind=event["kind"],
                severity=event["severity"],
                labels=event["labels"],
                rules=event["explanation"].get("rules", []),
                explanation=event["explanation"],
                weekly=weekly_counts(history.get(council.gss, []), now)["all"],
                url=f"{settings.alerts.base_url.rstrip('/')}/alerts/{event['alert_id']}",
            )
        )
    for gss, stories in history.items():
        council = register.get(gss)
        if not watches(sub, council):
            continue
        assert council is not None
        for s in stories:
            if since < s.first_seen <= now and _wants(sub, list(s.labels)):
                first = s.items[0] if s.items else {}
                digest.stories.append(
                    StoryEntry(
                        council=council.name,
                        council_gss=gss,
                        title=first.get("title", ""),
                        url=first.get("url", ""),
                        published=s.first_seen,
                        labels=list(s.labels),
                        evidence=first.get("evidence", {}),
                        outlets=len(s.outlets),
                    )
                )
    coverage = coverage_by_council(store)
    for gss, (ok, total) in sorted(coverage.items()):
        council = register.get(gss)
        if ok == 0 and total > 0 and watches(sub, council) and (sub["councils"] or sub["regions"]):
            assert council is not None
            digest.blind.append(BlindCouncil(council.name, gss, f"all {total} source(s) failing"))
    return digest


def _enqueue(
    store: Store,
    settings: Settings,
    conn: Any,
    sub: dict[str, Any],
    key: str,
    kind: str,
    subject: str,
    text: str,
    html: str,
    now: datetime,
) -> bool:
    message, mid = build_message(
        sender=settings.smtp.from_addr,
        recipient=sub["email"],
        subject=subject,
        text=text,
        html=html,
        key=key,
        unsubscribe_url=_unsubscribe_url(settings, sub["unsubscribe_token"]),
    )
    return store.outbox.enqueue(
        conn,
        key=key,
        subscriber_id=sub["id"],
        kind=kind,
        recipient=sub["email"],
        subject=subject,
        message=message,
        message_id=mid,
        now=now,
        give_up_after=timedelta(seconds=settings.smtp.give_up_after_s),
    )


def digest_due(settings: Settings, sub: dict[str, Any], now: datetime) -> date | None:
    """The local date whose digest is due for this subscriber now, if any."""
    tz = ZoneInfo(settings.alerts.timezone)
    local = now.astimezone(tz)
    if local.hour < settings.alerts.digest_hour:
        return None
    last = sub["last_digest_at"]
    if last is not None and last.astimezone(tz).date() >= local.date():
        return None
    return local.date()


def queue_digests(
    store: Store,
    settings: Settings,
    now: datetime | None = None,
    *,
    only: str | None = None,
    force: bool = False,
) -> int:
    """Queue each subscriber's digest for today once the digest hour has passed (the
    idempotency key ``digest:<subscriber>:<date>`` makes a second run a no-op)."""
    now = now or utcnow()
    queued = 0
    for sub in store.subscribers.all():
        if only and sub["name"] != only:
            continue
        day = digest_due(settings, sub, now)
        if day is None and not force:
            continue
        day = day or now.astimezone(ZoneInfo(settings.alerts.timezone)).date()
        digest = build_digest(store, settings, sub, now)
        with store.db.write() as conn:
            if not digest.empty:
                subject, text, html = render(digest)
                queued += _enqueue(
                    store,
                    settings,
                    conn,
                    sub,
                    f"digest:{sub['id']}:{day}",
                    "digest",
                    subject,
                    text,
                    html,
                    now,
                )
            store.subscribers.set_last_digest(conn, sub["id"], now)
    return queued


def queue_immediate(
    store: Store, settings: Settings, alert_id: int, kind: str, severity: str, now: datetime
) -> int:
    """Mail an opened or escalated alert at once to subscribers who want it, within the
    per-subscriber daily limit."""
    limit = settings.alerts.immediate_severity
    if limit == "none" or SEVERITIES.index(severity) < SEVERITIES.index(limit):
        return 0
    alert = store.alerts.get(alert_id)
    assert alert is not None
    council = load_register().get(alert["council_gss"])
    history = store.alerts.signal_stories(
        now - timedelta(days=CHART_WEEKS * 7), now, council=alert["council_gss"]
    )
    weekly = weekly_counts(history.get(alert["council_gss"], []), now)["all"]
    queued = 0
    for sub in store.subscribers.all():
        if not (
            sub["immediate"] and watches(sub, council) and _wants(sub, alert["labels"], severity)
        ):
            continue
        if _sent_today(store, sub["id"], now) >= settings.alerts.immediate_per_day:
            log.info(
                "immediate alert skipped: daily limit",
                extra={"council": council.gss if council else None},
            )
            continue
        assert council is not None
        entry = AlertEntry(
            alert_id=alert_id,
            council=council.name,
            council_gss=council.gss,
            kind="opened" if kind == "open" else "escalated",
            severity=severity,
            labels=alert["labels"],
            rules=alert["explanation"].get("rules", []),
            explanation=alert["explanation"],
            weekly=weekly,
            url=f"{settings.alerts.base_url.rstrip('/')}/alerts/{alert_id}",
        )
        subject, text, html = render_alert(
            entry,
            sub["name"],
            _unsubscribe_url(settings, sub["unsubscribe_token"]),
            settings.alerts.base_url,
        )
        with store.db.write() as conn:
            queued += _enqueue(
                store,
                settings,
                conn,
                sub,
                f"alert:{sub['id']}:{alert_id}:{severity}",
                "alert",
                subject,
                text,
                html,
                now,
            )
    return queued


def _sent_today(store: Store, subscriber_id: int, now: datetime) -> int:
    import sqlalchemy as sa

    from monitor.store.tables import Outbox

    table = Outbox.__table__  # type: ignore[attr-defined]
    with store.db.read() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(table)
                .where(table.c.subscriber_id == subscriber_id)
                .where(table.c.kind == "alert")
                .where(table.c.created_at > now - timedelta(days=1))
            ).scalar_one()
        )


# -- delivery -----------------------------------------------------------------------------
@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    reconciled: int = 0  # accepted by the server before a crash, recorded from the journal
    errors: dict[str, int] = field(default_factory=dict)


def journal_path(settings: Settings) -> str:
    """Beside the SQLite file, or in the working directory for PostgreSQL."""
    if settings.smtp.journal_file:
        return settings.smtp.journal_file
    url = settings.database.url
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return url.removeprefix("sqlite:///") + ".outbox-journal"
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]  # one journal per database
    return f".council-monitor-outbox-{digest}.journal"


class OutboxJournal:
    """The ids of messages the SMTP server accepted, appended with one ``write`` the
    moment it answered 250, before the database is told.  A process killed in between
    leaves the id in the file (the kernel has it even after SIGKILL); the next run marks
    it sent instead of sending it again.

    What no client can close: once the final "." has left, the server may keep the
    message, and the client learns so only from the 250.  A kill while the server works
    on the message (its parsing and queueing: 1.9 ms of a 3.8 ms cycle with the test
    server) leaves the outcome unknown, and the message is sent again rather than risk
    losing it; the copy carries the same Message-ID, by which a mail client or provider
    can recognise it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def accepted(self, outbox_id: int, message_id: str) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(self._fd, f"{outbox_id} {message_id}\n".encode())

    def reconcile(self, store: Store, now: datetime) -> int:
        """Record journalled acceptances in the database, then empty the journal."""
        try:
            with open(self.path, encoding="ascii") as fh:
                lines = fh.read().split("\n")
        except FileNotFoundError:
            return 0
        entries = {}
        for line in lines[:-1]:  # the last element is empty, or a line cut by a crash
            number, _, message_id = line.partition(" ")
            if number.isdigit() and message_id:
                entries[int(number)] = message_id
        done = store.outbox.mark_sent(entries, now) if entries else 0
        with open(self.path, "w", encoding="ascii"):
            pass
        return done

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def deliver_outbox(
    store: Store,
    settings: Settings,
    *,
    now: datetime | None = None,
    sender: SmtpSender | None = None,
    batch: int = 50,
    max_batches: int | None = None,
) -> DeliveryReport:
    """Send due messages, each at most once per run.  Each is leased before sending and
    marked sent right after the server accepted it; a temporary failure is retried with
    back-off in a later run until ``smtp.give_up_after_s``, a permanent one is marked
    failed for operators at once."""
    report = DeliveryReport()
    journal = OutboxJournal(journal_path(settings))
    report.reconciled = journal.reconcile(store, now or datetime.now(UTC))
    own = sender is None
    sender = sender or SmtpSender(settings.smtp)
    # longer than one SMTP conversation can last, so a live sender never loses its lease
    lease = timedelta(seconds=settings.smtp.timeout_s * 2 + 5)
    batches = 0
    tried: set[int] = set()
    try:
        while max_batches is None or batches < max_batches:
            batches += 1
            clock = now or datetime.now(UTC)
            rows = store.outbox.claim(clock, lease, batch, exclude=tried)
            if not rows:
                break
            for row in rows:
                tried.add(row.id)
                _deliver_one(store, settings, sender, row, report, now, journal)
                if set(report.errors) & RUN_STOPPERS:
                    store.outbox.release(rows, tried)
                    return report
    finally:
        journal.close()
        if own:
            sender.close()
    return report


def _deliver_one(
    store: Store,
    settings: Settings,
    sender: SmtpSender,
    row: Any,
    report: DeliveryReport,
    now: datetime | None = None,
    journal: OutboxJournal | None = None,
) -> None:
    try:
        sender.send(settings.smtp.from_addr, row.recipient, bytes(row.message))
        if journal is not None:
            journal.accepted(row.id, row.message_id)  # microseconds after the 250
    except DeliveryError as exc:
        report.errors[exc.code] = report.errors.get(exc.code, 0) + 1
        clock = now or datetime.now(UTC)
        give_up = not exc.transient or clock >= row.give_up_at
        wait = settings.smtp.retry_base_s * 2 ** min(row.attempts - 1, 8)
        store.outbox.retry(
            row.id,
            f"{exc.code}: {exc.message}",
            clock + timedelta(seconds=min(wait, 6 * 3600)),
            give_up=give_up,
        )
        if give_up:
            report.failed += 1
            log.warning("message given up: %s", exc.message, extra={"code": exc.code})
        else:
            report.retrying += 1
        return
    store.outbox.sent(row.id, now or datetime.now(UTC))
    report.sent += 1
