"""Coverage of every council, and what operators must fix.

* :func:`register_sources`: the sources every current council gets from the register: its
  committee system (ModernGov or CMIS, from the base URL the register prefers: the one the
  most lists agree on), and its home page, from which the ``site`` kind finds the news feed
  or newsroom.  Councils sharing one installation get a committee filter each.
* :func:`council_coverage`: per council, which kinds of source it has and whether they work;
  councils with no working source first, because a blind spot must never look like a quiet
  council.
* :func:`health_summary`: broken sources grouped by error code, and *quiet* sources (nothing
  new for ``sources.quiet_factor`` times their usual gap between new items), as data for
  the CLI and the operator digest.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from monitor.config import Settings
from monitor.register import Register
from monitor.store import Store
from monitor.store.sources import SourceHealth
from monitor.store.tables import Item, utcnow
from monitor.types import Council, SourceSpec

__all__ = [
    "CouncilCoverage",
    "HealthSummary",
    "council_coverage",
    "health_summary",
    "register_sources",
]

REGISTER_ORIGIN = "register"
COMMITTEE_SYSTEMS = {"moderngov": "moderngov", "cmis": "cmis"}
#: how far back the usual gap between new items is measured
RATE_WINDOW = timedelta(days=180)
#: fewer polls with new items than this in the window: too few to say what "usual" is
MIN_ITEMS_FOR_RATE = 5
#: never call a source quiet sooner than this, whatever its usual rate
MIN_QUIET = timedelta(days=2)


def _name_pattern(councils: list[Council]) -> str:
    names = sorted({c.short_name for c in councils}, key=len, reverse=True)
    return r"\b(" + "|".join(re.escape(n) for n in names) + r")\b"


def register_sources(register: Register) -> list[SourceSpec]:
    """Sources for every current principal council, from the register."""
    current = register.current()
    sharing: dict[str, list[Council]] = defaultdict(list)
    for c in current:
        if c.committee_url and c.committee_system in COMMITTEE_SYSTEMS:
            sharing[c.committee_url.rstrip("/").lower()].append(c)
    specs: list[SourceSpec] = []
    for c in current:
        kind = COMMITTEE_SYSTEMS.get(c.committee_system or "")
        if kind and c.committee_url:
            options: dict[str, Any] = {}
            others = [o for o in sharing[c.committee_url.rstrip("/").lower()] if o.gss != c.gss]
            if others:
                # a shared installation: leave out the committees that name the other
                # council; joint committees and those naming neither are kept by both
                options["committee_exclude"] = _name_pattern(others)
            specs.append(
                SourceSpec(
                    id=f"{kind}-{c.gss}",
                    kind=kind,
                    url=c.committee_url.rstrip("/"),
                    council=c.gss,
                    name=f"{c.short_name} committee papers",
                    item_kind="committee",
                    options=options,
                )
            )
        if c.homepage:
            specs.append(
                SourceSpec(
                    id=f"site-{c.gss}",
                    kind="site",
                    url=c.homepage,
                    council=c.gss,
                    name=f"{c.short_name} news",
                    item_kind="council_news",
                )
            )
    return specs


# -- coverage -------------------------------------------------------------------------------
@dataclass
class CouncilCoverage:
    gss: str
    name: str
    sources: list[SourceHealth] = field(default_factory=list)

    @property
    def working(self) -> int:
        return sum(1 for s in self.sources if s.healthy)

    @property
    def status(self) -> str:
        """blind (no source works), partial, ok, or unchecked (sources never polled)."""
        if not self.sources:
            return "blind"
        if self.working == len(self.sources):
            return "ok"
        if self.working:
            return "partial"
        if all(s.last_attempt is None for s in self.sources):
            return "unchecked"
        return "blind"

    def to_json(self) -> dict[str, Any]:
        return {
            "gss": self.gss,
            "name": self.name,
            "status": self.status,
            "working": self.working,
            "sources": [
                {
                    "id": s.id,
                    "kind": s.kind,
                    "url": s.url,
                    "healthy": s.healthy,
                    "last_error": s.last_error,
                    "last_success": s.last_success.isoformat() if s.last_success else None,
                    "last_new_item": s.last_new_item.isoformat() if s.last_new_item else None,
                }
                for s in self.sources
            ],
        }


_ORDER = {"blind": 0, "unchecked": 1, "partial": 2, "ok": 3}


def council_coverage(store: Store, register: Register) -> list[CouncilCoverage]:
    """Every current council with its sources; no working source first."""
    by_council: dict[str, list[SourceHealth]] = defaultdict(list)
    for h in store.sources.health():
        if h.council:
            by_council[h.council].append(h)
    rows = [CouncilCoverage(c.gss, c.name, by_council.get(c.gss, [])) for c in register.current()]
    rows.sort(key=lambda r: (_ORDER[r.status], r.name))
    return rows


# -- health ---------------------------------------------------------------------------------
@dataclass
class QuietSource:
    id: str
    kind: str
    council: str | None
    last_new_item: datetime
    usual_gap_s: float
    silent_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "council": self.council,
            "last_new_item": self.last_new_item.isoformat(),
            "usual_gap_hours": round(self.usual_gap_s / 3600, 1),
            "silent_hours": round(self.silent_s / 3600, 1),
        }


@dataclass
class HealthSummary:
    """What an operator must look at: broken sources by error code, and quiet ones."""

    total: int
    working: int
    never_polled: int
    broken: dict[str, list[SourceHealth]]
    quiet: list[QuietSource]
    blind_councils: list[CouncilCoverage]

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "working": self.working,
            "never_polled": self.never_polled,
            "broken": {
                code: [
                    {
                        "id": s.id,
                        "kind": s.kind,
                        "url": s.url,
                        "council": s.council,
                        "message": s.last_error_message,
                        "consecutive_failures": s.consecutive_failures,
                        "since_success": s.last_success.isoformat() if s.last_success else None,
                    }
                    for s in sources
                ]
                for code, sources in self.broken.items()
            },
            "quiet": [q.to_json() for q in self.quiet],
            "blind_councils": [{"gss": c.gss, "name": c.name} for c in self.blind_councils],
        }


def usual_gaps(store: Store, now: datetime) -> dict[str, float]:
    """Per source, the mean gap in seconds between new items over the last half year
    (only sources with enough items to say)."""
    table = Item.__table__  # type: ignore[attr-defined]
    query = (
        sa.select(
            table.c.source_id,
            sa.func.count(sa.distinct(table.c.fetched_at)),
            sa.func.min(table.c.fetched_at),
            sa.func.max(table.c.fetched_at),
        )
        .where(table.c.fetched_at >= now - RATE_WINDOW)
        .group_by(table.c.source_id)
    )
    out: dict[str, float] = {}
    with store.db.read() as conn:
        for source_id, n, first, last in conn.execute(query):
            # n counts the polls that found something new (one poll's items share their
            # fetch time), so a first poll bringing a backlog does not shrink the gap
            if n >= MIN_ITEMS_FOR_RATE and first and last and last > first:
                out[source_id] = (last - first).total_seconds() / (n - 1)
    return out


def health_summary(
    store: Store, settings: Settings, register: Register, now: datetime | None = None
) -> HealthSummary:
    now = now or utcnow()
    health = store.sources.health()
    broken: dict[str, list[SourceHealth]] = defaultdict(list)
    for h in health:
        if h.consecutive_failures and h.last_error:
            broken[h.last_error].append(h)
    gaps = usual_gaps(store, now)
    factor = settings.sources.quiet_factor
    quiet = []
    for h in health:
        gap = gaps.get(h.id)
        if gap is None or h.last_new_item is None or h.consecutive_failures:
            continue
        silent = (now - h.last_new_item).total_seconds()
        if silent > max(gap * factor, MIN_QUIET.total_seconds()):
            quiet.append(QuietSource(h.id, h.kind, h.council, h.last_new_item, gap, silent))
    quiet.sort(key=lambda q: q.silent_s / q.usual_gap_s, reverse=True)
    coverage = council_coverage(store, register)
    return HealthSummary(
        total=len(health),
        working=sum(1 for h in health if h.healthy),
        never_polled=sum(1 for h in health if h.last_attempt is None),
        broken=dict(sorted(broken.items(), key=lambda kv: (-len(kv[1]), kv[0]))),
        quiet=quiet,
        blind_councils=[c for c in coverage if c.status == "blind"],
    )
