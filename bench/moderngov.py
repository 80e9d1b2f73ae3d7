"""ModernGov benchmark: 50 simulated installations on 50 local hosts with 100 ms latency.

Each installation answers the web service (GetCommittees, GetMeetings, GetMeeting,
GetAttachment) and serves small text PDFs (3 pages).  It has ``--committees`` committees
with three meetings each in the window (20 days ago with minutes, 5 days ago, 7 days
ahead), four to five documents per meeting, and one budget report linked from every
meeting of the installation (as packs and "previous minutes" are in real life).

Measured, in one run and against the same server:
  * cycle 1 (everything new), cycle 2 (nothing changed), cycle 3 (minutes published for
    10% of the meetings): wall time, time per council, requests and bytes;
  * bytes of the unchanged cycle against the first (the aim is 10% or less);
  * documents downloaded more than once over the three cycles (must be 0);
  * a naive baseline: per installation, a sequential loop of plain httpx GETs that walks
    the same web-service calls and downloads every document each cycle, with no state and
    no politeness, over a sample of the installations (its time is multiplied out and
    labelled as such).

    python bench/moderngov.py [--installs 50] [--committees 6] [--naive-sample 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.feedserver import WORDS, FeedServer
from monitor.config import load_settings
from monitor.pipeline import poll_sources
from monitor.store import Store
from monitor.types import SourceSpec
from scrapers.documents import document_text

SHARED_ATTACHMENT = 9999


def make_pdf(title: str, pages: int = 3, lines: int = 40) -> bytes:
    """A small, valid PDF with real text (Helvetica), ``pages`` pages of ``lines`` lines."""
    objects: list[bytes] = []
    kids = " ".join(f"{3 + 2 * p} 0 R" for p in range(pages))
    font_id = 3 + 2 * pages
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    for p in range(pages):
        text = [f"({title} page {p + 1}) Tj"]
        for n in range(lines):
            words = " ".join(WORDS[(p * 7 + n * 3 + k) % len(WORDS)] for k in range(11))
            text.append(f"T* ({n + 1}. The {words}.) Tj")
        stream = ("BT /F1 10 Tf 14 TL 50 800 Td " + " ".join(text) + " ET").encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * p} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


class Installs:
    """The simulated installations; ``body_for`` answers the server."""

    def __init__(self, installs: int, committees: int, now: datetime) -> None:
        self.installs, self.committees, self.now = installs, committees, now
        self.minutes_out: set[tuple[int, int]] = set()  # (install, meeting) with new minutes
        self.pdf_cache: dict[str, bytes] = {}
        self.doc_requests: Counter[tuple[str, str]] = Counter()

    @staticmethod
    def xml(body: str) -> tuple[bytes, None]:
        return f'<?xml version="1.0" encoding="utf-8"?>\n{body}'.encode(), None

    def meetings(self, committee: int) -> list[tuple[int, datetime]]:
        return [
            (committee * 10 + k, self.now + timedelta(days=offset))
            for k, offset in enumerate((-20, -5, 7))
        ]

    def documents(self, install: int, meeting: int) -> list[tuple[int, str]]:
        k = meeting % 10
        docs = [
            (meeting * 10 + 1, "Agenda frontsheet"),
            (meeting * 10 + 2, "Revenue budget monitoring report"),
            (meeting * 10 + 3, "Annex 1 - savings plan"),
            (SHARED_ATTACHMENT, "Medium term financial strategy"),
        ]
        if k == 0 or (install, meeting) in self.minutes_out:
            docs.append((meeting * 10 + 4, "Printed minutes"))
        return docs

    def publish_minutes(self, fraction: float) -> int:
        """Minutes appear for ``fraction`` of all meetings (chosen among last week's)."""
        candidates = [
            (h, mid)
            for h in range(self.installs)
            for c in range(1, self.committees + 1)
            for mid, _ in self.meetings(c)
            if mid % 10 == 1
        ]
        wanted = round(self.installs * self.committees * 3 * fraction)
        step = max(1, len(candidates) // max(wanted, 1))
        chosen = candidates[::step][:wanted]
        self.minutes_out.update(chosen)
        return len(chosen)

    def body_for(self, host: str, path: str) -> tuple[bytes, str | None] | None:
        h = int(host.split(":")[0].rsplit(".", 1)[1]) - 1
        parts = urlsplit(path)
        q = {k.lower(): v[0] for k, v in parse_qs(parts.query).items()}
        route = parts.path
        if route == "/mg/mgWebService.asmx/GetCommittees":
            rows = "".join(
                f"<committee><committeeid>{c}</committeeid><committeetitle>Committee {c} of "
                f"council {h}</committeetitle><committeedeleted>False</committeedeleted>"
                f"</committee>"
                for c in range(1, self.committees + 1)
            )
            return self.xml(f"<committees>{rows}</committees>")
        if route == "/mg/mgWebService.asmx/GetMeetings":
            c = int(q.get("lcommitteeid", "0"))
            rows = "".join(
                f"<meeting><meetingid>{mid}</meetingid><meetingdate>{when:%d/%m/%Y}"
                f"</meetingdate><meetingtime>19:00</meetingtime></meeting>"
                for mid, when in self.meetings(c)
            )
            return self.xml(f"<getmeetings><committee>{rows}</committee></getmeetings>")
        if route == "/mg/mgWebService.asmx/GetMeeting":
            mid = int(q.get("lmeetingid", "0"))
            c = mid // 10
            when = dict(self.meetings(c))[mid]
            docs = "".join(
                f"<linkeddoc><attachmentid>{a}</attachmentid><title>{t}</title></linkeddoc>"
                for a, t in self.documents(h, mid)
            )
            return self.xml(
                f"<meeting><committeetitle>Committee {c} of council {h}</committeetitle>"
                f"<meetingdate>{when:%d/%m/%Y}</meetingdate><meetingtime>19:00</meetingtime>"
                f"<agendaitems><agendaitem><agendaitemtitle>Budget monitoring"
                f"</agendaitemtitle></agendaitem></agendaitems><linkeddocs>{docs}</linkeddocs>"
                f"</meeting>"
            )
        if route == "/mg/mgWebService.asmx/GetAttachment":
            a = q.get("lattachmentid", "0")
            return self.xml(f"<attachment><url>documents/s{a}/document.pdf</url></attachment>")
        if route.startswith("/mg/documents/s"):
            self.doc_requests[(host, route)] += 1
            a = route.split("/")[3]
            if a not in self.pdf_cache:
                self.pdf_cache[a] = make_pdf(f"Document {a}")
            return self.pdf_cache[a], None
        return None


async def naive_cycle(client: httpx.AsyncClient, base: str, now: datetime) -> int:
    """One installation, the obvious way: every call, every document, every time."""
    got = 0

    async def get(url: str) -> bytes:
        nonlocal got
        body = (await client.get(url)).content
        got += len(body)
        return body

    from scrapers.moderngov import (
        parse_attachment_ws,
        parse_committees_ws,
        parse_meeting_ws,
        parse_meetings_ws,
    )

    start, end = now - timedelta(days=28), now + timedelta(days=14)
    committees = parse_committees_ws(await get(f"{base}/mgWebService.asmx/GetCommittees")) or []
    for cid, title in committees:
        body = await get(
            f"{base}/mgWebService.asmx/GetMeetings?lCommitteeId={cid}"
            f"&sFromDate={start:%d/%m/%Y}&sToDate={end:%d/%m/%Y}"
        )
        for m in parse_meetings_ws(body, cid, title) or []:
            page = parse_meeting_ws(
                await get(f"{base}/mgWebService.asmx/GetMeeting?lMeetingId={m.meeting_id}")
            )
            for doc in page.documents if page else []:
                url = parse_attachment_ws(
                    await get(
                        f"{base}/mgWebService.asmx/GetAttachment?lAttachmentId={doc.attachment_id}"
                    ),
                    base,
                )
                if url:
                    document_text(await get(url), "application/pdf", url)
    return got


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--installs", type=int, default=50)
    parser.add_argument("--committees", type=int, default=6)
    parser.add_argument("--latency-s", type=float, default=0.1)
    parser.add_argument("--naive-sample", type=int, default=3)
    args = parser.parse_args()
    now = datetime.now(UTC)
    sim = Installs(args.installs, args.committees, now)
    tmp = Path(tempfile.mkdtemp(prefix="cm-bench-mg-"))
    settings = load_settings(None, env={}, use_default_file=False).replace(
        database={"url": f"sqlite:///{tmp / 'bench.db'}"}, fetch={"allow_private_addresses": True}
    )
    server = FeedServer(
        latency_s=args.latency_s, min_gap_s=settings.fetch.min_delay_s, body_for=sim.body_for
    )
    port = await server.start()
    store = Store.open(settings)
    store.init()
    for h in range(args.installs):
        store.sources.add(
            SourceSpec(id=f"mg{h}", kind="moderngov", url=f"http://127.0.0.{h + 1}:{port}/mg")
        )
    specs = store.sources.specs()
    print(
        f"{args.installs} ModernGov installations, {args.committees} committees x 3 meetings "
        f"each, {args.latency_s * 1000:.0f} ms latency, min delay per host "
        f"{settings.fetch.min_delay_s:g} s, {os.cpu_count()} CPU(s)"
    )
    cycles: dict[str, tuple[float, int, int]] = {}
    for label in ("cycle 1 (all new)", "cycle 2 (unchanged)", "cycle 3 (10% new minutes)"):
        # a real cycle comes hours after the last; back to back, wait out the per-host
        # delay so that the first request of a cycle is not counted as impolite
        await asyncio.sleep(settings.fetch.min_delay_s)
        if label.startswith("cycle 3"):
            print(f"  published minutes for {sim.publish_minutes(0.1)} meeting(s)")
        server.reset_counts()
        began = time.monotonic()
        summary = await poll_sources(store, settings, specs)
        elapsed = time.monotonic() - began
        cycles[label] = (elapsed, server.bytes_sent, server.requests)
        print(
            f"{label:26s} {elapsed:6.1f} s ({elapsed / args.installs:5.2f} s/council)  "
            f"new items {summary.new:5d}  failed {len(summary.failed)}  requests "
            f"{server.requests:5d}  bytes {server.bytes_sent / 1e6:7.2f} MB  politeness "
            f"violations: concurrent {server.concurrent_violations}, gap {server.gap_violations}"
        )
    duplicates = sum(n - 1 for n in sim.doc_requests.values() if n > 1)
    first_bytes = cycles["cycle 1 (all new)"][1]
    unchanged_bytes = cycles["cycle 2 (unchanged)"][1]
    ratio = unchanged_bytes / first_bytes
    print(f"documents downloaded more than once over the three cycles: {duplicates}")
    print(f"unchanged cycle bytes / first cycle bytes: {ratio:.1%} (aim <= 10%)")

    server.min_gap_s = 0  # the naive loop is not polite by design: do not count it
    sample = list(range(0, args.installs, max(1, args.installs // args.naive_sample)))
    sample = sample[: args.naive_sample]
    async with httpx.AsyncClient(timeout=30) as client:
        began = time.monotonic()
        naive_bytes = 0
        for h in sample:
            naive_bytes += await naive_cycle(client, f"http://127.0.0.{h + 1}:{port}/mg", now)
        naive_s = time.monotonic() - began
    per_install = naive_s / len(sample)
    naive_total = per_install * args.installs
    naive_cycle_bytes = naive_bytes / len(sample) * args.installs
    print(
        f"naive sequential loop      {naive_s:6.1f} s for {len(sample)} installation(s) = "
        f"{per_install:.1f} s each -> {naive_total:.0f} s per cycle for {args.installs} "
        f"(extrapolated); every cycle moves {naive_cycle_bytes / 1e6:.2f} MB"
    )
    for label, (elapsed, sent, _) in cycles.items():
        print(
            f"ratio naive/{label}: time {naive_total / elapsed:.1f}x, "
            f"bytes {naive_cycle_bytes / max(sent, 1):.1f}x"
        )
    print(
        f"aims: unchanged cycle <= 10% of first-cycle bytes -> "
        f"{'MET' if ratio <= 0.10 else 'NOT MET'}; duplicate document fetches = 0 -> "
        f"{'MET' if duplicates == 0 else 'NOT MET'}"
    )
    store.close()
    await server.stop()


if __name__ == "__main__":
    asyncio.run(main())
