"""Story grouping on a generated syndication set (the same generator as the benchmark)."""

from __future__ import annotations

import random
import re
import sys
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from datasketch import MinHash

from models.dedupe import (
    NUM_PERM,
    StoryIndex,
    from_bytes,
    signatures,
    strip_boilerplate,
    to_bytes,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.syndication import build_set, cluster, pair_scores


def test_syndicated_copies_cluster_and_unrelated_stories_stay_apart() -> None:
    items = build_set(120, random.Random(3))
    truth = [story for story, _, _, _ in items]
    precision, recall = pair_scores(truth, cluster(items, 0.3))
    assert recall >= 0.95 and precision >= 0.98
    # the set really does hold several unrelated stories per council
    councils = {c for _, _, _, c in items}
    assert len(councils) < 120 / 2


def test_copies_outside_the_window_start_a_new_story() -> None:
    text = "The council agreed the plan for the town centre after a long debate. " * 5
    [sig] = signatures([text])
    index = StoryIndex(window_days=14)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    assert index.assign(1, sig, t0) == (1, 0.0)
    assert index.assign(2, sig, t0 + timedelta(days=3))[0] == 1
    assert index.assign(3, sig, t0 + timedelta(days=40))[0] == 3


def test_signature_round_trip_and_boilerplate() -> None:
    [sig] = signatures(["one two three four five six"])
    assert (from_bytes(to_bytes(sig)) == sig).all()
    assert (
        strip_boilerplate("Story text.\nSign up to our newsletter!\nMore text.")
        == "Story text.\nMore text."
    )
    # any case; texts without boilerplate pass untouched
    assert (
        strip_boilerplate("Council met.\nADVERTISEMENT\nIt agreed.") == "Council met.\nIt agreed."
    )
    assert strip_boilerplate("The council met. It agreed.") == "The council met. It agreed."


def test_expired_items_leave_the_index_and_the_rest_still_match() -> None:
    story_a = "The council agreed the plan for the town centre after a long debate. " * 5
    story_b = "Bin collections will change in the new year as the depot moves site. " * 5
    sig_a, sig_b = signatures([story_a, story_b])
    index = StoryIndex(window_days=60)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    index.assign(1, sig_a, t0)
    index.assign(2, sig_b, t0 + timedelta(days=10))
    assert index.expire(t0 + timedelta(days=5)) == 1 and len(index) == 1
    # the expired story cannot be joined; the kept one still can
    assert index.assign(3, sig_a, t0 + timedelta(days=20)) == (3, 0.0)
    assert index.assign(4, sig_b, t0 + timedelta(days=20))[0] == 2
    assert index.expire(t0 + timedelta(days=100)) == 3 and len(index) == 0
    # an item added while rebuilding from storage keeps the story it was given
    index.add(7, sig_a, t0 + timedelta(days=101), story=5)
    assert index.match(sig_a, t0 + timedelta(days=102)) == (5, 1.0)


def test_signatures_are_plain_datasketch_minhashes_of_word_shingles() -> None:
    """The fast path (words encoded once, CRC-32 called directly) signs exactly as a
    MinHash of the text's word 4-shingles does, so stored signatures stay comparable."""
    text = "Fernley Council's £12m plan: the cabinet agreed it on Tuesday, after 3 hours."
    words = re.findall(r"[a-z0-9£]+", text.lower())
    reference = MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32)
    reference.update_batch([" ".join(words[i : i + 4]).encode() for i in range(len(words) - 3)])
    assert (signatures([text])[0] == reference.hashvalues).all()


def test_many_items_and_ties_go_to_the_earliest_copy() -> None:
    """More items than the index's first allocation, two identical copies of one story
    given different stories while rebuilding: a new copy joins the earlier one."""
    texts = [
        f"Item {i} about road number {i} and bridge {i * 7} in ward {i % 13}." * 4
        for i in range(150)
    ]
    sigs = signatures(texts)
    index = StoryIndex(window_days=30)
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    for i, sig in enumerate(sigs):
        assert index.assign(i, sig, t0 + timedelta(minutes=i))[0] == i
    [sig] = signatures(["The leader resigned after the vote in the council chamber. " * 4])
    index.add(1000, sig, t0 + timedelta(days=2), story=1000)
    index.add(1001, sig, t0 + timedelta(days=1), story=1001)
    assert index.assign(1002, sig, t0 + timedelta(days=3)) == (1001, 1.0)
    assert len(index) == 153
    # after an expiry the arrays are compacted and the rest still match
    assert index.expire(t0 + timedelta(hours=1)) == 60
    assert index.match(sigs[100], t0 + timedelta(days=1)) == (100, 1.0)
    assert index.match(sigs[10], t0 + timedelta(days=1)) == (None, 0.0)
