"""Committee documents (PDF and HTML) to text, kept whole but split into sections.

* pypdf's plain extraction breaks some councils' PDFs into one word per line (Kingston's
  reports come out that way); when most lines hold a single word, the layout mode is used.
* Limits: at most ``max_pages`` pages are read; the fetcher already caps the size.
* A PDF that yields no text (a scan, or an empty file) is *recorded as such* with
  ``status = "no_text"``, never stored as a silently empty document.
* Sections: paragraphs (blank-line separated) with their character offsets, so that later
  stages can point at the paragraph that matters.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field

from monitor.errors import ParseError
from scrapers.text import html_to_text, normalise_space

__all__ = ["Document", "document_text", "pdf_text", "split_sections"]

log = logging.getLogger(__name__)
MIN_TEXT_CHARS = 40
MAX_TEXT_CHARS = 600_000  # about 300 dense pages; the rest is cut and the status says so
_HEADING = re.compile(r"^(\d+(\.\d+)*\.?|[A-Z][A-Z \-&,]{3,60})$")


@dataclass
class Document:
    text: str
    status: str = "ok"  # ok | no_text | truncated
    pages: int = 0
    mode: str = ""  # plain | layout | html
    sections: list[tuple[int, int]] = field(default_factory=list)


def _broken(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 20:
        return False
    single = sum(1 for line in lines if len(line.split()) <= 1)
    return single / len(lines) > 0.6


def pdf_text(data: bytes, max_pages: int = 200) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")
        pages = reader.pages
        count = len(pages)
        chosen = [pages[i] for i in range(min(count, max_pages))]
        plain = "\n".join(page.extract_text() or "" for page in chosen)
        mode = "plain"
        if _broken(plain):
            plain = "\n\n".join(
                page.extract_text(extraction_mode="layout") or "" for page in chosen
            )
            mode = "layout"
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ParseError(f"unreadable PDF: {exc}", code="pdf_unreadable") from exc
    except Exception as exc:  # pypdf raises assorted errors on damaged files
        raise ParseError(
            f"unreadable PDF: {type(exc).__name__}: {exc}", code="pdf_unreadable"
        ) from exc
    text = _tidy(plain)
    status = "ok"
    if len(text) < MIN_TEXT_CHARS:
        status, text = "no_text", ""
    elif count > max_pages or len(text) > MAX_TEXT_CHARS:
        status, text = "truncated", text[:MAX_TEXT_CHARS]
    return Document(text=text, status=status, pages=count, mode=mode, sections=split_sections(text))


def _tidy(text: str) -> str:
    # layout mode pads columns with runs of spaces; collapse them, keep paragraphs
    text = re.sub(r"[ \t]{2,}", " ", text)
    return normalise_space(text)


def split_sections(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the paragraphs of ``text``."""
    out = []
    for match in re.finditer(r"\S(?:.*?)(?=\n\s*\n|\Z)", text, re.S):
        out.append((match.start(), match.end()))
    return out


def document_text(data: bytes, content_type: str, url: str, max_pages: int = 200) -> Document:
    """Text of a fetched document, whatever its type."""
    kind = content_type.lower()
    if (
        kind == "application/pdf"
        or data[:5] == b"%PDF-"
        or url.lower().split("?")[0].endswith(".pdf")
    ):
        return pdf_text(data, max_pages)
    if "html" in kind or data.lstrip()[:1] == b"<":
        text = html_to_text(data.decode("utf-8", errors="replace"))[:MAX_TEXT_CHARS]
        return Document(
            text=text,
            status="ok" if len(text) >= MIN_TEXT_CHARS else "no_text",
            mode="html",
            sections=split_sections(text),
        )
    if kind.startswith("text/"):
        text = normalise_space(data.decode("utf-8", errors="replace"))[:MAX_TEXT_CHARS]
        return Document(text=text, mode="text", sections=split_sections(text))
    raise ParseError(
        f"cannot read documents of type {content_type or 'unknown'}", code="unsupported_document"
    )
