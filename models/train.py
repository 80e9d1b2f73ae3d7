"""Rebuild the classifier from the team's training data (``python -m models.train`` or
``council-monitor train``): a few minutes on two cores.

1. The template lines are split by a hash of their text into train (72%), calibration
   (8%) and held-out (20%) lines, then filled with fictional names.
2. all-MiniLM-L6-v2 is fine-tuned end to end with a four-signal head (binary
   cross-entropy) and a sentiment head (cross-entropy), seeded.
3. Per-label Platt scaling is fitted on the calibration lines, so scores are
   probabilities.
4. The network is exported to ONNX and quantised to int8 (per channel, MatMul only).

Artifacts go to ``models/artifacts/`` (not committed: they are rebuilt by ``make``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.dataset import Example, expand, load_lines, partners_by_labels
from models.labels import LABELS
from models.network import MAX_TOKENS, build_torch_model, export_onnx, load_tokenizer

__all__ = ["ARTIFACTS", "TrainConfig", "data_fingerprint", "train"]

ARTIFACTS = Path(__file__).with_name("artifacts")
# bump when the network, features, rules or exported graph change (4: the ONNX graph takes
# one unpadded sequence and no attention mask)
CODE_VERSION = 4


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 5
    batch_size: int = 16
    learning_rate: float = 6e-5
    weight_decay: float = 0.01
    warmup_share: float = 0.1
    copies: int = 3
    sentiment_weight: float = 0.5
    label_smoothing: float = 0.05
    seed: int = 0
    threads: int = 2
    calibration_share: float = 0.1


def data_fingerprint() -> str:
    """A hash of what the training data *says* (lines, fillers, augmentation), so that
    reformatting a file does not force a retrain."""
    from models.data import names
    from models.dataset import CONTEXT

    lines = [(ln.labels, ln.sentiment, ln.template) for ln in load_lines()]
    fillers = [getattr(names, key) for key in sorted(dir(names)) if key.isupper()]
    blob = json.dumps([lines, fillers, CONTEXT], sort_keys=True, default=list)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def model_version(config: TrainConfig) -> str:
    cfg = hashlib.sha256(json.dumps(asdict(config), sort_keys=True).encode()).hexdigest()
    return f"signals-v{CODE_VERSION}-{data_fingerprint()}-{cfg[:6]}"


def split(config: TrainConfig) -> tuple[list[Example], list[Example], list[Example]]:
    rng = random.Random(config.seed + 13)
    train: list[Example] = []
    calibration: list[Example] = []
    heldout: list[Example] = []
    lines = load_lines()
    train_lines = [ln for ln in lines if not ln.heldout]
    pools = partners_by_labels(train_lines)  # pairs never mix train and held-out lines
    for line in lines:
        if line.heldout:
            heldout += expand(line, rng, 1)
        elif int(line.key[8:16], 16) / 0xFFFFFFFF < config.calibration_share:
            calibration += expand(line, rng, 2)
        else:
            mates = [m for m in pools[tuple(sorted(line.labels))] if m is not line]
            train += expand(line, rng, config.copies, mates)
    return train, calibration, heldout


def _platt(logits: np.ndarray, y: np.ndarray, iterations: int = 200) -> tuple[float, float]:
    """Fit p = sigmoid(a * logit + b) by Newton's method, with a weak prior at (1, 0)."""
    a, b = 1.0, 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(a * logits + b)))
        g = np.array([np.sum((p - y) * logits) + 0.1 * (a - 1), np.sum(p - y) + 0.1 * b])
        w = p * (1 - p)
        h = np.array(
            [
                [np.sum(w * logits**2) + 0.1, np.sum(w * logits)],
                [np.sum(w * logits), np.sum(w) + 0.1],
            ]
        )
        step = np.linalg.solve(h, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-6:
            break
    return float(a), float(b)


def _batches(examples: list[Example], size: int) -> list[list[Example]]:
    return [examples[i : i + size] for i in range(0, len(examples), size)]


def _bucketed(examples: list[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Shuffled batches of similar length: each batch is padded to its longest text, so
    mixing one-line headlines with five-sentence stories wastes most of the work. Sort
    within pools of 50 batches, then shuffle the batches (order stays random)."""
    shuffled = examples[:]
    rng.shuffle(shuffled)
    pool = size * 50
    batches: list[list[Example]] = []
    for start in range(0, len(shuffled), pool):
        chunk = sorted(shuffled[start : start + pool], key=lambda e: len(e.text))
        batches.extend(_batches(chunk, size))
    rng.shuffle(batches)
    return batches


def train(
    config: TrainConfig, out: Path = ARTIFACTS, log: Callable[[str], None] = print
) -> dict[str, Any]:
    import torch
    from safetensors.torch import save_file

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)
    train_set, calibration, heldout = split(config)
    log(
        f"examples: {len(train_set)} train, {len(calibration)} calibration, {len(heldout)} held out"
    )
    tokenizer = load_tokenizer()
    model = build_torch_model()

    def encode(texts: list[str]) -> Any:
        return tokenizer(
            texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        )

    steps = config.epochs * len(_batches(train_set, config.batch_size))
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    warmup = max(1, int(config.warmup_share * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / steps)
    )
    began = time.monotonic()
    for epoch in range(config.epochs):
        model.train()
        total = 0.0
        for batch in _bucketed(train_set, config.batch_size, rng):
            enc = encode([e.text for e in batch])
            y = torch.tensor([e.vector() for e in batch], dtype=torch.float)
            y = y * (1 - config.label_smoothing) + config.label_smoothing / 2
            ys = torch.tensor([e.sentiment + 1 for e in batch])
            logits, sentiment = model(enc["input_ids"], enc["attention_mask"])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, y
            ) + config.sentiment_weight * torch.nn.functional.cross_entropy(sentiment, ys)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.item())
        log(
            f"epoch {epoch + 1}/{config.epochs}: loss {total:.2f} ({time.monotonic() - began:.0f}s)"
        )

    model.eval()

    def logits_of(examples: list[Example]) -> np.ndarray:
        out_rows = []
        with torch.inference_mode():
            for batch in _batches(examples, 64):
                enc = encode([e.text for e in batch])
                out_rows.append(model(enc["input_ids"], enc["attention_mask"])[0].numpy())
        return np.vstack(out_rows)

    cal_logits = logits_of(calibration)
    cal_y = np.array([e.vector() for e in calibration], dtype=float)
    platt = [_platt(cal_logits[:, j], cal_y[:, j]) for j in range(len(LABELS))]
    out.mkdir(parents=True, exist_ok=True)
    weights = out / "signal_model.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(weights))
    log("exporting to ONNX and quantising (int8, per channel, MatMul only)")
    export_onnx(weights, out / "signal_model.fp32.onnx", out / "signal_model.int8.onnx")
    meta = {
        "version": model_version(config),
        "labels": list(LABELS),
        "threshold": 0.5,
        "platt": {label: {"a": a, "b": b} for label, (a, b) in zip(LABELS, platt, strict=True)},
        "config": asdict(config),
        "data_fingerprint": data_fingerprint(),
        "examples": {
            "train": len(train_set),
            "calibration": len(calibration),
            "heldout": len(heldout),
        },
        "trained_seconds": round(time.monotonic() - began),
    }
    (out / "model.json").write_text(json.dumps(meta, indent=1) + "\n")
    log(f"model {meta['version']} written to {out} in {meta['trained_seconds']}s")
    return meta


def is_current(out: Path = ARTIFACTS, config: TrainConfig | None = None) -> bool:
    """Do the artifacts in ``out`` come from the current data, code and configuration?"""
    meta_path = out / "model.json"
    if not meta_path.exists() or not (out / "signal_model.int8.onnx").exists():
        return False
    meta = json.loads(meta_path.read_text())
    return bool(meta.get("version") == model_version(config or TrainConfig()))


def main() -> None:
    parser = argparse.ArgumentParser(description="Rebuild the signal classifier.")
    parser.add_argument(
        "--if-stale",
        action="store_true",
        help="do nothing when the artifacts match the data and code",
    )
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    parser.add_argument("--out", type=Path, default=ARTIFACTS)
    args = parser.parse_args()
    config = TrainConfig(epochs=args.epochs)
    if args.if_stale and is_current(args.out, config):
        print(f"model in {args.out} is current")
        return
    train(config, args.out)


if __name__ == "__main__":
    main()
