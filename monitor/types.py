"""Plain typed values that cross the boundaries between packages.

Scrapers produce :class:`RawItem`; the store turns them into rows; the search returns
:class:`SearchHit`.  None of these is a database table: tables live in
:mod:`monitor.store.tables`, and API schemas in :mod:`monitor.web` (when it exists).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

__all__ = [
    "Council",
    "FetchedBody",
    "PollResult",
    "RawItem",
    "SearchHit",
    "SearchQuery",
    "SourceSpec",
    "SourceState",
    "SignalStory",
    "ItemText",
    "Verdict",
]

ItemKind = Literal["council_news", "press", "committee", "document"]


@dataclass(frozen=True, slots=True)
class Council:
    """One row of the council register (current or former)."""

    gss: str
    name: str
    short_name: str
    type: str
    type_name: str
    nation: str
    region: str
    current: bool
    principal: bool
    start_date: date | None = None
    end_date: date | None = None
    successors: tuple[str, ...] = ()
    predecessors: tuple[str, ...] = ()
    parent_gss: str | None = None
    homepage: str | None = None
    committee_system: str | None = None
    committee_url: str | None = None
    committee_url_confirmations: int = 0
    aliases: tuple[str, ...] = ()
    code: str = ""  # mySociety three-letter register code
    # other hosts of its pages: older or second committee systems ("camden.moderngov.co.uk")
    sites: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for key in ("start_date", "end_date"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        for key in ("successors", "predecessors", "aliases", "sites"):
            data[key] = list(data[key])
        return data


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """How a source is declared: what to fetch, for which council, how often."""

    id: str
    kind: str
    url: str
    council: str | None = None
    name: str = ""
    interval_s: int = 0  # 0: the kind's default from the configuration
    item_kind: str = ""  # "": derived (council_news when council is set, press otherwise)
    options: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True


@dataclass(slots=True)
class SourceState:
    """What a source remembers between polls, for conditional GET and change detection."""

    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FetchedBody:
    """A fetched response body kept for re-processing (stored compressed by its hash)."""

    url: str
    content_type: str
    data: bytes
    sha256: str


@dataclass(slots=True)
class RawItem:
    """One item as a scraper saw it, before the store gives it an identity."""

    guid: str
    url: str
    title: str
    text: str
    published: datetime | None = None
    author: str | None = None
    kind: str = ""
    council: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    # (gss, role, confidence, method) found by the linking stage; empty: the source's
    # council, if any, is the primary council
    links: list[tuple[str, str, float, str]] = field(default_factory=list)


@dataclass(slots=True)
class PollResult:
    """What one poll of a source produced."""

    items: list[RawItem] = field(default_factory=list)
    state: SourceState = field(default_factory=SourceState)
    not_modified: bool = False  # 304, or the body hash matched: nothing was parsed
    bodies: list[FetchedBody] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (code, message)
    bytes_received: int = 0
    requests: int = 0


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str
    council: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    kind: str | None = None
    sort: Literal["newest", "relevance"] = "newest"
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True, slots=True)
class SearchHit:
    item_id: int
    title: str
    url: str
    published: datetime | None
    kind: str
    source: str
    councils: tuple[str, ...]
    council_names: tuple[str, ...]
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    score: float | None = None
    published_estimated: bool = False  # the source gave no date: this is when it was seen
    story_id: int | None = None
    also_in: int = 0  # other outlets that carried the same story

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.item_id,
            "title": self.title,
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "published_estimated": self.published_estimated,
            "kind": self.kind,
            "source": self.source,
            "council": self.council_names[0] if self.council_names else None,
            "councils": [
                {"gss": g, "name": n}
                for g, n in zip(self.councils, self.council_names, strict=False)
            ],
            "snippet": self.snippet,
            "highlights": [list(span) for span in self.highlights],
            "score": self.score,
            "story_id": self.story_id,
            "also_in_outlets": self.also_in,
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """The classifier's output for one item (and one council, or "" for the whole item)."""

    item_id: int
    council_gss: str
    scores: dict[str, float]
    tags: tuple[str, ...]
    evidence: dict[str, str]
    sentiment: float
    rules: dict[str, list[str]]
    model_version: str


@dataclass(frozen=True, slots=True)
class ItemText:
    """What the classifier and the linker read of a stored item."""

    item_id: int
    title: str
    text: str
    url: str
    published: datetime | None
    kind: str
    councils: tuple[tuple[str, str], ...] = ()  # (gss, role)


FORMAL_RULES = frozenset(
    {
        "s114",
        "exceptional_support",
        "best_value",
        "commissioners",
        "public_interest_report",
        "statutory_recommendations",
        "section_5",
    }
)


@dataclass(frozen=True)
class SignalStory:
    """One unique story that carries signals for one council."""

    story_id: int
    council_gss: str
    first_seen: datetime
    labels: tuple[str, ...]
    score: float  # the highest signal probability among its copies
    outlets: tuple[str, ...]
    kinds: tuple[str, ...]
    rules: tuple[str, ...] = ()
    items: tuple[dict[str, Any], ...] = ()  # item_id, title, url, outlet, published, evidence
    last_seen: datetime | None = None  # the latest copy (new copies are new evidence)

    @property
    def formal(self) -> tuple[str, ...]:
        """Statutory events named by a high-precision rule (section 114, commissioners...)."""
        return tuple(sorted(set(self.rules) & FORMAL_RULES))
