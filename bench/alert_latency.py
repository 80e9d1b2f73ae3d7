"""Publication-to-alert latency of `council-monitor run`.

A local server plays the newsrooms of ``--councils`` councils.  Each newsroom publishes
three stories of its own council's financial distress (sentences written for this
benchmark) at random moments of a ``--window`` second period; `run` polls the feeds at
``--poll-s`` (the feed interval), classifies, detects and opens alerts on its own
schedule.  For each alert, the latency is the time from the publication that tipped it
(the latest story published before the alert opened) to the alert's opening.

The aim is p95 <= the poll interval + 60 s.  Baseline in the same run: the poll interval
itself (the wait no scheduler can avoid with polling).

    python bench/alert_latency.py [--councils 10] [--window 180] [--poll-s 60]
"""

from __future__ import annotations

import argparse
import email.utils
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.devserver import DevServer, Reply, RequestRecord
from monitor.register import load_register

STORIES = [
    "{name} has issued a section 114 notice after its chief finance officer warned "
    "the budget could not be balanced.",
    "{name} faces a budget gap of 40 million pounds and has asked the government for "
    "exceptional financial support.",
    "Auditors warned that {name} is at risk of running out of reserves as overspending "
    "on social care continues.",
]


def feed(name: str, items: list[tuple[int, float]]) -> bytes:
    slug = "".join(ch for ch in name.lower() if ch.isalnum())
    entries = "".join(
        f"<item><guid>s{n}</guid><link>http://news.example/{slug}/{n}</link>"
        f"<title>{STORIES[n].format(name=name)[:70]}</title>"
        f"<description>{STORIES[n].format(name=name)}</description>"
        f"<pubDate>{email.utils.format_datetime(datetime.fromtimestamp(at, UTC))}</pubDate>"
        f"</item>"
        for n, at in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name} news</title>'
        f"<link>http://news.example/</link>{entries}</channel></rss>"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--councils", type=int, default=10)
    parser.add_argument("--window", type=float, default=180)
    parser.add_argument("--poll-s", type=int, default=60)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    register = load_register()
    councils = [c for c in register.current() if c.type in ("NMD", "UA", "LBO")]
    councils = rng.sample(councils, args.councils)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    start = time.time() + 20  # after `run` has started
    schedule = {
        c.gss: sorted((n, start + rng.uniform(0, args.window)) for n in range(3)) for c in councils
    }
    for gss, items in schedule.items():  # keep each council's three stories in order
        schedule[gss] = [(n, at) for n, (_, at) in enumerate(sorted(items, key=lambda x: x[1]))]

    with DevServer() as server, tempfile.TemporaryDirectory() as tmp:
        for c in councils:

            def handler(record: RequestRecord, c=c) -> Reply:  # type: ignore[no-untyped-def]
                now = time.time()
                published = [(n, at) for n, at in schedule[c.gss] if at <= now]
                return Reply(body=feed(c.name, published), content_type="application/rss+xml")

            server.route(f"/{c.gss}/rss", handler)
        db = Path(tmp) / "latency.db"
        config = Path(tmp) / "config.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{db}"\n'
            "[fetch]\nallow_private_addresses = true\nmin_delay_s = 0.0\n"
            f"[sources]\nfeed_interval_s = {args.poll_s}\n"
            "[scheduler]\ntick_s = 5\nenrich_interval_s = 10\ndetect_interval_s = 15\n"
        )

        def cm(*argv: str) -> None:
            subprocess.run(
                [sys.executable, "-m", "monitor", "--config", str(config), *argv],
                env=env,
                check=True,
                capture_output=True,
            )

        cm("init")
        for c in councils:
            cm(
                "sources",
                "add",
                server.url(f"/{c.gss}/rss"),
                "--council",
                c.gss,
                "--id",
                f"news-{c.gss}",
            )
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "run"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = start + args.window + args.poll_s + 180
        opened: dict[str, float] = {}
        try:
            while time.time() < deadline and len(opened) < len(councils):
                time.sleep(2)
                try:
                    with sqlite3.connect(db, timeout=5) as conn:
                        rows = conn.execute("SELECT council_gss, opened_at FROM alert").fetchall()
                except sqlite3.OperationalError:
                    continue
                for gss, at in rows:
                    if gss not in opened:
                        moment = datetime.fromisoformat(str(at)).replace(tzinfo=UTC)
                        opened[gss] = moment.timestamp()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(120)
        with sqlite3.connect(db) as conn:
            counts = [
                conn.execute(sql).fetchone()[0]
                for sql in (
                    "SELECT count(*) FROM item",
                    "SELECT count(*) FROM classification",
                    "SELECT count(*) FROM item_tag",
                    "SELECT count(*) FROM source WHERE consecutive_failures > 0",
                )
            ]
        print(
            f"stored {counts[0]} items, {counts[1]} classified, {counts[2]} tags; "
            f"{counts[3]} failing source(s)"
        )

    latencies = []
    for c in councils:
        if c.gss not in opened:
            print(f"  {c.name}: no alert")
            continue
        tipped = max(at for _, at in schedule[c.gss] if at <= opened[c.gss])
        latencies.append(opened[c.gss] - tipped)
    latencies.sort()
    if not latencies:
        sys.exit("no alert opened: nothing to measure")
    p50 = latencies[len(latencies) // 2]
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    print(
        f"{len(latencies)} of {len(councils)} councils alerted; publication-to-alert "
        f"latency p50 {p50:.0f} s, p95 {p95:.0f} s, max {latencies[-1]:.0f} s"
    )
    print(
        f"baseline: the poll interval alone {args.poll_s} s; ratio p95 / poll interval "
        f"{p95 / args.poll_s:.2f}"
    )
    aim = args.poll_s + 60
    print(f"aim: p95 <= poll interval + 60 s = {aim} s -> {'MET' if p95 <= aim else 'NOT MET'}")


if __name__ == "__main__":
    main()
