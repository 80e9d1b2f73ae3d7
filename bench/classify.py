"""Classifier benchmark: items per second for headlines and for ~400-character paragraphs
on two threads, ONNX Runtime int8 (what the service runs) against the same network in
plain transformers/PyTorch fp32 measured in the same run; macro-F1 of both on the eval
sets; peak memory of each classifying process.

Each runtime runs in a subprocess of its own so that its peak memory (ru_maxrss) is its
own.  Texts are the team's held-out training lines (headlines) and paragraphs joined from
them; the eval sets in ../shared/eval are read only to report macro-F1.

    python bench/classify.py [--items 400] [--threads 2] [--repeats 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = ROOT.parent / "shared" / "eval"


def texts(n: int) -> tuple[list[str], list[str]]:
    from models.train import TrainConfig, split

    train, _, heldout = split(TrainConfig())
    pool = [e.text for e in heldout + train]
    headlines = [t.split(". ")[0][:120] for t in pool][:n]
    paragraphs = []
    i = 0
    while len(paragraphs) < n:
        para = ""
        while len(para) < 400:
            para += pool[i % len(pool)].rstrip(".") + ". "
            i += 1
        paragraphs.append(para[:420])
    return headlines, paragraphs


def worker(runtime: str, n: int, threads: int, repeats: int) -> None:
    from models.classifier import Classifier
    from models.evaluate import evaluate, load_labelled

    clf = Classifier(runtime=runtime, threads=threads)
    headlines, paragraphs = texts(n)
    clf.predict(headlines[:16])  # warm-up
    result: dict[str, object] = {"runtime": runtime}
    for name, batch in (("headlines", headlines), ("paragraphs", paragraphs)):
        rates = []
        for _ in range(repeats):
            began = time.perf_counter()
            clf.predict(batch)
            rates.append(len(batch) / (time.perf_counter() - began))
        result[f"{name}_per_s"] = statistics.median(rates)
    files = [EVAL / "dev.jsonl", EVAL / "dev_extra.jsonl"]
    if all(f.exists() for f in files):
        rows = load_labelled(files)
        preds = clf.predict([r["text"] for r in rows])
        report = evaluate(rows, runtime, lambda _: [(p.tags, p.sentiment) for p in preds])
        result["macro_f1"] = report.macro_f1
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def cpu_summary() -> str:
    """The CPU and whether it has the instructions int8 matrix products gain from (the
    ratio was 1.7-1.8x on a CPU without AVX-512 and VNNI, about 3x with them)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "CPU: unknown (no /proc/cpuinfo)"
    fields: dict[str, str] = {}
    for line in info.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    model = fields.get("model name", "?")
    flags = set(fields.get("flags", "").split())
    avx512 = "yes" if "avx512f" in flags else "no"
    vnni = "yes" if flags & {"avx512_vnni", "avx_vnni"} else "no"
    return f"CPU: {model}; AVX-512 {avx512}, VNNI {vnni}"


def run_worker(runtime: str, args: argparse.Namespace) -> dict[str, float]:
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            runtime,
            "--items",
            str(args.items),
            "--threads",
            str(args.threads),
            "--repeats",
            str(args.repeats),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="median of this many runs")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="fp32 then int8, this many times: each round's ratio is of runs a minute apart",
    )
    parser.add_argument("--worker", choices=["onnx", "torch"])
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.items, args.threads, args.repeats)
        return
    rounds = [(run_worker("torch", args), run_worker("onnx", args)) for _ in range(args.rounds)]
    keys = (("headlines_per_s", "headlines/s"), ("paragraphs_per_s", "400-char paragraphs/s"))
    print(cpu_summary())
    print(
        f"{args.items} texts per kind, {args.threads} threads, median of {args.repeats} runs,"
        f" {args.rounds} rounds (fp32 and int8 alternating)"
    )
    print(f"{'':22s}{'torch fp32':>14s}{'onnx int8':>14s}{'ratio':>8s}   ratio per round")
    for key, label in keys:
        base = statistics.median(b[key] for b, _ in rounds)
        fast = statistics.median(f[key] for _, f in rounds)
        ratios = [f[key] / b[key] for b, f in rounds]
        each = " / ".join(f"{r:.2f}" for r in ratios)
        print(f"{label:22s}{base:14.1f}{fast:14.1f}{statistics.median(ratios):7.2f}x   {each}")
    base_run, fast_run = rounds[0]
    if "macro_f1" in base_run:
        print(
            f"{'macro-F1 (eval sets)':22s}{base_run['macro_f1']:14.3f}{fast_run['macro_f1']:14.3f}"
            f"{fast_run['macro_f1'] - base_run['macro_f1']:+8.3f}"
        )
    peak_base = max(b["peak_rss_mb"] for b, _ in rounds)
    peak_fast = max(f["peak_rss_mb"] for _, f in rounds)
    print(f"{'peak memory (MB)':22s}{peak_base:14.0f}{peak_fast:14.0f}   (highest of the rounds)")
    print(
        "note: each item is scored as a whole and sentence by sentence (a headline is "
        "one sentence; a paragraph about three); int8 runs every segment alone, fp32 in "
        "batches of 16"
    )


if __name__ == "__main__":
    main()
