"""Full-text search behind one interface: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

SQLite: the FTS5 rowid is the item's ``search_key`` (publication seconds << 31 | id), so
the index is already in newest-first order: a newest-first query stops after ``limit``
matches, and a date filter is a rowid range.  Council and kind filters are words of the
``facets`` column, intersected inside FTS5 rather than joined afterwards.

Relevance ranking (BM25) is computed over at most ``search.ranked_window`` of the newest
matches: for a word found in half the archive, ranking every match would take seconds,
and for news the newest few thousand matches are where a reader looks.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, ProgrammingError

from monitor.config import SearchSettings
from monitor.errors import QueryError, StoreError
from monitor.store.db import Database
from monitor.store.query import parse_query, to_fts5, to_tsquery
from monitor.types import SearchHit, SearchQuery

__all__ = ["Search", "split_marks"]

MARK_OPEN = "\ue000"
MARK_CLOSE = "\ue001"
_KEY_SHIFT = 31
# PostgreSQL newest-first: below this many matches, collect them all and sort (exact and
# fast); above it, walk the date index backwards (fast because matches are dense)
PG_EXACT_CAP = 5000


def split_marks(marked: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Plain text and (start, end) offsets of the highlighted words."""
    if MARK_OPEN not in marked:
        return marked.replace(MARK_CLOSE, ""), ()
    parts = marked.split(MARK_OPEN)
    plain = [parts[0].replace(MARK_CLOSE, "")]
    length = len(plain[0])
    spans: list[tuple[int, int]] = []
    for part in parts[1:]:
        inside, closed, rest = part.partition(MARK_CLOSE)
        if closed and inside:
            spans.append((length, length + len(inside)))
        rest = rest.replace(MARK_CLOSE, "")
        plain.append(inside)
        plain.append(rest)
        length += len(inside) + len(rest)
    return "".join(plain), tuple(spans)


def _key_bound(moment: datetime, upper: bool) -> int:
    seconds = int(moment.timestamp())
    return (seconds << _KEY_SHIFT) | (((1 << _KEY_SHIFT) - 1) if upper else 0)


class Search:
    def __init__(self, db: Database, settings: SearchSettings) -> None:
        self.db = db
        self.settings = settings

    def search(self, query: SearchQuery) -> list[SearchHit]:
        node = parse_query(query.text)
        limit = min(max(1, query.limit), self.settings.max_limit)
        # copies of one story collapse into one hit: over-fetch, group, then page
        fetch = SearchQuery(**{**_asdict(query), "limit": (query.offset + limit) * 3, "offset": 0})
        try:
            with self.db.read() as conn:
                if self.db.is_sqlite:
                    rows = self._sqlite(conn, to_fts5(node), fetch)
                else:
                    rows = self._postgres(conn, to_tsquery(node), fetch)
                hits = self._hits(conn, _one_per_story(rows))
                return hits[query.offset : query.offset + limit]
        except (OperationalError, ProgrammingError) as exc:
            message = str(getattr(exc, "orig", exc)).splitlines()[0]
            if "fts5" in message or "tsquery" in message or "syntax" in message:
                raise QueryError(f"the search engine could not read this query: {message}") from exc
            raise StoreError(f"search failed: {message}") from exc

    # -- SQLite -------------------------------------------------------------------------
    def _sqlite(self, conn: Connection, expr: str, q: SearchQuery) -> list[Any]:
        match = f"{{title text}} : ({expr})"
        if q.council:
            match += f' AND facets : "{_word(q.council)}"'
        if q.kind:
            match += f' AND facets : "{" ".join(_word(w) for w in q.kind.split("_"))}"'
        where = ["item_fts MATCH :match"]
        params: dict[str, Any] = {
            "match": match,
            "limit": q.limit,
            "offset": q.offset,
            "tokens": self.settings.snippet_tokens,
        }
        if q.since:
            where.append("item_fts.rowid >= :lo")
            params["lo"] = _key_bound(q.since, upper=False)
        if q.until:
            where.append("item_fts.rowid <= :hi")
            params["hi"] = _key_bound(q.until, upper=True)
        cond = " AND ".join(where)
        snippet = f"snippet(item_fts, -1, '{MARK_OPEN}', '{MARK_CLOSE}', '…', :tokens)"
        if q.sort == "relevance":
            params["window"] = self.settings.ranked_window - 1
            floor = (
                f"SELECT item_fts.rowid FROM item_fts WHERE {cond} "
                f"ORDER BY item_fts.rowid DESC LIMIT 1 OFFSET :window"
            )
            sql = (
                f"SELECT item_fts.rowid AS key, {snippet} AS snippet, "
                f"bm25(item_fts, 8.0, 1.0, 0.0) AS score FROM item_fts "
                f"WHERE {cond} AND item_fts.rowid >= coalesce(({floor}), -9e18) "
                f"ORDER BY score LIMIT :limit OFFSET :offset"
            )
        else:
            sql = (
                f"SELECT item_fts.rowid AS key, {snippet} AS snippet, NULL AS score "
                f"FROM item_fts WHERE {cond} ORDER BY item_fts.rowid DESC "
                f"LIMIT :limit OFFSET :offset"
            )
        found = conn.execute(sa.text(sql), params).all()
        if not found:
            return []
        keys = [r.key for r in found]
        items = {
            r.search_key: r
            for r in conn.execute(
                sa.text(
                    "SELECT i.id, i.search_key, i.title, i.url, i.published_at, "
                    "i.published_estimated, i.kind, i.story_id, "
                    "coalesce(nullif(s.name, ''), s.id) AS source FROM item i "
                    "JOIN source s ON s.id = i.source_id WHERE i.search_key IN :keys"
                ).bindparams(sa.bindparam("keys", expanding=True)),
                {"keys": keys},
            )
        }
        out = []
        for r in found:
            item = items.get(r.key)
            if item is not None:
                out.append((item, r.snippet, -r.score if r.score is not None else None))
        return out

    # -- PostgreSQL ---------------------------------------------------------------------
    def _postgres(self, conn: Connection, tsq: str, q: SearchQuery) -> list[Any]:
        """GIN finds the matches; ordering is the hard part.  Newest-first asks the planner
        how many rows match: for words too common to collect (more than ``PG_EXACT_CAP``)
        it walks the date index backwards, which is fast precisely because matches are
        dense; otherwise it collects the matches from GIN and sorts them (capped, in
        case the estimate was wrong)."""
        match = "to_tsquery('english', :tsq)"
        if q.council:
            match = f"({match} && to_tsquery('simple', :council))"
        where = [f"i.search_vector @@ {match}"]
        params: dict[str, Any] = {
            "tsq": tsq,
            "council": _word(q.council or "") + ":D",
            "limit": q.limit,
            "offset": q.offset,
            "cap": PG_EXACT_CAP,
            "opts": f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, "
            f"MaxWords={self.settings.snippet_tokens}, "
            f"MinWords={max(4, self.settings.snippet_tokens // 2)}"
            f', MaxFragments=2, FragmentDelimiter=" … "',
        }
        if q.kind:
            where.append("i.kind = :kind")
            params["kind"] = q.kind
        if q.since:
            where.append("i.published_at >= :since")
            params["since"] = q.since
        if q.until:
            where.append("i.published_at <= :until")
            params["until"] = q.until
        cond = " AND ".join(where)
        if q.sort == "relevance":
            params["window"] = self.settings.ranked_window
            ids = conn.execute(
                sa.text(
                    f"SELECT w.id, ts_rank_cd(w.search_vector, {match}) AS score FROM "
                    f"(SELECT i.id, i.search_vector FROM item i WHERE {cond} "
                    f"ORDER BY i.published_at DESC, i.id DESC LIMIT :window) w "
                    f"ORDER BY score DESC, w.id DESC LIMIT :limit OFFSET :offset"
                ),
                params,
            ).all()
        else:
            ids = self._pg_newest(conn, where[0], where[1:], params)
        if not ids:
            return []
        scores = {r.id: getattr(r, "score", None) for r in ids}
        rows = conn.execute(
            sa.text(
                "SELECT i.id, i.title, i.url, i.published_at, i.published_estimated, i.kind, "
                "i.story_id, "
                "coalesce(nullif(s.name, ''), s.id) AS source, "
                "ts_headline('english', coalesce(nullif(i.text, ''), i.title), "
                "to_tsquery('english', :tsq), :opts) AS snippet "
                "FROM item i JOIN source s ON s.id = i.source_id WHERE i.id IN :ids"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"tsq": params["tsq"], "opts": params["opts"], "ids": list(scores)},
        ).all()
        by_id = {r.id: r for r in rows}
        return [(by_id[i], by_id[i].snippet, scores[i]) for i in scores if i in by_id]

    @staticmethod
    def _pg_newest(
        conn: Connection, match: str, filters: list[str], params: dict[str, Any]
    ) -> list[Any]:
        """The planner is asked how many items match the words alone.  Too many to collect
        (more than ``PG_EXACT_CAP``): walk the date index backwards, fast precisely because
        matches are dense.  Otherwise collect the matches from the text index and filter
        and sort those: a date or kind filter applied inside that step would make the
        planner intersect the text index with a bitmap of every item in the date range."""
        cond = " AND ".join([match, *filters])
        ordered = (
            f"SELECT i.id FROM item i WHERE {cond} "
            f"ORDER BY i.published_at DESC, i.id DESC LIMIT :limit OFFSET :offset"
        )
        plan = conn.execute(
            sa.text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM item i WHERE {match}"), params
        ).scalar_one()
        plan = json.loads(plan) if isinstance(plan, str) else plan
        if plan[0]["Plan"]["Plan Rows"] > PG_EXACT_CAP:
            return list(conn.execute(sa.text(ordered), params).all())
        outer = (" WHERE " + " AND ".join(filters)) if filters else ""
        # one row at least, carrying the number of matches even when no match passes the
        # filters, so that a low estimate is noticed either way
        rows = conn.execute(
            sa.text(
                f"WITH m AS MATERIALIZED (SELECT i.id, i.published_at, i.kind FROM item i "
                f"WHERE {match} LIMIT :cap + 1), "
                f"n AS (SELECT count(*) AS n FROM m) "
                f"SELECT f.id, f.published_at, n.n FROM n LEFT JOIN LATERAL "
                f"(SELECT i.id, i.published_at FROM m i{outer} "
                f"ORDER BY i.published_at DESC, i.id DESC LIMIT :limit OFFSET :offset) f ON true "
                f"ORDER BY f.published_at DESC, f.id DESC"
            ),
            params,
        ).all()
        if rows[0].n > PG_EXACT_CAP:
            return list(conn.execute(sa.text(ordered), params).all())  # the estimate was low
        return [r for r in rows if r.id is not None]

    # -- shared -------------------------------------------------------------------------
    def _hits(self, conn: Connection, rows: list[Any]) -> list[SearchHit]:
        if not rows:
            return []
        ids = [item.id for item, _, _ in rows]
        links: dict[int, list[tuple[str, str]]] = {}
        for r in conn.execute(
            sa.text(
                "SELECT ic.item_id, ic.council_gss, c.name, ic.role FROM item_council ic "
                "JOIN council c ON c.gss = ic.council_gss WHERE ic.item_id IN :ids "
                "ORDER BY ic.item_id, ic.role DESC, ic.confidence DESC"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": ids},
        ):
            links.setdefault(r.item_id, []).append((r.council_gss, r.name))
        stories = [item.story_id for item, _, _ in rows if item.story_id is not None]
        outlets: dict[int, int] = {}
        if stories:
            for r in conn.execute(
                sa.text("SELECT id, outlets FROM story WHERE id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": stories},
            ):
                outlets[r.id] = r.outlets
        hits = []
        for item, marked, score in rows:
            snippet, spans = split_marks(marked or "")
            councils = links.get(item.id, [])
            hits.append(
                SearchHit(
                    item_id=item.id,
                    title=item.title,
                    url=item.url,
                    published=_aware(item.published_at),
                    kind=item.kind,
                    source=item.source,
                    councils=tuple(g for g, _ in councils),
                    council_names=tuple(n for _, n in councils),
                    snippet=snippet,
                    highlights=spans,
                    score=score,
                    published_estimated=bool(item.published_estimated),
                    story_id=item.story_id,
                    also_in=max(0, outlets.get(item.story_id, 1) - 1),
                )
            )
        return hits


def _one_per_story(rows: list[Any]) -> list[Any]:
    """Keep the first (best or newest) copy of each story, in order."""
    seen: set[int] = set()
    kept = []
    for row in rows:
        story = row[0].story_id
        if story is not None:
            if story in seen:
                continue
            seen.add(story)
        kept.append(row)
    return kept


def _word(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch.isalnum())


def _aware(value: Any) -> datetime | None:
    from monitor.store.tables import UTCDateTime

    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return UTCDateTime().process_result_value(value, None)  # type: ignore[arg-type]


def _asdict(q: SearchQuery) -> dict[str, Any]:
    return {f: getattr(q, f) for f in q.__dataclass_fields__}
