"""The four signals, as DOMAIN.md defines them."""

from __future__ import annotations

__all__ = ["LABELS", "LETTERS"]

LABELS: tuple[str, ...] = (
    "financial_distress",
    "leadership_conflict",
    "political_instability",
    "governance_failure",
)
LETTERS = {
    "F": "financial_distress",
    "L": "leadership_conflict",
    "P": "political_instability",
    "G": "governance_failure",
}
