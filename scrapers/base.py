"""What every source kind has in common, and the registry of kinds.

A source is data (a :class:`~monitor.types.SourceSpec`) plus the code of its kind.  A kind
validates the spec when it is built (``ConfigError`` naming the exact key), and polls
through the shared polite fetcher; CPU-heavy parsing goes through ``ctx.run_cpu`` so the
event loop keeps fetching.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from monitor.errors import ConfigError
from monitor.types import PollResult, SourceSpec, SourceState
from scrapers.fetch import Fetcher

__all__ = ["PollContext", "Source", "build_source", "register_kind", "source_kinds"]

T = TypeVar("T")


@dataclass
class PollContext:
    fetcher: Fetcher
    executor: Executor | None = None  # None: parse in a thread of the default pool

    async def run_cpu(self, func: Callable[..., T], *args: Any) -> T:
        """Run a CPU-bound, picklable function off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, func, *args)


class Source(ABC):
    kind: ClassVar[str]
    #: options this kind accepts in ``SourceSpec.options``, with a help line each
    options_help: ClassVar[dict[str, str]] = {}

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self.validate()

    def key(self, name: str) -> str:
        return f"sources.{self.spec.id}.{name}"

    def validate(self) -> None:
        spec = self.spec
        if not spec.id or any(ch.isspace() for ch in spec.id):
            raise ConfigError("must be a non-empty word without spaces", key="sources.id")
        parts = urlsplit(spec.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"must be an http(s) URL, got {spec.url!r}", key=self.key("url"))
        if spec.interval_s and spec.interval_s < 10:
            raise ConfigError("must be at least 10 seconds", key=self.key("interval_s"))
        unknown = set(spec.options) - set(self.options_help)
        if unknown:
            allowed = ", ".join(sorted(self.options_help)) or "none"
            raise ConfigError(
                f"unknown option(s) {', '.join(sorted(unknown))} (allowed: {allowed})",
                key=self.key("options"),
            )

    @abstractmethod
    async def poll(self, ctx: PollContext, state: SourceState) -> PollResult:
        """Fetch what is new since ``state``; raise FetchError or ParseError on failure."""


_KINDS: dict[str, type[Source]] = {}


def register_kind(cls: type[Source]) -> type[Source]:
    _KINDS[cls.kind] = cls
    return cls


def source_kinds() -> dict[str, type[Source]]:
    # importing a kind's module registers it
    import scrapers.cmis
    import scrapers.feeds
    import scrapers.moderngov
    import scrapers.newsroom
    import scrapers.site  # noqa: F401

    return dict(_KINDS)


def build_source(spec: SourceSpec) -> Source:
    kinds = source_kinds()
    cls = kinds.get(spec.kind)
    if cls is None:
        raise ConfigError(
            f"unknown kind {spec.kind!r} (known: {', '.join(sorted(kinds))})",
            key=f"sources.{spec.id}.kind",
        )
    return cls(spec)
