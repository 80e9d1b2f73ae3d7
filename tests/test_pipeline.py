"""Polling end to end through a real local server, on both backends: after every fault the
process is healthy, the error code is on the source, nothing stored is lost and nothing is
stored twice."""

from __future__ import annotations

import asyncio
import gzip
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.config import Settings
from monitor.demo import DEMO_DATA
from monitor.devserver import DevServer, Reply
from monitor.pipeline import PollSummary, poll_sources
from monitor.store import Store
from monitor.types import SourceSpec

FEEDS = DEMO_DATA / "feeds"
FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
LEEDS = "E08000035"


def run(store: Store, settings: Settings, ids: list[str] | None = None) -> PollSummary:
    return asyncio.run(poll_sources(store, settings, store.sources.specs(ids=ids)))


def counts(store: Store) -> tuple[int, int]:
    """(items, distinct (source, guid) pairs): equal when nothing is stored twice."""
    with store.db.read() as conn:
        total = conn.execute(sa.text("SELECT count(*) FROM item")).scalar_one()
        distinct = conn.execute(
            sa.text("SELECT count(*) FROM (SELECT DISTINCT source_id, guid FROM item) t")
        ).scalar_one()
    return total, distinct


@pytest.fixture
def feed_source(store: Store, server: DevServer) -> SourceSpec:
    server.serve_file("/feed", FEEDS / "bbc_sport_liverpool.xml", etag=True)
    spec = SourceSpec(id="feed", kind="feed", url=server.url("/feed"), council=LEEDS)
    store.sources.add(spec)
    return spec


def test_poll_stores_items_then_skips_unchanged(
    store: Store, settings: Settings, feed_source: SourceSpec, server: DevServer
) -> None:
    first = run(store, settings)
    assert first.new == 4 and not first.failed
    second = run(store, settings)
    assert second.new == 0 and second.not_modified == 1  # 304 thanks to the ETag
    server.serve_file("/feed", FEEDS / "bbc_sport_liverpool.xml")  # same body, no ETag
    third = run(store, settings)
    assert third.new == 0 and third.not_modified == 1  # the body hash matched
    health = store.sources.health()[0]
    assert health.healthy and health.items_total == 4 and health.last_new_item is not None
    log = store.sources.fetch_log("feed")
    assert [e["outcome"] for e in log] == ["not_modified", "not_modified", "new"]


def test_new_capture_of_same_feed_adds_only_new_guids(
    store: Store, settings: Settings, server: DevServer
) -> None:
    store.sources.add(SourceSpec(id="leeds", kind="feed", url=server.url("/leeds"), council=LEEDS))
    server.serve_file("/leeds", FEEDS / "leeds_2026-05-08.xml")
    assert run(store, settings).new == 3
    server.serve_file("/leeds", FEEDS / "leeds_2026-05-27.xml")
    second = run(store, settings)
    assert second.new == 2 and second.outcomes[0].warnings[0][0] == "feed_malformed"
    assert counts(store) == (5, 5)
    assert store.sources.health()[0].warnings[0][0] == "feed_malformed"


FAULTS: dict[str, tuple[Reply, str]] = {
    "http_500": (Reply(status=500), "http_500"),
    "http_503_retry_after": (Reply(status=503, headers={"Retry-After": "120"}), "http_503"),
    "http_429": (Reply(status=429), "http_429"),
    "http_404": (Reply(status=404), "http_404"),
    "http_403_firewall": (Reply(status=403, content_type="text/html"), "http_403"),
    "timeout": (Reply(hang_s=2.0), "timeout"),
    "slow_body": (
        Reply(body=b"<rss>" + b" " * 4000 + b"</rss>", chunks=40, chunk_delay_s=0.1),
        "timeout",
    ),
    "reset": (Reply(reset=True), "connection_reset"),
    "oversized": (Reply(body=b"<rss>" + b"x" * 300_000 + b"</rss>"), "too_large"),
    "gzip_bomb": (
        Reply(
            body=gzip.compress(b"<rss>" + b" " * 50_000_000), headers={"Content-Encoding": "gzip"}
        ),
        "too_large",
    ),
    "html_not_feed": (
        Reply(
            body=(DEMO_DATA / "pages" / "stratford_home_2009.html").read_bytes(),
            content_type="text/html",
        ),
        "not_a_feed",
    ),
    "garbage": (
        Reply(body=b"\x00\xff garbage", content_type="application/octet-stream"),
        "parse_failed",
    ),
    "redirect_loop": (Reply(status=302, headers={"Location": "/feed"}), "redirect_loop"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_is_recorded_and_loses_nothing(
    fault: str, store: Store, settings: Settings, feed_source: SourceSpec, server: DevServer
) -> None:
    settings = settings.replace(
        fetch={
            "max_body_bytes": 200_000,
            "total_timeout_s": 1.0,
            "read_timeout_s": 0.5,
            "max_retries": 0,
        }
    )
    assert run(store, settings).new == 4
    reply, code = FAULTS[fault]
    server.route("/feed", reply)
    for attempt in (1, 2):
        summary = run(store, settings)
        assert [o.error_code for o in summary.failed] == [code]
        health = store.sources.health()[0]
        assert health.last_error == code and health.consecutive_failures == attempt
        assert not health.healthy
        assert counts(store) == (4, 4)
    # it is still scheduled, later than usual
    assert health.next_check is not None and health.last_attempt is not None
    assert health.next_check - health.last_attempt >= timedelta(seconds=200)
    # recovery resets the counter and stores nothing twice
    server.serve_file("/feed", FEEDS / "bbc_sport_liverpool.xml")
    assert not run(store, settings).failed
    health = store.sources.health()[0]
    assert health.consecutive_failures == 0 and health.healthy
    assert counts(store) == (4, 4)


def test_retry_after_pushes_the_next_check(
    store: Store, settings: Settings, feed_source: SourceSpec, server: DevServer
) -> None:
    server.route("/feed", Reply(status=503, headers={"Retry-After": "7200"}))
    run(store, settings)
    health = store.sources.health()[0]
    assert health.next_check - health.last_attempt >= timedelta(seconds=7000)  # type: ignore


def test_robots_disallow_recorded(
    store: Store, settings: Settings, feed_source: SourceSpec, server: DevServer
) -> None:
    server.robots = "User-agent: *\nDisallow: /feed\n"
    summary = run(store, settings)
    assert summary.failed[0].error_code == "robots_disallowed"
    assert server.hits("/feed") == 0


def test_hostile_feed_stored_as_plain_text(
    store: Store, settings: Settings, server: DevServer
) -> None:
    server.serve_file("/h", FIXTURES / "hostile.xml")
    store.sources.add(SourceSpec(id="h", kind="feed", url=server.url("/h")))
    assert run(store, settings).new == 3
    with store.db.read() as conn:
        texts = " ".join(
            r[0] + r[1] + r[2] for r in conn.execute(sa.text("SELECT title, text, url FROM item"))
        )
    assert "<script" not in texts and "javascript:" not in texts and "onerror" not in texts


def test_malformed_suite_through_the_pipeline(
    store: Store, settings: Settings, server: DevServer
) -> None:
    files = sorted((FIXTURES / "feedparser_malformed").rglob("*.xml"))
    for i, path in enumerate(files):
        server.serve_file(f"/m{i}", path, content_type="application/xml")
        store.sources.add(SourceSpec(id=f"m{i}", kind="feed", url=server.url(f"/m{i}")))
    summary = run(store, settings)
    assert len(summary.outcomes) == len(files)
    assert {o.error_code for o in summary.failed} <= {"parse_failed", "not_a_feed"}
    again = run(store, settings)  # unchanged bodies: nothing parsed, nothing new
    assert again.new == 0
    total, distinct = counts(store)
    assert total == distinct


def test_a_crash_while_storing_rolls_back_the_poll(
    store: Store, settings: Settings, feed_source: SourceSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.store.items import ItemRepo

    original = ItemRepo._insert_many

    def insert_then_crash(self: ItemRepo, *args: object, **kw: object) -> list[int]:
        original(self, *args, **kw)  # type: ignore[arg-type]  # rows are written...
        raise RuntimeError("disk on fire")  # ...then the process fails mid-transaction

    monkeypatch.setattr(ItemRepo, "_insert_many", insert_then_crash)
    summary = run(store, settings)
    assert summary.failed[0].error_code == "store_failed"
    assert counts(store) == (0, 0)  # the rows written before the crash were rolled back
    health = store.sources.health()[0]
    assert health.last_error == "store_failed" and health.consecutive_failures == 1
    monkeypatch.setattr(ItemRepo, "_insert_many", original)
    assert run(store, settings).new == 4  # the body hash was not saved: it is re-read
    assert counts(store) == (4, 4)


def test_one_bad_source_does_not_stop_the_others(
    store: Store,
    settings: Settings,
    feed_source: SourceSpec,
    server: DevServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store.sources.add(SourceSpec(id="bad", kind="feed", url=server.url("/nothing")))
    import scrapers.feeds

    real = scrapers.feeds.FeedSource.poll

    async def explode(self: scrapers.feeds.FeedSource, ctx: object, state: object) -> object:
        if self.spec.id == "bad":
            raise ZeroDivisionError("bug")
        return await real(self, ctx, state)  # type: ignore[arg-type]

    monkeypatch.setattr(scrapers.feeds.FeedSource, "poll", explode)
    summary = run(store, settings)
    assert summary.new == 4
    assert [o.error_code for o in summary.failed] == ["internal_error"]


def test_due_sources_respect_the_schedule(
    store: Store, settings: Settings, feed_source: SourceSpec
) -> None:
    assert [s.id for s in store.sources.due()] == ["feed"]  # never polled
    run(store, settings)
    assert store.sources.due() == []
    health = store.sources.health()[0]
    assert health.next_check is not None
    later = health.next_check + timedelta(seconds=1)
    assert [s.id for s in store.sources.due(later)] == ["feed"]


def test_valid_feed_with_wrong_content_type_is_read_with_a_warning(
    store: Store, settings: Settings, server: DevServer
) -> None:
    server.serve_file("/plain", FEEDS / "bbc_sport_liverpool.xml", content_type="text/plain")
    store.sources.add(SourceSpec(id="plain", kind="feed", url=server.url("/plain")))
    summary = run(store, settings)
    assert summary.new == 4
    assert [code for code, _ in summary.outcomes[0].warnings] == ["content_type"]


def test_new_items_are_classified_and_tags_stored_with_the_model_version(
    store: Store, settings: Settings, server: DevServer
) -> None:
    from monitor.classify import classify_backlog, load_classifier

    hostile = (FIXTURES / "hostile.xml").read_text()
    feed = hostile.replace(
        "Budget report &lt;script&gt;alert(1)&lt;/script&gt; published",
        "Ashbury Council issues section 114 notice",
    )
    server.route("/s114", Reply(body=feed.encode()))
    store.sources.add(SourceSpec(id="s114", kind="feed", url=server.url("/s114")))
    assert run(store, settings).new == 3
    classifier = load_classifier(settings)
    assert classify_backlog(store, classifier) == 3
    assert classify_backlog(store, classifier) == 0  # nothing left in the backlog
    with store.db.read() as conn:
        tags = conn.execute(sa.text("SELECT label, evidence, model_version FROM item_tag")).all()
    assert [(t.label, t.model_version) for t in tags] == [
        ("financial_distress", classifier.version)
    ]
    assert tags[0].evidence.startswith("Ashbury Council issues section 114 notice")
    # a new model version makes every item due again: that is what reclassify does
    assert classify_backlog(store, classifier, redo_all=True) == 3


def test_links_and_stories_after_a_fetch(
    store: Store, settings: Settings, server: DevServer
) -> None:
    """Two outlets carry the same story: stored twice (different URLs), grouped once;
    search shows it once with the other outlet counted; links come from the text."""
    from monitor.enrich import StoryGrouper
    from monitor.types import SearchQuery

    story = (
        "Woking Borough Council has issued a section 114 notice after its debts rose "
        "above two billion pounds. The council said all non-essential spending would "
        "stop immediately and that it was talking to the government about support. "
        "Councillors will meet next week to discuss the notice and the next steps."
    )

    def feed(host: str, title: str, extra: str) -> bytes:
        return (
            f'<rss version="2.0"><channel><title>{host}</title><item><guid>{host}-1</guid>'
            f"<title>{title}</title><link>https://{host}/news/1</link>"
            f"<description>{story} {extra}</description>"
            f"<pubDate>Mon, 02 Nov 2026 09:00:00 GMT</pubDate></item></channel></rss>"
        ).encode()

    server.route(
        "/a",
        Reply(
            body=feed("www.surreypaper.example", "Woking issues s114", "Sign up to our newsletter.")
        ),
    )
    server.route(
        "/b",
        Reply(
            body=feed(
                "news.otherpaper.example",
                "Bankrupt council halts spending",
                "Follow us on social media.",
            )
        ),
    )
    store.sources.add(SourceSpec(id="a", kind="feed", url=server.url("/a")))
    store.sources.add(SourceSpec(id="b", kind="feed", url=server.url("/b")))
    assert run(store, settings).new == 2
    with store.db.read() as conn:
        linked = conn.execute(
            sa.text("SELECT item_id, council_gss, role, method FROM item_council ORDER BY item_id")
        ).all()
    assert [(r.council_gss, r.role, r.method) for r in linked] == [
        ("E07000217", "primary", "text")
    ] * 2
    assert StoryGrouper(store).run() == 2
    assert StoryGrouper(store).run() == 0  # nothing left, and a new grouper rebuilds
    with store.db.read() as conn:
        stories = conn.execute(sa.text("SELECT items, outlets FROM story")).all()
    assert [(s.items, s.outlets) for s in stories] == [(2, 2)]
    hits = store.search.search(SearchQuery(text="section 114"))
    assert len(hits) == 1 and hits[0].also_in == 1
    assert hits[0].councils == ("E07000217",)
    filtered = store.search.search(SearchQuery(text="section 114", council="E07000217"))
    assert len(filtered) == 1
