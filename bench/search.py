"""Search benchmark over 1,000,000 generated items.

Items have a Zipf-distributed vocabulary (so that common, medium and rare words exist as
in real news), 382 councils, three years of dates and three kinds.  The database is
built once through the store's own schema (migrations, triggers, search keys, council
links) with bulk inserts, and cached under --cache-dir.

For each word class (common: in ~10-40% of items, medium: ~0.5-2%, rare: <0.05%) it runs
newest-first and relevance-ranked queries, each without filters, with a council filter,
with a 90-day date filter and with both, and prints p50/p95 latency.  Baseline in the
same run: a LIKE scan (`title LIKE '%w%' OR text LIKE '%w%'`, newest first) on the same
data.

Items are stored in the order a crawler stores them (``--order arrival``, the default):
by the time they were fetched, which is a little after publication for most (up to two
days) and long after it for one in ten (a feed's first poll, a committee archive: up to
180 days).  ``--order random`` stores them in no relation to their dates, the worst case
for PostgreSQL, whose table is read in date order through an index.

    python bench/search.py [--items 1000000] [--backend sqlite|postgresql]
                           [--order arrival|random]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.config import Settings, load_settings
from monitor.register import load_register
from monitor.store import Store
from monitor.store.items import content_hash, facets_for, search_key, url_hash
from monitor.store.tables import Item, ItemCouncil
from monitor.types import SearchQuery, SourceSpec

END = datetime(2026, 11, 1, tzinfo=UTC)
SPAN_DAYS = 3 * 365
KINDS = ["press", "council_news", "committee"]
SYLLABLES = [
    "ba",
    "ke",
    "lo",
    "mi",
    "nu",
    "ra",
    "se",
    "ti",
    "vo",
    "zu",
    "dar",
    "fen",
    "gol",
    "hin",
    "jor",
    "kel",
    "mor",
    "nis",
    "pel",
    "quo",
    "rim",
    "sol",
    "tav",
]


def vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        n = int(rng.integers(2, 5))
        words.add("".join(SYLLABLES[int(i)] for i in rng.integers(0, len(SYLLABLES), n)))
    return sorted(words)


def arrival_offsets(n_items: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(seconds before END published, seconds before END fetched), in fetch order."""
    published = rng.integers(0, SPAN_DAYS * 86400, n_items)
    late = rng.random(n_items) < 0.1
    delay = np.where(
        late, rng.integers(0, 180 * 86400, n_items), rng.integers(0, 2 * 86400, n_items)
    )
    fetched = np.maximum(published - delay, 0)
    order = np.argsort(-fetched, kind="stable")  # oldest fetch first
    return published[order], fetched[order]


def build(store: Store, n_items: int, seed: int = 7, order: str = "arrival") -> None:
    rng = np.random.default_rng(seed)
    if order == "arrival":
        all_published, all_fetched = arrival_offsets(n_items, np.random.default_rng(seed + 1))
    vocab = vocabulary(30000, rng)
    ranks = np.arange(1, len(vocab) + 1)
    probs = 1.0 / ranks**1.07
    probs /= probs.sum()
    councils = [c.gss for c in load_register().current()]
    c_probs = 1.0 / np.arange(1, len(councils) + 1) ** 0.8
    c_probs /= c_probs.sum()
    for s in range(20):
        store.sources.add(SourceSpec(id=f"src{s}", kind="feed", url=f"https://s{s}.example/"))
    batch = 20000
    item_id = 0
    began = time.monotonic()
    for start in range(0, n_items, batch):
        n = min(batch, n_items - start)
        words = rng.choice(len(vocab), size=(n, 90), p=probs)
        if order == "arrival":
            offsets, fetched_offsets = (
                all_published[start : start + n],
                all_fetched[start : start + n],
            )
        else:
            offsets = rng.integers(0, SPAN_DAYS * 86400, n)
            fetched_offsets = offsets
        council_idx = rng.choice(len(councils), size=n, p=c_probs)
        kinds = rng.integers(0, 3, n)
        items, links = [], []
        for i in range(n):
            item_id += 1
            title = " ".join(vocab[w] for w in words[i, :8])
            text = " ".join(vocab[w] for w in words[i, 8:])
            published = END - timedelta(seconds=int(offsets[i]))
            fetched = END - timedelta(seconds=int(fetched_offsets[i]))
            gss, kind = councils[int(council_idx[i])], KINDS[int(kinds[i])]
            url = f"https://s{item_id % 20}.example/{item_id}"
            items.append(
                {
                    "id": item_id,
                    "source_id": f"src{item_id % 20}",
                    "guid": str(item_id),
                    "url": url,
                    "url_hash": url_hash(url),
                    "title": title,
                    "text": text,
                    "author": None,
                    "kind": kind,
                    "published_at": published,
                    "published_estimated": False,
                    "fetched_at": fetched,
                    "updated_at": None,
                    "version": 1,
                    "content_hash": content_hash(title, text),
                    "raw_sha256": None,
                    "meta": {},
                    "facets": facets_for([gss], kind),
                    "search_key": search_key(published, item_id),
                }
            )
            links.append(
                {
                    "item_id": item_id,
                    "council_gss": gss,
                    "role": "primary",
                    "confidence": 1.0,
                    "method": "source",
                }
            )
        with store.db.write() as conn:
            conn.execute(sa.text("SELECT 1"))
            conn.execute(Item.__table__.insert(), items)  # type: ignore[attr-defined]
            conn.execute(ItemCouncil.__table__.insert(), links)  # type: ignore[attr-defined]
        done = start + n
        rate = done / (time.monotonic() - began)
        print(f"\r  built {done:,} items ({rate:,.0f}/s)", end="", flush=True)
    print()
    if store.db.is_sqlite:
        with store.db.write() as conn:
            conn.exec_driver_sql("INSERT INTO item_fts(item_fts) VALUES ('optimize')")
        with store.db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        # every table, as autovacuum would on a default server (the one these benchmarks
        # ran on has it off): without statistics on item_council the planner expected
        # 1,700 links per item and scanned the whole table for a page of results
        with store.db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def pick_terms(store: Store, vocab_sample: list[str]) -> dict[str, list[str]]:
    """Words by document frequency, measured on the data itself."""
    total = store.items.count()
    classes: dict[str, list[str]] = {"common": [], "medium": [], "rare": []}
    with store.db.read() as conn:
        for word in vocab_sample:
            if store.db.is_sqlite:
                df = conn.execute(
                    sa.text("SELECT count(*) FROM item_fts WHERE item_fts MATCH :q"),
                    {"q": f'{{title text}} : "{word}"'},
                ).scalar()
            else:
                df = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM item WHERE search_vector @@ to_tsquery('english', :q)"
                    ),
                    {"q": word},
                ).scalar()
            share = (df or 0) / total
            cls = (
                "common"
                if 0.1 <= share <= 0.4
                else "medium"
                if 0.005 <= share <= 0.02
                else "rare"
                if 0 < share < 0.0005
                else None
            )
            if cls and len(classes[cls]) < 5:
                classes[cls].append(word)
            if all(len(v) == 5 for v in classes.values()):
                break
    return classes


def timed(fn: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        out.append((time.perf_counter() - began) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def like_scan(store: Store, word: str, council: str | None, since: datetime | None) -> None:
    sql = (
        "SELECT i.id FROM item i WHERE (i.title LIKE :w OR i.text LIKE :w)"
        + (
            " AND EXISTS (SELECT 1 FROM item_council ic WHERE ic.item_id = i.id AND "
            "ic.council_gss = :c)"
            if council
            else ""
        )
        + (" AND i.published_at >= :s" if since else "")
        + " ORDER BY i.published_at DESC LIMIT 20"
    )
    params: dict[str, Any] = {"w": f"%{word}%", "c": council}
    if since:
        params["s"] = since.replace(tzinfo=None) if store.db.is_sqlite else since
    with store.db.read() as conn:
        conn.execute(sa.text(sql), params).all()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres", default="postgresql+psycopg://127.0.0.1:5432/test")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/cm-search-bench"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--order", choices=["arrival", "random"], default="arrival")
    args = parser.parse_args()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    base = load_settings(None, env={}, use_default_file=False)
    if args.backend == "sqlite":
        url = f"sqlite:///{args.cache_dir / f'search-{args.items}-{args.order}.db'}"
    else:
        schema = f"bench_search_{args.items}_{args.order}"
        admin = sa.create_engine(args.postgres)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        url = (
            sa.make_url(args.postgres)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    settings: Settings = base.replace(database={"url": url})
    store = Store.open(settings)
    store.init()
    if store.items.count() < args.items:
        print(f"building {args.items:,} items ({args.backend}); cached for later runs")
        build(store, args.items, order=args.order)
    rng = np.random.default_rng(1)
    terms = pick_terms(store, vocabulary(30000, np.random.default_rng(7))[::37])
    councils = ["E08000025", "E06000047", "E09000008", "E07000217", "S12000049"]
    since = END - timedelta(days=90)
    print(flush=True)
    print(
        f"{store.items.count():,} items on {args.backend}, stored in {args.order} order; terms: "
        + ", ".join(f"{k}={v[:2]}" for k, v in terms.items())
    )
    print(
        f"{'sort':10s} {'words':7s} {'filter':14s} {'p50 ms':>8s} {'p95 ms':>8s} "
        f"{'LIKE p50':>9s} {'ratio':>6s}"
    )
    worst: dict[tuple[str, str], list[float]] = {}
    for sort in ("newest", "relevance"):
        for cls, words in terms.items():
            for label, council, date in (
                ("none", False, False),
                ("council", True, False),
                ("date", False, True),
                ("council+date", True, True),
            ):
                samples: list[float] = []
                like: list[float] = []
                for word in words:
                    c = councils[int(rng.integers(0, len(councils)))] if council else None
                    q = SearchQuery(
                        text=word, council=c, since=since if date else None, sort=sort, limit=20
                    )  # type: ignore[arg-type]
                    samples += timed(lambda q=q: store.search.search(q), args.repeat)
                    if sort == "newest" and word == words[0]:
                        cutoff = since if date else None
                        like += timed(lambda w=word, c=c, s=cutoff: like_scan(store, w, c, s), 1)
                p50, p95 = statistics.median(samples), pct(samples, 95)
                worst.setdefault((sort, cls), []).append(p95)
                like_txt = (
                    f"{statistics.median(like):9.0f} {statistics.median(like) / p50:5.0f}x"
                    if like
                    else f"{'':9s} {'':6s}"
                )
                print(f"{sort:10s} {cls:7s} {label:14s} {p50:8.1f} {p95:8.1f} {like_txt}")
    print("filters: worst p95 with a filter / p95 without, per sort and word class:")
    for (sort, cls), p95s in worst.items():
        print(f"  {sort:10s} {cls:7s} {max(p95s[1:]) / p95s[0]:.2f}x")
    store.close()


if __name__ == "__main__":
    main()
