"""The daily digest: what changed for the councils one person watches, as HTML (inline
styles only, tables for layout, so that it renders in ordinary mail clients) and as
plain text.

Order: new and escalated alerts first (each with its explanation and a small chart of the
council's recent signals), then new signal stories grouped by council with their
evidence sentences and links, then the watched councils whose sources could not be read,
because a blind spot must never look like a quiet council.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

__all__ = ["AlertEntry", "BlindCouncil", "Digest", "StoryEntry", "render"]

TEMPLATES = Path(__file__).with_name("templates")
LABEL_NAMES = {
    "financial_distress": "financial distress",
    "leadership_conflict": "leadership conflict",
    "political_instability": "political instability",
    "governance_failure": "governance failure",
}
SEVERITY_COLOURS = {"watch": "#b7950b", "concern": "#d35400", "acute": "#c0392b"}


@dataclass
class AlertEntry:
    alert_id: int
    council: str
    council_gss: str
    kind: str  # opened | escalated
    severity: str
    labels: list[str]
    rules: list[str]
    explanation: dict[str, Any]
    weekly: list[int]  # signal stories per week, oldest first (the chart)
    url: str = ""


@dataclass
class StoryEntry:
    council: str
    council_gss: str
    title: str
    url: str
    published: datetime
    labels: list[str]
    evidence: dict[str, str]
    outlets: int = 1


@dataclass
class BlindCouncil:
    council: str
    council_gss: str
    reason: str


@dataclass
class Digest:
    subscriber: str
    day: date
    period_start: datetime
    period_end: datetime
    alerts: list[AlertEntry] = field(default_factory=list)
    stories: list[StoryEntry] = field(default_factory=list)
    blind: list[BlindCouncil] = field(default_factory=list)
    unsubscribe_url: str = ""
    base_url: str = ""

    @property
    def empty(self) -> bool:
        return not (self.alerts or self.stories or self.blind)

    def stories_by_council(self) -> list[tuple[str, list[StoryEntry]]]:
        grouped: dict[str, list[StoryEntry]] = {}
        for story in sorted(self.stories, key=lambda s: (s.council, s.published)):
            grouped.setdefault(story.council, []).append(story)
        return list(grouped.items())

    def subject(self) -> str:
        parts = []
        if self.alerts:
            worst = max(self.alerts, key=lambda a: ("watch", "concern", "acute").index(a.severity))
            parts.append(f"{len(self.alerts)} alert(s), {worst.severity}: {worst.council}")
        if self.stories:
            parts.append(f"{len(self.stories)} new signal(s)")
        if self.blind:
            parts.append(f"{len(self.blind)} council(s) not readable")
        return f"Council Monitor digest {self.day.isoformat()}: " + (
            "; ".join(parts) or "nothing new"
        )


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "j2"], default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["label"] = lambda v: LABEL_NAMES.get(v, v)
    env.globals["colour"] = SEVERITY_COLOURS
    return env


def render(digest: Digest) -> tuple[str, str, str]:
    """(subject, plain text, HTML)."""
    env = _env()
    text_env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    text_env.filters["label"] = lambda v: LABEL_NAMES.get(v, v)
    context = {"d": digest, "by_council": digest.stories_by_council()}
    text = text_env.get_template("digest.txt.j2").render(**context)
    html = env.get_template("digest.html.j2").render(**context)
    return digest.subject(), text, html


def render_alert(
    entry: AlertEntry, subscriber: str, unsubscribe_url: str, base_url: str
) -> tuple[str, str, str]:
    """An immediate alert mail: (subject, text, HTML)."""
    digest = Digest(
        subscriber=subscriber,
        day=date.today(),
        period_start=datetime.now(),
        period_end=datetime.now(),
        alerts=[entry],
        unsubscribe_url=unsubscribe_url,
        base_url=base_url,
    )
    _, text, html = render(digest)
    subject = f"Council Monitor {entry.severity} alert: {entry.council}"
    return subject, text, html
