"""Syndication benchmark: story clustering quality on a generated set, and throughput of
linking and de-duplication.

The generated set: stories of six to nine paragraphs about fictional councils, several
stories per council (unrelated stories about the same council must stay apart), each
republished by 2-8 outlets with a changed headline, trimmed or reordered paragraphs,
reworded phrases and outlet boilerplate.  Pairwise precision and recall of the clusters
are printed.  Baselines in the same run: exact text hashing (recall) and clustering all
items of the same council together (precision).

    python bench/syndication.py [--stories 400] [--items 20000]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.data.names import COUNCIL_FORMS, PEOPLE, PLACES, fill
from models.dataset import load_lines
from models.dedupe import (
    StoryIndex,
    signatures,
    signatures_in,
    strip_boilerplate,
    texts_signatures,
)

BOILERPLATE = [
    "Sign up to our free newsletter for the latest local news.",
    "This article was written by a Local Democracy Reporter.",
    "Follow us on social media for breaking news.",
    "Read more: the latest headlines from around the county.",
    "Copyright Example Media Group. All rights reserved.",
    "Share this article with your friends.",
]
SWAPS = [
    ("said", "told reporters"),
    ("council", "authority"),
    ("councillors", "members"),
    ("will", "is set to"),
    ("residents", "people living in the area"),
]


def make_stories(n: int, rng: random.Random) -> list[dict]:
    lines = [ln.template for ln in load_lines()]
    stories = []
    places = rng.sample(PLACES, min(len(PLACES), max(5, n // 8)))
    for sid in range(n):
        place = places[sid % len(places)]  # several stories per council
        council = COUNCIL_FORMS[PLACES.index(place) % len(COUNCIL_FORMS)].format(p=place)
        local = random.Random(sid)
        sentences = []
        for template in local.sample(lines, local.randint(6, 9)):
            text = fill(template, local).replace("{", "")
            for form in COUNCIL_FORMS:
                for p in PLACES:
                    text = text.replace(form.format(p=p), council)
            sentences.append(text)
        person = local.choice(PEOPLE)
        when = local.choice(["in the spring", "next month", "after the summer", "in March"])
        sentences.insert(
            2,
            f"{person}, who speaks for {council}, said the matter would be discussed again {when}.",
        )
        stories.append(
            {"id": sid, "council": council, "headline": sentences[0], "paragraphs": sentences[1:]}
        )
    return stories


def variant(story: dict, outlet: int, rng: random.Random) -> str:
    paragraphs = list(story["paragraphs"])
    if rng.random() < 0.6:
        paragraphs = paragraphs[: max(3, len(paragraphs) - rng.randint(1, 2))]  # trimmed
    if rng.random() < 0.5 and len(paragraphs) > 3:
        i = rng.randint(1, len(paragraphs) - 2)
        paragraphs[i], paragraphs[i + 1] = paragraphs[i + 1], paragraphs[i]  # reordered
    text = "\n".join(paragraphs)
    for old, new in rng.sample(SWAPS, 2):
        text = text.replace(f" {old} ", f" {new} ", 1)
    headline = (
        story["headline"]
        if outlet == 0
        else (f"{story['council']}: " + rng.choice(story["paragraphs"])[:80])
    )  # new headline
    extra = rng.sample(BOILERPLATE, rng.randint(1, 3))
    return "\n".join([headline, text, *extra])


def build_set(stories: int, rng: random.Random) -> list[tuple[int, str, datetime, str]]:
    items = []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for story in make_stories(stories, rng):
        published = start + timedelta(hours=rng.randint(0, 24 * 300))
        for outlet in range(rng.randint(2, 8)):
            when = published + timedelta(hours=rng.randint(0, 72))
            items.append((story["id"], variant(story, outlet, rng), when, story["council"]))
    items.sort(key=lambda x: x[2])
    return items


def pair_scores(truth: list[int], predicted: list[int]) -> tuple[float, float]:
    def pairs(labels: list[int]) -> set[tuple[int, int]]:
        groups: dict[int, list[int]] = defaultdict(list)
        for i, label in enumerate(labels):
            groups[label].append(i)
        return {p for members in groups.values() for p in combinations(members, 2)}

    t, p = pairs(truth), pairs(predicted)
    precision = len(t & p) / len(p) if p else 1.0
    recall = len(t & p) / len(t) if t else 1.0
    return precision, recall


def cluster(items: list[tuple[int, str, datetime, str]], threshold: float) -> list[int]:
    index = StoryIndex(threshold=threshold)
    sigs = signatures([strip_boilerplate(text) for _, text, _, _ in items])
    return [
        index.assign(i, sig, when)[0]
        for i, ((_, _, when, _), sig) in enumerate(zip(items, sigs, strict=True))
    ]


def throughput(n: int) -> None:
    from monitor.enrich import get_linker
    from monitor.register import load_register

    rng = random.Random(5)
    stories = make_stories(max(50, n // 40), rng)
    texts = [variant(stories[i % len(stories)], i % 5, rng) for i in range(n)]
    real = [c.name for c in load_register().current()]
    texts = [
        t.replace(stories[i % len(stories)]["council"], real[i % len(real)])
        for i, t in enumerate(texts)
    ]
    register = load_register()
    linker = get_linker()
    began = time.perf_counter()
    for t in texts:
        linker.link(t)
    link_rate = n / (time.perf_counter() - began)
    # baseline, same run: the obvious way, one case-insensitive regular expression of every
    # name and alias in the register, longest first, with no disambiguation at all
    names = sorted(
        {x for c in register.councils for x in (c.name, c.short_name, *c.aliases) if len(x) > 2},
        key=len,
        reverse=True,
    )
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)
    began = time.perf_counter()
    for t in texts:
        pattern.findall(t)
    regex_rate = n / (time.perf_counter() - began)
    began = time.perf_counter()
    index = StoryIndex()
    when = datetime(2026, 1, 1, tzinfo=UTC)
    for start in range(0, n, 1000):
        for j, sig in enumerate(texts_signatures(texts[start : start + 1000])):
            index.assign(start + j, sig, when)
    dedupe_rate = n / (time.perf_counter() - began)
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(texts_signatures, [texts[:10]] * 2))  # start the workers
        began = time.perf_counter()
        index = StoryIndex()
        for start in range(0, n, 4000):
            sigs = signatures_in(pool, texts[start : start + 4000])
            for j, sig in enumerate(sigs):
                index.assign(start + j, sig, when)
        dedupe_two = n / (time.perf_counter() - began)
    avg = sum(map(len, texts)) / n
    print(
        f"throughput on {n:,} items (~{avg:.0f} characters each): linking "
        f"{link_rate:,.0f}/s (one process); de-duplication {dedupe_rate:,.0f}/s in one "
        f"process, {dedupe_two:,.0f}/s with signatures on two worker processes"
    )
    print(
        f"baseline name regex (every register name in one pattern, no disambiguation): "
        f"{regex_rate:,.0f}/s; linking runs at {link_rate / regex_rate:.2f}x it"
    )
    # one long document (committee minutes run to hundreds of pages): the linker's cost
    # must grow with the text, not with the square of its mentions
    long_doc = " ".join(texts[:300])
    began = time.perf_counter()
    linker.link(long_doc)
    long_s = time.perf_counter() - began
    began = time.perf_counter()
    pattern.findall(long_doc)
    long_regex_s = time.perf_counter() - began
    print(
        f"one document of {len(long_doc):,} characters: linking {long_s * 1000:,.0f} ms, "
        f"name regex {long_regex_s * 1000:,.0f} ms ({long_regex_s / long_s:.1f}x the linker)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, default=400)
    parser.add_argument("--items", type=int, default=20000)
    args = parser.parse_args()
    rng = random.Random(11)
    items = build_set(args.stories, rng)
    truth = [story for story, _, _, _ in items]
    councils = len({c for _, _, _, c in items})
    print(f"{len(items)} items: {args.stories} stories about {councils} councils, 2-8 outlets each")
    for threshold in (0.3, 0.4, 0.5):
        p, r = pair_scores(truth, cluster(items, threshold))
        print(f"minhash threshold {threshold}: pairwise precision {p:.3f} recall {r:.3f}")
    exact: dict[str, int] = {}
    p, r = pair_scores(
        truth, [exact.setdefault(text, i) for i, (_, text, _, _) in enumerate(items)]
    )
    print(f"baseline exact text:          precision {p:.3f} recall {r:.3f}")
    by_council: dict[str, int] = {}
    p, r = pair_scores(truth, [by_council.setdefault(c, i) for i, (_, _, _, c) in enumerate(items)])
    print(f"baseline same council:        precision {p:.3f} recall {r:.3f}")
    throughput(args.items)


if __name__ == "__main__":
    main()
