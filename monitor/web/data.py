"""What the pages and the API show, computed from the store (no HTTP here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from models.labels import LABELS
from monitor.alerting import coverage_by_council, radar, weekly_counts
from monitor.config import Settings
from monitor.errors import QueryError
from monitor.register import Register
from monitor.store import Store
from monitor.store.tables import Classification, ItemTag, utcnow
from monitor.types import SearchHit, SearchQuery, SignalStory

__all__ = [
    "FLAG_FIELDS",
    "LABELS",
    "council_view",
    "flags",
    "item_signals",
    "search",
]

C = Classification.__table__  # type: ignore[attr-defined]
T = ItemTag.__table__  # type: ignore[attr-defined]
CHART_WEEKS = 26

#: the flags feed's columns, in order (the CSV header; stable: add, never rename)
FLAG_FIELDS = (
    "gss",
    "council",
    "signal",
    "score",
    "council_score",
    "alert_severity",
    "stories_7d",
    "stories_30d",
    "stories_90d",
    "latest_evidence",
    "latest_evidence_url",
    "latest_evidence_at",
    "model_version",
)


def item_signals(store: Store, item_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per item: its tags with evidence (item-level verdict) and its sentiment."""
    out: dict[int, dict[str, Any]] = {i: {"tags": {}, "sentiment": None} for i in item_ids}
    if not item_ids:
        return out
    with store.db.read() as conn:
        for row in conn.execute(
            sa.select(C.c.item_id, C.c.sentiment)
            .where(C.c.item_id.in_(item_ids))
            .where(C.c.council_gss == "")
        ):
            out[row.item_id]["sentiment"] = row.sentiment
        for row in conn.execute(
            sa.select(T.c.item_id, T.c.label, T.c.evidence, T.c.score)
            .where(T.c.item_id.in_(item_ids))
            .where(T.c.council_gss == "")
        ):
            out[row.item_id]["tags"][row.label] = {"evidence": row.evidence, "score": row.score}
    return out


@dataclass
class SearchPage:
    hits: list[SearchHit]
    signals: dict[int, dict[str, Any]]
    has_more: bool


def search(
    store: Store,
    register: Register,
    text: str,
    *,
    council: str | None = None,
    region: str | None = None,
    signal: str | None = None,
    sentiment: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    kind: str | None = None,
    sort: str = "newest",
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Full-text search with the page's filters.  Council, dates and kind are filtered by
    the index; region, signal and sentiment on the matches, reading ahead as far as it
    takes to fill the page (at most 20 index pages)."""
    if signal and signal not in LABELS:
        raise QueryError(f"unknown signal {signal!r}; one of {', '.join(LABELS)}")
    if sentiment not in (None, "", "negative", "positive", "neutral"):
        raise QueryError("sentiment is negative, neutral or positive")
    if sort not in ("newest", "relevance"):
        raise QueryError("sort is newest or relevance")
    region_councils = (
        {c.gss for c in register if c.region.lower() == region.lower()} if region else None
    )
    post = bool(region_councils is not None or signal or sentiment)
    wanted: list[SearchHit] = []
    signals: dict[int, dict[str, Any]] = {}
    skipped = 0
    batch = limit * 4 if post else limit + 1
    cursor = 0
    for _ in range(20 if post else 1):
        hits = store.search.search(
            SearchQuery(
                text=text,
                council=council,
                since=since,
                until=until,
                kind=kind,
                sort=sort,  # type: ignore[arg-type]
                limit=batch,
                offset=cursor,
            )
        )
        cursor += len(hits)
        found = item_signals(store, [h.item_id for h in hits])
        for hit in hits:
            info = found[hit.item_id]
            if region_councils is not None and not set(hit.councils) & region_councils:
                continue
            if signal and signal not in info["tags"]:
                continue
            if sentiment and _sentiment_class(info["sentiment"]) != sentiment:
                continue
            if skipped < offset:
                skipped += 1
                continue
            wanted.append(hit)
            signals[hit.item_id] = info
            if len(wanted) > limit:
                return SearchPage(wanted[:limit], signals, True)
        if len(hits) < batch:
            break
    return SearchPage(wanted[:limit], signals, len(wanted) > limit)


def _sentiment_class(value: float | None) -> str:
    if value is None or abs(value) < 0.2:
        return "neutral"
    return "positive" if value > 0 else "negative"


# -- the flags feed ---------------------------------------------------------------------------
def _noisy_or(stories: list[SignalStory]) -> float:
    """The chance that at least one of the stories is a real signal, treating their
    calibrated probabilities as independent."""
    miss = 1.0
    for s in stories:
        miss *= 1.0 - min(max(s.score, 0.0), 1.0)
    return 1.0 - miss


def flags(
    store: Store, settings: Settings, register: Register, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Per council and signal with any story in the last 90 days: the feed a risk model
    reads.  ``score`` is the noisy-OR of the calibrated probabilities of the signal's
    unique stories in the last 30 days; ``council_score`` is the radar's score."""
    now = now or utcnow()
    stories = store.alerts.signal_stories(now - timedelta(days=90), now)
    rows, _blind = radar(store, settings, now)
    radar_score = {r.gss: r.score for r in rows}
    active = store.alerts.active()
    with store.db.read() as conn:
        version = conn.execute(
            sa.select(C.c.model_version).order_by(C.c.classified_at.desc()).limit(1)
        ).scalar()
    out = []
    for gss in sorted(stories):
        council = register.get(gss)
        if council is None:
            continue
        for label in LABELS:
            mine = [s for s in stories[gss] if label in s.labels]
            if not mine:
                continue
            latest = max(mine, key=lambda s: s.last_seen or s.first_seen)
            item = next(
                (i for i in reversed(latest.items) if label in i.get("evidence", {})),
                latest.items[-1] if latest.items else {},
            )
            alert = active.get(gss)
            out.append(
                {
                    "gss": gss,
                    "council": council.name,
                    "signal": label,
                    "score": round(
                        _noisy_or([s for s in mine if s.first_seen > now - timedelta(30)]), 4
                    ),
                    "council_score": round(radar_score.get(gss, 0.0), 3),
                    "alert_severity": alert.severity if alert is not None else None,
                    "stories_7d": sum(s.first_seen > now - timedelta(7) for s in mine),
                    "stories_30d": sum(s.first_seen > now - timedelta(30) for s in mine),
                    "stories_90d": len(mine),
                    "latest_evidence": item.get("evidence", {}).get(label, ""),
                    "latest_evidence_url": item.get("url", ""),
                    "latest_evidence_at": item.get("published"),
                    "model_version": version,
                }
            )
    return out


# -- a council's page -------------------------------------------------------------------------
def _per_label(weekly: dict[str, list[int]]) -> dict[str, list[int]]:
    return {label: weekly[label] for label in LABELS}


def council_view(
    store: Store, settings: Settings, register: Register, gss: str, now: datetime | None = None
) -> dict[str, Any] | None:
    council = register.get(gss)
    if council is None:
        return None
    now = now or utcnow()
    stories = store.alerts.signal_stories(now - timedelta(weeks=CHART_WEEKS), now, council=gss).get(
        gss, []
    )
    alerts = store.alerts.find(council=gss, limit=20)
    sources = [h for h in store.sources.health() if h.council == gss]
    ok, total = coverage_by_council(store).get(gss, (0, 0))
    blind = [s for s in sources if not s.healthy]
    recent = sorted(stories, key=lambda s: s.last_seen or s.first_seen, reverse=True)[:25]
    return {
        "council": council,
        "weekly": _per_label(weekly_counts(stories, now, CHART_WEEKS)),
        "alerts": alerts,
        "stories": recent,
        "sources": sources,
        "coverage": {"working": ok, "total": total},
        "cannot_see": blind,
        "kinds": sorted({s.kind for s in sources}),
    }
