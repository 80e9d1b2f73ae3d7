"""An alert's lifecycle: open -> escalated -> quiet -> resolved, one episode at a time.

While an episode is active (open, escalated or quiet) new evidence updates it and may
escalate it, but never opens a second alert: the same episode never alerts twice.  An
alert goes quiet after ``quiet_days`` without new contributing stories and is resolved
after ``resolve_days``; evidence after that is a new episode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.detect import Assessment, more_severe

__all__ = ["ACTIVE", "AlertState", "Change", "decide"]

ACTIVE = ("open", "escalated", "quiet")


@dataclass(frozen=True)
class AlertState:
    id: int
    council_gss: str
    status: str
    severity: str
    last_evidence_at: datetime | None


@dataclass(frozen=True)
class Change:
    kind: str  # open | escalate | update | reopen | quiet | resolve | none
    severity: str = ""
    notify: bool = False  # users hear about openings and escalations only


def decide(
    existing: AlertState | None,
    assessment: Assessment | None,
    now: datetime,
    *,
    quiet_days: int = 14,
    resolve_days: int = 45,
) -> Change:
    if existing is None or existing.status not in ACTIVE:
        if assessment is None:
            return Change("none")
        if (
            existing is not None
            and existing.last_evidence_at is not None
            and (
                assessment.last_evidence_at is None
                or assessment.last_evidence_at <= existing.last_evidence_at
            )
        ):
            return Change("none")  # the resolved episode's own evidence, still in window
        return Change("open", assessment.severity, notify=True)
    new_evidence = (
        assessment is not None
        and assessment.last_evidence_at is not None
        and (
            existing.last_evidence_at is None
            or assessment.last_evidence_at > existing.last_evidence_at
        )
    )
    if assessment is not None and new_evidence:
        if more_severe(assessment.severity, existing.severity):
            return Change("escalate", assessment.severity, notify=True)
        if existing.status == "quiet":
            return Change("reopen", existing.severity)
        return Change("update", existing.severity)
    last = existing.last_evidence_at
    if last is not None and now - last >= timedelta(days=resolve_days):
        return Change("resolve", existing.severity)
    if last is not None and now - last >= timedelta(days=quiet_days) and existing.status != "quiet":
        return Change("quiet", existing.severity)
    return Change("none")
