"""Council newsrooms without a feed: a listing page leading to article pages.

The listing's article links are found with CSS selectors (``links``; the defaults cover the
common council platforms: LocalGov Drupal, Jadu, GOSS, Granicus/Umbraco/WordPress-style
lists) and filtered by ``article_pattern`` (same site, a news-like path).  Each new article
is fetched once; its title, date and main text come from trafilatura and from the page's
own metadata (``article:published_time``, ``<time datetime>``, JSON-LD ``datePublished``),
the metadata being preferred because it carries the time of day.  An unchanged listing
(same hash) costs one request and nothing else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from monitor.errors import ConfigError, FetchError, GoneError, ParseError
from monitor.types import FetchedBody, PollResult, RawItem, SourceState
from scrapers.base import PollContext, Source, register_kind
from scrapers.text import canonical_url, html_to_text, normalise_space

__all__ = ["Article", "NewsroomSource", "article_links", "parse_article"]

DEFAULT_LINKS = ", ".join(
    [
        ".lgd-teaser a",  # LocalGov Drupal
        ".localgov-news-search a",
        "a[href*='news_article.php']",  # classic Jadu
        ".list--record a",  # Jadu Continuum
        ".news-listing a",  # GOSS and others
        ".news-list a",
        ".newsListing a",
        ".news-item a",
        ".news__item a",
        "article a",
        "main li a",
        "main h2 a",
        "main h3 a",
        "#content h2 a",
        "#content h3 a",
    ]
)
DEFAULT_ARTICLE_PATTERN = (
    r"/news/.+|/news-?room/.+|/press-?releases?/.+|/articles?/.+|news_article\.php|"
    r"/latest-news/.+|/media-?centre/.+|/council-news/.+|[?&]newsID=\d+"
)
_SKIP = re.compile(
    r"[?&](page|p|sort|category|tag|year|month)=|/(page|category|categories|tag|tags|archive|"
    r"search|feed|rss)(/|$)|\.(pdf|docx?|xlsx?|jpg|png)$",
    re.I,
)
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "dc.date",
    "dcterms.created",
    "dcterms.issued",
    "date",
)
_CUT_TITLE = re.compile(r"\s+[|\u2013\u2014-]\s+[^|\u2013\u2014-]{2,60}$")


@dataclass
class Article:
    title: str
    text: str
    published: datetime | None
    author: str | None = None


def article_links(
    html: str, page_url: str, selectors: str = DEFAULT_LINKS, pattern: str = DEFAULT_ARTICLE_PATTERN
) -> list[str]:
    """Article URLs on a listing page, in page order, same site only."""
    tree = HTMLParser(html)
    site = (urlsplit(page_url).hostname or "").removeprefix("www.")
    listing = canonical_url(page_url)
    regex = re.compile(pattern, re.I)
    out: list[str] = []
    for a in tree.css(selectors):
        url = canonical_url(a.attributes.get("href") or "", base=page_url)
        if not url or url == listing or url in out:
            continue
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        if host != site and not host.endswith("." + site) and not site.endswith("." + host):
            continue
        path = urlsplit(url).path + ("?" + urlsplit(url).query if urlsplit(url).query else "")
        if not regex.search(path) or _SKIP.search(path):
            continue
        out.append(url)
    return out


def _parse_date(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        from scrapers.committee import parse_when

        return parse_when(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json_ld_dates(tree: HTMLParser) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("datePublished", "dateCreated"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for script in tree.css("script[type='application/ld+json']"):
        try:
            walk(json.loads(script.text() or "null"))
        except (ValueError, RecursionError):
            continue
    return found


def _page_date(tree: HTMLParser) -> datetime | None:
    candidates: list[str] = []
    for meta in tree.css("meta"):
        name = meta.attributes.get("property") or meta.attributes.get("name") or ""
        name = name or meta.attributes.get("itemprop") or ""
        if name in _DATE_META or name.lower() in (n.lower() for n in _DATE_META):
            candidates.append(meta.attributes.get("content") or "")
    candidates += _json_ld_dates(tree)
    for node in tree.css("article time[datetime], main time[datetime], time[datetime]"):
        candidates.append(node.attributes.get("datetime") or "")
    for value in candidates:
        parsed = _parse_date(value)
        if parsed:
            return parsed
    return None


def parse_article(html: str, url: str) -> Article:
    """Title, main text and date of an article page (trafilatura plus page metadata)."""
    import trafilatura

    tree = HTMLParser(html)
    raw = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    # trafilatura returns a Document (or a dict when asked); read both the same way
    found: dict[str, Any] = {}
    if isinstance(raw, dict):
        found = raw
    elif raw is not None:
        found = {k: getattr(raw, k, None) for k in ("title", "text", "date", "author")}
    title = ""
    for selector in ("meta[property='og:title']", "meta[name='twitter:title']"):
        node = tree.css_first(selector)
        if node is not None and (node.attributes.get("content") or "").strip():
            title = normalise_space(node.attributes.get("content") or "")
            break
    if not title:
        h1 = tree.css_first("main h1") or tree.css_first("article h1") or tree.css_first("h1")
        title = normalise_space(h1.text()) if h1 is not None else ""
    if not title and found.get("title"):
        title = normalise_space(str(found["title"]))
    if not title:
        head = tree.css_first("title")
        title = _CUT_TITLE.sub("", normalise_space(head.text())) if head is not None else ""
    text = normalise_space(str(found.get("text") or ""))
    if not text:
        main = tree.css_first("article") or tree.css_first("main")
        text = html_to_text(main.html or "") if main is not None else ""
    if text.startswith(title):
        text = text[len(title) :].lstrip()
    published = _page_date(tree)
    if published is None and found.get("date"):
        published = _parse_date(str(found["date"]))
    author = str(found["author"]) if found.get("author") else None
    return Article(title=title, text=text, published=published, author=author)


@register_kind
class NewsroomSource(Source):
    """A council news listing page and its articles (for councils with no feed)."""

    kind = "newsroom"
    options_help = {
        "links": "CSS selectors of article links on the listing page "
        "(default: the common council platforms)",
        "article_pattern": "regular expression an article URL's path matches",
        "max_articles": "most new articles fetched per poll (default 20)",
    }

    def validate(self) -> None:
        super().validate()
        pattern = self.spec.options.get("article_pattern")
        if pattern is not None:
            try:
                re.compile(str(pattern))
            except re.error as exc:
                raise ConfigError(
                    f"not a regular expression: {exc}", key=self.key("options.article_pattern")
                ) from exc
        links = self.spec.options.get("links")
        if links is not None:
            try:
                HTMLParser("<p></p>").css(str(links))
            except Exception as exc:
                raise ConfigError(
                    f"not a CSS selector: {exc}", key=self.key("options.links")
                ) from exc
        value = self.spec.options.get("max_articles")
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ConfigError("must be a whole number >= 1", key=self.key("options.max_articles"))

    async def poll(self, ctx: PollContext, state: SourceState) -> PollResult:
        return await poll_newsroom(self, ctx, state, self.spec.url)


async def poll_newsroom(
    source: Source, ctx: PollContext, state: SourceState, listing_url: str
) -> PollResult:
    """One poll of a newsroom listing (also used by the ``site`` kind)."""
    options = source.spec.options
    response = await ctx.fetcher.get(
        listing_url, etag=state.etag, last_modified=state.last_modified, accept="text/html"
    )
    extra = dict(state.extra)
    seen: dict[str, str] = dict(extra.get("articles") or {})
    new_state = SourceState(
        etag=response.etag or state.etag,
        last_modified=response.last_modified or state.last_modified,
        body_hash=state.body_hash,
        extra=extra,
    )
    result = PollResult(
        state=new_state, bytes_received=response.bytes_received, requests=response.requests
    )
    if response.not_modified or (response.sha256 == state.body_hash and not extra.get("pending")):
        result.not_modified = True
        return result
    links = article_links(
        response.body.decode("utf-8", "replace"),
        response.url,
        str(options.get("links") or DEFAULT_LINKS),
        str(options.get("article_pattern") or DEFAULT_ARTICLE_PATTERN),
    )
    if not links and not seen:
        raise ParseError(
            "no article links on the listing page (set options.links or article_pattern)",
            code="no_articles",
        )
    now = datetime.now(UTC).isoformat()
    fresh = [u for u in links if u not in seen]
    budget = int(options.get("max_articles", 20))
    retry = False
    for url in fresh[:budget]:
        try:
            page = await ctx.fetcher.get(url, accept="text/html")
        except FetchError as exc:
            result.warnings.append(("article_failed", f"{url}: {exc.code}"))
            if isinstance(exc, GoneError):
                seen[url] = now
            else:
                retry = True
            continue
        result.requests += page.requests
        result.bytes_received += page.bytes_received
        article = await ctx.run_cpu(parse_article, page.body.decode("utf-8", "replace"), page.url)
        seen[url] = now
        if not article.title and not article.text:
            result.warnings.append(("article_empty", url))
            continue
        result.items.append(
            RawItem(
                guid=url,
                url=canonical_url(page.url) or url,
                title=article.title,
                text=article.text,
                published=article.published,
                author=article.author,
            )
        )
        result.bodies.append(
            FetchedBody(
                url=page.url, content_type=page.content_type, data=page.body, sha256=page.sha256
            )
        )
    # more to fetch (budget, or a failure worth retrying): do not skip an unchanged listing
    extra["pending"] = len(fresh) > budget or retry
    extra["articles"] = dict(sorted(seen.items(), key=lambda kv: kv[1])[-2000:])
    new_state.body_hash = response.sha256
    return result
