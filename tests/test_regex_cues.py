"""The literal cues read from a pattern: what they are, and that they never hide a match."""

from __future__ import annotations

import re

import pytest

from models.regex_cues import cues_for
from models.rules import fold

IGNORE_CASE = re.IGNORECASE


@pytest.mark.parametrize(
    ("pattern", "cues"),
    [
        (r"\bsection 114\b", ("section 114",)),
        # re's parser takes the common "s" out of the alternatives first
        (r"\b(section 114|s114)\b", ("114",)),
        (r"\b(deficit|overspend)\b", ("deficit", "overspend")),
        # the longer of two certain words is kept
        (r"\bover-?spen\w*", ("over",)),
        (r"\bno (overall )?control\b", ("control",)),
        # an optional part, a class or a wildcard give nothing certain
        (r"\b(deficit)?\s*[a-z]+", ()),
        (r"(a|b|c)", ()),
        (r".{3,}", ()),
        # a part repeated at least once is certain; zero times is not
        (r"(?:bank)+rupt", ("bank",)),
        (r"(?:bankrupt)*", ()),
        # an alternative without a certain word makes the whole alternation uncertain
        (r"\b(reserves|[0-9]+)\b", ()),
        # a look-ahead's words are in the sentence too; a negative one's are not
        (r"^(?=.*\bcouncil tax\b)(?=.*\d)", ("council tax",)),
        (r"(?!.*\bgood\b)inspect", ("inspect",)),
        # a word containing another cue adds nothing
        (r"\b(confidence|confidence vote)\b", ("confidence",)),
        # upper case in the pattern is looked for in lower case
        (r"\bMPs\b", ("mps",)),
    ],
)
def test_cues_read_from_a_pattern(pattern: str, cues: tuple[str, ...]) -> None:
    assert cues_for(re.compile(pattern, IGNORE_CASE)) == cues


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"\bover-?spen\w*", "an over-spend of £3m"),
        (r"\bover-?spen\w*", "the OVERSPENDING grows"),
        (r"\b(section 114|s\.?114)\b", "issued an S.114 notice"),
        (r"\bno (overall )?control\b", "NO CONTROL"),
        (r"(?:bank)+rupt", "bankbankrupt"),
        (r"\bresign(ed|s)?\b", "Resigned"),
        # re.IGNORECASE matches the long s and the Kelvin sign to s and k
        (r"\bsection\b", "\u017fection"),
        (r"\bkelvin\b", "\u212aelvin"),
        (r"\binadequate\b", "\u0131nadequate"),
        (r"\bcafé\b", "Café"),
    ],
)
def test_a_match_always_has_a_cue(pattern: str, text: str) -> None:
    compiled = re.compile(pattern, IGNORE_CASE)
    assert compiled.search(text)
    cues = cues_for(compiled)
    assert not cues or any(cue in fold(text) for cue in cues), (cues, fold(text))


def test_every_character_ignorecase_takes_for_an_ascii_letter_folds_to_it() -> None:
    for code in range(0x80, 0x30000):
        char = chr(code)
        for letter in "abcdefghijklmnopqrstuvwxyz":
            if re.fullmatch(letter, char, IGNORE_CASE):
                assert letter in fold(char), (hex(code), letter)
