"""RSS, Atom and RDF feeds, and feed autodiscovery.

feedparser only ever sees bytes that :mod:`scrapers.fetch` fetched (its own URL fetching
has no timeout), and it runs off the event loop: at ~15 ms for a 50-item feed it would
otherwise stall every other fetch.  An unchanged body (304, or the same SHA-256 as last
time) is never parsed at all.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from monitor.errors import ParseError
from monitor.types import FetchedBody, PollResult, RawItem, SourceState
from scrapers.base import PollContext, Source, register_kind
from scrapers.text import canonical_url, html_to_text

__all__ = ["DiscoveredFeed", "FeedSource", "ParsedFeed", "discover_feeds", "parse_feed"]

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/xml",
    "text/xml",
    "application/rss",
    "application/x-rss+xml",
    "application/x-atom+xml",
}
MAX_TITLE_CHARS = 1000
MAX_TEXT_CHARS = 200_000
MAX_ENTRIES = 1000


@dataclass
class ParsedFeed:
    title: str
    link: str
    items: list[RawItem]
    warnings: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DiscoveredFeed:
    url: str
    title: str
    type: str


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _body(entry: Any) -> str:
    candidates = [c.get("value", "") for c in entry.get("content", []) or []]
    candidates.append(entry.get("summary", "") or "")
    best = max(candidates, key=len)
    return html_to_text(best)[:MAX_TEXT_CHARS]


def _entry(entry: Any, base: str) -> RawItem | None:
    title = html_to_text(entry.get("title", "") or "")[:MAX_TITLE_CHARS]
    text = _body(entry)
    link = canonical_url(entry.get("link", "") or "", base=base or None)
    if not (title or text or link):
        return None
    guid = (entry.get("id") or "").strip() or link
    if not guid:
        guid = "sha1:" + hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()
    tags = [t.get("term") for t in entry.get("tags", []) or [] if t.get("term")]
    meta: dict[str, Any] = {"tags": tags[:20]} if tags else {}
    return RawItem(
        guid=guid[:1000],
        url=link,
        title=title,
        text=text,
        published=_when(entry),
        author=(entry.get("author") or None),
        meta=meta,
    )


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:300]


def _bozo_warning(
    exc: object, content_type: str, kept: int, dropped: int
) -> tuple[str, str] | None:
    """Name what feedparser complained about: the served type, the encoding, or the XML."""
    if isinstance(exc, feedparser.NonXMLContentType):
        if not content_type:
            return None  # no header given to us: nothing to report
        return ("content_type", f"served as {content_type.split(';')[0]}, not an XML type")
    if isinstance(exc, feedparser.CharacterEncodingOverride | feedparser.CharacterEncodingUnknown):
        return ("encoding_mismatch", f"{str(exc)[:300]}")
    damaged = f" ({dropped} too damaged to keep)" if dropped else ""
    return (
        "feed_malformed",
        f"{type(exc).__name__}: {str(exc)[:300]}; recovered {kept} entries{damaged}",
    )


def parse_feed(body: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """Parse a feed body; recover malformed ("bozo") feeds where feedparser can.

    Raises ParseError when the body is not a feed at all (for instance an HTML page:
    the message then names the feeds that page advertises).
    """
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(
        body, response_headers=headers, sanitize_html=True, resolve_relative_uris=True
    )
    warnings: list[tuple[str, str]] = []
    entries = parsed.entries[:MAX_ENTRIES]
    if not parsed.version and not entries:
        if _looks_like_html(body):
            found = discover_feeds(body, url)
            hint = "; the page advertises " + ", ".join(f.url for f in found[:3]) if found else ""
            raise ParseError(f"got an HTML page, not a feed{hint}", code="not_a_feed")
        reason = str(parsed.get("bozo_exception", "no feed elements found"))
        raise ParseError(f"not a readable feed: {reason[:300]}", code="parse_failed")
    if len(parsed.entries) > MAX_ENTRIES:
        warnings.append(
            ("too_many_entries", f"kept the first {MAX_ENTRIES} of {len(parsed.entries)} entries")
        )
    feed = parsed.get("feed", {})
    base = canonical_url(feed.get("link", "") or "", base=url) or url
    items = [item for item in (_entry(e, base) for e in entries) if item is not None]
    if parsed.bozo:
        warning = _bozo_warning(
            parsed.get("bozo_exception"), content_type, len(items), len(entries) - len(items)
        )
        if warning:
            warnings.append(warning)
    return ParsedFeed(
        title=html_to_text(feed.get("title", "") or ""), link=base, items=items, warnings=warnings
    )


def discover_feeds(page: bytes | str, base_url: str) -> list[DiscoveredFeed]:
    """Feeds a page advertises with ``<link rel="alternate" type="application/rss+xml">``."""
    tree = HTMLParser(page if isinstance(page, str) else page.decode("utf-8", "replace"))
    found: list[DiscoveredFeed] = []
    seen: set[str] = set()
    for node in tree.css("link[href]"):
        rel = (node.attributes.get("rel") or "").lower().split()
        kind = (node.attributes.get("type") or "").lower().strip()
        if "alternate" not in rel or kind not in FEED_TYPES:
            continue
        url = canonical_url(node.attributes.get("href") or "", base=base_url)
        if url and url not in seen:
            seen.add(url)
            found.append(
                DiscoveredFeed(
                    url=url, title=(node.attributes.get("title") or "").strip(), type=kind
                )
            )
    return found


@register_kind
class FeedSource(Source):
    """An RSS, Atom or RDF feed (council newsrooms, BBC, local papers, GOV.UK Atom)."""

    kind = "feed"
    options_help = {}

    async def poll(self, ctx: PollContext, state: SourceState) -> PollResult:
        response = await ctx.fetcher.get(
            self.spec.url, etag=state.etag, last_modified=state.last_modified, accept=FEED_ACCEPT
        )
        new_state = SourceState(
            etag=response.etag or state.etag,
            last_modified=response.last_modified or state.last_modified,
            body_hash=state.body_hash,
            extra=dict(state.extra),
        )
        result = PollResult(
            state=new_state, bytes_received=response.bytes_received, requests=response.requests
        )
        if response.not_modified or response.sha256 == state.body_hash:
            result.not_modified = True
            return result
        parsed = await ctx.run_cpu(
            parse_feed, response.body, response.url, response.headers.get("content-type", "")
        )
        new_state.body_hash = response.sha256
        if response.redirects:
            new_state.extra["final_url"] = response.url
        result.items = parsed.items
        result.warnings = parsed.warnings
        result.bodies = [
            FetchedBody(
                url=response.url,
                content_type=response.content_type,
                data=response.body,
                sha256=response.sha256,
            )
        ]
        return result
