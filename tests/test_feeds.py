"""Feed parsing on real captures, feedparser's malformed suite and hostile payloads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.demo import DEMO_DATA
from monitor.errors import ParseError
from scrapers.feeds import discover_feeds, parse_feed
from scrapers.text import canonical_url, html_to_text, sanitise_html

FEEDS = DEMO_DATA / "feeds"
FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
MALFORMED = sorted((FIXTURES / "feedparser_malformed").rglob("*.xml"))


def _header_content_type(path: Path) -> str:
    match = re.search(rb"Header:\s*Content-type:\s*([^\n]+)", path.read_bytes()[:600], re.I)
    return match.group(1).decode().strip() if match else "application/xml"


def test_complete_bbc_feed() -> None:
    parsed = parse_feed((FEEDS / "bbc_sport_liverpool.xml").read_bytes(), "https://x/rss")
    assert parsed.warnings == []
    assert len(parsed.items) >= 4
    for item in parsed.items:
        assert item.title and item.url.startswith("https://") and item.published is not None
        assert "at_medium" not in item.url  # tracking parameters dropped


@pytest.mark.parametrize(
    "name,min_items",
    [
        ("leeds_2026-05-08.xml", 3),
        ("leeds_2026-05-27.xml", 2),
        ("leeds_2026-06.xml", 2),
        ("cotswold_2026-07.xml", 2),
        ("bbc_topic_hitcham_2026-05-04.xml", 2),
    ],
)
def test_truncated_real_captures_recover_entries_with_a_warning(name: str, min_items: int) -> None:
    parsed = parse_feed((FEEDS / name).read_bytes(), "https://news.example/feed/rss")
    assert len(parsed.items) >= min_items
    assert [code for code, _ in parsed.warnings] == ["feed_malformed"]
    for item in parsed.items:
        assert item.guid and item.title
        assert "<" not in item.text  # HTML reduced to text


def test_prgloo_dates_with_z_zone_parse() -> None:
    parsed = parse_feed((FEEDS / "leeds_2026-06.xml").read_bytes(), "https://x")
    first = parsed.items[0]
    assert first.published is not None
    assert first.published.isoformat() == "2026-06-03T08:18:00+00:00"


def test_empty_channel_is_a_feed_with_no_items() -> None:
    parsed = parse_feed((FEEDS / "parliament_lords_empty.xml").read_bytes(), "https://x")
    assert parsed.items == [] and parsed.title == "House of Lords Business"


@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: p.name)
def test_feedparser_malformed_suite_never_crashes(path: Path) -> None:
    body = path.read_bytes()
    try:
        parsed = parse_feed(body, "http://example.org/feed", _header_content_type(path))
    except ParseError as exc:
        assert exc.code in ("parse_failed", "not_a_feed")
        return
    for item in parsed.items:
        assert isinstance(item.title, str) and isinstance(item.text, str)
        assert "<script" not in item.text.lower()


def test_malformed_suite_mostly_recovers() -> None:
    recovered = 0
    for path in MALFORMED:
        try:
            parse_feed(path.read_bytes(), "http://example.org/", _header_content_type(path))
            recovered += 1
        except ParseError:
            pass
    # feedparser recovers the great majority; the rest must fail cleanly (above)
    assert recovered >= len(MALFORMED) * 0.7


def test_hostile_payloads_are_reduced_to_plain_text() -> None:
    parsed = parse_feed((FIXTURES / "hostile.xml").read_bytes(), "https://hostile.example/")
    by_guid = {i.guid.rsplit("/", 1)[-1]: i for i in parsed.items}
    first, second, third = by_guid["hostile-1"], by_guid["hostile-2"], by_guid["hostile-3"]
    everything = " ".join(f"{i.title} {i.text} {i.url}" for i in parsed.items).lower()
    for marker in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "onmouseover",
        "javascript:",
        "<svg",
        "<iframe",
        "display:none",
        "alert(3)",
        "alert(6)",
    ):
        assert marker not in everything, marker
    assert first.url == ""  # a javascript: link is never stored as the item's link
    assert "Council publishes its budget report." in first.text
    assert "The cabinet met on Tuesday." in second.text
    assert second.url == "https://hostile.example/news/cabinet?id=7"
    assert third.url == "https://hostile.example/news/leader"
    assert third.title == "Leader statement"  # double-escaped markup removed too


def test_html_page_instead_of_feed_names_the_advertised_feeds() -> None:
    page = (DEMO_DATA / "pages" / "stratford_home_2009.html").read_bytes()
    with pytest.raises(ParseError) as info:
        parse_feed(page, "http://www.stratford.gov.uk/", "text/html")
    assert info.value.code == "not_a_feed"
    assert "http://www.stratford.gov.uk/files/news/news.xml" in str(info.value)


def test_garbage_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as info:
        parse_feed(b"\x00\x01 this is not xml at all", "http://x/", "application/xml")
    assert info.value.code == "parse_failed"


def test_feed_autodiscovery_on_a_real_council_home_page() -> None:
    page = (DEMO_DATA / "pages" / "stratford_home_2009.html").read_bytes()
    feeds = discover_feeds(page, "http://www.stratford.gov.uk/")
    urls = [f.url for f in feeds]
    assert len(feeds) >= 8
    assert urls[0] == "http://www.stratford.gov.uk/files/news/news.xml"
    assert feeds[0].title == "News and Press Releases"


@pytest.mark.parametrize(
    "raw,expected",
    [
        (
            "HTTPS://News.Example.COM:443/a/b?utm_source=x&id=3#frag",
            "https://news.example.com/a/b?id=3",
        ),
        (
            "https://www.bbc.co.uk/news/articles/c1?at_medium=RSS&at_campaign=rss",
            "https://www.bbc.co.uk/news/articles/c1",
        ),
        ("http://example.org:8080/x", "http://example.org:8080/x"),
        ("javascript:alert(1)", ""),
        ("", ""),
        # urlsplit raises on these: no address, never an error
        ("http://[not-an-ip/news/1", ""),
        ("http://example.org:abc/x", ""),
        ("http://example.org:99999/x", ""),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


def test_an_unparsable_link_loses_neither_its_item_nor_the_others() -> None:
    feed = (
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><guid>a</guid><title>Budget set</title><link>http://paper.example:99999/1</link></item>"
        b"<item><guid>b</guid><title>Leader quits</title>"
        b"<link>https://paper.example/2</link></item></channel></rss>"
    )
    parsed = parse_feed(feed, "https://paper.example/feed")
    assert [(i.title, i.url) for i in parsed.items] == [
        ("Budget set", ""),
        ("Leader quits", "https://paper.example/2"),
    ]


def test_relative_links_resolve_against_the_feed() -> None:
    assert (
        canonical_url("/news/1", base="https://council.example/feed")
        == "https://council.example/news/1"
    )


def test_html_to_text_keeps_paragraphs_and_drops_scripts() -> None:
    text = html_to_text(
        "<h2>Budget</h2><p>Gap of &pound;5m.</p><script>x()</script><p>Next&nbsp;steps</p>"
    )
    assert text == "Budget\nGap of £5m.\nNext steps"


def test_html_to_text_drops_invisible_characters_inside_words() -> None:
    # soft hyphens (&shy;) and zero-width spaces that a page puts inside words are
    # dropped, so "Wokingham" stays one word for search and linking
    text = html_to_text("<p>Wok&shy;ing&shy;ham Bor\u200bough Council&#8203; met.</p>")
    assert text == "Wokingham Borough Council met."


def test_sanitise_html_keeps_safe_markup_only() -> None:
    clean = sanitise_html(
        '<p onclick="x()">Hi <a href="javascript:y()">l</a> '
        '<a href="https://ok.example/">ok</a><script>z()</script></p>'
    )
    assert "onclick" not in clean and "javascript" not in clean and "<script" not in clean
    assert 'href="https://ok.example/"' in clean
