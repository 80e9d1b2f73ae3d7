"""ModernGov committee systems (about 80% of UK councils).

From a base URL (which may include a path, and may be shared by two councils), one poll:

1. **committees**: the web service ``mgWebService.asmx/GetCommittees``; when the service
   is switched off or answers with something other than the XML asked for (an HTML
   redirect stub, a SharePoint error page...), the HTML list ``mgListCommittees.aspx``
   (then ``mgCommitteeStructure.aspx``) instead, and the service is left alone for a week.
   The list is remembered for a day: committees change a few times a year.
2. **meetings** of each wanted committee in the window (``back_days`` before to
   ``ahead_days`` after today): ``GetMeetings``, or the HTML ``ieListMeetings.aspx``.
   When no committee list can be read at all, the month calendar
   (``mgCalendarMonthView.aspx``) lists the meetings instead.
3. each **meeting**: ``GetMeeting`` (documents resolved once each with
   ``GetAttachment``), or the HTML page ``ieListDocuments.aspx``.  It yields one item for
   the agenda and one per document (agenda, minutes, decisions, reports, annexes), each
   with its committee, meeting date and document type.  Cancelled meetings are
   recognised and yield nothing.

ModernGov sends no validators, so change is detected by content hash: a meeting whose
page hashes as before is not parsed again, a meeting whose minutes are in and which is
more than a week old is not fetched again at all, and a document URL is downloaded once,
whatever number of meetings link it.  One meeting failing is a warning (it is retried next
time); the poll fails only when nothing could be read.  ``committee_pattern`` keeps two
councils that share one installation apart.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from monitor.errors import ConfigError, FetchError
from monitor.types import PollResult, SourceState
from scrapers.base import PollContext, register_kind
from scrapers.committee import (
    CANCELLED,
    CommitteeSource,
    Meeting,
    MeetingPage,
    PageDocument,
    doc_type,
    parse_when,
    window_days,
)
from scrapers.text import html_to_text, normalise_space

__all__ = [
    "ModernGovSource",
    "parse_calendar_html",
    "parse_committees_html",
    "parse_committees_ws",
    "parse_meeting_page",
    "parse_meeting_ws",
    "parse_meetings_html",
    "parse_meetings_ws",
]

_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
WS_RETRY = timedelta(days=7)
COMMITTEES_TTL = timedelta(days=1)


# -- the web service ------------------------------------------------------------------------
def _xml(body: bytes, root: str) -> Any:
    """Parse a web-service reply; None when it is not the XML document asked for."""
    head = body.lstrip()[:300].lower()
    if not head.startswith(b"<?xml") and not head.startswith(f"<{root}".encode()):
        return None
    try:
        doc = etree.fromstring(body, _XML)
    except etree.XMLSyntaxError:
        return None
    return doc if isinstance(doc.tag, str) and doc.tag.lower() == root else None


def _text(node: Any, tag: str) -> str:
    found = node.find(tag)
    if found is None:
        return ""
    # some fields hold raw HTML: take its text
    return normalise_space(html_to_text("".join(found.itertext())))


def parse_committees_ws(body: bytes) -> list[tuple[str, str]] | None:
    doc = _xml(body, "committees")
    if doc is None:
        return None
    out = []
    for c in doc.iter("committee"):
        flags = (_text(c, "committeedeleted") + _text(c, "committeeexpired")).lower()
        if "true" in flags or "1" in flags:
            continue
        cid, title = _text(c, "committeeid"), _text(c, "committeetitle")
        if cid:
            out.append((cid, title))
    return out


def parse_meetings_ws(body: bytes, committee_id: str, committee: str) -> list[Meeting] | None:
    doc = _xml(body, "getmeetings")
    if doc is None:
        return None
    out = []
    for m in doc.iter("meeting"):
        mid = _text(m, "meetingid")
        when = parse_when(f"{_text(m, 'meetingdate')} {_text(m, 'meetingtime')}")
        status = f"{_text(m, 'meetingstatus')} {_text(m, 'meetingtitle')}"
        if mid:
            out.append(Meeting(committee_id, committee, mid, when, bool(CANCELLED.search(status))))
    return out


def parse_meeting_ws(body: bytes) -> MeetingPage | None:
    doc = _xml(body, "meeting")
    if doc is None:
        return None
    committee = _text(doc, "committeetitle")
    when = parse_when(f"{_text(doc, 'meetingdate')} {_text(doc, 'meetingtime')}")
    status = f"{_text(doc, 'meetingstatus')} {_text(doc, 'meetingtitle')}"
    items = [
        t
        for ai in doc.iter("agendaitem")
        if (t := _text(ai, "agendaitemtitle") or _text(ai, "title"))
    ]
    docs: dict[str, PageDocument] = {}
    for ld in doc.iter("linkeddoc"):
        att = _text(ld, "attachmentid")
        title = _text(ld, "title") or _text(ld, "ownertitle") or f"document {att}"
        if att and att not in docs:
            docs[att] = PageDocument("", title, doc_type("", title), attachment_id=att)
    title = committee + (f" - {when:%A %d %B %Y}" if when else "")
    return MeetingPage(
        title, bool(CANCELLED.search(status)), items, list(docs.values()), when, committee
    )


def parse_attachment_ws(body: bytes, base: str) -> str | None:
    doc = _xml(body, "attachment")
    if doc is None:
        return None
    url = _text(doc, "url")
    return urljoin(base + "/", url) if url else None


# -- the HTML pages -------------------------------------------------------------------------
def _query(href: str, name: str) -> str:
    query = {k.lower(): v for k, v in parse_qs(urlsplit(href).query).items()}
    return (query.get(name.lower()) or [""])[0]


def parse_committees_html(html: str) -> list[tuple[str, str]]:
    """Committees linked from ``mgListCommittees.aspx`` or ``mgCommitteeStructure.aspx``."""
    tree = HTMLParser(html)
    out: dict[str, str] = {}
    for a in tree.css("a[href]"):
        href = a.attributes.get("href") or ""
        if "mgcommitteedetails.aspx" in href.lower():
            cid = _query(href, "ID")
            name = normalise_space(a.text())
            if cid and name and cid not in out:
                out[cid] = name
    return list(out.items())


def _meeting_links(html: str, base: str) -> list[tuple[str, str, str, str]]:
    """(committee id, meeting id, absolute URL, the text around the link) per meeting."""
    tree = HTMLParser(html)
    out = []
    seen: set[str] = set()
    for a in tree.css("a[href]"):
        href = a.attributes.get("href") or ""
        if "ielistdocuments.aspx" not in href.lower():
            continue
        mid = _query(href, "MId")
        if not mid or mid in seen:
            continue
        seen.add(mid)
        row = a.parent
        while row is not None and row.tag not in ("tr", "li", "td", "div", "p"):
            row = row.parent
        context = normalise_space(
            " ".join(
                [a.text(), a.attributes.get("title") or "", row.text(separator=" ") if row else ""]
            )
        )
        out.append((_query(href, "CId"), mid, urljoin(base + "/", href), context))
    return out


def parse_meetings_html(html: str, committee_id: str, committee: str, base: str) -> list[Meeting]:
    """Meetings on ``ieListMeetings.aspx`` ("(Cancelled)" marks cancelled ones)."""
    return [
        Meeting(
            committee_id, committee, mid, parse_when(context), bool(CANCELLED.search(context)), url
        )
        for _cid, mid, url, context in _meeting_links(html, base)
    ]


def parse_calendar_html(html: str, base: str, committees: dict[str, str]) -> list[Meeting]:
    """Meetings on a month of ``mgCalendarMonthView.aspx``.  The calendar gives the
    committee in the link text; the exact date comes from the meeting page later."""
    out = []
    for cid, mid, url, context in _meeting_links(html, base):
        name = committees.get(cid) or re.sub(r",?\s*\d{1,2}[:.]\d{2}.*$", "", context).strip()
        out.append(Meeting(cid, name, mid, None, bool(CANCELLED.search(context)), url))
    return out


def parse_meeting_page(html: str, page_url: str) -> MeetingPage:
    """A meeting's ``ieListDocuments.aspx`` page: its title, agenda items and documents."""
    tree = HTMLParser(html)
    sub = tree.css_first(".mgSubTitleTxt")
    title = normalise_space(sub.text()) if sub else ""
    if not title:
        head = tree.css_first("title")
        title = normalise_space(head.text()) if head else ""
        title = re.sub(r"^Agenda for\s+", "", title).split(" - ")[0]
    content = tree.css_first(".mgContent") or tree.body
    page_text = normalise_space(content.text(separator=" ")) if content else ""
    cancelled = bool(CANCELLED.search(title)) or bool(
        re.search(r"\bthis meeting (has been|was|is) (cancelled|canceled)\b", page_text, re.I)
    )
    items = [normalise_space(n.text()) for n in tree.css(".mgAiTitleTxt, .mgSubItemTitleTxt")]
    items = [i for i in items if i and not re.fullmatch(r"[\d.()a-z]{1,4}", i)]
    docs: dict[str, PageDocument] = {}
    for a in tree.css("a[href]"):
        href = a.attributes.get("href") or ""
        if "documents/" not in href and "mgconvert2pdf" not in href.lower():
            continue
        url = urljoin(page_url, href)
        label = normalise_space(a.text())
        label = re.sub(r"\s*(PDF|DOC|DOCX|HTML)?\s*[\d.,]+\s*[KM]B\s*$", "", label, flags=re.I)
        label = re.sub(r",?\s*item\s+[\d.]+\.?\s*$", "", label, flags=re.I).strip()
        label = label or urlsplit(url).path.rsplit("/", 1)[-1]
        docs.setdefault(url, PageDocument(url, label, doc_type(url, label)))
    committee = re.split(r"\s+-\s+", title)[0] if " - " in title else ""
    return MeetingPage(title, cancelled, items, list(docs.values()), parse_when(title), committee)


# -- the source -----------------------------------------------------------------------------
@register_kind
class ModernGovSource(CommitteeSource):
    """A ModernGov installation (web service first, HTML pages when it is off)."""

    kind = "moderngov"
    prefix = "mg"
    options_help = {
        "back_days": "days before today whose meetings are (re)visited (default 28)",
        "ahead_days": "days after today whose meetings are visited (default 14)",
        "committee_pattern": "regular expression: keep only committees whose name matches "
        "(for an installation shared by two councils)",
        "committee_exclude": "regular expression: leave out committees whose name matches "
        "(the other council's, on a shared installation)",
        "committees": "list of committee ids to keep (default: all)",
        "max_documents": "most new documents downloaded per poll; the rest wait for the "
        "next poll (default 80)",
        "max_pages": "most PDF pages read per document (default 200)",
        "include_packs": "also download whole-meeting report packs when the reports are "
        "linked one by one (default false)",
        "web_service": "false: never try mgWebService.asmx (default true)",
    }

    def validate(self) -> None:
        super().validate()
        options = self.spec.options
        for name in ("committee_pattern", "committee_exclude"):
            pattern = options.get(name)
            if pattern is None:
                continue
            try:
                re.compile(str(pattern))
            except re.error as exc:
                raise ConfigError(
                    f"not a regular expression: {exc}", key=self.key(f"options.{name}")
                ) from exc
        for name in ("back_days", "ahead_days", "max_documents", "max_pages"):
            value = options.get(name)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 0
            ):
                raise ConfigError("must be a whole number >= 0", key=self.key(f"options.{name}"))
        if "committees" in options and not isinstance(options["committees"], list):
            raise ConfigError("must be a list of committee ids", key=self.key("options.committees"))

    @property
    def base(self) -> str:
        return self.spec.url.rstrip("/")

    async def poll(self, ctx: PollContext, state: SourceState) -> PollResult:
        result = PollResult(state=SourceState(extra=self.prepare_state(state.extra)))
        now = datetime.now(UTC)
        start = now - timedelta(days=self._option("back_days", 28))
        end = now + timedelta(days=self._option("ahead_days", 14))
        meetings = await self._enumerate(ctx, result, now, start, end)
        await self.visit(ctx, result, meetings, now)
        return result

    # -- requests -----------------------------------------------------------------------
    def _ws_usable(self, extra: dict[str, Any], now: datetime) -> bool:
        if self._option("web_service", True) is False:
            return False
        off = extra.get("ws_off_until")
        return not off or datetime.fromisoformat(off) <= now

    def _ws_failed(self, result: PollResult, now: datetime, what: str, reason: str) -> None:
        extra = result.state.extra
        extra["ws"] = False
        extra["ws_off_until"] = (now + WS_RETRY).isoformat()
        result.warnings.append(
            ("web_service_unavailable", f"{what} answered {reason}; using the HTML pages")
        )

    async def _ws(
        self, ctx: PollContext, result: PollResult, method: str, query: str = ""
    ) -> tuple[bytes | None, str]:
        url = f"{self.base}/mgWebService.asmx/{method}" + (f"?{query}" if query else "")
        try:
            return await self.get(ctx, result, url), "not the XML expected"
        except FetchError as exc:
            return None, exc.code

    # -- committees and meetings --------------------------------------------------------
    async def _enumerate(
        self, ctx: PollContext, result: PollResult, now: datetime, start: datetime, end: datetime
    ) -> list[Meeting]:
        committees = await self._committees(ctx, result, now)
        if committees is None:  # no committee list at all: the calendar instead
            return await self._calendar(ctx, result, start, end)
        wanted = self._filter(committees)
        if committees and not wanted:
            result.warnings.append(("no_committees", "no committee matches the filter"))
        meetings: list[Meeting] = []
        failed = 0
        for cid, title in wanted:
            try:
                found = await self._meetings(ctx, result, now, cid, title, start, end)
            except FetchError as exc:
                failed += 1
                result.warnings.append(("meetings_failed", f"committee {cid}: {exc.code}"))
                continue
            meetings += [m for m in found if m.when is None or start <= m.when <= end]
        if wanted and failed == len(wanted):
            return await self._calendar(ctx, result, start, end)
        return meetings

    async def _committees(
        self, ctx: PollContext, result: PollResult, now: datetime
    ) -> list[tuple[str, str]] | None:
        extra = result.state.extra
        cached = extra.get("committees")
        if cached and datetime.fromisoformat(cached["at"]) > now - COMMITTEES_TTL:
            return [(str(c[0]), str(c[1])) for c in cached["list"]]
        found: list[tuple[str, str]] | None = None
        if self._ws_usable(extra, now):
            body, reason = await self._ws(ctx, result, "GetCommittees")
            found = parse_committees_ws(body) if body is not None else None
            if found is None:
                self._ws_failed(result, now, "mgWebService.asmx/GetCommittees", reason)
            else:
                extra["ws"] = True
        if found is None:
            for page in ("mgListCommittees.aspx?bcr=1", "mgCommitteeStructure.aspx"):
                try:
                    body = await self.get(ctx, result, f"{self.base}/{page}")
                except FetchError as exc:
                    result.warnings.append(("committee_list_failed", f"{page}: {exc.code}"))
                    continue
                found = parse_committees_html(body.decode("utf-8", "replace")) or None
                if found:
                    break
        if not found:
            return None
        extra["committees"] = {"at": now.isoformat(), "list": [list(c) for c in found]}
        return found

    def _filter(self, committees: list[tuple[str, str]]) -> list[tuple[str, str]]:
        ids = {str(c) for c in self._option("committees", [])}
        return [
            (cid, title)
            for cid, title in committees
            if (not ids or cid in ids) and self.wanted_committee(title)
        ]

    async def _meetings(
        self,
        ctx: PollContext,
        result: PollResult,
        now: datetime,
        cid: str,
        title: str,
        start: datetime,
        end: datetime,
    ) -> list[Meeting]:
        extra = result.state.extra
        if extra.get("ws") and self._ws_usable(extra, now):
            query = f"lCommitteeId={cid}&sFromDate={start:%d/%m/%Y}&sToDate={end:%d/%m/%Y}"
            body, reason = await self._ws(ctx, result, "GetMeetings", query)
            parsed = parse_meetings_ws(body, cid, title) if body is not None else None
            if parsed is not None:
                return parsed
            self._ws_failed(result, now, "mgWebService.asmx/GetMeetings", reason)
        body = await self.get(ctx, result, f"{self.base}/ieListMeetings.aspx?CommitteeId={cid}")
        return parse_meetings_html(body.decode("utf-8", "replace"), cid, title, self.base)

    async def _calendar(
        self, ctx: PollContext, result: PollResult, start: datetime, end: datetime
    ) -> list[Meeting]:
        months = sorted({(d.year, d.month) for d in window_days(start, end)})
        found: dict[str, Meeting] = {}
        errors: list[FetchError] = []
        for year, month in months:
            url = f"{self.base}/mgCalendarMonthView.aspx?GL=1&bcr=1&M={month}&DD={year}"
            try:
                body = await self.get(ctx, result, url)
            except FetchError as exc:
                errors.append(exc)
                continue
            for m in parse_calendar_html(body.decode("utf-8", "replace"), self.base, {}):
                if self.wanted_committee(m.committee):
                    found.setdefault(m.meeting_id, m)
        if errors and len(errors) == len(months):
            raise errors[0]
        if not found and not errors:
            result.warnings.append(
                (
                    "calendar_empty",
                    "no committee list, and no meeting in the calendar months of the window",
                )
            )
        result.warnings.append(("committee_list_unavailable", "meetings found via the calendar"))
        return list(found.values())

    # -- one meeting ------------------------------------------------------------------------
    async def fetch_meeting(
        self, ctx: PollContext, result: PollResult, meeting: Meeting, now: datetime
    ) -> tuple[MeetingPage, str, str]:
        """The meeting's details, their hash, and the URL users should be sent to."""
        extra = result.state.extra
        page_url = meeting.url or (
            f"{self.base}/ieListDocuments.aspx?CId={meeting.committee_id}"
            f"&MId={meeting.meeting_id}&Ver=4"
        )
        if extra.get("ws") and self._ws_usable(extra, now):
            body, reason = await self._ws(
                ctx, result, "GetMeeting", f"lMeetingId={meeting.meeting_id}"
            )
            parsed = parse_meeting_ws(body) if body is not None else None
            if parsed is not None and body is not None:
                return parsed, hashlib.sha256(body).hexdigest(), page_url
            self._ws_failed(result, now, "mgWebService.asmx/GetMeeting", reason)
        body = await self.get(ctx, result, page_url)
        page = parse_meeting_page(body.decode("utf-8", "replace"), page_url)
        return page, hashlib.sha256(body).hexdigest(), page_url

    async def resolve(self, ctx: PollContext, result: PollResult, doc: PageDocument) -> bool:
        """Web-service documents are named by attachment id: resolve each id once."""
        if doc.url or not doc.attachment_id:
            return bool(doc.url)
        known = result.state.extra["attachments"].get(doc.attachment_id)
        if known is None:
            known = await self._resolve_attachment(ctx, result, doc.attachment_id)
            if known is None:
                return False
            result.state.extra["attachments"][doc.attachment_id] = known
        doc.url = known
        return True

    async def _resolve_attachment(
        self, ctx: PollContext, result: PollResult, attachment_id: str
    ) -> str | None:
        body, reason = await self._ws(
            ctx, result, "GetAttachment", f"lAttachmentId={attachment_id}"
        )
        url = parse_attachment_ws(body, self.base) if body is not None else None
        if url is None:
            result.warnings.append(("attachment_failed", f"attachment {attachment_id}: {reason}"))
        return url
