"""The team's training data: template lines (``models/data/*.txt``) expanded into examples,
with a fixed held-out fifth of the lines for the quality gate."""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from pathlib import Path

from models.data.names import fill
from models.labels import LABELS, LETTERS

__all__ = ["Example", "Line", "load_lines", "split_examples"]

DATA_DIR = Path(__file__).with_name("data")
_LINE = re.compile(r"^([FLPG]+|-)\s+([-0+])\s*\|\s*(.+)$")
HELDOUT_SHARE = 0.2
SENTIMENT = {"-": -1, "0": 0, "+": 1}

# Neutral follow-on sentences: appended to some examples so that the model learns that a
# signal in one sentence is not diluted by ordinary context around it.
CONTEXT = [
    "The council said it would set out more details at its next meeting.",
    "A spokesperson for the council declined to comment further.",
    "The report will be considered by councillors next week.",
    "Residents can read the full report on the council's website.",
    "The meeting is open to the public and will be streamed online.",
    "More information is available from the council's press office.",
]
# Share of filled examples that refer to "the council" instead of naming it, and of the
# second lines appended to an example (a lede after its headline usually does not repeat
# the name).  Without them, nine in ten signal lines named a council against four in ten
# of the others, and the network learnt the name as evidence: "The council has a budget
# gap of £12m" scored 0.006 where the same sentence with a name scored above 0.8.
GENERIC_SHARE = 0.3
GENERIC_PARTNER_SHARE = 0.5


@dataclass(frozen=True)
class Line:
    file: str
    number: int
    labels: tuple[str, ...]
    sentiment: int
    template: str

    @property
    def key(self) -> str:
        return hashlib.sha1(self.template.encode()).hexdigest()

    @property
    def heldout(self) -> bool:
        return int(self.key[:8], 16) / 0xFFFFFFFF < HELDOUT_SHARE


@dataclass(frozen=True)
class Example:
    text: str
    labels: tuple[str, ...]
    sentiment: int
    source: str  # file:line

    def vector(self) -> list[int]:
        return [int(label in self.labels) for label in LABELS]


def load_lines(data_dir: Path = DATA_DIR) -> list[Line]:
    lines = []
    for path in sorted(data_dir.glob("*.txt")):
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            raw = raw.strip()
            if not raw or raw.startswith("#"):
                continue
            match = _LINE.match(raw)
            if not match:
                raise ValueError(f"{path.name}:{number}: not 'CODES SENTIMENT | text'")
            codes, sentiment, template = match.groups()
            labels = () if codes == "-" else tuple(LETTERS[ch] for ch in codes)
            lines.append(Line(path.name, number, labels, SENTIMENT[sentiment], template))
    return lines


def _shout(text: str) -> str:
    """Local papers often open a lede with the first word in capitals."""
    first, _, rest = text.partition(" ")
    return f"{first.upper()} {rest}" if rest else text


def expand(
    line: Line, rng: random.Random, copies: int, partners: list[Line] | None = None
) -> list[Example]:
    """``copies`` filled variants of a line; some get a neutral sentence appended, some a
    second line with the same labels (a headline and its lede), some a capitalised
    opening word."""
    out = []
    for _ in range(copies):
        text = fill(line.template, rng, generic=rng.random() < GENERIC_SHARE)
        roll = rng.random()
        if roll < 0.2:
            text = f"{text.rstrip('.')}. {rng.choice(CONTEXT)}"
        elif roll < 0.4 and partners:
            other = rng.choice(partners)
            second = fill(other.template, rng, generic=rng.random() < GENERIC_PARTNER_SHARE)
            text = f"{text.rstrip('.')}. {second}"
        if rng.random() < 0.1:
            text = _shout(text)
        out.append(Example(text, line.labels, line.sentiment, f"{line.file}:{line.number}"))
    return out


def partners_by_labels(lines: list[Line]) -> dict[tuple[str, ...], list[Line]]:
    pools: dict[tuple[str, ...], list[Line]] = {}
    for line in lines:
        pools.setdefault(tuple(sorted(line.labels)), []).append(line)
    return pools


def split_examples(seed: int = 13, copies: int = 2) -> tuple[list[Example], list[Example]]:
    """(train, heldout): each template line gives ``copies`` filled variants; held-out
    lines are chosen by a hash of their text, so the split never changes silently."""
    rng = random.Random(seed)
    train: list[Example] = []
    heldout: list[Example] = []
    for line in load_lines():
        if line.heldout:
            heldout += expand(line, rng, 1)
        else:
            train += expand(line, rng, copies)
    return train, heldout
