"""Near-duplicate items grouped into stories (MinHash signatures from datasketch; LSH
banding with the band sizes datasketch chooses for the threshold).

A Local Democracy Reporting story is republished by dozens of outlets: each copy gets a
new headline, loses or reorders paragraphs, gains the outlet's boilerplate.  Word
4-shingles of the normalised text keep most of their overlap through such edits, so two
copies have a high estimated Jaccard similarity; an unrelated story about the same
council shares names and vocabulary but few three-word sequences.

An item joins the story of the most similar earlier item published within
``window_days`` when their similarity reaches ``threshold``; otherwise it starts a story.
The index keeps only the window in memory; signatures are stored with the items so that
a new process rebuilds it from the database.
"""

from __future__ import annotations

import re
import zlib
from collections import deque
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from datasketch import MinHash, MinHashLSH

__all__ = [
    "StoryIndex",
    "signatures_in",
    "texts_signatures",
    "from_bytes",
    "signatures",
    "shingles",
    "strip_boilerplate",
    "to_bytes",
]

NUM_PERM = 64
_WORD = re.compile(r"[a-z0-9£]+")
# outlet boilerplate, found by plain substring search of the lower-cased text (a
# case-insensitive alternation of these took 44% of the time of signing a text)
_BOILERPLATE = (
    "sign up",
    "subscribe",
    "newsletter",
    "follow us",
    "read more",
    "share this",
    "copyright",
    "all rights reserved",
    "local democracy reporting service",
    "ldrs",
    "click here",
    "advertisement",
)


def _boilerplate(text: str) -> bool:
    lower = text.lower()
    return any(phrase in lower for phrase in _BOILERPLATE)


def shingles(text: str, size: int = 4) -> list[bytes]:
    """Word ``size``-shingles as UTF-8 bytes (each word encoded once, then joined)."""
    words = [word.encode() for word in _WORD.findall(text.lower())]
    if len(words) < size:
        return [b" ".join(words)] if words else [b""]
    return [b" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]


def signatures(texts: list[str]) -> list[np.ndarray]:
    """MinHash signatures (``NUM_PERM`` values each), computed in bulk; shingles are
    hashed with CRC-32 (called directly: a Python wrapper around it was a tenth of the
    time of signing a text)."""
    sets = [shingles(t) for t in texts]
    hashes = MinHash.bulk(sets, num_perm=NUM_PERM, hashfunc=zlib.crc32)
    return [np.asarray(h.hashvalues, dtype=np.uint32) for h in hashes]


def texts_signatures(texts: list[str]) -> list[np.ndarray]:
    """Boilerplate stripped, then signed: the unit of work sent to a worker process."""
    return signatures([strip_boilerplate(t) for t in texts])


def signatures_in(
    executor: Executor | None, texts: list[str], chunk: int = 500
) -> list[np.ndarray]:
    """``texts_signatures`` spread over an executor's worker processes (in order)."""
    if executor is None or len(texts) <= chunk:
        return texts_signatures(texts)
    parts = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]
    return [sig for part in executor.map(texts_signatures, parts) for sig in part]


def to_bytes(signature: np.ndarray) -> bytes:
    return signature.astype("<u4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


@dataclass
class _Entry:
    key: int
    story: int
    published: datetime
    bands: list[bytes]


@dataclass
class StoryIndex:
    """Items of the window, found again by LSH banding of their signatures.

    The number of bands and rows per band are datasketch's (``MinHashLSH`` chooses them
    for the threshold); the bands are kept here so that an item's band keys are computed
    once for both its query and its insertion (datasketch computes them twice and builds
    a MinHash object for each call, which was 45% of the time of assigning a story).
    Signatures, times and stories live in arrays, one row per item, so that all the
    candidates of a query are compared in one array operation: a popular story has dozens
    of copies in the window, and comparing them one by one was a third of the time."""

    threshold: float = 0.5
    window_days: int = 14
    _entries: dict[int, _Entry] = field(default_factory=dict, init=False)
    _order: deque[int] = field(default_factory=deque, init=False)

    def __post_init__(self) -> None:
        params = MinHashLSH(threshold=self.threshold, num_perm=NUM_PERM)
        self._b, self._r = params.b, params.r
        self._tables: list[dict[bytes, set[int]]] = [{} for _ in range(self._b)]
        self._row: dict[int, int] = {}
        self._sigs = np.zeros((64, NUM_PERM), dtype=np.uint32)
        self._times = np.zeros(64, dtype=np.float64)
        self._keys = np.zeros(64, dtype=np.int64)
        self._stories = np.zeros(64, dtype=np.int64)
        self._used = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _band_keys(self, signature: np.ndarray) -> list[bytes]:
        rows = np.ascontiguousarray(signature[: self._b * self._r], dtype="<u4")
        return [band.tobytes() for band in rows.reshape(self._b, self._r)]

    def _insert(self, entry: _Entry, signature: np.ndarray) -> None:
        if self._used == len(self._keys):  # grow by doubling
            grow = len(self._keys)
            self._sigs = np.concatenate([self._sigs, np.zeros_like(self._sigs)])
            self._times = np.concatenate([self._times, np.zeros(grow)])
            self._keys = np.concatenate([self._keys, np.zeros(grow, dtype=np.int64)])
            self._stories = np.concatenate([self._stories, np.zeros(grow, dtype=np.int64)])
        row = self._used
        self._used += 1
        self._sigs[row] = signature
        self._times[row] = entry.published.timestamp()
        self._keys[row] = entry.key
        self._stories[row] = entry.story
        self._row[entry.key] = row
        self._entries[entry.key] = entry
        self._order.append(entry.key)
        for table, band in zip(self._tables, entry.bands, strict=True):
            table.setdefault(band, set()).add(entry.key)

    def add(self, key: int, signature: np.ndarray, published: datetime, story: int) -> None:
        """Put an item that already has a story into the index (rebuilding from storage)."""
        if key not in self._entries:
            self._insert(_Entry(key, story, published, self._band_keys(signature)), signature)

    def _match(
        self, signature: np.ndarray, bands: list[bytes], published: datetime
    ) -> tuple[int | None, float]:
        candidates: set[int] = set()
        for table, band in zip(self._tables, bands, strict=True):
            found = table.get(band)
            if found:
                candidates |= found
        if not candidates:
            return None, 0.0
        rows = np.fromiter(map(self._row.__getitem__, candidates), np.intp, len(candidates))
        rows = rows[np.abs(self._times[rows] - published.timestamp()) <= self.window_days * 86400.0]
        if not len(rows):
            return None, 0.0
        sims = (self._sigs[rows] == signature).sum(axis=1) / len(signature)
        top = float(sims.max())
        if top < self.threshold:
            return None, 0.0
        # among equally similar items, the earliest published (then the first indexed)
        tied = rows[sims == top]
        best = tied[np.lexsort((self._keys[tied], self._times[tied]))[0]]
        return int(self._stories[best]), top

    def match(self, signature: np.ndarray, published: datetime) -> tuple[int | None, float]:
        """The story of the most similar indexed item within the window, and the
        similarity; (None, 0.0) when nothing is similar enough."""
        return self._match(signature, self._band_keys(signature), published)

    def assign(self, key: int, signature: np.ndarray, published: datetime) -> tuple[int, float]:
        """Match and add in one step; a new story is identified by ``key``."""
        bands = self._band_keys(signature)
        story, sim = self._match(signature, bands, published)
        story = key if story is None else story
        if key not in self._entries:
            self._insert(_Entry(key, story, published, bands), signature)
        return story, sim

    def expire(self, before: datetime) -> int:
        """Forget items published before ``before`` (they can no longer be matched)."""
        kept: deque[int] = deque()
        removed = 0
        for key in self._order:
            entry = self._entries[key]
            if entry.published >= before:
                kept.append(key)
                continue
            for table, band in zip(self._tables, entry.bands, strict=True):
                keys = table[band]
                keys.discard(key)
                if not keys:
                    del table[band]
            del self._entries[key]
            removed += 1
        self._order = kept
        if removed:  # compact the arrays to the items kept, in their order
            rows = np.fromiter(map(self._row.__getitem__, kept), np.intp, len(kept))
            size = max(64, len(kept))
            for name in ("_sigs", "_times", "_keys", "_stories"):
                old = getattr(self, name)
                new = np.zeros((size, *old.shape[1:]), dtype=old.dtype)
                new[: len(kept)] = old[rows]
                setattr(self, name, new)
            self._row = {key: row for row, key in enumerate(kept)}
            self._used = len(kept)
        return removed


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def strip_boilerplate(text: str) -> str:
    """Drop outlet boilerplate sentences ("Sign up to our newsletter") so that they do
    not dilute the similarity of two copies.  Texts without any (most) pass untouched."""
    if not _boilerplate(text):
        return text
    return "\n".join(s for s in _SENTENCE_END.split(text) if s and not _boilerplate(s))
