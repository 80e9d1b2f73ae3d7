"""The search query language, parsed once and rendered for each backend.

Users write what they would type into any search box::

    section 114                 both words (AND is implied)
    "best value notice"         a phrase
    budget OR overspend         either
    budget -underspend          budget but not underspend (also: NOT underspend)
    commission*                 a prefix
    (leader OR chief) resign*   grouping

A malformed query raises :class:`~monitor.errors.QueryError` with a one-line message.
Every word reaches the database quoted, so no query can inject the backend's own syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.errors import QueryError

__all__ = ["Node", "parse_query", "to_fts5", "to_tsquery"]

_TOKEN = re.compile(r'\s*(?:(")|(\()|(\))|(-)(?=[\w"(])|([^\s"()]+))', re.UNICODE)
_WORD_CHARS = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 32


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase
    prefix: bool = False


@dataclass(frozen=True)
class And:
    positives: tuple[Node, ...]
    negatives: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    options: tuple[Node, ...]


Node = Term | And | Or


def _lex(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        quote, lpar, rpar, minus, word = m.groups()
        if quote:
            end = text.find('"', pos)
            if end < 0:
                raise QueryError('unbalanced quotes: a phrase opened with " is never closed')
            tokens.append(("PHRASE", text[pos:end]))
            pos = end + 1
        elif lpar:
            tokens.append(("(", "("))
        elif rpar:
            tokens.append((")", ")"))
        elif minus:
            tokens.append(("NOT", "-"))
        elif word in ("AND", "OR", "NOT"):
            tokens.append((word, word))
        else:
            tokens.append(("WORD", word))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.terms = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.or_expr()
        if self.peek() == ")":
            raise QueryError("unbalanced parentheses: ')' without a matching '('")
        if self.pos != len(self.tokens):
            raise QueryError(f"unexpected {self.tokens[self.pos][1]!r} in the query")
        return node

    def or_expr(self) -> Node:
        options = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, ")", "OR"):
                raise QueryError("OR needs a word on both sides")
            options.append(self.and_expr())
        return options[0] if len(options) == 1 else Or(tuple(options))

    def and_expr(self) -> Node:
        positives: list[Node] = []
        negatives: list[Node] = []
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
                continue
            if self.peek() == "NOT":
                self.take()
                if self.peek() in (None, ")", "OR", "AND", "NOT"):
                    raise QueryError("NOT (or -) must be followed by a word to exclude")
                negatives.append(self.atom())
            else:
                positives.append(self.atom())
        if not positives:
            if negatives:
                raise QueryError("a query cannot only exclude words: add a word to look for")
            raise QueryError("empty query: give at least one word to look for")
        if len(positives) == 1 and not negatives:
            return positives[0]
        return And(tuple(positives), tuple(negatives))

    def atom(self) -> Node:
        kind, value = self.take()
        if kind == "(":
            node = self.or_expr()
            if self.peek() != ")":
                raise QueryError("unbalanced parentheses: '(' is never closed")
            self.take()
            return node
        if kind in ("WORD", "PHRASE"):
            prefix = kind == "WORD" and value.endswith("*")
            words = tuple(w.lower() for w in _WORD_CHARS.findall(value))
            if not words:
                if kind == "PHRASE":
                    raise QueryError("empty phrase: put words between the quotes")
                raise QueryError(f"{value!r} has no letters or digits to search for")
            self.terms += len(words)
            if self.terms > MAX_TERMS:
                raise QueryError(f"query too long: at most {MAX_TERMS} words")
            return Term(words, prefix=prefix and len(words) == 1)
        raise QueryError(f"unexpected {value!r} in the query")


def parse_query(text: str) -> Node:
    if not text or not text.strip():
        raise QueryError("empty query: give at least one word to look for")
    tokens = _lex(text)
    if not tokens:
        raise QueryError("empty query: give at least one word to look for")
    return _Parser(tokens).parse()


def to_fts5(node: Node) -> str:
    """FTS5 MATCH syntax; every word is double-quoted (words hold only \\w characters)."""
    if isinstance(node, Term):
        phrase = '"' + " ".join(node.words) + '"'
        return phrase + ("*" if node.prefix else "")
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts5(n) for n in node.options) + ")"
    expr = "(" + " AND ".join(to_fts5(n) for n in node.positives) + ")"
    for neg in node.negatives:
        expr = f"({expr} NOT {to_fts5(neg)})"
    return expr


def to_tsquery(node: Node) -> str:
    """PostgreSQL ``to_tsquery('english', ...)`` syntax; words are single-quoted lexemes
    restricted to weights A and B (title and text), so that they never match the
    weight-D council codes stored beside them."""
    if isinstance(node, Term):
        parts = [f"'{w}':{'*' if node.prefix else ''}AB" for w in node.words]
        return parts[0] if len(parts) == 1 else "(" + " <-> ".join(parts) + ")"
    if isinstance(node, Or):
        return "(" + " | ".join(to_tsquery(n) for n in node.options) + ")"
    parts = [to_tsquery(n) for n in node.positives]
    parts += [f"!{to_tsquery(n)}" for n in node.negatives]
    return "(" + " & ".join(parts) + ")"


def positive_words(node: Node) -> list[str]:
    """Words the user is looking for (used to highlight where the backend cannot)."""
    if isinstance(node, Term):
        return list(node.words)
    if isinstance(node, Or):
        return [w for n in node.options for w in positive_words(n)]
    return [w for n in node.positives for w in positive_words(n)]
