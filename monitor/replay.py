"""``council-monitor replay``: run dated items through linking, story grouping,
classification and detection in date order, as if they were arriving live, and report the
alerts that would have been raised.  This is how users test settings against past crises.

Input JSONL: ``id``, ``text``, ``date`` (YYYY-MM-DD, YYYY-MM or YYYY; a month stands for
its 15th and a year for 1 July), optional ``title``, ``url`` and ``councils`` (names or
GSS codes; when given they are the items' primary councils, otherwise the linker decides).
Items without a usable date are skipped and counted.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from monitor.alerting import run_detection
from monitor.classify import classify_backlog, load_classifier
from monitor.config import Settings
from monitor.enrich import StoryGrouper, get_linker
from monitor.errors import ConfigError
from monitor.register import load_register
from monitor.store import Store
from monitor.store.tables import Item
from monitor.types import RawItem, SourceSpec

__all__ = ["ReplayResult", "parse_date", "replay"]

SOURCE = SourceSpec(
    id="replay",
    kind="feed",
    url="https://replay.invalid/feed",
    name="replayed items",
    item_kind="press",
)


def parse_date(value: Any) -> date | None:
    if not value:
        return None
    text = str(value).strip()
    try:
        if len(text) == 4:
            return date(int(text), 7, 1)
        if len(text) == 7:
            return date(int(text[:4]), int(text[5:7]), 15)
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


@dataclass
class ReplayResult:
    alerts: list[dict[str, Any]] = field(default_factory=list)
    items: int = 0
    skipped_undated: int = 0
    days: int = 0


def _councils(names: list[str] | None) -> list[tuple[str, str, float, str]]:
    if not names:
        return []
    register = load_register()
    links = []
    for name in names:
        found = register.find(name)
        if found:
            links.append((found[0].gss, "primary", 1.0, "given"))
    return links


def _raw(row: dict[str, Any], day: date, use_given: bool) -> RawItem:
    when = datetime.combine(day, time(12), tzinfo=UTC)
    # the input id is the identity: two items may share a URL (one council page updated)
    url = f"{row.get('url') or 'https://replay.invalid/'}#{row['id']}"
    item = RawItem(
        guid=str(row["id"]),
        url=url,
        title=row.get("title") or "",
        text=row["text"],
        published=when,
        kind="press",
    )
    given = _councils(row.get("councils")) if use_given else []
    if given:
        item.links = given
    else:
        links = get_linker().link(item.text, title=item.title, when=day, url=item.url)
        item.links = [(lk.gss, lk.role, lk.confidence, lk.method) for lk in links]
    return item


def load_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"line {number} is not JSON: {exc.msg}", key=str(path)) from exc
        if not isinstance(row, dict) or "id" not in row or not isinstance(row.get("text"), str):
            raise ConfigError(f"line {number} needs 'id' and 'text'", key=str(path))
        rows.append(row)
    return rows


def replay(
    rows: list[dict[str, Any]],
    settings: Settings,
    *,
    db_url: str | None = None,
    use_given_councils: bool = True,
) -> ReplayResult:
    result = ReplayResult()
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        day = parse_date(row.get("date"))
        if day is None:
            result.skipped_undated += 1
        else:
            by_day[day].append(row)
    scratch = None
    if db_url is None:
        scratch = tempfile.TemporaryDirectory(prefix="cm-replay-")
        db_url = f"sqlite:///{scratch.name}/replay.db"
    store = Store.open(settings.replace(database={"url": db_url}))
    try:
        store.init()
        store.sources.add(SOURCE, origin="replay")
        classifier = load_classifier(settings)
        grouper = StoryGrouper(store)
        history: dict[int, dict[str, Any]] = {}
        for day in sorted(by_day):
            items = [_raw(r, day, use_given_councils) for r in by_day[day]]
            with store.db.write() as conn:
                store.items.ingest(
                    conn,
                    SOURCE.id,
                    None,
                    "press",
                    items,
                    fetched_at=datetime.combine(day, time(12), tzinfo=UTC),
                )
            grouper.run()
            classify_backlog(store, classifier)
            now = datetime.combine(day, time(23, 59), tzinfo=UTC)
            report = run_detection(store, settings, now)
            for alert_id in report.opened + report.escalated + report.updated:
                _record(store, alert_id, history, day)
            result.items += len(items)
            result.days += 1
        # let the last alerts go quiet or resolve on schedule
        last = max(by_day) if by_day else None
        if last:
            run_detection(
                store,
                settings,
                datetime.combine(
                    last + timedelta(days=settings.alerts.resolve_days + 1), time(12), tzinfo=UTC
                ),
            )
        result.alerts = _output(store, history)
    finally:
        store.close()
        if scratch is not None:
            scratch.cleanup()
    return result


def _record(store: Store, alert_id: int, history: dict[int, dict[str, Any]], day: date) -> None:
    alert = store.alerts.get(alert_id)
    assert alert is not None
    entry = history.setdefault(
        alert_id, {"opened": day, "escalations": [], "items": set(), "severities": []}
    )
    if not entry["severities"] or entry["severities"][-1] != alert["severity"]:
        if entry["severities"]:
            entry["escalations"].append({"date": day.isoformat(), "severity": alert["severity"]})
        entry["severities"].append(alert["severity"])
    entry["items"].update(i["item_id"] for i in alert["explanation"].get("items", []))
    entry["last"] = alert


def _output(store: Store, history: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    register = load_register()
    table = Item.__table__  # type: ignore[attr-defined]
    ids = {i for h in history.values() for i in h["items"]}
    with store.db.read() as conn:
        guid = (
            {
                r.id: r.guid
                for r in conn.execute(
                    sa.select(table.c.id, table.c.guid).where(table.c.id.in_(list(ids)))
                )
            }
            if ids
            else {}
        )
    out = []
    for alert_id, h in sorted(history.items(), key=lambda kv: kv[1]["opened"]):
        alert = h["last"]
        council = register.get(alert["council_gss"])
        final = store.alerts.get(alert_id)
        out.append(
            {
                "gss": alert["council_gss"],
                "name": council.name if council else alert["council_gss"],
                "opened": h["opened"].isoformat(),
                "severity": max(h["severities"], key=("watch", "concern", "acute").index),
                "first_severity": h["severities"][0],
                "escalations": h["escalations"],
                "labels": alert["labels"],
                "rules": alert["explanation"].get("rules", []),
                "items": sorted(guid[i] for i in h["items"] if i in guid),
                "status": final["status"] if final else alert["status"],
                "explanation": {k: v for k, v in alert["explanation"].items() if k != "items"},
            }
        )
    return out
