"""Enrichment stages between fetching and alerting:

* ``link_items``: which councils each new item is about (before it is stored, so that
  the item and its links are written in one transaction);
* ``group_stories``: syndicated copies grouped into stories (after storing; items without
  a story form a backlog, so a crash in between only delays the grouping).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from models.dedupe import StoryIndex, from_bytes, signatures, strip_boilerplate, to_bytes
from models.linking import Linker
from monitor.register import (
    load_bodies,
    load_outlets,
    load_places,
    load_regional_outlets,
    load_register,
)
from monitor.store import Store
from monitor.store.stories import outlet_of
from monitor.store.tables import utcnow
from monitor.types import RawItem, SourceSpec

__all__ = ["StoryGrouper", "get_linker", "link_batch", "link_items"]

STORY_WINDOW_DAYS = 14
STORY_THRESHOLD = 0.3


@lru_cache(maxsize=1)
def get_linker() -> Linker:
    return Linker(
        load_register().councils,
        load_outlets(),
        load_places(),
        load_bodies(),
        load_regional_outlets(),
    )


def link_items(linker: Linker, spec: SourceSpec, items: list[RawItem]) -> None:
    """Set ``item.links``: the source's council first, then councils found in the text."""
    for item in items:
        when: date | None = item.published.date() if item.published else None
        links = linker.link(
            item.text,
            title=item.title,
            when=when,
            url=item.url,
            source_council=item.council or spec.council,
        )
        item.links = [(lk.gss, lk.role, lk.confidence, lk.method) for lk in links]
        # a council abolished by the item's date is linked as itself; its one heir of the
        # day is linked too, so that those watching the council of today see the item
        # ("the former Kettering council's accounts" in 2024 concern North Northamptonshire)
        linked = {lk.gss for lk in links}
        for lk in links:
            heirs = linker.heirs(lk.gss, when) if lk.former and when else set()
            if len(heirs) == 1 and not heirs <= linked:
                heir = heirs.pop()
                linked.add(heir)
                item.links.append((heir, lk.role, lk.confidence, "successor"))


def link_batch(items: list[RawItem], council: str | None) -> list[RawItem]:
    """``link_items`` as a picklable function, for a worker process of the parse pool."""
    spec = SourceSpec(id="", kind="", url="", council=council)
    link_items(get_linker(), spec, items)
    return items


class StoryGrouper:
    """Keeps the story index of one process; rebuilt from the database on first use."""

    def __init__(
        self,
        store: Store,
        *,
        threshold: float = STORY_THRESHOLD,
        window_days: int = STORY_WINDOW_DAYS,
    ) -> None:
        self.store = store
        self.index = StoryIndex(threshold=threshold, window_days=window_days)
        self._loaded = False

    def _load(self) -> None:
        since = utcnow() - timedelta(days=self.index.window_days * 2)
        for item_id, story, published, blob in self.store.stories.recent(since):
            self.index.add(item_id, from_bytes(blob), published, story)
        self._loaded = True

    def run(self, batch: int = 1000) -> int:
        """Group every item that has no story yet; return how many were grouped."""
        if not self._loaded:
            self._load()
        done = 0
        while True:
            pending = self.store.stories.backlog(batch)
            if not pending:
                return done
            sigs = signatures([strip_boilerplate(f"{p.title}\n{p.text}") for p in pending])
            try:
                with self.store.db.write() as conn:
                    touched = set()
                    for p, sig in zip(pending, sigs, strict=True):
                        story, _ = self.index.match(sig, p.published)
                        if story is None:
                            story = self.store.stories.create(conn, p)
                        self.index.add(p.item_id, sig, p.published, story)
                        self.store.stories.attach(
                            conn, p.item_id, story, to_bytes(sig), outlet_of(p.url, p.source_id)
                        )
                        touched.add(story)
                    self.store.stories.refresh(conn, touched)
            except Exception:
                # the index may hold entries the rollback removed: rebuild it next time
                self.index = StoryIndex(
                    threshold=self.index.threshold, window_days=self.index.window_days
                )
                self._loaded = False
                raise
            done += len(pending)
