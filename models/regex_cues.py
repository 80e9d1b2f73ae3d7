"""Literal words without which a regular expression cannot match: a cheap pre-test.

The phrase rules (:mod:`models.rules`) are some seventy searches per sentence, and most
sentences match none of them.  For each pattern this module reads the parsed expression
and finds a set of lower-case strings of which every match must contain at least one
("section 114" or "s114"; "overspen" for ``over-?spen\\w*`` takes "spen").  A sentence
whose lower-cased text holds none of them is skipped without running the search.

The derivation is conservative: where it cannot be sure (a class of characters, an
optional part, a negative look-around, a back-reference, a character outside ASCII) it
gives up on that part,
and a pattern with no sure literal gets no cues, so it is always searched.  A wrong cue
would hide a match; the tests hold every cue set against every sentence we have.
"""

from __future__ import annotations

import re

# the parser behind ``re`` (Python 3.11+; its public alias sre_parse is deprecated)
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any

__all__ = ["cues_for"]

_C = _sre_parse  # the opcode names live on the parser module (as constants)
_LITERAL_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -'.,&/:;£$%"
)

Factors = frozenset[str] | None  # None: nothing is certain


def _better(a: Factors, b: Factors) -> Factors:
    """Of two sets that are each necessary, the more selective (longest shortest word,
    then fewer words)."""
    if a is None:
        return b
    if b is None:
        return a
    key_a = (min(map(len, a)), -len(a))
    key_b = (min(map(len, b)), -len(b))
    return a if key_a >= key_b else b


def _sequence(items: Any) -> Factors:
    best: Factors = None
    run: list[str] = []

    def close() -> None:
        nonlocal best
        if run:
            best = _better(best, frozenset(["".join(run)]))
            run.clear()

    for op, arg in items:
        if op is _C.LITERAL and chr(arg) in _LITERAL_CHARS:
            run.append(chr(arg).lower())
            continue
        if op is _C.AT:  # \b, ^, $: zero-width, so the letters either side stay adjacent
            continue
        close()
        if op is _C.SUBPATTERN:
            best = _better(best, _sequence(arg[-1]))
        elif op is _C.BRANCH:
            best = _better(best, _branch(arg[1]))
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", None)):
            low, _high, sub = arg
            if low >= 1:
                best = _better(best, _sequence(sub))
        elif op is getattr(_C, "ATOMIC_GROUP", None):
            best = _better(best, _sequence(arg))
        elif op is _C.ASSERT:  # (?=...) or (?<=...): its text is in the sentence too
            best = _better(best, _sequence(arg[1]))
        # anything else (classes, any character, negative look-arounds, back-references)
        # consumes or tests characters we cannot name: it only ends the current run
    close()
    return best


def _branch(alternatives: Any) -> Factors:
    found: set[str] = set()
    for alternative in alternatives:
        factors = _sequence(alternative)
        if factors is None:
            return None
        found |= factors
    return frozenset(found)


def cues_for(pattern: re.Pattern[str]) -> tuple[str, ...]:
    """Lower-case strings of which any match of ``pattern`` contains one; empty when no
    such set is certain (the pattern must then always be searched)."""
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # pragma: no cover - a pattern re compiled but we cannot read
        return ()
    factors = _sequence(parsed)
    if not factors or min(map(len, factors)) < 2:
        return ()
    # a word that contains another cue adds nothing to the test
    return tuple(sorted(f for f in factors if not any(g != f and g in f for g in factors)))
