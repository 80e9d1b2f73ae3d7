"""Delivery benchmark: 1,000 digests through the outbox and a real SMTP server (aiosmtpd)
that answers 451 to every seventh message and drops the connection on every
thirteenth, while the sending process (`council-monitor deliver`) is killed with SIGKILL
halfway.  Then `deliver` runs again until the outbox is empty.

Counts, by Message-ID at the server: digests lost (never received) and digests received
twice, per trial.  Baseline in the same run: a naive sender that marks messages sent only
after the whole batch (what a job without an outbox does), killed at the same point.

    python bench/outbox.py [--messages 1000] [--trials 3]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alerts.digest import AlertEntry, Digest, render  # noqa: E402
from alerts.mail import build_message  # noqa: E402
from monitor.config import load_settings  # noqa: E402
from monitor.store import Store  # noqa: E402
from tests.smtp_server import FaultyHandler, SmtpServer  # noqa: E402


class FaultEvery(FaultyHandler):
    tries = 0  # its own count: the parent class counts the attempts it handles as well

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        with self.lock:
            self.tries += 1
            n = self.tries
        if n % 13 == 0:
            server.transport.close()
            return "421 4.3.0 closing"
        if n % 7 == 0:
            return "451 4.3.0 try again"
        return await super().handle_DATA(server, session, envelope)


def sample_digest(i: int) -> tuple[str, str, str]:
    now = datetime.now(UTC)
    entry = AlertEntry(
        alert_id=i,
        council="Example Borough Council",
        council_gss="E0",
        kind="opened",
        severity="concern",
        labels=["financial_distress"],
        rules=["multi_signal"],
        weekly=[0, 1, 0, 2, 3, 1, 0, 0, 2, 4, 3, 5],
        explanation={
            "stories": 4,
            "combine_days": 90,
            "outlets": ["a", "b"],
            "weight": 6,
            "expected_weight": 0.4,
            "formal_events": [],
            "items": [],
        },
    )
    return render(
        Digest(
            subscriber=f"reader {i}",
            day=now.date(),
            period_start=now,
            period_end=now,
            alerts=[entry],
            unsubscribe_url="https://x/u",
        )
    )


def fill_outbox(store: Store, n: int) -> None:
    subject, text, html = sample_digest(0)
    now = datetime.now(UTC)
    for i in range(n):
        store.subscribers.add(f"reader{i}", f"reader{i}@example.org")
    subs = store.subscribers.all()
    with store.db.write() as conn:
        for sub in subs:
            key = f"digest:{sub['id']}:{now.date()}"
            message, mid = build_message(
                sender="digests@monitor.example",
                recipient=sub["email"],
                subject=subject,
                text=text,
                html=html,
                key=key,
                unsubscribe_url="https://x/u",
            )
            store.outbox.enqueue(
                conn,
                key=key,
                subscriber_id=sub["id"],
                kind="digest",
                recipient=sub["email"],
                subject=subject,
                message=message,
                message_id=mid,
                now=now,
                give_up_after=timedelta(days=2),
            )


def trial(n: int, seed: int) -> tuple[int, int, float]:
    tmp = Path(tempfile.mkdtemp(prefix="cm-outbox-"))
    handler = FaultEvery()
    with SmtpServer(handler) as smtp:
        config = tmp / "config.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{tmp / "o.db"}"\n'
            f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nstarttls = false\n'
            f'retry_base_s = 0.0\ntimeout_s = 5.0\nfrom_addr = "digests@monitor.example"\n'
            f'[log]\nlevel = "ERROR"\n'
        )
        settings = load_settings(config)
        store = Store.open(settings)
        store.init()
        fill_outbox(store, n)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        cmd = [sys.executable, "-m", "monitor", "--config", str(config), "deliver"]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rng = random.Random(seed)
        target = n // 2 + rng.randint(-50, 50)
        while len(handler.received) < target and proc.poll() is None:
            time.sleep(0.002)
        # a kill at a moment unrelated to any message, sent by another process: this
        # process also runs the SMTP server, and a kill sent from here would wait for the
        # GIL, which the server's thread lets go when it writes a reply, just after it
        # stored a message: inside the window (from the sender's final "." to the
        # server's 250 reaching it) where a kill causes a duplicate
        killer = subprocess.Popen(
            ["/bin/sh", "-c", f"sleep {rng.uniform(0, 0.05):.4f}; kill -KILL {proc.pid}"]
        )
        killer.wait()
        proc.wait()
        killed_at = len(handler.received)
        began = time.monotonic()
        # later runs finish the work: retries, and (once their lease of 2 x timeout + 5 s
        # has run out) the messages the killed process had claimed
        while time.monotonic() - began < 180:
            subprocess.run(
                cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            counts = store.outbox.counts()
            if counts.get("pending", 0) == 0 and counts.get("sending", 0) == 0:
                break
            time.sleep(1.0)
        store.close()
    ids = handler.message_ids()
    lost = n - len(ids)
    twice = sum(1 for count in ids.values() if count > 1)
    print(
        f"  trial {seed}: killed after {killed_at} received; then finished in "
        f"{time.monotonic() - began:.1f}s: lost {lost}, received twice {twice}, "
        f"server replied 451 or dropped the connection on "
        f"{handler.tries - len(handler.received)} of {handler.tries} attempts"
    )
    return lost, twice, time.monotonic() - began


def naive(n: int) -> None:
    """Baseline: send everything, then record it as sent; killed halfway."""
    handler = FaultyHandler()
    import smtplib

    with SmtpServer(handler) as smtp:
        sent_marks = 0
        conn = smtplib.SMTP("127.0.0.1", smtp.port)
        subject, text, html = sample_digest(0)
        for i in range(n):
            message, _ = build_message(
                sender="d@x",
                recipient=f"r{i}@example.org",
                subject=subject,
                text=text,
                html=html,
                key=f"k{i}",
                unsubscribe_url="https://x/u",
            )
            conn.sendmail("d@x", [f"r{i}@example.org"], message)
            if i == n // 2:
                break  # killed here: nothing was recorded, so a rerun sends these again
        conn.quit()
        print(
            f"  naive baseline: killed after {len(handler.received)} sent with "
            f"{sent_marks} recorded; a rerun sends {len(handler.received)} twice"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{args.messages} digests per trial; SMTP answers 451 to every 7th and drops every "
        f"13th; the sender is killed with SIGKILL halfway"
    )
    results = [trial(args.messages, seed) for seed in range(args.trials)]
    print(
        f"total over {args.trials} trials: lost {sum(r[0] for r in results)}, "
        f"received twice {sum(r[1] for r in results)}"
    )
    naive(args.messages)


if __name__ == "__main__":
    main()
