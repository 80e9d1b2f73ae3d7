"""Measure a classifier on labelled JSONL (the format of ``../shared/eval/dev.jsonl``):
per-label precision, recall and F1, macro-F1, sentiment sign agreement on non-neutral
items, and the share of unlabelled routine items wrongly tagged, for the model and, in the
same run, for a keyword baseline."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.labels import LABELS

__all__ = ["KeywordBaseline", "Report", "evaluate", "load_labelled"]

# The obvious keywords a first attempt would use; the reference the model must beat.
BASELINE_KEYWORDS = {
    "financial_distress": r"section 114|s114|bankrupt|overspend|budget gap|black hole|"
    r"reserves|deficit|shortfall|financial support|cuts|savings",
    "leadership_conflict": r"chief executive|suspended|no confidence|bullying|"
    r"whistleblow|resign|pay-off|quit",
    "political_instability": r"no overall control|coalition|no confidence|ousted|"
    r"defect|resign|leader|hung council",
    "governance_failure": r"commissioner|best value|intervention|public interest|"
    r"inadequate|inspection|auditor|unlawful|ombudsman",
}


class KeywordBaseline:
    version = "keyword-baseline"

    def __init__(self) -> None:
        self.patterns = {
            label: re.compile(rf"\b({p})", re.I) for label, p in BASELINE_KEYWORDS.items()
        }

    def labels(self, text: str) -> tuple[list[str], float]:
        tags = [label for label, p in self.patterns.items() if p.search(text)]
        return tags, (-1.0 if tags else 0.0)


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    name: str
    per_label: dict[str, Scores] = field(default_factory=lambda: {la: Scores() for la in LABELS})
    sentiment_total: int = 0
    sentiment_agree: int = 0
    routine_total: int = 0
    routine_tagged: int = 0
    items: int = 0

    @property
    def macro_f1(self) -> float:
        return sum(s.f1 for s in self.per_label.values()) / len(self.per_label)

    @property
    def sentiment_agreement(self) -> float:
        return self.sentiment_agree / self.sentiment_total if self.sentiment_total else 0.0

    @property
    def routine_false_alarm_rate(self) -> float:
        return self.routine_tagged / self.routine_total if self.routine_total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "items": self.items,
            "macro_f1": round(self.macro_f1, 4),
            "labels": {
                la: {
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                    "support": s.tp + s.fn,
                }
                for la, s in self.per_label.items()
            },
            "sentiment_sign_agreement": round(self.sentiment_agreement, 4),
            "sentiment_items": self.sentiment_total,
            "routine_false_alarm_rate": round(self.routine_false_alarm_rate, 4),
            "routine_items": self.routine_total,
        }


def load_labelled(paths: Iterable[Path]) -> list[dict[str, Any]]:
    rows = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    row = json.loads(line)
                    if "text" not in row or "labels" not in row:
                        raise ValueError(f"{path}:{number}: needs 'text' and 'labels'")
                    rows.append(row)
    return rows


def evaluate(
    rows: list[dict[str, Any]],
    name: str,
    predict: Callable[[list[dict[str, Any]]], list[tuple[list[str], float]]],
) -> Report:
    report = Report(name)
    predictions = predict(rows)
    for row, (tags, sentiment) in zip(rows, predictions, strict=True):
        report.items += 1
        gold = set(row["labels"])
        for label in LABELS:
            s = report.per_label[label]
            if label in tags and label in gold:
                s.tp += 1
            elif label in tags:
                s.fp += 1
            elif label in gold:
                s.fn += 1
        if row.get("sentiment") in (-1, 1):
            report.sentiment_total += 1
            sign = 1 if sentiment > 0 else -1 if sentiment < 0 else 0
            report.sentiment_agree += int(sign == row["sentiment"])
        if row.get("collection") == "routine" and not gold:
            report.routine_total += 1
            report.routine_tagged += int(bool(tags))
    return report


def format_reports(reports: list[Report]) -> str:
    lines = []
    header = f"{'':24s}" + "".join(f"{r.name:>26s}" for r in reports)
    lines.append(header)
    lines.append(f"{'':24s}" + "".join(f"{'P     R     F1':>26s}" for _ in reports))
    for label in LABELS:
        cells = "".join(
            f"{r.per_label[label].precision:10.2f}{r.per_label[label].recall:6.2f}"
            f"{r.per_label[label].f1:6.2f}    "
            for r in reports
        )
        support = reports[0].per_label[label]
        lines.append(f"{label:24s}{cells}  (n={support.tp + support.fn})")
    lines.append(f"{'macro-F1':24s}" + "".join(f"{r.macro_f1:26.3f}" for r in reports))
    lines.append(
        f"{'sentiment sign agreement':24s}"
        + "".join(f"{r.sentiment_agreement:26.3f}" for r in reports)
        + f"  (non-neutral n={reports[0].sentiment_total})"
    )
    lines.append(
        f"{'routine wrongly tagged':24s}"
        + "".join(f"{r.routine_false_alarm_rate:26.3f}" for r in reports)
        + f"  (routine n={reports[0].routine_total})"
    )
    return "\n".join(lines)
