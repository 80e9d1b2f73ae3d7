"""Committee systems (ModernGov, CMIS), documents, newsrooms and site discovery, against a
local server playing a council's installation.

The ModernGov HTML pages and the PDFs are real recordings (see ``fixtures/*/README.md``);
the web-service replies are built here from the documented element names, with dates
relative to today so that every meeting falls in the polling window.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit
from xml.sax.saxutils import escape

import pytest
from pypdf import PdfWriter

from monitor.config import Settings
from monitor.demo import DEMO_DATA
from monitor.devserver import DevServer, Reply, RequestRecord
from monitor.types import PollResult, SourceSpec, SourceState
from scrapers.base import PollContext, build_source
from scrapers.committee import doc_type, parse_when
from scrapers.documents import document_text, pdf_text
from scrapers.fetch import Fetcher
from tests.conftest import make_settings

FIXTURES = Path(__file__).parent / "fixtures"
MG = DEMO_DATA / "moderngov"  # recorded Kingston pages, shared with the demo
MG_FAILURES = FIXTURES / "moderngov"
KINGSTON_DOCS = DEMO_DATA / "moderngov" / "documents"
DOCS = FIXTURES / "documents"
KINGSTON = "E09000021"
NOW = datetime.now(UTC).replace(hour=19, minute=30, second=0, microsecond=0)


# -- helpers ----------------------------------------------------------------------------------
def poll(settings: Settings, spec: SourceSpec, state: SourceState | None = None) -> PollResult:
    """One poll of one source through the real fetcher."""

    async def go() -> PollResult:
        async with Fetcher(settings.fetch, "council-monitor-test") as fetcher:
            source = build_source(spec)
            return await source.poll(PollContext(fetcher=fetcher), state or SourceState())

    return asyncio.run(go())


def carry(result: PollResult) -> SourceState:
    """The state the next poll starts from, as the store would hand it back."""
    return result.state


def query(record: RequestRecord) -> dict[str, str]:
    return {k.lower(): v[0] for k, v in parse_qs(urlsplit(record.path).query).items()}


def blank_pdf(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def codes(result: PollResult) -> list[str]:
    return [code for code, _ in result.warnings]


@dataclass
class FakeMeeting:
    mid: str
    committee: tuple[str, str]
    when: datetime
    docs: list[tuple[str, str]]  # (attachment id, title)
    status: str = ""


@dataclass
class FakeModernGov:
    """A ModernGov installation's web service, on a local server, under ``prefix``."""

    server: DevServer
    prefix: str = "/mg"
    committees: list[tuple[str, str]] = field(default_factory=list)
    meetings: list[FakeMeeting] = field(default_factory=list)
    attachments: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # id: (name, body)

    @property
    def base(self) -> str:
        return self.server.url(self.prefix)

    def ws(self, method: str) -> str:
        return f"{self.prefix}/mgWebService.asmx/{method}"

    def install(self) -> None:
        self.server.route(self.ws("GetCommittees"), lambda r: self._xml(self._committees()))
        self.server.route(self.ws("GetMeetings"), self._get_meetings)
        self.server.route(self.ws("GetMeeting"), self._get_meeting)
        self.server.route(self.ws("GetAttachment"), self._get_attachment)
        for att, (name, body) in self.attachments.items():
            self.server.route(
                f"{self.prefix}/documents/s{att}/{quote(name)}",
                Reply(body=body, content_type="application/pdf"),
            )

    @staticmethod
    def _xml(body: str) -> Reply:
        return Reply(body=f'<?xml version="1.0" encoding="utf-8"?>\n{body}'.encode())

    def _committees(self) -> str:
        rows = "".join(
            f"<committee><committeeid>{cid}</committeeid><committeetitle>{escape(t)}"
            f"</committeetitle><committeedeleted>False</committeedeleted>"
            f"<committeeexpired>False</committeeexpired></committee>"
            for cid, t in self.committees
        )
        count = f"<committeescount>{len(self.committees)}</committeescount>"
        return f"<committees>{count}{rows}</committees>"

    def _get_meetings(self, record: RequestRecord) -> Reply:
        cid = query(record).get("lcommitteeid", "")
        rows = "".join(
            f"<meeting><meetingid>{m.mid}</meetingid><meetingdate>{m.when:%d/%m/%Y}</meetingdate>"
            f"<meetingtime>{m.when:%H:%M}</meetingtime><meetingstatus>{m.status}</meetingstatus>"
            f"</meeting>"
            for m in self.meetings
            if m.committee[0] == cid
        )
        return self._xml(
            f"<getmeetings><committee><committeeid>{cid}</committeeid>{rows}"
            f"</committee></getmeetings>"
        )

    def _get_meeting(self, record: RequestRecord) -> Reply:
        mid = query(record).get("lmeetingid", "")
        m = next((m for m in self.meetings if m.mid == mid), None)
        if m is None:
            return Reply(status=404)
        docs = "".join(
            f"<linkeddoc><attachmentid>{att}</attachmentid><title>{escape(title)}</title>"
            f"</linkeddoc>"
            for att, title in m.docs
        )
        return self._xml(
            f"<meeting><meetingid>{m.mid}</meetingid>"
            f"<committeetitle>{escape(m.committee[1])}</committeetitle>"
            f"<meetingdate>{m.when:%d/%m/%Y}</meetingdate><meetingtime>{m.when:%H:%M}"
            f"</meetingtime><meetingstatus>{m.status}</meetingstatus><agendaitems>"
            f"<agendaitem><agendaitemtitle>Apologies for absence</agendaitemtitle></agendaitem>"
            f"<agendaitem><agendaitemtitle><![CDATA[<div>Revenue budget monitoring</div>]]>"
            f"</agendaitemtitle></agendaitem></agendaitems><linkeddocs>{docs}</linkeddocs>"
            f"</meeting>"
        )

    def _get_attachment(self, record: RequestRecord) -> Reply:
        att = query(record).get("lattachmentid", "")
        if att not in self.attachments:
            return Reply(status=404)
        name = self.attachments[att][0]
        return self._xml(f"<attachment><url>documents/s{att}/{escape(name)}</url></attachment>")

    def hits(self, method: str) -> int:
        return sum(1 for r in self.server.requests if urlsplit(r.path).path == self.ws(method))

    def document_hits(self) -> int:
        return sum(1 for r in self.server.requests if "/documents/" in r.path)


@pytest.fixture
def settings_local(tmp_path: Path) -> Settings:
    return make_settings(f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture
def install(server: DevServer) -> FakeModernGov:
    """A shared installation: Adur's and Worthing's committees, one document linked from two
    meetings, a cancelled meeting, a scanned PDF."""
    kingston_pdf = (KINGSTON_DOCS / "ManorgatePetition.pdf").read_bytes()
    zebra_pdf = (KINGSTON_DOCS / "ZebraCrossing.pdf").read_bytes()
    fake = FakeModernGov(
        server,
        committees=[
            ("1", "Adur Joint Strategic Committee"),
            ("2", "Adur Audit and Governance Committee"),
            ("3", "Worthing Cabinet"),
            ("4", "Joint Staff Committee"),
        ],
        attachments={
            "100": ("Budget monitoring report Q2.pdf", kingston_pdf),
            "101": ("Treasury management.pdf", zebra_pdf),
            "102": ("Printed minutes.pdf", kingston_pdf[:-10] + b"%%EOF\n"),
            "103": ("Scanned letter.pdf", blank_pdf()),
            "200": ("Worthing report.pdf", zebra_pdf),
        },
        meetings=[
            FakeMeeting(
                "501",
                ("1", "Adur Joint Strategic Committee"),
                NOW - timedelta(days=10),
                [("100", "Budget monitoring report Q2"), ("102", "Printed minutes")],
            ),
            FakeMeeting(
                "502",
                ("2", "Adur Audit and Governance Committee"),
                NOW + timedelta(days=5),
                [
                    ("100", "Budget monitoring report Q2"),
                    ("101", "Treasury management"),
                    ("103", "Scanned letter"),
                ],
            ),
            FakeMeeting(
                "503",
                ("2", "Adur Audit and Governance Committee"),
                NOW - timedelta(days=3),
                [("101", "Treasury management")],
                status="Cancelled",
            ),
            FakeMeeting(
                "601",
                ("3", "Worthing Cabinet"),
                NOW - timedelta(days=2),
                [("200", "Worthing report")],
            ),
            FakeMeeting(
                "502-old",
                ("2", "Adur Audit and Governance Committee"),
                NOW - timedelta(days=200),
                [("101", "Treasury management")],
            ),
        ],
    )
    fake.install()
    return fake


def mg_spec(fake: FakeModernGov, **options: object) -> SourceSpec:
    return SourceSpec(
        id="adur-mg",
        kind="moderngov",
        url=fake.base,
        council="E07000223",
        options={"committee_pattern": r"^(Adur|Joint)", **options},
    )


# -- ModernGov through the web service --------------------------------------------------------
def test_web_service_yields_typed_documents_per_meeting(
    settings_local: Settings, install: FakeModernGov
) -> None:
    result = poll(settings_local, mg_spec(install))
    by_guid = {i.guid: i for i in result.items}
    docs = [i for i in result.items if ":doc:" in i.guid]
    # the shared installation: Worthing's cabinet and its report are not Adur's
    assert not any("Worthing" in i.title for i in result.items)
    assert all(i.meta["committee"].startswith(("Adur", "Joint")) for i in result.items)
    # 501 (report + minutes) and 502 (treasury + scanned letter; the budget report is the
    # same document as 501's and is downloaded once); 503 is cancelled; 502-old is outside
    assert {i.meta["meeting_id"] for i in result.items} == {"501", "502"}
    assert len(docs) == 4
    assert install.document_hits() == 4
    assert install.hits("GetAttachment") == 4  # each attachment id resolved once
    report = next(i for i in docs if "Budget monitoring" in i.title)
    assert report.meta["doc_type"] == "report" and report.kind == "committee"
    # meetings are visited newest first: the shared report is filed under the later meeting
    assert report.meta["committee"] == "Adur Audit and Governance Committee"
    assert report.meta["meeting_id"] == "502"
    assert report.published is not None and report.published.date() == (NOW + timedelta(5)).date()
    assert "Manorgate" in report.text and report.meta["text_status"] == "ok"
    assert report.meta["sections"] and report.meta["sections"][0][0] == 0
    minutes = next(i for i in docs if "minutes" in i.title.lower())
    assert minutes.meta["doc_type"] == "minutes"
    scanned = next(i for i in docs if "Scanned" in i.title)
    assert scanned.meta["text_status"] == "no_text" and scanned.text == ""
    assert "document_no_text" in codes(result)
    assert "meetings_cancelled" in codes(result)
    agenda = by_guid["mg:501:agenda"]
    assert "Revenue budget monitoring" in agenda.text and "<div>" not in agenda.text
    assert result.state.extra["ws"] is True


def test_second_poll_of_an_unchanged_installation_downloads_nothing_again(
    settings_local: Settings, install: FakeModernGov
) -> None:
    first = poll(settings_local, mg_spec(install))
    fetched = install.document_hits()
    second = poll(settings_local, mg_spec(install), carry(first))
    assert second.items == []
    assert install.document_hits() == fetched
    assert install.hits("GetCommittees") == 1  # the committee list is kept for a day
    assert install.hits("GetAttachment") == 4
    assert second.bytes_received < first.bytes_received / 10


def test_a_new_document_on_a_known_meeting_is_picked_up(
    settings_local: Settings, install: FakeModernGov, server: DevServer
) -> None:
    first = poll(settings_local, mg_spec(install))
    install.attachments["104"] = (
        "Section 114 notice.pdf",
        (KINGSTON_DOCS / "ZebraCrossing.pdf").read_bytes(),
    )
    install.meetings[1].docs.append(("104", "Report of the Chief Finance Officer"))
    install.install()
    second = poll(settings_local, mg_spec(install), carry(first))
    assert [i.title.split(": ", 1)[1] for i in second.items if ":doc:" in i.guid] == [
        "Report of the Chief Finance Officer"
    ]
    assert any(i.guid == "mg:502:agenda" for i in second.items)  # the agenda is re-issued


def test_settled_meetings_are_not_fetched_again(
    settings_local: Settings, install: FakeModernGov
) -> None:
    first = poll(settings_local, mg_spec(install))
    meetings_before = install.hits("GetMeeting")
    poll(settings_local, mg_spec(install), carry(first))
    # 501 has its own minutes and is ten days old: settled; 503 is cancelled in the list;
    # 502 is asked again
    assert install.hits("GetMeeting") - meetings_before == 1


def test_the_other_council_on_a_shared_installation_gets_its_own_meetings(
    settings_local: Settings, install: FakeModernGov
) -> None:
    spec = SourceSpec(
        id="worthing-mg",
        kind="moderngov",
        url=install.base,
        council="E07000229",
        options={"committee_pattern": "^Worthing"},
    )
    result = poll(settings_local, spec)
    assert {i.meta["meeting_id"] for i in result.items} == {"601"}


# -- ModernGov falling back to its HTML pages --------------------------------------------------
def kingston_html(server: DevServer, prefix: str, name: str) -> bytes:
    """A recorded Kingston page with its absolute links moved onto the local server."""
    text = (MG / name).read_text(encoding="utf-8")
    return text.replace("https://moderngov.kingston.gov.uk", server.url(prefix)).encode()


@pytest.mark.parametrize(
    "failure", ["failure_denbighshire.gov.uk.xml", "failure_leeds.gov.uk.xml", "http_500"]
)
def test_web_service_failure_falls_back_to_the_html_pages(
    settings_local: Settings, server: DevServer, failure: str
) -> None:
    prefix = "/kingston"
    if failure == "http_500":
        server.route(f"{prefix}/mgWebService.asmx/GetCommittees", Reply(status=500))
    else:
        server.route(
            f"{prefix}/mgWebService.asmx/GetCommittees",
            Reply(body=(MG_FAILURES / failure).read_bytes(), content_type="text/html"),
        )
    server.route(f"{prefix}/mgListCommittees.aspx", Reply(status=404))
    server.route(
        f"{prefix}/mgCommitteeStructure.aspx",
        Reply(
            body=kingston_html(server, prefix, "CommitteeStructure.html"), content_type="text/html"
        ),
    )
    server.route(
        f"{prefix}/ieListMeetings.aspx",
        Reply(body=kingston_html(server, prefix, "BrowseMeetings.html"), content_type="text/html"),
    )

    def meeting(record: RequestRecord) -> Reply:
        mid = query(record).get("mid", "")
        name = "Agenda_412.html" if mid == "10163" else "Agenda_151.html"
        return Reply(body=kingston_html(server, prefix, name), content_type="text/html")

    server.route(f"{prefix}/ieListDocuments.aspx", meeting)
    served = {
        "ManorgatePetition.pdf": "documents/s112217/Petition TMO Manorgate Rd Report.pdf",
        "ZebraCrossing.pdf": "documents/s112215/Coombe Lane West Zebra Crossing consultation "
        "results.pdf",
    }
    for fixture, path in served.items():
        server.route(
            f"{prefix}/{quote(path)}",
            Reply(body=(KINGSTON_DOCS / fixture).read_bytes(), content_type="application/pdf"),
        )
    spec = SourceSpec(
        id="kingston-mg",
        kind="moderngov",
        url=server.url(prefix),
        council=KINGSTON,
        # the recorded meetings are from 2025-26: widen the window to reach them, and look
        # at one committee only
        options={"back_days": 3650, "committees": ["711"], "max_documents": 200},
    )
    result = poll(settings_local, spec)
    assert "web_service_unavailable" in codes(result)
    assert result.state.extra["ws"] is False and result.state.extra["ws_off_until"]
    reports = [i for i in result.items if i.meta.get("doc_type") == "report" and i.text]
    assert {i.url.rsplit("/", 1)[-1] for i in reports} >= {
        quote("Petition TMO Manorgate Rd Report.pdf"),
        quote("Coombe Lane West Zebra Crossing consultation results.pdf"),
    } or {i.title for i in reports}
    manorgate = next(i for i in reports if "Manorgate" in i.title)
    assert manorgate.meta["committee"] == "Kingston and North Kingston Neighbourhood Committee"
    assert manorgate.meta["extraction"] == "layout"  # plain extraction splits the words
    # the documents the server does not have are warnings, not a failed poll
    assert "document_failed" in codes(result)
    # 10163 is the recorded cancelled meeting
    assert "10163" not in {i.meta["meeting_id"] for i in result.items}
    assert result.state.extra["meetings"]["10163"]["cancelled"] is True
    # the web service is left alone for a week
    asked = sum(1 for r in server.requests if "mgWebService" in r.path)
    again = poll(settings_local, spec, carry(result))
    assert "web_service_unavailable" not in codes(again)
    assert sum(1 for r in server.requests if "mgWebService" in r.path) == asked


def test_calendar_is_the_last_resort(settings_local: Settings, server: DevServer) -> None:
    prefix = "/cal"
    month = NOW.month
    page = (
        '<html><body><table><tr><td><a href="ieListDocuments.aspx?CId=9&amp;MId=77&amp;Ver=4">'
        "Audit Committee, 7.00 pm</a></td></tr></table></body></html>"
    )

    def calendar(record: RequestRecord) -> Reply:
        q = query(record)
        body = page if q.get("m") == str(month) else "<html><body>No meetings</body></html>"
        return Reply(body=body.encode(), content_type="text/html")

    server.route(f"{prefix}/mgCalendarMonthView.aspx", calendar)
    agenda = kingston_html(server, prefix, "Agenda_151.html")
    server.route(f"{prefix}/ieListDocuments.aspx", Reply(body=agenda, content_type="text/html"))
    spec = SourceSpec(
        id="cal", kind="moderngov", url=server.url(prefix), options={"max_documents": 0}
    )
    result = poll(settings_local, spec)
    assert "committee_list_unavailable" in codes(result)
    assert [i.guid for i in result.items] == ["mg:77:agenda"]
    assert result.items[0].meta["committee"] == "Audit Committee"


def test_dead_installation_fails_the_poll_with_a_clear_code(
    settings_local: Settings, server: DevServer
) -> None:
    spec = SourceSpec(id="dead", kind="moderngov", url=server.url("/nothing-here"))
    with pytest.raises(Exception) as info:
        poll(settings_local, spec)
    assert getattr(info.value, "code", "") == "http_404"


def test_bad_options_are_rejected_with_the_key() -> None:
    from monitor.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        build_source(
            SourceSpec(
                id="x",
                kind="moderngov",
                url="https://democracy.example.gov.uk",
                options={"committee_pattern": "("},
            )
        )
    assert info.value.key == "sources.x.options.committee_pattern"


# -- parsing details ----------------------------------------------------------------------------
def test_recorded_kingston_pages_parse() -> None:
    from scrapers.moderngov import parse_committees_html, parse_meeting_page, parse_meetings_html

    committees = parse_committees_html((MG / "CommitteeStructure.html").read_text())
    assert len(committees) >= 20 and ("137", "Council") in committees
    meetings = parse_meetings_html(
        (MG / "BrowseMeetings.html").read_text(), "711", "KNK", "https://mg.example"
    )
    assert len(meetings) >= 10 and all(m.when for m in meetings)
    page = parse_meeting_page(
        (MG / "Agenda_151.html").read_text(), "https://mg.example/ieListDocuments.aspx?MId=1"
    )
    kinds = {d.doc_type for d in page.documents}
    assert {"agenda", "minutes", "decisions", "report", "annex"} <= kinds
    assert not page.cancelled and page.when is not None and len(page.items) > 10
    assert parse_meeting_page((MG / "Agenda_412.html").read_text(), "https://mg.example/").cancelled


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thursday 15 January 2026 7:30 pm", datetime(2026, 1, 15, 19, 30, tzinfo=UTC)),
        ("15-Jan-2026 19.30", datetime(2026, 1, 15, 19, 30, tzinfo=UTC)),
        ("15/01/2026", datetime(2026, 1, 15, tzinfo=UTC)),
        ("2026-01-15T10:00:00", datetime(2026, 1, 15, 10, 0, tzinfo=UTC)),
        ("no date here", None),
    ],
)
def test_meeting_dates(text: str, expected: datetime | None) -> None:
    assert parse_when(text) == expected


@pytest.mark.parametrize(
    ("href", "title", "expected"),
    [
        ("documents/g10/Agenda frontsheet.pdf?T=0", "Agenda frontsheet", "agenda"),
        ("documents/g10/Printed minutes.pdf?T=1", "Printed minutes", "minutes"),
        ("documents/g10/Decisions.pdf?T=2", "Decisions", "decisions"),
        ("documents/g10/Agenda reports pack.pdf?T=10", "Agenda reports pack", "pack"),
        ("documents/s1/Annex 1 - plan.pdf", "Annex 1 - plan", "annex"),
        ("documents/s1/Appendix A.pdf", "Appendix A", "annex"),
        ("documents/s1/Minutes of Previous Meeting.pdf", "Minutes of Previous Meeting", "minutes"),
        ("documents/s1/Budget.pdf", "Revenue budget monitoring", "report"),
    ],
)
def test_document_types(href: str, title: str, expected: str) -> None:
    assert doc_type(href, title) == expected


# -- documents -----------------------------------------------------------------------------------
def test_pdf_layout_mode_where_plain_extraction_breaks_words() -> None:
    doc = pdf_text((KINGSTON_DOCS / "ZebraCrossing.pdf").read_bytes())
    assert doc.mode == "layout" and doc.status == "ok" and doc.pages == 4
    assert "Zebra Crossing" in doc.text
    # most lines hold several words, as a reader would see them
    lines = [line for line in doc.text.splitlines() if line.strip()]
    assert sum(len(line.split()) > 1 for line in lines) / len(lines) > 0.7


def test_pdf_plain_mode_and_sections_point_at_paragraphs() -> None:
    doc = pdf_text(
        (DOCS / "openlylocal_merton_audit_committee_2009-10-22_agenda_pack.pdf").read_bytes()
    )
    assert doc.mode == "plain" and doc.pages == 8 and "Audit Committee" in doc.text
    assert len(doc.sections) > 10
    for start, end in doc.sections:
        paragraph = doc.text[start:end]
        assert paragraph.strip() == paragraph and paragraph


def test_page_limit_truncates_and_says_so() -> None:
    data = (DOCS / "openlylocal_merton_audit_committee_2009-10-22_agenda_pack.pdf").read_bytes()
    doc = pdf_text(data, max_pages=2)
    assert doc.status == "truncated" and doc.pages == 8
    assert len(doc.text) < len(pdf_text(data).text)


def test_scanned_or_empty_pdf_is_recorded_as_no_text() -> None:
    doc = pdf_text(blank_pdf(3))
    assert doc.status == "no_text" and doc.text == "" and doc.pages == 3


@pytest.mark.parametrize("data", [b"%PDF-1.4 not really", b"%PDF-1.7\n" + b"\x00" * 500])
def test_broken_pdf_is_a_parse_error(data: bytes) -> None:
    from monitor.errors import ParseError

    with pytest.raises(ParseError) as info:
        pdf_text(data)
    assert info.value.code == "pdf_unreadable"


def test_html_and_unknown_documents() -> None:
    from monitor.errors import ParseError

    html = b"<html><body><h1>Report</h1><p>The council faces a budget gap of 4m.</p>" + (
        b"<p>More text to pass the minimum.</p><script>alert(1)</script></body></html>"
    )
    doc = document_text(html, "text/html", "https://x/report.htm")
    assert doc.mode == "html" and "budget gap" in doc.text and "alert" not in doc.text
    with pytest.raises(ParseError) as info:
        document_text(b"PK\x03\x04...", "application/zip", "https://x/pack.zip")
    assert info.value.code == "unsupported_document"


# -- CMIS ------------------------------------------------------------------------------------
CMIS_MEETING = "/CMIS5/Meetings/tabid/73/ctl/ViewMeetingPublic/mid/410/Meeting/{}/Default.aspx"


def cmis_pages(server: DevServer, when: datetime) -> None:
    day = f"{when:%d %B %Y}"
    rows = [
        ("4001", "Cabinet", f"{day} 10:00"),
        ("4002", "Audit Committee - CANCELLED", f"{day} 14:00"),
        ("3001", "Cabinet", "01 January 2001 10:00"),
    ]
    listing = "<html><body><h1>Meetings</h1><table>" + "".join(
        f'<tr><td><a href="{CMIS_MEETING.format(mid)}">{name}</a></td><td>{at}</td></tr>'
        for mid, name, at in rows
    )
    listing += "</table></body></html>"
    doc = "/CMIS5/Document.ashx?czJKcaeAi5tUFL1DTL2UE4zNRBcoShgo="
    meeting = f"""<html><head><title>Cabinet</title></head><body><h1>Cabinet</h1>
<p>Venue: County Hall</p><ol><li>Apologies</li><li>Medium term financial plan</li></ol>
<a href="{doc}abc">Medium term financial plan report</a>
<a href="{doc}def">Appendix 1 - savings</a>
<a href="/somewhere/else">Contact us</a></body></html>"""
    server.route("/CMIS5/Meetings.aspx", Reply(body=listing.encode(), content_type="text/html"))
    server.route(
        CMIS_MEETING.format("4001"), Reply(body=meeting.encode(), content_type="text/html")
    )
    pdf = (KINGSTON_DOCS / "ManorgatePetition.pdf").read_bytes()
    server.route("/CMIS5/Document.ashx", Reply(body=pdf, content_type="application/pdf"))


def test_cmis_meetings_and_documents(settings_local: Settings, server: DevServer) -> None:
    cmis_pages(server, NOW - timedelta(days=2))
    spec = SourceSpec(id="cmis", kind="cmis", url=server.url("/CMIS5/Meetings.aspx"))
    result = poll(settings_local, spec)
    docs = [i for i in result.items if ":doc:" in i.guid]
    assert {i.meta["doc_type"] for i in docs} == {"report", "annex"}
    assert all(i.meta["committee"] == "Cabinet" for i in result.items)
    assert all(i.meta["meeting_id"] == "4001" for i in result.items)  # 4002 cancelled, 3001 old
    assert "meetings_cancelled" in codes(result)
    assert docs[0].text and docs[0].guid.startswith("cmis:doc:")
    again = poll(settings_local, spec, carry(result))
    assert again.items == []


def test_cmis_member_page_leads_to_the_meetings_calendar(
    settings_local: Settings, server: DevServer
) -> None:
    """The register points at CMIS member pages; their menu links to the calendar."""
    cmis_pages(server, NOW - timedelta(days=2))
    members = (
        '<html><body><ul class="menu"><li><a href="/CMIS5/Councillors.aspx">Councillors</a></li>'
        '<li><a href="/CMIS5/Meetings.aspx">Meetings</a></li></ul>'
        '<div class="PE_People_PersonBlock"><div class="NameLink">A Member</div></div>'
        "</body></html>"
    )
    server.route("/CMIS5/Councillors.aspx", Reply(body=members.encode(), content_type="text/html"))
    spec = SourceSpec(id="cmis", kind="cmis", url=server.url("/CMIS5/Councillors.aspx"))
    result = poll(settings_local, spec)
    assert "listing_discovered" in codes(result)
    assert result.state.extra["listing"] == server.url("/CMIS5/Meetings.aspx")
    assert {i.meta["meeting_id"] for i in result.items} == {"4001"}
    poll(settings_local, spec, carry(result))
    assert server.hits("/CMIS5/Councillors.aspx") == 1  # the calendar is polled directly


def test_cmis_page_without_meetings_is_a_parse_error(
    settings_local: Settings, server: DevServer
) -> None:
    from monitor.errors import ParseError

    server.route(
        "/cmis", Reply(body=b"<html><body>Welcome</body></html>", content_type="text/html")
    )
    with pytest.raises(ParseError) as info:
        poll(settings_local, SourceSpec(id="c", kind="cmis", url=server.url("/cmis")))
    assert info.value.code == "no_meetings"


# -- newsroom and site discovery ------------------------------------------------------------------
def newsroom(server: DevServer, n: int = 3) -> Callable[[int], None]:
    def article(i: int) -> bytes:
        return f"""<html><head><title>Story {i} | Example Council</title>
<meta property="og:title" content="Council story number {i}">
<meta property="article:published_time" content="2026-11-{10 + i:02d}T09:00:00Z">
</head><body><header><nav><a href="/">Home</a></nav></header>
<main><article><h1>Council story number {i}</h1>
<p>The council's cabinet met on Tuesday to discuss item {i} of the budget, which councillors
said would need savings across several services over the coming year.</p>
<p>A spokesperson said the authority remained committed to protecting front-line services
for residents while the review continued into the new year.</p></article></main>
<footer>Cookies policy. Accessibility statement.</footer></body></html>""".encode()

    def publish(count: int) -> None:
        links = "".join(
            f'<li class="news-item"><a href="/news/story-{i}">Council story number {i}</a></li>'
            for i in range(count, 0, -1)
        )
        listing = (
            f'<html><body><nav><a href="/contact">Contact</a><a href="/news">News</a></nav>'
            f'<main><ul class="news-list">{links}</ul></main></body></html>'
        )
        server.route("/news", Reply(body=listing.encode(), content_type="text/html"))
        for i in range(1, count + 1):
            server.route(f"/news/story-{i}", Reply(body=article(i), content_type="text/html"))

    publish(n)
    return publish


def test_newsroom_articles_are_extracted_and_fetched_once(
    settings_local: Settings, server: DevServer
) -> None:
    publish = newsroom(server, 3)
    spec = SourceSpec(id="news", kind="newsroom", url=server.url("/news"))
    first = poll(settings_local, spec)
    assert len(first.items) == 3
    story = next(i for i in first.items if i.url.endswith("story-2"))
    assert story.title == "Council story number 2"
    assert "savings across several services" in story.text
    assert "Cookies" not in story.text and "Home" not in story.text.split()[:3]
    assert story.published == datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
    publish(4)
    second = poll(settings_local, spec, carry(first))
    assert [i.url.rsplit("/", 1)[-1] for i in second.items] == ["story-4"]
    assert server.hits("/news/story-1") == 1


def test_newsroom_without_article_links_is_a_parse_error(
    settings_local: Settings, server: DevServer
) -> None:
    from monitor.errors import ParseError

    server.route(
        "/empty", Reply(body=b"<html><body><p>Hello</p></body></html>", content_type="text/html")
    )
    with pytest.raises(ParseError) as info:
        poll(settings_local, SourceSpec(id="n", kind="newsroom", url=server.url("/empty")))
    assert info.value.code == "no_articles"


def test_site_discovers_the_news_feed_on_a_real_home_page(
    settings_local: Settings, server: DevServer
) -> None:
    home = (DEMO_DATA / "pages" / "stratford_home_2009.html").read_text(encoding="utf-8")
    home = home.replace("http://www.stratford.gov.uk", server.base_url)
    server.route("/", Reply(body=home.encode(), content_type="text/html"))
    feed = (DEMO_DATA / "feeds" / "bbc_sport_liverpool.xml").read_bytes()
    server.route("/files/news/news.xml", Reply(body=feed, content_type="application/rss+xml"))
    spec = SourceSpec(id="site", kind="site", url=server.url("/"), council="E07000221")
    result = poll(settings_local, spec)
    # of nine advertised feeds (comments, events, jobs, social media...) the news one
    assert result.state.extra["site_mode"] == "feed"
    assert result.state.extra["site_target"] == server.url("/files/news/news.xml")
    assert len(result.items) == 4
    again = poll(settings_local, spec, carry(result))
    assert again.items == [] and server.hits("/") == 1  # the choice is remembered


def test_site_without_a_feed_uses_its_news_page(
    settings_local: Settings, server: DevServer
) -> None:
    newsroom(server, 2)
    home = b'<html><body><nav><a href="/bins">Bins</a><a href="/news">News</a></nav></body></html>'
    server.route("/", Reply(body=home, content_type="text/html"))
    spec = SourceSpec(id="site", kind="site", url=server.url("/"))
    result = poll(settings_local, spec)
    assert result.state.extra["site_mode"] == "newsroom" and len(result.items) == 2


def test_site_with_no_news_at_all_is_an_error_not_a_quiet_council(
    settings_local: Settings, server: DevServer
) -> None:
    from monitor.errors import ParseError

    server.route(
        "/",
        Reply(body=b"<html><body><a href='/bins'>Bins</a></body></html>", content_type="text/html"),
    )
    with pytest.raises(ParseError) as info:
        poll(settings_local, SourceSpec(id="site", kind="site", url=server.url("/")))
    assert info.value.code == "no_news_found"


@pytest.mark.parametrize(
    ("listing", "expected"),
    [
        (  # LocalGov Drupal: teaser cards
            '<main><article class="lgd-teaser"><h3><a href="/news/bin-strike-ends">Bin strike'
            '</a></h3></article><nav class="pager"><a href="/news?page=2">Next</a></nav></main>',
            ["/news/bin-strike-ends"],
        ),
        (  # classic Jadu: news_article.php?newsID=
            '<div id="content"><ul><li><a href="/site/scripts/news_article.php?newsID=812">'
            "Budget set</a></li></ul><a href='/site/scripts/news_index.php'>All news</a></div>",
            ["/site/scripts/news_article.php?newsID=812"],
        ),
        (  # a news list with category and feed links to ignore
            '<div class="news-listing"><a href="/news/2026/11/leader-steps-down">Leader</a>'
            '<a href="/news/category/planning">Planning</a><a href="/news/feed">RSS</a>'
            '<a href="https://twitter.com/council">Twitter</a></div>',
            ["/news/2026/11/leader-steps-down"],
        ),
    ],
)
def test_newsroom_default_selectors_on_common_platform_shapes(
    listing: str, expected: list[str]
) -> None:
    from scrapers.newsroom import article_links

    base = "https://www.example.gov.uk"
    found = article_links(f"<html><body>{listing}</body></html>", base + "/news")
    assert [u.removeprefix(base) for u in found] == expected
