"""Crawl benchmark: 2,000 feeds (50 items, ~30 KB) on 200 local hosts with 100 ms latency.

Measures, in one run and against the same server:
  * the first poll (every item new),
  * a poll where every feed changed (5 new items each),
  * a poll where 10% of the feeds changed (the others answer 304),
  * a naive baseline: a sequential loop of plain httpx GET + feedparser.parse with no
    politeness, no conditional GET and no storage, over a sample of the feeds (the full
    loop would take minutes; its time per feed is multiplied out and labelled as such).
Politeness violations are counted by the server: a second request to a host while one
is in flight, or one starting sooner than fetch.min_delay_s after the previous ended.

    python bench/crawl.py [--feeds 2000] [--hosts 200] [--naive-sample 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import feedparser
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.feedserver import FeedServer, make_feed
from monitor.config import load_settings
from monitor.pipeline import poll_sources
from monitor.store import Store
from monitor.types import SourceSpec


class Feeds:
    def __init__(self, hosts: int, per_host: int) -> None:
        self.hosts, self.per_host = hosts, per_host
        self.version: dict[tuple[int, int], int] = {}
        self.cache: dict[tuple[int, int, int], bytes] = {}

    def body_for(self, host: str, path: str) -> tuple[bytes, str] | None:
        h = int(host.split(":")[0].rsplit(".", 1)[1]) - 1
        if not path.startswith("/feed/"):
            return None
        f = int(path.rsplit("/", 1)[1])
        v = self.version.get((h, f), 0)
        key = (h, f, v)
        if key not in self.cache:
            self.cache[key] = make_feed(h, f, v)
        return self.cache[key], f'"{h}-{f}-{v}"'

    def change(self, fraction: float) -> int:
        every = round(1 / fraction)
        changed = 0
        for h in range(self.hosts):
            for f in range(self.per_host):
                if (h * self.per_host + f) % every == 0:
                    self.version[(h, f)] = self.version.get((h, f), 0) + 1
                    changed += 1
        return changed


async def naive(urls: list[str]) -> float:
    began = time.monotonic()
    async with httpx.AsyncClient() as client:
        for url in urls:
            response = await client.get(url)
            feedparser.parse(response.content)
    return time.monotonic() - began


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--latency-s", type=float, default=0.1)
    parser.add_argument("--naive-sample", type=int, default=200)
    args = parser.parse_args()
    per_host = args.feeds // args.hosts
    feeds = Feeds(args.hosts, per_host)
    tmp = Path(tempfile.mkdtemp(prefix="cm-bench-"))
    settings = load_settings(None, env={}, use_default_file=False).replace(
        database={"url": f"sqlite:///{tmp / 'bench.db'}"}, fetch={"allow_private_addresses": True}
    )
    server = FeedServer(
        latency_s=args.latency_s, min_gap_s=settings.fetch.min_delay_s, body_for=feeds.body_for
    )
    port = await server.start()
    urls = [
        f"http://127.0.0.{h + 1}:{port}/feed/{f}"
        for h in range(args.hosts)
        for f in range(per_host)
    ]
    store = Store.open(settings)
    store.init()
    for i, url in enumerate(urls):
        store.sources.add(SourceSpec(id=f"s{i}", kind="feed", url=url))
    specs = store.sources.specs()
    print(
        f"{len(urls)} feeds on {args.hosts} hosts, {args.latency_s * 1000:.0f} ms latency, "
        f"min delay per host {settings.fetch.min_delay_s:g} s, {os.cpu_count()} CPU(s)"
    )

    results = {}
    for label, fraction in (
        ("first poll (all new)", None),
        ("every feed changed", 1.0),
        ("10% of feeds changed", 0.1),
    ):
        if fraction:
            feeds.change(fraction)
        server.reset_counts()
        began = time.monotonic()
        summary = await poll_sources(store, settings, specs)
        elapsed = time.monotonic() - began
        results[label] = elapsed
        print(
            f"{label:24s} {elapsed:6.1f} s  new items {summary.new:6d}  failed "
            f"{len(summary.failed)}  requests {server.requests}  304s {server.not_modified}"
            f"  politeness violations: concurrent {server.concurrent_violations}, "
            f"gap {server.gap_violations}"
        )
    server.min_gap_s = 0  # the naive loop is not polite by design: do not count it
    sample = urls[:: max(1, len(urls) // args.naive_sample)][: args.naive_sample]
    naive_s = await naive(sample)
    per_feed = naive_s / len(sample)
    naive_total = per_feed * len(urls)
    print(
        f"naive sequential loop    {naive_s:6.1f} s for {len(sample)} feeds = "
        f"{per_feed * 1000:.0f} ms/feed -> {naive_total:.0f} s for {len(urls)} "
        f"(extrapolated)"
    )
    for label, elapsed in results.items():
        print(f"ratio naive/{label}: {naive_total / elapsed:.1f}x")
    met = results["10% of feeds changed"] <= 15
    print(f"aim: 10% changed in <= 15 s -> {'MET' if met else 'NOT MET'}")
    store.close()
    await server.stop()


if __name__ == "__main__":
    asyncio.run(main())
