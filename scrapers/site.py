"""A council's home page, turned into its news source.

Generated for every council with a known home page (``sources generate``): the page is
read for the feeds it advertises (``<link rel="alternate">``); a news feed of the council's
own site is polled as a feed.  With no feed, the page's "News" link is polled as a
newsroom.  The choice is remembered and made again weekly, or at once when the chosen
address stops working (a council that moves its newsroom must not go blind quietly).
With neither, the poll fails with ``no_news_found``: a blind spot is an error, never a
quiet council.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from monitor.errors import GoneError, ParseError
from monitor.types import PollResult, SourceState
from scrapers.base import PollContext, Source, register_kind
from scrapers.feeds import FeedSource, discover_feeds
from scrapers.newsroom import DEFAULT_ARTICLE_PATTERN, DEFAULT_LINKS, poll_newsroom
from scrapers.text import canonical_url, normalise_space

__all__ = ["SiteSource", "choose_feed", "find_news_page"]

REDISCOVER_AFTER = timedelta(days=7)
_NEWSY = re.compile(r"news|press|media|latest|announce", re.I)
_NOT_NEWS = re.compile(
    r"comment|event|job|vacanc|twitter|flickr|friendfeed|facebook|youtube|podcast|consult|"
    r"planning|tender|meeting|agenda|blog",
    re.I,
)
_NEWS_LINK_TEXT = re.compile(
    r"^(latest |council |our )?(news|newsroom|news and (media|events|updates)|press releases?|"
    r"press office|media centre|news centre)$",
    re.I,
)
_NEWS_LINK_PATH = re.compile(
    r"/(news|newsroom|news-?centre|press-?releases?|media-?centre)"
    r"(\.\w+)?/?$",
    re.I,
)


def _same_site(url: str, page_url: str) -> bool:
    a = (urlsplit(url).hostname or "").removeprefix("www.")
    b = (urlsplit(page_url).hostname or "").removeprefix("www.")
    return bool(a and b) and (a == b or a.endswith("." + b) or b.endswith("." + a))


def choose_feed(page: bytes | str, page_url: str) -> str | None:
    """The page's news feed: same site, news-like, not comments/events/jobs/social."""
    best: tuple[int, int, str] | None = None
    for n, feed in enumerate(discover_feeds(page, page_url)):
        label = f"{feed.title} {feed.url}"
        if _NOT_NEWS.search(label) or not _same_site(feed.url, page_url):
            continue
        rank = (0 if _NEWSY.search(label) else 1, n, feed.url)
        best = min(best, rank) if best else rank
    return best[2] if best else None


def find_news_page(page: bytes | str, page_url: str) -> str | None:
    """The link a reader would follow to the council's news."""
    tree = HTMLParser(page if isinstance(page, str) else page.decode("utf-8", "replace"))
    by_path = None
    for a in tree.css("a[href]"):
        url = canonical_url(a.attributes.get("href") or "", base=page_url)
        if not url or not _same_site(url, page_url) or url == canonical_url(page_url):
            continue
        text = normalise_space(a.text() or a.attributes.get("title") or "")
        if _NEWS_LINK_TEXT.match(text):
            return url
        path = urlsplit(url).path
        if by_path is None and _NEWS_LINK_PATH.search(path):
            by_path = url
    return by_path


@register_kind
class SiteSource(Source):
    """A council home page: its news feed if it has one, otherwise its newsroom."""

    kind = "site"
    options_help = {
        "links": "CSS selectors of article links, when the site has no feed "
        f"(default: {DEFAULT_LINKS[:40]}...)",
        "article_pattern": "regular expression article URLs match, when the site has no feed "
        f"(default: {DEFAULT_ARTICLE_PATTERN[:40]}...)",
        "max_articles": "most new articles fetched per poll (default 20)",
    }

    async def poll(self, ctx: PollContext, state: SourceState) -> PollResult:
        extra = state.extra
        now = datetime.now(UTC)
        fresh = False
        found_at = extra.get("site_found_at")
        if (
            not extra.get("site_mode")
            or not found_at
            or (datetime.fromisoformat(found_at) < now - REDISCOVER_AFTER)
        ):
            state = await self._discover(ctx, state, now)
            fresh = True
        try:
            return await self._poll_target(ctx, state)
        except (GoneError, ParseError) as exc:
            if fresh or exc.code not in (
                "gone",
                "http_404",
                "http_410",
                "not_a_feed",
                "no_articles",
                "parse_failed",
            ):
                raise
            # the news moved: look again now rather than fail for a week
            state = await self._discover(ctx, state, now)
            return await self._poll_target(ctx, state)

    async def _discover(self, ctx: PollContext, state: SourceState, now: datetime) -> SourceState:
        response = await ctx.fetcher.get(self.spec.url, accept="text/html")
        feed = choose_feed(response.body, response.url)
        if feed:
            mode, target = "feed", feed
        else:
            news = find_news_page(response.body, response.url)
            if news is None:
                raise ParseError(
                    "the home page advertises no news feed and links to no news page; "
                    "declare a feed or newsroom source for this council",
                    code="no_news_found",
                )
            mode, target = "newsroom", news
        if (state.extra.get("site_mode"), state.extra.get("site_target")) != (mode, target):
            state = SourceState()  # a new target: the old one's validators and hash are void
        extra = dict(state.extra)
        extra.update(site_mode=mode, site_target=target, site_found_at=now.isoformat())
        return SourceState(
            etag=state.etag,
            last_modified=state.last_modified,
            body_hash=state.body_hash,
            extra=extra,
        )

    async def _poll_target(self, ctx: PollContext, state: SourceState) -> PollResult:
        target = str(state.extra["site_target"])
        if state.extra["site_mode"] == "feed":
            feed = FeedSource(replace(self.spec, kind="feed", url=target, options={}))
            return await feed.poll(ctx, state)
        return await poll_newsroom(self, ctx, state, target)
