"""The classification stage: stored items without a verdict from the current model are
read in batches, scored, and their verdicts and tags stored (``fetch`` runs it after
polling; ``reclassify`` runs it over everything after a model change)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.config import Settings
from monitor.errors import ClassifierError
from monitor.store import Store
from monitor.types import ItemText, Verdict

if TYPE_CHECKING:
    from models.classifier import Classifier

__all__ = ["classify_backlog", "load_classifier", "verdicts_for"]

log = logging.getLogger(__name__)


def load_classifier(settings: Settings) -> Classifier:
    """The trained classifier named by the settings (ClassifierError if there is none)."""
    from models.classifier import Classifier
    from models.train import ARTIFACTS

    folder = Path(settings.classifier.model_dir) if settings.classifier.model_dir else ARTIFACTS
    return Classifier(
        folder, runtime=settings.classifier.runtime, threads=settings.classifier.threads or None
    )


def _verdict(item_id: int, council: str, p: Any, version: str) -> Verdict:
    return Verdict(
        item_id=item_id,
        council_gss=council,
        scores=p.scores,
        tags=tuple(p.tags),
        evidence=p.evidence,
        sentiment=p.sentiment,
        rules=p.rules,
        model_version=version,
    )


def verdicts_for(classifier: Classifier, items: list[ItemText]) -> list[Verdict]:
    """One verdict per item, plus one per linked council whose own sentences say something
    different ("A praised while B issues a section 114 notice")."""
    predictions = classifier.predict([i.text for i in items], [i.title for i in items])
    verdicts = [
        _verdict(item.item_id, "", p, classifier.version)
        for item, p in zip(items, predictions, strict=True)
    ]
    requests: list[tuple[int, str, str]] = []
    for item in items:
        if len(item.councils) > 1:
            requests += _council_passages(item)
    if requests:
        by_item = {v.item_id: v for v in verdicts}
        scored = classifier.predict([text for _, _, text in requests])
        for (item_id, gss, _), p in zip(requests, scored, strict=True):
            if tuple(p.tags) != by_item[item_id].tags:
                verdicts.append(_verdict(item_id, gss, p, classifier.version))
    return verdicts


def _council_passages(item: ItemText) -> list[tuple[int, str, str]]:
    """(item, council, the sentences that name that council) for each linked council that
    the text names."""
    from models.sentences import split_sentences
    from monitor.enrich import get_linker

    linker = get_linker()
    sentences = split_sentences(f"{item.title}\n{item.text}" if item.title else item.text)
    named: dict[str, list[str]] = {}
    for sentence in sentences[:60]:
        for link in linker.link(sentence):
            named.setdefault(link.gss, []).append(sentence)
    return [(item.item_id, gss, " ".join(named[gss])) for gss, _ in item.councils if gss in named]


def classify_backlog(
    store: Store,
    classifier: Classifier,
    *,
    batch: int = 256,
    redo_all: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Classify every item lacking a verdict from this model; return how many."""
    done = 0
    after = 0
    while True:
        items = store.signals.backlog(
            classifier.version, limit=batch, after_id=after, redo_all=redo_all
        )
        if not items:
            return done
        try:
            verdicts = verdicts_for(classifier, items)
        except ClassifierError:
            raise
        except Exception as exc:  # a model failure must not look like "no signals"
            raise ClassifierError(
                f"classifying items {items[0].item_id}-{items[-1].item_id} failed: {exc}"
            ) from exc
        store.signals.save(verdicts)
        after = items[-1].item_id
        done += len(items)
        if on_progress:
            on_progress(len(items))
