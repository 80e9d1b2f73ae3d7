"""Untrusted HTML to safe HTML or plain text, and URLs to their canonical form."""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import nh3
from selectolax.lexbor import LexborHTMLParser as HTMLParser

__all__ = ["canonical_url", "html_to_text", "normalise_space", "sanitise_html"]

_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "header",
    "footer",
    "dd",
    "dt",
    "figcaption",
}
_DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "form",
    "button",
    "select",
    "textarea",
    "head",
]
_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# soft hyphens and zero-width characters sit inside words ("Wok\u00ading\u00adham"):
# dropped, not made spaces
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_TRACKING = re.compile(
    r"^(utm_[a-z]+|at_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|"
    r"ns_mchannel|ns_source|ns_campaign|ns_linkname|ns_fee|_ga|igshid|"
    r"xtor|ito|share|s_cid)$",
    re.IGNORECASE,
)

SAFE_TAGS = {
    "a",
    "p",
    "br",
    "b",
    "strong",
    "i",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h2",
    "h3",
    "h4",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "pre",
}


def normalise_space(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    lines = [_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


_TAG_LIKE = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment or page, with paragraph breaks kept.

    Markup that was escaped twice (common in feed titles) shows up as tags in the text;
    one more pass removes it, so the stored text never carries markup.
    """
    text = _html_to_text(markup)
    if _TAG_LIKE.search(text):
        text = _html_to_text(text)
    return text


def _html_to_text(markup: str) -> str:
    if not markup:
        return ""
    if "<" not in markup:
        return normalise_space(html.unescape(markup))
    tree = HTMLParser(markup)
    for tag in _DROP_TAGS:
        for node in tree.css(tag):
            node.decompose()
    root = tree.body or tree.root
    if root is None:
        return ""
    parts: list[str] = []
    for node in root.traverse(include_text=True):
        if node.tag == "-text":
            parts.append(node.text_content or "")
        elif node.tag in _BLOCK_TAGS:
            parts.append("\n")
    return normalise_space("".join(parts))


def sanitise_html(markup: str) -> str:
    """HTML safe to show in a page: a small allow-list, http(s) links only, no attributes
    beyond ``href`` and ``title``; scripts, event handlers and styles are removed."""
    return nh3.clean(
        markup,
        tags=SAFE_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def canonical_url(url: str, base: str | None = None) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters.

    Two links to the same story from two feeds (one with ``?at_medium=RSS``) compare equal.
    """
    url = (url or "").strip()
    if not url:
        return ""
    try:
        if base and not urlsplit(url).scheme:
            url = urljoin(base, url)
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""  # "http://[bad", "http://host:abc/": no address to keep
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host:
        return ""  # javascript:, data:, mailto: and relative junk are never item links
    netloc = (
        host
        if port is None or (scheme, port) in (("http", 80), ("https", 443))
        else f"{host}:{port}"
    )
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        ]
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))
