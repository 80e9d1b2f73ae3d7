"""``council-monitor demo``: the whole flow, offline, on recorded real council data.

A local HTTP server plays the councils' and the BBC's web sites with recorded feeds and
pages (see ``demo_data/SOURCES.md``); the demo declares sources pointing at it, sets up a
fresh database under ``--dir``, polls three times while the Leeds newsroom "publishes"
its next recorded capture, discovers feeds on a council home page, and runs searches.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from rich.rule import Rule
from rich.table import Table

from monitor.cli.common import ago, err, out
from monitor.config import Settings, load_settings
from monitor.declarations import load_declarations
from monitor.devserver import DevServer, Reply, RequestRecord
from monitor.pipeline import PollSummary, poll_sources
from monitor.store import Store
from monitor.types import SearchQuery, SourceSpec
from scrapers.feeds import discover_feeds

__all__ = ["DEMO_DATA", "run_demo"]

DEMO_DATA = Path(__file__).with_name("demo_data")
FEEDS = DEMO_DATA / "feeds"

_STATIC = {
    "/cotswold/feed/rss": "cotswold_2026-07.xml",
    "/bbc/news/topics/c4y26wwj286t/rss.xml": "bbc_topic_hitcham_2026-05-04.xml",
    "/bbc/sport/football/teams/liverpool/rss.xml": "bbc_sport_liverpool.xml",
    "/parliament/lords/rss": "parliament_lords_empty.xml",
}
MODERNGOV = DEMO_DATA / "moderngov"
KINGSTON = "E09000021"
# the recorded meeting pages of Kingston's neighbourhood committee (id 711), by meeting id;
# the committee's other meetings were not recorded and answer 404
_KINGSTON_MEETINGS = {
    "10221": "Agenda_151.html",
    "10161": "Agenda_412.html",
    "10220": "Agenda_Irrelevant.html",
}
_KINGSTON_DOCUMENTS = {
    "documents/s112217/Petition TMO Manorgate Rd Report.pdf": "ManorgatePetition.pdf",
    "documents/s112215/Coombe Lane West Zebra Crossing consultation results.pdf": (
        "ZebraCrossing.pdf"
    ),
}
_LEEDS_VERSIONS = ["leeds_2026-05-08.xml", "leeds_2026-05-27.xml", "leeds_2026-06.xml"]
_SEARCHES = [
    ("council", {}),
    ("election OR councillors", {}),
    ("volunteer*", {"council": "E08000035"}),
]


def _write_config(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    database = (directory / "council-monitor.db").resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    config = directory / "config.toml"
    config.write_text(
        "# Written by `council-monitor demo`: a database of its own, and permission to\n"
        "# fetch from the demo's local server (private addresses are refused otherwise).\n"
        f'[database]\nurl = "sqlite:///{database}"\n\n'
        "[fetch]\nallow_private_addresses = true\nmin_delay_s = 0.05\nmax_retries = 0\n\n"
        '[log]\nlevel = "WARNING"\n',
        encoding="utf-8",
    )
    return config


def _serve(server: DevServer) -> None:
    for path, name in _STATIC.items():
        server.serve_file(path, FEEDS / name, etag=True)
    server.serve_file(
        "/stratford/",
        DEMO_DATA / "pages" / "stratford_home_2009.html",
        content_type="text/html; charset=utf-8",
    )
    _publish_leeds(server, 0)
    _serve_kingston(server)


def _serve_kingston(server: DevServer) -> None:
    """Kingston's ModernGov install as recorded; its web service is not (answers 404), so
    the source falls back to the HTML pages, as it must for installs that switch it off."""
    base = server.url("/kingston")

    def page(name: str) -> Reply:
        html = (MODERNGOV / name).read_text(encoding="utf-8")
        html = html.replace("https://moderngov.kingston.gov.uk", base)
        return Reply(body=html.encode(), content_type="text/html; charset=utf-8")

    def meeting(record: RequestRecord) -> Reply:
        query = {k.lower(): v[0] for k, v in parse_qs(urlsplit(record.path).query).items()}
        name = _KINGSTON_MEETINGS.get(query.get("mid", ""))
        return page(name) if name else Reply(status=404, body=b"not recorded")

    server.route("/kingston/mgCommitteeStructure.aspx", page("CommitteeStructure.html"))
    server.route("/kingston/ieListMeetings.aspx", page("BrowseMeetings.html"))
    server.route("/kingston/ieListDocuments.aspx", meeting)
    for path, name in _KINGSTON_DOCUMENTS.items():
        server.serve_file(
            f"/kingston/{quote(path)}",
            MODERNGOV / "documents" / name,
            content_type="application/pdf",
        )


def _kingston_source(server: DevServer) -> SourceSpec:
    # the recordings are from winter 2025-26: reach back far enough to include them
    back = (date.today() - date(2025, 11, 1)).days
    return SourceSpec(
        id="kingston-committees",
        kind="moderngov",
        url=server.url("/kingston"),
        council=KINGSTON,
        name="Kingston upon Thames committee papers (ModernGov)",
        item_kind="committee",
        options={"committees": ["711"], "back_days": max(back, 28)},
    )


def _note(warnings: Sequence[tuple[str, str]]) -> str:
    if len(warnings) <= 2:
        return "; ".join(f"{code}: {msg[:70]}" for code, msg in warnings)
    counts = Counter(code for code, _ in warnings)
    return ", ".join(f"{code} x{n}" if n > 1 else code for code, n in counts.items())


def _publish_leeds(server: DevServer, version: int) -> None:
    server.serve_file("/leeds/feed/rss", FEEDS / _LEEDS_VERSIONS[version], etag=True)


def _poll(store: Store, settings: Settings, title: str) -> PollSummary:
    out.print(Rule(title, style="cyan"))
    summary = asyncio.run(poll_sources(store, settings, store.sources.specs()))
    table = Table("source", "result", "new", "note", box=None)
    for o in sorted(summary.outcomes, key=lambda o: o.source_id):
        if not o.ok:
            table.add_row(o.source_id, f"[red]{o.error_code}[/]", "", o.error_message or "")
            continue
        note = _note(o.warnings)
        result = "unchanged" if o.not_modified else "parsed"
        table.add_row(o.source_id, f"[green]{result}[/]", str(o.new), note)
    out.print(table)
    out.print(
        f"{summary.new} new item(s), {len(summary.failed)} failed source(s), "
        f"in {summary.duration_s:.1f}s\n"
    )
    return summary


# Fictional sentences (no real council) that show what a tagged item looks like.
_EXAMPLES = [
    "Ashbury Borough Council has issued a section 114 notice after a £40m overspend.",
    "Councillors at Kingsmere District Council passed a motion of no confidence in the "
    "leader, who resigned the same evening.",
    "Changes to bin collection days over the bank holiday weekend.",
]


def _enrich(store: Store, settings: Settings) -> None:
    from monitor.classify import classify_backlog, load_classifier
    from monitor.enrich import StoryGrouper
    from monitor.errors import ClassifierError

    out.print(Rule("Stories, council links and signals", style="cyan"))
    grouped = StoryGrouper(store).run()
    out.print(
        f"  {grouped} items grouped into stories; council links come from the source and the text"
    )
    try:
        classifier = load_classifier(settings)
    except ClassifierError as exc:
        out.print(f"  [yellow]not classified:[/] {exc}\n")
        return
    n = classify_backlog(store, classifier)
    counts = store.signals.counts()
    out.print(
        f"  {n} items classified with {classifier.version}: "
        + (
            ", ".join(f"{k} {v}" for k, v in counts.items())
            or "no signals (the recorded council news is routine, as most news is)"
        )
    )
    out.print("  What a signal looks like (fictional example sentences):")
    for text, p in zip(_EXAMPLES, classifier.predict(_EXAMPLES), strict=True):
        tags = ", ".join(f"{t} {p.scores[t]:.2f}" for t in p.tags) or "no signal"
        out.print(f"    [dim]{text}[/]\n      -> {tags}; sentiment {p.sentiment:+.2f}")
    out.print()


def _discover(server: DevServer) -> None:
    out.print(Rule("Feed autodiscovery on a council home page", style="cyan"))
    page = (DEMO_DATA / "pages" / "stratford_home_2009.html").read_bytes()
    for feed in discover_feeds(page, server.url("/stratford/")):
        out.print(f"  {feed.url}  [dim]{feed.title}[/]")
    out.print("  (`council-monitor sources discover URL` does this for any page)\n")


def _committee_papers(store: Store) -> None:
    out.print(Rule("Committee papers (Kingston's ModernGov, recorded)", style="cyan"))
    rows = store.items.by_source("kingston-committees")
    table = Table("meeting", "document", "type", "text", box=None)
    for row in rows:
        meta = row["meta"]
        when = datetime.fromisoformat(meta["meeting_date"]).astimezone(UTC)
        status = meta.get("text_status", "")
        text = (
            f"{meta.get('pages', 0)} pages, {len(row['text']):,} chars ({meta.get('extraction')})"
            if status == "ok"
            else status or f"{len(row['text'].splitlines())} agenda items"
        )
        document = "Agenda" if meta["doc_type"] == "agenda_items" else row["title"]
        table.add_row(f"{when:%d %b %Y}", document.split(": ", 1)[-1][:60], meta["doc_type"], text)
    out.print(table)
    out.print(
        "  Documents are downloaded once each; the cancelled 4 December meeting yields "
        "nothing;\n  documents and meetings that were not recorded are warnings on the "
        "source, not failures.\n"
    )


def _searches(store: Store) -> None:
    from monitor.cli import render_hit

    for text, filters in _SEARCHES:
        label = text + "".join(f"  --{k} {v}" for k, v in filters.items())
        out.print(Rule(f"search: {label}", style="cyan"))
        hits = store.search.search(SearchQuery(text=text, limit=4, council=filters.get("council")))
        for hit in hits:
            render_hit(hit)
        if not hits:
            out.print("  (no results)")
        out.print()


def _health(store: Store) -> None:
    out.print(Rule("Source health", style="cyan"))
    table = Table("source", "last success", "items", "error", "failures", box=None)
    for h in store.sources.health():
        table.add_row(
            h.id,
            ago(h.last_success),
            str(h.items_total),
            f"[red]{h.last_error}[/]" if h.last_error else "",
            str(h.consecutive_failures),
        )
    out.print(table)
    out.print()


def run_demo(directory: Path) -> None:
    config = _write_config(directory)
    settings = load_settings(config)
    err.print(f"demo database and config in {directory}/ (recreated on every run)")
    with DevServer() as server, Store.open(settings) as store:
        _serve(server)
        report = store.init()
        out.print(f"Database ready: {report.councils} councils loaded from the register.\n")
        specs = load_declarations(DEMO_DATA / "sources.toml", variables={"base": server.base_url})
        store.sources.sync([*specs, _kingston_source(server)], origin="demo")
        _poll(store, settings, "Poll 1: seven sources (one has moved away)")
        _publish_leeds(server, 1)
        _poll(store, settings, "Poll 2: Leeds publishes; the others answer 304 Not Modified")
        _publish_leeds(server, 2)
        _poll(store, settings, "Poll 3: Leeds again (items already stored are not repeated)")
        _enrich(store, settings)
        _committee_papers(store)
        _discover(server)
        _searches(store)
        _health(store)
    cfg = f"--config {config}"
    out.print(Rule("Try next", style="green"))
    out.print(
        f'  council-monitor {cfg} search "council" --json\n'
        f'  council-monitor {cfg} search "new OR election" --since 2026-05 '
        f"--sort relevance\n"
        f"  council-monitor {cfg} sources list\n"
        f"  council-monitor councils show Leeds\n"
        f"  council-monitor councils list --json\n"
        f'  echo \'{{"id": 1, "text": "Woking issues section 114 notice"}}\' | '
        f"council-monitor classify -\n"
        f"  council-monitor {cfg} users add me --role admin   # then:\n"
        f"  council-monitor {cfg} serve                       # http://127.0.0.1:8000/\n"
        "The demo's feed server stops with the demo; run it again to start afresh."
    )
