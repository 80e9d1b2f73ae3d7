"""API benchmark: /api/search over 1,000,000 items with 20 concurrent clients.

Uses the database bench/search.py builds and caches (run it first for the backend).  The
server is `council-monitor serve` in a process of its own, exactly as deployed (one
uvicorn worker); every request authenticates with an API token and writes its audit-log
row, as in production.  The clients are 20 asyncio tasks with keep-alive connections,
each sending a mix of common, medium and rare words, with and without a council filter,
newest first and by relevance.

Every query is run once first (warm caches), then the timed pass.  Baseline in the same
run: the same queries through the store's search directly (one caller, no HTTP, no
authentication, no audit), so the ratio is what the API, its security and 20-way
concurrency add; and the API with one client at a time, which separates the cost of one
request from the queueing that 20 clients on two cores cause (the clients run on the same
machine and take CPU from the server).

    python bench/api.py [--backend sqlite|postgresql] [--requests 2000] [--clients 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search import pick_terms, vocabulary
from monitor.config import load_settings
from monitor.store import Store
from monitor.types import SearchQuery

COUNCILS = ["E08000025", "E06000047", "E09000008", "E07000217", "S12000049"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def queries(terms: dict[str, list[str]], n: int, seed: int = 3) -> list[dict[str, str]]:
    rng = random.Random(seed)
    words = [w for ws in terms.values() for w in ws]
    out = []
    for _ in range(n):
        q = {"q": rng.choice(words), "limit": "20"}
        if rng.random() < 0.5:
            q["council"] = rng.choice(COUNCILS)
        if rng.random() < 0.3:
            q["sort"] = "relevance"
        out.append(q)
    return out


async def load(base: str, token: str, plan: list[dict[str, str]], clients: int) -> list[float]:
    latencies: list[float] = []
    queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    for q in plan:
        queue.put_nowait(q)
    errors = 0

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as http:
            while not queue.empty():
                q = queue.get_nowait()
                began = time.perf_counter()
                response = await http.get("/api/search", params=q)
                latencies.append((time.perf_counter() - began) * 1000)
                if response.status_code != 200:
                    errors += 1

    await asyncio.gather(*(client() for _ in range(clients)))
    if errors:
        print(f"  {errors} request(s) failed")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://127.0.0.1:5432/test")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/cm-search-bench"))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--order", choices=["arrival", "random"], default="arrival")
    args = parser.parse_args()
    if args.backend == "sqlite":
        url = f"sqlite:///{args.cache_dir / f'search-{args.items}-{args.order}.db'}"
    else:
        url = (
            sa.make_url(args.postgres)
            .update_query_dict({"options": f"-csearch_path=bench_search_{args.items}_{args.order}"})
            .render_as_string(hide_password=False)
        )
    settings = load_settings(None, env={}, use_default_file=False).replace(
        database={"url": url}, web={"page_size": 50}
    )
    store = Store.open(settings)
    store.init()  # brings a cached database up to the current schema
    count = store.items.count()
    if count < args.items:
        sys.exit(f"only {count:,} items: run `python bench/search.py --backend {args.backend}`")
    name = f"bench{os.getpid()}"
    store.access.add_user(name, "viewer", "benchmark-password")
    token = store.access.create_token(name, "bench/api.py")
    terms = pick_terms(store, vocabulary(30000, __import__("numpy").random.default_rng(7))[::37])
    plan = queries(terms, args.requests)

    # baseline: the same queries straight through the store, one caller
    direct: list[float] = []
    for q in plan[: min(400, len(plan))] * 2:  # the first pass warms the caches
        began = time.perf_counter()
        store.search.search(
            SearchQuery(
                text=q["q"],
                council=q.get("council"),
                sort=q.get("sort", "newest"),  # type: ignore[arg-type]
                limit=20,
            )
        )
        direct.append((time.perf_counter() - began) * 1000)
    direct = direct[len(direct) // 2 :]

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(
            f'[database]\nurl = "{url}"\n[web]\npage_size = 50\n[log]\nlevel = "WARNING"\n'
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "monitor",
                "--config",
                str(config),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(args.port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{args.port}"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(base + "/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            asyncio.run(load(base, token, plan, args.clients))  # warm-up: caches, pools
            single = asyncio.run(load(base, token, plan[:300], 1))
            began = time.perf_counter()
            latencies = asyncio.run(load(base, token, plan, args.clients))
            elapsed = time.perf_counter() - began
        finally:
            server.terminate()
            server.wait(30)
    with store.db.write() as conn:  # leave the cached database as it was
        conn.execute(sa.text("DELETE FROM audit_log WHERE user_name = :n"), {"n": name})
        conn.execute(
            sa.text(
                "DELETE FROM api_token WHERE user_id IN (SELECT id FROM app_user WHERE name = :n)"
            ),
            {"n": name},
        )
        conn.execute(sa.text("DELETE FROM app_user WHERE name = :n"), {"n": name})
    store.close()
    p50, p95 = pct(latencies, 50), pct(latencies, 95)
    d50, d95 = pct(direct, 50), pct(direct, 95)
    print(
        f"{count:,} items on {args.backend}; {len(latencies)} requests from {args.clients} "
        f"concurrent clients, {os.cpu_count()} CPU(s)"
    )
    rate = len(latencies) / elapsed
    print(f"/api/search       p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   {rate:6.0f} req/s")
    print(
        f"one client at a time p50 {pct(single, 50):7.1f} ms   p95 {pct(single, 95):7.1f} ms"
        f"   (the same API, no queueing)"
    )
    print(f"direct store call p50 {d50:7.1f} ms   p95 {d95:7.1f} ms   (one caller, no HTTP)")
    mean = statistics.mean(latencies)
    print(f"ratio API/direct: p50 {p50 / d50:.1f}x, p95 {p95 / d95:.1f}x; mean {mean:.1f} ms")


if __name__ == "__main__":
    main()
