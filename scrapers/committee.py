"""What committee-paper systems have in common (ModernGov, CMIS): meetings, their
documents, and the bookkeeping that downloads each document once.

A committee source enumerates meetings in a window and hands each meeting's details (a
:class:`MeetingPage`) to :meth:`CommitteeSource.meeting_items`, which

* skips a meeting whose details hash as before (these systems send no validators);
* yields one item for the agenda and one per document (agenda, minutes, decisions,
  reports, annexes), each with committee, meeting date and document type in ``meta``;
* downloads a document URL once, whatever number of meetings link it, within a budget per
  poll; a dead link is a warning, a transient failure is retried next poll, and a scanned
  or empty PDF is recorded as such (``meta.text_status``), never as a silently empty text;
* marks a meeting *settled* once its own minutes are in and it is over a week old, so that
  it is not fetched again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from monitor.errors import FetchError, GoneError, MonitorError, ParseError, TooLargeError
from monitor.types import FetchedBody, PollResult, RawItem
from scrapers.base import PollContext, Source
from scrapers.documents import Document, document_text

__all__ = [
    "CANCELLED",
    "CommitteeSource",
    "Meeting",
    "MeetingPage",
    "PageDocument",
    "doc_type",
    "parse_when",
    "window_days",
]

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_DATE_WORDS = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?[ -]([A-Za-z]{3,9})[ -](\d{4})\b")
_DATE_NUM = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})T?")
_TIME = re.compile(r"\b(\d{1,2})[:.](\d{2})\s*(am|pm)?", re.I)
CANCELLED = re.compile(r"\b(cancelled|canceled|postponed)\b", re.I)
SETTLED_AFTER = timedelta(days=7)  # a meeting with minutes, older than this, is done
FORGET_AFTER = timedelta(days=183)


# -- values ---------------------------------------------------------------------------------
@dataclass
class Meeting:
    committee_id: str
    committee: str
    meeting_id: str
    when: datetime | None
    cancelled: bool = False
    url: str = ""


@dataclass
class PageDocument:
    url: str  # "" until a web-service attachment is resolved
    title: str
    doc_type: str  # agenda | minutes | decisions | report | annex | pack
    attachment_id: str = ""


@dataclass
class MeetingPage:
    title: str
    cancelled: bool
    items: list[str]
    documents: list[PageDocument]
    when: datetime | None
    committee: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def parse_when(text: str) -> datetime | None:
    """The first date (and the time after it, if any) in ModernGov's many date styles:
    "Thursday 15 January 2026 7:30 pm", "15-Jan-2026 19.30", "15/01/2026", ISO."""
    day = month = year = 0
    rest = text
    if m := _DATE_WORDS.search(text):
        month = _MONTHS.get(m.group(2).lower()[:3], 0)
        day, year, rest = int(m.group(1)), int(m.group(3)), text[m.end() :]
    if not month and (m := _DATE_NUM.search(text)):
        day, month, year, rest = int(m.group(1)), int(m.group(2)), int(m.group(3)), text[m.end() :]
    if not month and (m := _DATE_ISO.search(text)):
        year, month, day, rest = int(m.group(1)), int(m.group(2)), int(m.group(3)), text[m.end() :]
    if not month:
        return None
    hour = minute = 0
    if t := _TIME.search(rest[:40]):
        hour, minute = int(t.group(1)), int(t.group(2))
        suffix = (t.group(3) or "").lower()
        if suffix == "pm" and hour < 12:
            hour += 12
        elif suffix == "am" and hour == 12:
            hour = 0
    try:
        return datetime.combine(date(year, month, day), time(hour % 24, minute % 60), tzinfo=UTC)
    except ValueError:
        return None


def doc_type(href: str, title: str) -> str:
    """agenda, minutes, decisions (the meeting packs ``documents/g<mid>/...?T=0|1|2``),
    pack (other whole-meeting bundles), annex, or report."""
    path = urlsplit(href).path
    lower = title.lower()
    if re.search(r"(^|/)documents/g\d+/", path):
        kind = (parse_qs(urlsplit(href).query).get("T") or [""])[0]
        found = {"0": "agenda", "1": "minutes", "2": "decisions"}.get(kind)
        if found:
            return found
        if "minutes" in lower:
            return "minutes"
        if "decision" in lower:
            return "decisions"
        return "pack"
    if re.match(r"^\W*(\d+\W*)?(annex|appendix|app\.?)\b", lower):
        return "annex"
    if "minutes" in lower:
        return "minutes"
    if re.search(r"\bdecisions?\b", lower) and "report" not in lower:
        return "decisions"
    return "report"


class CommitteeSource(Source):
    """Shared meeting and document handling; subclasses enumerate meetings.

    ``prefix`` keeps item GUIDs of different systems apart; the state keeps ``meetings``
    (hash, last seen, date, minutes in), ``docs`` (URL -> meeting, last seen)."""

    prefix = "committee"

    def _option(self, name: str, default: Any) -> Any:
        return self.spec.options.get(name, default)

    @staticmethod
    def prepare_state(extra: dict[str, Any]) -> dict[str, Any]:
        out = dict(extra)
        for key in ("meetings", "docs", "attachments"):
            out[key] = dict(out.get(key) or {})
        return out

    def wanted_committee(self, name: str) -> bool:
        """``committee_pattern`` matches (when set) and ``committee_exclude`` does not."""
        keep = self._option("committee_pattern", None)
        drop = self._option("committee_exclude", None)
        if keep and not re.search(str(keep), name, re.I):
            return False
        return not (drop and re.search(str(drop), name, re.I))

    async def get(self, ctx: PollContext, result: PollResult, url: str) -> bytes:
        response = await ctx.fetcher.get(url)
        result.requests += response.requests
        result.bytes_received += response.bytes_received
        return response.body

    async def fetch_meeting(
        self, ctx: PollContext, result: PollResult, meeting: Meeting, now: datetime
    ) -> tuple[MeetingPage, str, str]:
        """The meeting's details, the hash of what was fetched, and the URL for users."""
        raise NotImplementedError

    async def visit(
        self,
        ctx: PollContext,
        result: PollResult,
        meetings: list[Meeting],
        now: datetime,
        start: datetime | None = None,
    ) -> None:
        """Every unsettled meeting, newest first.  One meeting failing is a warning (it is
        tried again next poll); the poll fails only when no meeting in the window could be
        read, now or before.  ``start`` is the window's start, for systems whose listings
        are not filtered by date."""
        extra = result.state.extra
        budget = [int(self._option("max_documents", 80))]
        failures: list[MonitorError] = []
        cancelled = visited = settled = 0
        for meeting in sorted(meetings, key=lambda m: m.when or now, reverse=True):
            if self.settled(extra, meeting, now, start):
                settled += 1
                continue
            if meeting.cancelled:  # the listing says so: nothing to fetch
                cancelled += 1
                extra["meetings"][meeting.meeting_id] = {
                    "hash": None,
                    "seen": now.isoformat(),
                    "when": meeting.when.isoformat() if meeting.when else None,
                    "minutes": False,
                    "cancelled": True,
                }
                continue
            visited += 1
            try:
                page, digest, page_url = await self.fetch_meeting(ctx, result, meeting, now)
                cancelled += await self.meeting_items(
                    ctx, result, meeting, page, digest, page_url, now, budget
                )
            except MonitorError as exc:
                failures.append(exc)
                result.warnings.append(("meeting_failed", f"meeting {meeting.meeting_id}: {exc}"))
        if failures and len(failures) == visited and not settled:
            # nothing in the window could be read, now or before: the source is broken
            raise failures[0]
        if cancelled:
            result.warnings.append(
                ("meetings_cancelled", f"{cancelled} meeting(s) in the window are cancelled")
            )
        if budget[0] < 0:
            result.warnings.append(
                ("document_budget", "more new documents than max_documents: the rest next poll")
            )
        extra["meetings_in_window"] = len(meetings)
        self.forget_old(extra, now)

    async def resolve(self, ctx: PollContext, result: PollResult, doc: PageDocument) -> bool:
        """Give ``doc`` its URL when the system names documents by id; False: not now."""
        return bool(doc.url)

    @staticmethod
    def settled(
        extra: dict[str, Any], meeting: Meeting, now: datetime, start: datetime | None = None
    ) -> bool:
        """Done with: minutes collected and the meeting over a week old, or (for listings
        not filtered by date) read completely once and older than the window."""
        seen = extra["meetings"].get(meeting.meeting_id)
        if not seen:
            return False
        when = meeting.when or (datetime.fromisoformat(seen["when"]) if seen.get("when") else None)
        if when is None:
            return False
        if start is not None and seen.get("hash") and when < start:
            return True
        return bool(seen.get("minutes")) and when < now - SETTLED_AFTER

    async def meeting_items(
        self,
        ctx: PollContext,
        result: PollResult,
        meeting: Meeting,
        page: MeetingPage,
        digest: str,
        page_url: str,
        now: datetime,
        budget: list[int],
    ) -> int:
        """Items for a meeting's new documents; returns 1 if the meeting is cancelled."""
        extra = result.state.extra
        seen = extra["meetings"].get(meeting.meeting_id) or {}
        when = meeting.when or page.when
        record = {
            "hash": digest,
            "seen": now.isoformat(),
            "when": when.isoformat() if when else None,
            "minutes": bool(seen.get("minutes")),
            "cancelled": False,
        }
        if meeting.cancelled or page.cancelled:
            record["cancelled"] = True
            extra["meetings"][meeting.meeting_id] = record
            return 1
        if seen.get("hash") == digest:
            extra["meetings"][meeting.meeting_id] = {**seen, "seen": now.isoformat()}
            return 0
        if meeting.committee == "" and page.committee:
            meeting.committee = page.committee
        when = when or now
        if page.items:
            result.items.append(self._agenda_item(meeting, page, page_url, when))
        individual = any(d.doc_type in ("report", "annex") for d in page.documents)
        complete = True
        for doc in page.documents:
            if doc.doc_type == "pack" and individual and not self._option("include_packs", False):
                continue
            if not await self.resolve(ctx, result, doc):
                complete = False
                continue
            if doc.url in extra["docs"]:
                record["minutes"] = record["minutes"] or own_minutes(doc)
                continue
            if budget[0] <= 0:
                budget[0] = -1
                complete = False
                continue
            budget[0] -= 1
            item, ok = await self._document(ctx, result, meeting, doc, when, page_url)
            if item is not None:
                result.items.append(item)
            if ok:
                extra["docs"][doc.url] = [meeting.meeting_id, now.isoformat()]
                record["minutes"] = record["minutes"] or own_minutes(doc)
            else:
                complete = False
        if not complete:
            record["hash"] = None  # look again next poll
        extra["meetings"][meeting.meeting_id] = record
        return 0

    def _meta(self, meeting: Meeting, when: datetime, kind: str, page_url: str) -> dict[str, Any]:
        return {
            "committee": meeting.committee,
            "committee_id": meeting.committee_id,
            "meeting_id": meeting.meeting_id,
            "meeting_date": when.isoformat(),
            "meeting_url": page_url,
            "doc_type": kind,
        }

    def _agenda_item(
        self, meeting: Meeting, page: MeetingPage, url: str, when: datetime
    ) -> RawItem:
        text = "\n".join(f"{n}. {t}" for n, t in enumerate(page.items, 1))
        return RawItem(
            guid=f"{self.prefix}:{meeting.meeting_id}:agenda",
            url=url,
            title=f"Agenda: {meeting.committee or page.title}, {when:%d %B %Y}",
            text=text,
            published=when,
            kind="committee",
            meta=self._meta(meeting, when, "agenda_items", url),
        )

    async def _document(
        self,
        ctx: PollContext,
        result: PollResult,
        meeting: Meeting,
        doc: PageDocument,
        when: datetime,
        page_url: str,
    ) -> tuple[RawItem | None, bool]:
        """(the item, whether the document is done with).  A dead link is a warning, and
        is tried again next poll; an unreadable document is recorded as such."""
        try:
            response = await ctx.fetcher.get(doc.url)
        except FetchError as exc:
            result.warnings.append(("document_failed", f"{doc.title}: {exc.code}"))
            return None, isinstance(exc, GoneError | TooLargeError)
        result.requests += response.requests
        result.bytes_received += response.bytes_received
        try:
            parsed: Document = await ctx.run_cpu(
                document_text,
                response.body,
                response.content_type,
                doc.url,
                self._option("max_pages", 200),
            )
        except ParseError as exc:
            result.warnings.append(("document_unreadable", f"{doc.title}: {exc.message}"))
            parsed = Document(text="", status="unreadable")
        if parsed.status != "ok":
            result.warnings.append((f"document_{parsed.status}", doc.title))
        result.bodies.append(
            FetchedBody(
                url=doc.url,
                content_type=response.content_type,
                data=response.body,
                sha256=response.sha256,
            )
        )
        meta = self._meta(meeting, when, doc.doc_type, page_url)
        meta.update(
            text_status=parsed.status,
            pages=parsed.pages,
            extraction=parsed.mode,
            sections=parsed.sections[:1000],
            document_sha256=response.sha256,
        )
        title = f"{meeting.committee}, {when:%d %B %Y}: {doc.title}".lstrip(", ")
        item = RawItem(
            guid=f"{self.prefix}:doc:{doc.url}",
            url=doc.url,
            title=title,
            text=parsed.text,
            published=when,
            kind="committee",
            meta=meta,
        )
        return item, True

    @staticmethod
    def forget_old(extra: dict[str, Any], now: datetime) -> None:
        """Forget meetings and documents last seen more than half a year ago."""
        horizon = (now - FORGET_AFTER).isoformat()
        extra["docs"] = {u: v for u, v in extra["docs"].items() if v[1] >= horizon}
        extra["meetings"] = {m: v for m, v in extra["meetings"].items() if v["seen"] >= horizon}
        if len(extra.get("attachments") or {}) > 5000:
            extra["attachments"] = dict(list(extra["attachments"].items())[-5000:])


def own_minutes(doc: PageDocument) -> bool:
    """The meeting's own minutes (not "Minutes of the previous meeting" on its agenda)."""
    return doc.doc_type == "minutes" and "previous" not in doc.title.lower()


def window_days(start: datetime, end: datetime) -> list[date]:
    out, day = [], start.date()
    while day <= end.date():
        out.append(day)
        day += timedelta(days=1)
    return out
