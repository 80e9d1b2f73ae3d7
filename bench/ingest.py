"""Ingest benchmark: items per second into the store, search indexing on.

Feeds of 50 generated items (about 600 characters each) are stored through
``Store.record_poll`` exactly as the pipeline does, one transaction per feed.  Baseline in
the same run: a naive ORM loop (``Session.add`` per item, one commit per feed) into the
same schema, indexing included.

    python bench/ingest.py [--items 50000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.feedserver import WORDS
from monitor.config import load_settings
from monitor.store import Store
from monitor.store.items import content_hash, search_key, url_hash
from monitor.store.tables import Item
from monitor.types import PollResult, RawItem, SourceSpec, SourceState

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def items_for(feed: int, n: int = 50) -> list[RawItem]:
    out = []
    for i in range(n):
        seed = hashlib.sha1(f"{feed}-{i}".encode()).digest()
        text = " ".join(WORDS[b % len(WORDS)] for b in seed * 4)
        out.append(
            RawItem(
                guid=f"f{feed}-{i}",
                url=f"https://n{feed % 50}.example/{feed}/{i}",
                title=f"Item {i} on {WORDS[seed[0] % len(WORDS)]}",
                text=text,
                published=T0 + timedelta(minutes=feed * 50 + i),
            )
        )
    return out


def fresh_store(url: str, schema: str | None) -> Store:
    if schema:
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        admin.dispose()
        url = (
            sa.make_url(url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    settings = load_settings(None, env={}, use_default_file=False).replace(database={"url": url})
    store = Store.open(settings)
    store.init()
    for s in range(50):
        store.sources.add(
            SourceSpec(
                id=f"s{s}", kind="feed", url=f"https://n{s}.example/rss", council="E08000035"
            )
        )
    return store


def ours(store: Store, feeds: int) -> float:
    began = time.perf_counter()
    for f in range(feeds):
        spec = SourceSpec(id=f"s{f % 50}", kind="feed", url="https://x/", council="E08000035")
        store.record_poll(
            spec, PollResult(items=items_for(f), state=SourceState()), started=T0, duration_ms=1
        )
    return time.perf_counter() - began


def naive(store: Store, feeds: int) -> float:
    began = time.perf_counter()
    for f in range(feeds):
        with Session(store.db.engine) as session:
            for raw in items_for(f + 100_000):
                row = Item(
                    source_id=f"s{f % 50}",
                    guid=raw.guid,
                    url=raw.url,
                    url_hash=url_hash(raw.url),
                    title=raw.title,
                    text=raw.text,
                    kind="council_news",
                    published_at=raw.published or T0,
                    fetched_at=T0,
                    content_hash=content_hash(raw.title, raw.text),
                    facets="E08000035 council_news",
                )
                session.add(row)
                session.flush()
                row.search_key = search_key(row.published_at, row.id or 0)
            session.commit()
    return time.perf_counter() - began


def run(label: str, url: str, items: int, schema: str | None = None) -> None:
    feeds = items // 50
    store = fresh_store(url, schema)
    t_ours = ours(store, feeds)
    t_naive = naive(store, feeds)
    total = store.items.count()
    store.close()
    print(
        f"{label:10s} ours {items / t_ours:8.0f} items/s ({t_ours:.1f} s)   naive ORM "
        f"{items / t_naive:8.0f} items/s ({t_naive:.1f} s)   ratio {t_naive / t_ours:.1f}x"
        f"   [{total} rows]"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://127.0.0.1:5432/test")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cm-ingest-"))
    run("sqlite", f"sqlite:///{tmp / 'ingest.db'}", args.items)
    try:
        run("postgresql", args.postgres, args.items, schema="bench_ingest")
    except sa.exc.OperationalError as exc:
        print(f"postgresql skipped: {exc.orig}")


if __name__ == "__main__":
    main()
