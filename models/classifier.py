"""Score texts for the four signals and for sentiment toward the council.

For each text the network scores the whole text (headline and first paragraphs, up to
128 tokens) and each sentence on its own; the phrase rules (:mod:`models.rules`) then
raise or cap each sentence's probabilities.  A label's score is the highest of these, and
its evidence is the sentence with the highest score for it.  Scores are calibrated
probabilities (Platt scaling fitted on held-apart training lines); a label is a tag at
the documented threshold (0.5).  Sentiment is P(positive) - P(negative) in [-1, 1].
With int8 every segment is run on its own, unpadded, so that an item's tags never depend
on what it was classified with; the fp32 reference runs batches.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.labels import LABELS
from models.network import MAX_TOKENS, OnnxRunner, TorchRunner, load_tokenizer
from models.rules import CAPS, RULES, read_sentence, rules_fingerprint
from models.sentences import split_sentences
from models.train import ARTIFACTS
from monitor.errors import ClassifierError

__all__ = ["Classifier", "Prediction"]

MAX_SENTENCES = 40
# Long documents (committee reports, minutes): the opening sentences, then the sentences
# that use any of a deliberately broad vocabulary of the four signals, up to this many.
# Scoring every sentence of a 60-page report would cost seconds per document; the broad
# filter keeps recall (it is much wider than the keyword baseline) at a bounded cost.
MAX_DOCUMENT_SENTENCES = 240
DOCUMENT_OPENING = 8
_CANDIDATE = re.compile(
    r"\b(overspen|deficit|reserves?\b|shortfall|gap\b|section 114|s\.?114|budget|savings|"
    r"borrow|debt|insolven|bankrupt|capitalisation|exceptional (financial )?support|"
    r"financial|funding|pressures?\b|audit|auditor|monitoring officer|statutory|unlawful|"
    r"intervention|commissioner|best value|inspect|ombudsman|whistle|investigat|suspen|"
    r"resign|confidence|leader|chief executive|coalition|overall control|defect|majority|"
    r"by-?election|cabinet|governance|standards|complain|misconduct|bully|failure|failing|"
    r"weakness|inadequate|improvement|qualified|disclaim|breach|sanction|concern)",
    re.I,
)


@dataclass
class Prediction:
    scores: dict[str, float]
    tags: list[str]
    evidence: dict[str, str]
    sentiment: float
    rules: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "tags": self.tags,
            "sentiment": round(self.sentiment, 4),
            "evidence": self.evidence,
        }


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class Classifier:
    """Load once, then :meth:`predict` many.  ``runtime`` is ``onnx`` (int8, the default)
    or ``torch`` (fp32 reference)."""

    def __init__(
        self, artifacts: Path = ARTIFACTS, *, runtime: str = "onnx", threads: int | None = None
    ) -> None:
        meta_path = artifacts / "model.json"
        if not meta_path.exists():
            raise ClassifierError(
                f"no trained model in {artifacts}: run `council-monitor train` (or `make`)"
            )
        self.meta = json.loads(meta_path.read_text())
        # the trained network plus the rules applied beside it
        self.version: str = f"{self.meta['version']}+r{rules_fingerprint()}"
        self.threshold: float = float(self.meta["threshold"])
        self._a = np.array([self.meta["platt"][label]["a"] for label in LABELS])
        self._b = np.array([self.meta["platt"][label]["b"] for label in LABELS])
        self.tokenizer = load_tokenizer()
        self.runtime = runtime
        if runtime == "onnx":
            self.runner: OnnxRunner | TorchRunner = OnnxRunner(
                artifacts / "signal_model.int8.onnx", threads
            )
        elif runtime == "torch":
            self.runner = TorchRunner(artifacts / "signal_model.safetensors", threads)
        else:
            raise ClassifierError(f"unknown runtime {runtime!r} (onnx or torch)")

    # -- raw network ----------------------------------------------------------------------
    def _score(self, segments: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated label probabilities and sentiment distributions for segments, each
        distinct text run once (a one-sentence item is its own only sentence; syndicated
        copies repeat theirs)."""
        unique = list(dict.fromkeys(segments))
        if len(unique) == len(segments):
            return self._score_distinct(segments)
        probs, sentiment = self._score_distinct(unique)
        where = {text: i for i, text in enumerate(unique)}
        rows = [where[text] for text in segments]
        return probs[rows], sentiment[rows]

    def _encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        enc = self.tokenizer(
            texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="np"
        )
        return enc["input_ids"].astype(np.int64), enc["attention_mask"].astype(np.int64)

    def _score_distinct(self, segments: list[str]) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(self.runner, OnnxRunner):
            # each segment alone and unpadded: int8 readings do not depend on batch-mates
            ids = self.tokenizer(segments, truncation=True, max_length=MAX_TOKENS)["input_ids"]
            logits, sent = self.runner.run_each(ids)
            return _sigmoid(self._a * logits + self._b), _softmax(sent)
        probs = np.zeros((len(segments), len(LABELS)))
        sentiment = np.zeros((len(segments), 3))
        # fp32 in batches of similar length (little padding; batch-mates change nothing)
        order = sorted(range(len(segments)), key=lambda i: len(segments[i]))
        size = self.runner.batch_size
        chunks = [order[start : start + size] for start in range(0, len(order), size)]
        batches = [self._encode([segments[i] for i in idx]) for idx in chunks]
        for idx, (logits, sent) in zip(chunks, self.runner.run_batches(batches), strict=True):
            probs[idx] = _sigmoid(self._a * logits + self._b)
            sentiment[idx] = _softmax(sent)
        return probs, sentiment

    # -- items ------------------------------------------------------------------------------
    def predict(
        self, texts: Iterable[str], titles: Iterable[str | None] | None = None
    ) -> list[Prediction]:
        texts = list(texts)
        title_list = list(titles) if titles is not None else [None] * len(texts)
        plans = []
        segments: list[str] = []
        for text, title in zip(texts, title_list, strict=True):
            full = f"{title.strip()}\n{text}" if title and title.strip() not in text else text
            sentences = _select(split_sentences(full)) or [full.strip() or " "]
            whole = " ".join(sentences)
            plans.append((len(segments), sentences))
            segments.append(whole)
            segments.extend(sentences)
        probs, sentiment = self._score(segments) if segments else (np.zeros((0, 4)),) * 2
        return [
            self._combine(probs[start : start + 1 + len(sentences)], sentiment[start], sentences)
            for start, sentences in plans
        ]

    def predict_one(self, text: str, title: str | None = None) -> Prediction:
        return self.predict([text], [title])[0]

    def _combine(
        self, probs: np.ndarray, sentiment: np.ndarray, sentences: list[str]
    ) -> Prediction:
        whole = dict(zip(LABELS, probs[0].tolist(), strict=True))
        per_sentence = []
        fired_by_label: dict[str, list[str]] = {}
        raised: set[str] = set()
        capped: set[str] = set()
        context = " ".join(sentences)
        for row, sentence in zip(probs[1:], sentences, strict=True):
            # a capped sentence scoring low alone must not carry the label through the
            # whole-text reading either ("...joins the cabinet in a reshuffle")
            adjusted, fired, capped_here = read_sentence(
                sentence, dict(zip(LABELS, row.tolist(), strict=True)), context
            )
            per_sentence.append(adjusted)
            capped |= capped_here
            for name in fired:
                label = _rule_label(name)
                fired_by_label.setdefault(label, []).append(name)
                if not name.startswith("cap:"):
                    raised.add(label)
        scores: dict[str, float] = {}
        evidence: dict[str, str] = {}
        for label in LABELS:
            best = max(range(len(sentences)), key=lambda i: per_sentence[i][label])
            whole_p = whole[label]
            if label in capped and label not in raised:
                whole_p = min(whole_p, max(p[label] for p in per_sentence))
            scores[label] = max(whole_p, per_sentence[best][label])
            evidence[label] = sentences[best]
        tags = [label for label in LABELS if scores[label] >= self.threshold]
        return Prediction(
            scores=scores,
            tags=tags,
            evidence={label: evidence[label] for label in tags},
            sentiment=float(sentiment[2] - sentiment[0]),
            rules={k: v for k, v in fired_by_label.items() if k in tags or v},
        )


def _select(sentences: list[str]) -> list[str]:
    """All sentences of a short text; the opening and the candidates of a long one."""
    if len(sentences) <= MAX_SENTENCES:
        return sentences
    chosen = sentences[:DOCUMENT_OPENING]
    for sentence in sentences[DOCUMENT_OPENING:]:
        if len(chosen) >= MAX_DOCUMENT_SENTENCES:
            break
        if _CANDIDATE.search(sentence):
            chosen.append(sentence)
    return chosen


_RULE_LABELS = {r.name: r.label for r in RULES} | {c.name: c.label for c in CAPS}


def _rule_label(name: str) -> str:
    return _RULE_LABELS.get(name.removeprefix("cap:"), "?")


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
