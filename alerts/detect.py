"""When do a council's signals cluster?  Pure functions over unique stories.

"Individually, none of these is a sign of failure; a combination of them puts a council
at risk."  Stray signals are common (a one-off overspend story, a single critical
inspection, and the classifier's own false alarms), so a fixed count of stories would put
most councils on alert.  Detection therefore asks whether the recent stories are more
than the council's *own* baseline explains:

* each unique story (never a syndicated copy) weighs the number of outlets that carried
  it, capped at four: a story many outlets ran is bigger news than one item;
* the expected weight of a window comes from the council's previous ``baseline_days``,
  shrunk towards the national rate (``prior_per_day``) so that a council with little
  history is neither over- nor under-sensitive;
* the window is **elevated** when a weight that high would be improbable for a Poisson
  process at the expected rate (tail probability of ``sensitivity`` standard deviations:
  3 -> 0.13%), with at least ``min_stories`` unique stories.  Three stories are enough
  for a council that normally has none; a council that always has some needs more.

Rules, over the last ``combine_days``:

* **multi_signal**: elevated, with two or more different signals;
* **corroborated**: elevated, with one signal reported independently (stories that
  started at different outlets, or came from different kinds of source: press, committee
  papers, council news);
* **burst**: the last ``window_days`` elevated against the same baseline, with at least
  ``burst_min_stories`` stories (one more than elsewhere: in a single week, three stray
  items, or two and one the classifier tagged wrongly, happen by chance across hundreds
  of councils);
* **formal_event**: a statutory event (section 114, commissioners, best value notice,
  report in the public interest...) with a second story or a second outlet behind it.

Severity: ``acute`` for a formal event with other evidence, or three signals across an
elevated window of five stories or more; ``concern`` for a formal event, a burst, or a
corroborated combination of signals; ``watch`` otherwise.  Nothing fires without at
least one strong story (``strong_score``).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from monitor.types import SignalStory

__all__ = [
    "SEVERITIES",
    "Assessment",
    "DetectionSettings",
    "SignalStory",
    "assess",
    "national_rate",
]

SEVERITIES = ("watch", "concern", "acute")
MAX_WEIGHT = 4


@dataclass(frozen=True)
class DetectionSettings:
    window_days: int = 7
    baseline_days: int = 180
    combine_days: int = 90
    min_stories: int = 3
    burst_min_stories: int = 4
    strong_score: float = 0.8
    sensitivity: float = 3.0
    prior_days: float = 90.0  # how much the national rate counts, in days of history
    max_items: int = 12


@dataclass
class Assessment:
    council_gss: str
    severity: str
    score: float
    rules: list[str]
    labels: list[str]
    explanation: dict[str, Any] = field(default_factory=dict)
    last_evidence_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "council": self.council_gss,
            "severity": self.severity,
            "score": round(self.score, 3),
            "rules": self.rules,
            "labels": self.labels,
            "explanation": self.explanation,
        }


def weight(story: SignalStory) -> int:
    return min(max(1, len(story.outlets)), MAX_WEIGHT)


def national_rate(
    stories_by_council: dict[str, list[SignalStory]],
    councils: int,
    since: datetime,
    until: datetime,
) -> float:
    """Average signal weight per council per day over a period (the prior)."""
    days = max(1.0, (until - since).total_seconds() / 86400)
    total = sum(
        weight(s)
        for stories in stories_by_council.values()
        for s in stories
        if since < s.first_seen <= until
    )
    return total / max(1, councils) / days


def poisson_sf(observed: int, expected: float) -> float:
    """P(X >= observed) for X ~ Poisson(expected)."""
    if observed <= 0:
        return 1.0
    expected = max(expected, 1e-9)
    term = math.exp(-expected)
    cdf = term
    for i in range(1, observed):
        term *= expected / i
        cdf += term
    return max(0.0, 1.0 - cdf)


def _elevated(observed: float, expected: float, z: float) -> tuple[bool, float]:
    """Is ``observed`` improbably high for a Poisson rate ``expected``?  ``z`` is the
    one-sided normal equivalent of the tail probability (3 -> 0.00135).  Returns the
    decision and the smallest weight that would have been elevated."""
    alpha = 0.5 * math.erfc(z / math.sqrt(2))
    threshold = 1
    while poisson_sf(threshold, expected) >= alpha and threshold < 10_000:
        threshold += 1
    return observed >= threshold, float(threshold)


def _items(stories: list[SignalStory], limit: int) -> list[dict[str, Any]]:
    ordered = sorted(stories, key=lambda s: (-s.score, s.first_seen))[:limit]
    out = []
    for s in ordered:
        first = s.items[0] if s.items else {}
        out.append(
            {
                "story_id": s.story_id,
                "first_seen": s.first_seen.isoformat(),
                "labels": list(s.labels),
                "score": round(s.score, 3),
                "outlets": list(s.outlets),
                "kinds": list(s.kinds),
                "formal": list(s.formal),
                "title": first.get("title", ""),
                "url": first.get("url", ""),
                "item_id": first.get("item_id"),
                "evidence": first.get("evidence", {}),
            }
        )
    return out


def _corroborated(combine: list[SignalStory], elevated: bool) -> list[str]:
    """Signals reported independently, in an elevated window: in stories that started at
    different outlets (or came from different kinds of source), not copies of one."""
    out = []
    for label in sorted({la for s in combine for la in s.labels}):
        with_label = [s for s in combine if label in s.labels]
        origins = {s.outlets[0] for s in with_label if s.outlets}
        kinds = {k for s in with_label for k in s.kinds}
        independent = max(len(origins), len(kinds)) if len(with_label) >= 2 else 0
        if elevated and independent >= 2:
            out.append(label)
    return out


def assess(
    stories: list[SignalStory],
    now: datetime,
    settings: DetectionSettings = DetectionSettings(),
    prior_per_day: float = 0.0,
    history_start: datetime | None = None,
) -> Assessment | None:
    """The council's state as of ``now`` (later stories are ignored), or None."""
    if not stories:
        return None
    s_ = settings
    combine_start = now - timedelta(days=s_.combine_days)
    combine = [s for s in stories if combine_start < s.first_seen <= now]
    if not combine or not any(s.score >= s_.strong_score for s in combine):
        return None
    baseline = [
        s
        for s in stories
        if combine_start - timedelta(days=s_.baseline_days) < s.first_seen <= combine_start
    ]
    recent = [s for s in stories if now - timedelta(days=s_.window_days) < s.first_seen <= now]
    # only the history we actually have counts as baseline (a new store has none yet)
    history_days = float(s_.baseline_days)
    if history_start is not None:
        history_days = min(history_days, max(0.0, (combine_start - history_start).days))
    rate = (sum(weight(s) for s in baseline) + prior_per_day * s_.prior_days) / (
        history_days + s_.prior_days
    )
    mass = sum(weight(s) for s in combine)
    elevated, threshold = _elevated(mass, rate * s_.combine_days, s_.sensitivity)
    elevated = elevated and len(combine) >= s_.min_stories
    recent_mass = sum(weight(s) for s in recent)
    burst, burst_threshold = _elevated(recent_mass, rate * s_.window_days, s_.sensitivity)
    burst = burst and len(recent) >= max(s_.min_stories, s_.burst_min_stories)

    label_counts = Counter(label for s in combine for label in s.labels)
    corroborated = _corroborated(combine, elevated)
    formal = sorted({f for s in combine for f in s.formal})
    formal_backed = any(len(s.outlets) >= 2 for s in combine if s.formal) or len(combine) >= 2

    rules = []
    if elevated and len(label_counts) >= 2:
        rules.append("multi_signal")
    if corroborated:
        rules.append("corroborated")
    if burst:
        rules.append("burst")
    if formal and formal_backed:
        rules.append("formal_event")
    if not rules:
        return None
    if ("formal_event" in rules and (len(label_counts) >= 2 or len(combine) >= 3)) or (
        elevated and len(label_counts) >= 3 and len(combine) >= 5
    ):
        severity = "acute"
    elif "formal_event" in rules or burst or ("multi_signal" in rules and corroborated):
        severity = "concern"
    else:
        severity = "watch"
    score = (
        len(label_counts)
        + math.log2(1 + mass)
        + max(0.0, mass - threshold) / 2
        + (1.0 if corroborated else 0)
        + (1.0 if burst else 0)
        + (2.0 if "formal_event" in rules else 0)
    )
    explanation = {
        "rules": rules,
        "window_days": s_.window_days,
        "combine_days": s_.combine_days,
        "baseline_days": s_.baseline_days,
        "stories": len(combine),
        "weight": mass,
        "expected_weight": round(rate * s_.combine_days, 2),
        "threshold": round(threshold, 2),
        "recent_stories": len(recent),
        "recent_weight": recent_mass,
        "expected_recent": round(rate * s_.window_days, 2),
        "burst_threshold": round(burst_threshold, 2),
        "baseline_stories": len(baseline),
        "signals": dict(label_counts),
        "corroborated": corroborated,
        "outlets": sorted({o for s in combine for o in s.outlets}),
        "kinds": sorted({k for s in combine for k in s.kinds}),
        "formal_events": formal,
        "items": _items(combine, s_.max_items),
    }
    return Assessment(
        stories[0].council_gss,
        severity,
        score,
        rules,
        sorted(label_counts),
        explanation,
        last_evidence_at=max(s.last_seen or s.first_seen for s in combine),
    )


def more_severe(a: str, b: str) -> bool:
    return SEVERITIES.index(a) > SEVERITIES.index(b)
