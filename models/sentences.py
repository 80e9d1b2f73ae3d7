"""Split text into sentences, so that every tag can point at the sentence that says so."""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

# Abbreviations after which a full stop does not end a sentence.
_ABBREV = {
    "cllr",
    "cllrs",
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "no",
    "nos",
    "co",
    "ltd",
    "plc",
    "inc",
    "vs",
    "etc",
    "approx",
    "dept",
    "govt",
    "gov",
    "cf",
    "eg",
    "ie",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "pp",
    "vol",
    "rev",
    "hon",
    "rt",
    "cbe",
    "obe",
}
_BOUNDARY = re.compile(r"([.!?…]+[\"'’”)\]]*)(\s+)(?=[\"'‘“(\[]?[A-Z0-9£])")
MAX_SENTENCE_CHARS = 600


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``; line breaks (headline, paragraphs) always end a sentence."""
    out: list[str] = []
    for block in re.split(r"\n+", text):
        block = block.strip()
        if not block:
            continue
        start = 0
        for match in _BOUNDARY.finditer(block):
            end = match.end(1)
            before = block[start : match.start(1)].rsplit(None, 1)
            word = before[-1].lower().strip("(\"'") if before else ""
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                continue
            if re.fullmatch(r"\d+", word) and match.group(1) == ".":
                continue  # "section 5. report" is rare; "£1.5m" never matches (no space)
            out.append(block[start:end].strip())
            start = match.end(2)
        out.append(block[start:].strip())
    result = []
    for sentence in out:
        while len(sentence) > MAX_SENTENCE_CHARS:  # run-on text (tables, lists)
            cut = sentence.rfind(" ", 0, MAX_SENTENCE_CHARS)
            cut = cut if cut > 100 else MAX_SENTENCE_CHARS
            result.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            result.append(sentence)
    return result
