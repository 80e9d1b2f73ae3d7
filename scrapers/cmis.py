"""CMIS committee systems (Civica's other product; about 30 UK councils).

No CMIS page was available to us (see ``tests/fixtures/cmis/README.md``), so this kind is
driven by link patterns with defaults written from the URL forms known from DemocracyClub's
LGSF metadata (``ViewMeetingPublic/.../Meeting/<id>/``, ``Document.ashx?...``), and every
pattern can be overridden per source:

* ``spec.url`` (and the optional ``pages``) list meetings: the links matching
  ``meeting_link`` are meetings; the text around each link gives the committee and date.
  The register knows CMIS sites by their member pages (``Councillors.aspx``): when the
  page lists no meeting, its own link to the meetings calendar is followed and remembered;
* each meeting page's links matching ``document_link`` are its documents; their type
  (agenda, minutes, decisions, report, annex) comes from their titles.

Everything after that (hash-based change detection, each document downloaded once,
settled meetings) is shared with ModernGov in :mod:`scrapers.committee`.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from monitor.errors import ConfigError, FetchError, ParseError
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
)
from scrapers.text import canonical_url, normalise_space

__all__ = ["CmisSource", "meetings_page_links", "parse_cmis_listing", "parse_cmis_meeting"]

MEETING_LINK = r"ViewMeetingPublic|/Meeting/\d+|[?&]MeetingI[dD]=\d+|MeetingDetails"
DOCUMENT_LINK = r"Document\.ashx|DocumentViewer|/Document/|\.pdf(\?|$)"
_MEETING_ID = re.compile(r"(?:/Meeting/|[?&]MeetingI[dD]=|[?&]mid=)(\d+)", re.I)
_DATE_IN_TEXT = re.compile(r"\d{1,2}(?:st|nd|rd|th)? [A-Za-z]{3,9} \d{4}|\d{1,2}/\d{1,2}/\d{4}")


def _meeting_id(url: str) -> str:
    match = _MEETING_ID.search(url)
    return match.group(1) if match else hashlib.sha1(url.encode()).hexdigest()[:12]


def parse_cmis_listing(html: str, base: str, meeting_link: str = MEETING_LINK) -> list[Meeting]:
    """Meetings linked from a calendar or committee page: committee and date from the
    text of the link's row."""
    tree = HTMLParser(html)
    pattern = re.compile(meeting_link, re.I)
    out: dict[str, Meeting] = {}
    for a in tree.css("a[href]"):
        href = a.attributes.get("href") or ""
        if not pattern.search(href):
            continue
        url = canonical_url(href, base=base)
        if not url:
            continue
        mid = _meeting_id(url)
        row = a.parent
        while row is not None and row.tag not in ("tr", "li", "article", "div"):
            row = row.parent
        context = normalise_space(" ".join([a.text(), row.text(separator=" ") if row else ""]))
        link_text = normalise_space(a.text())
        committee = _DATE_IN_TEXT.split(link_text)[0].strip(" ,-:") or link_text
        committee = CANCELLED.sub("", committee).strip(" ,-:()") or committee
        out.setdefault(
            mid,
            Meeting("", committee, mid, parse_when(context), bool(CANCELLED.search(context)), url),
        )
    return list(out.values())


_MEETINGS_TEXT = re.compile(
    r"^(meetings?|calendar|meetings? calendar|calendar of meetings|committee meetings|"
    r"forthcoming meetings|meetings and agendas|agendas?,? reports and minutes)$",
    re.I,
)
_MEETINGS_PATH = re.compile(r"/(meetings?|calendar|meetingcalendar|calendarofmeetings)\b", re.I)


def meetings_page_links(html: str, page_url: str) -> list[str]:
    """Links on a CMIS page to its meetings calendar: by their text first, then by path."""
    tree = HTMLParser(html)
    by_text: list[str] = []
    by_path: list[str] = []
    host = urlsplit(page_url).hostname
    for a in tree.css("a[href]"):
        url = canonical_url(a.attributes.get("href") or "", base=page_url)
        if not url or urlsplit(url).hostname != host or url == canonical_url(page_url):
            continue
        text = normalise_space(a.text() or a.attributes.get("title") or "")
        if _MEETINGS_TEXT.match(text) and url not in by_text:
            by_text.append(url)
        elif _MEETINGS_PATH.search(urlsplit(url).path) and url not in by_path:
            by_path.append(url)
    return by_text + [u for u in by_path if u not in by_text]


def parse_cmis_meeting(html: str, page_url: str, document_link: str = DOCUMENT_LINK) -> MeetingPage:
    tree = HTMLParser(html)
    heading = tree.css_first("h1") or tree.css_first("h2") or tree.css_first("title")
    title = normalise_space(heading.text()) if heading else ""
    body = tree.body
    text = normalise_space(body.text(separator=" ")) if body else ""
    pattern = re.compile(document_link, re.I)
    docs: dict[str, PageDocument] = {}
    for a in tree.css("a[href]"):
        href = a.attributes.get("href") or ""
        if not pattern.search(href):
            continue
        url = urljoin(page_url, href)
        label = normalise_space(a.text()) or normalise_space(a.attributes.get("title") or "")
        label = re.sub(r"\s*\(?(PDF|DOC|DOCX)?,?\s*[\d.,]+\s*[KM]B\)?\s*$", "", label, flags=re.I)
        docs.setdefault(url, PageDocument(url, label or "document", doc_type(url, label)))
    items = [
        normalise_space(n.text())
        for n in tree.css(".AgendaItemTitle, .agenda-item-title, .AgendaItem h3, ol.agenda li")
    ]
    cancelled = bool(CANCELLED.search(title)) or bool(
        re.search(r"\bthis meeting (has been|was|is) (cancelled|canceled)\b", text, re.I)
    )
    committee = _DATE_IN_TEXT.split(title)[0].strip(" ,-:")
    when = parse_when(title) or parse_when(text[:2000])
    return MeetingPage(
        title, cancelled, [i for i in items if i], list(docs.values()), when, committee
    )


@register_kind
class CmisSource(CommitteeSource):
    """A CMIS installation: a meetings page, its meeting pages, their documents."""

    kind = "cmis"
    prefix = "cmis"
    options_help = {
        "pages": "more listing pages (URLs or paths) whose meeting links are followed",
        "meeting_link": f"regular expression a meeting link's URL matches (default {MEETING_LINK})",
        "document_link": "regular expression a document link's URL matches "
        f"(default {DOCUMENT_LINK})",
        "back_days": "days before today whose meetings are (re)visited (default 28)",
        "ahead_days": "days after today whose meetings are visited (default 14)",
        "committee_pattern": "regular expression: keep only meetings of matching committees",
        "committee_exclude": "regular expression: leave out meetings of matching committees",
        "max_documents": "most new documents downloaded per poll (default 80)",
        "max_pages": "most PDF pages read per document (default 200)",
        "include_packs": "also download whole-meeting packs (default false)",
    }

    def validate(self) -> None:
        super().validate()
        for name in ("meeting_link", "document_link", "committee_pattern", "committee_exclude"):
            value = self.spec.options.get(name)
            if value is None:
                continue
            try:
                re.compile(str(value))
            except re.error as exc:
                raise ConfigError(
                    f"not a regular expression: {exc}", key=self.key(f"options.{name}")
                ) from exc
        pages = self.spec.options.get("pages", [])
        if not isinstance(pages, list) or not all(isinstance(p, str) for p in pages):
            raise ConfigError("must be a list of URLs or paths", key=self.key("options.pages"))

    async def poll(self, ctx: PollContext, state: SourceState) -> PollResult:
        result = PollResult(state=SourceState(extra=self.prepare_state(state.extra)))
        extra = result.state.extra
        now = datetime.now(UTC)
        start = now - timedelta(days=self._option("back_days", 28))
        end = now + timedelta(days=self._option("ahead_days", 14))
        first = str(extra.get("listing") or self.spec.url)
        listing_urls = [first] + [urljoin(self.spec.url, p) for p in self._option("pages", [])]
        found: dict[str, Meeting] = {}
        errors: list[FetchError] = []
        pages: dict[str, bytes] = {}
        for url in listing_urls:
            try:
                pages[url] = await self.get(ctx, result, url)
            except FetchError as exc:
                errors.append(exc)
                result.warnings.append(("listing_failed", f"{url}: {exc.code}"))
                continue
            self._collect(pages[url], url, found)
        if errors and len(errors) == len(listing_urls):
            if first != self.spec.url:  # the page found earlier is gone: look again
                extra.pop("listing", None)
            raise errors[0]
        if not found and first in pages:
            # the register points at member pages: follow the site's own link to its
            # meetings calendar, and remember where it was
            for url in meetings_page_links(pages[first].decode("utf-8", "replace"), first)[:3]:
                try:
                    body = await self.get(ctx, result, url)
                except FetchError:
                    continue
                if self._collect(body, url, found):
                    extra["listing"] = url
                    result.warnings.append(("listing_discovered", f"meetings listed at {url}"))
                    break
        if not found and not errors:
            extra.pop("listing", None)
            raise ParseError(
                "no meeting links on the listing page, nor on a meetings page it links to "
                "(check meeting_link, or give the calendar page as the URL)",
                code="no_meetings",
            )
        meetings = [m for m in found.values() if m.when is None or start <= m.when <= end]
        await self.visit(ctx, result, meetings, now, start)
        return result

    def _collect(self, body: bytes, url: str, found: dict[str, Meeting]) -> int:
        """Add the wanted meetings listed on a page; returns how many links it had."""
        listed = parse_cmis_listing(
            body.decode("utf-8", "replace"), url, self._option("meeting_link", MEETING_LINK)
        )
        for m in listed:
            if self.wanted_committee(m.committee):
                found.setdefault(m.meeting_id, m)
        return len(listed)

    async def fetch_meeting(
        self, ctx: PollContext, result: PollResult, meeting: Meeting, now: datetime
    ) -> tuple[MeetingPage, str, str]:
        body = await self.get(ctx, result, meeting.url)
        page = parse_cmis_meeting(
            body.decode("utf-8", "replace"),
            meeting.url,
            self._option("document_link", DOCUMENT_LINK),
        )
        return page, hashlib.sha256(body).hexdigest(), meeting.url
