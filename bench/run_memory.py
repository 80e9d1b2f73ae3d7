"""Peak memory of `council-monitor run` with the model loaded.

Starts `run` as a real process against a fresh SQLite database with ``--feeds`` sources
(50-item feeds on 20 local hosts, from bench/feedserver.py), so that within the measured
period it polls them all (with its parse workers), groups stories, loads the classifier
and classifies the backlog, runs detection and logs the health summary.  The resident
memory of the process and its children is sampled from /proc every 0.2 s.

Baseline in the same run: a Python process that only loads the classifier and classifies
one batch (the model's own footprint), so the ratio is what the service adds around it.

    python bench/run_memory.py [--feeds 200] [--seconds 120]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.feedserver import FeedServer, make_feed
from monitor.config import load_settings
from monitor.store import Store
from monitor.types import SourceSpec

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_tree(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def sample(proc: subprocess.Popen[bytes], seconds: float) -> tuple[int, list[int]]:
    peak, series = 0, []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        rss = rss_tree(proc.pid)
        peak = max(peak, rss)
        series.append(rss)
        time.sleep(0.2)
    return peak, series


MODEL_ONLY = """
import sys
from monitor.config import load_settings
from monitor.classify import load_classifier
c = load_classifier(load_settings(None, env={}, use_default_file=False))
c.predict(["The council issued a section 114 notice after a budget gap."] * 64)
print("ok", flush=True)
sys.stdin.read()
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}

    # the model alone
    model = subprocess.Popen(
        [sys.executable, "-c", MODEL_ONLY],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert model.stdout is not None
    model.stdout.readline()
    model_rss = rss_tree(model.pid)
    model.kill()
    model.wait()

    per_host = max(1, args.feeds // args.hosts)
    server = FeedServer(
        latency_s=0.05,
        min_gap_s=0,
        body_for=lambda host, path: (
            (
                make_feed(
                    int(host.split(":")[0].rsplit(".", 1)[1]), int(path.rsplit("/", 1)[1]), 0
                ),
                None,
            )
            if path.startswith("/feed/")
            else None
        ),
    )
    loop = asyncio.new_event_loop()
    port = loop.run_until_complete(server.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "run.db"
        config = Path(tmp) / "config.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{db}"\n'
            "[fetch]\nallow_private_addresses = true\nmin_delay_s = 0.2\n"
            "[scheduler]\ntick_s = 5\nenrich_interval_s = 10\ndetect_interval_s = 30\n"
            "health_interval_s = 60\n"
        )
        settings = load_settings(config)
        store = Store.open(settings)
        store.init()
        for h in range(args.hosts):
            for f in range(per_host):
                store.sources.add(
                    SourceSpec(
                        id=f"h{h}f{f}", kind="feed", url=f"http://127.0.0.{h + 1}:{port}/feed/{f}"
                    )
                )
        store.close()
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "run"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            peak, series = sample(proc, args.seconds)
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(120)
        store = Store.open(settings)
        items = store.items.count()
        with store.db.read() as conn:
            classified = conn.exec_driver_sql("SELECT count(*) FROM classification").scalar()
        store.close()
    loop.call_soon_threadsafe(loop.stop)
    print(
        f"run for {args.seconds:.0f} s: {args.hosts * per_host} feeds polled into {items:,} "
        f"items, {classified:,} classified; exit code on SIGTERM {code}; {os.cpu_count()} CPU(s)"
    )
    print(f"peak RSS of run (process + parse workers): {peak / 2**20:7.0f} MB")
    tail = sorted(series[len(series) // 2 :]) or [0]
    print(f"steady RSS (median of the last half):        {tail[len(tail) // 2] / 2**20:7.0f} MB")
    print(f"model alone (load + one batch):              {model_rss / 2**20:7.0f} MB")
    print(f"ratio run peak / model alone: {peak / model_rss:.2f}x")


if __name__ == "__main__":
    main()
