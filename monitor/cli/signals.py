"""`council-monitor train | classify | eval | reclassify`: the signal classifier."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from monitor.classify import classify_backlog, load_classifier
from monitor.cli.common import ConfigOpt, JsonOpt, Runtime, err, out, print_json
from monitor.errors import ClassifierError, ConfigError

__all__ = ["register"]

BATCH = 64


def _progress(total: int | None, what: str) -> Progress:
    return Progress(
        TextColumn(what),
        BarColumn(),
        TextColumn("{task.completed:,.0f}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not sys.stderr.isatty(),
    )


def train(
    if_stale: Annotated[
        bool,
        typer.Option(
            "--if-stale", help="Do nothing when the model already matches the data and code."
        ),
    ] = False,
    epochs: Annotated[int, typer.Option(help="Training epochs.")] = 5,
    config: ConfigOpt = None,
) -> None:
    """Rebuild the classifier from the team's training data (a few minutes on 2 cores)."""
    from models.train import ARTIFACTS, TrainConfig, is_current
    from models.train import train as run_training

    with Runtime(config) as rt:
        folder = Path(rt.settings.classifier.model_dir or ARTIFACTS)
        cfg = TrainConfig(epochs=epochs)
        if if_stale and is_current(folder, cfg):
            err.print(f"model in {folder} is current")
            return
        run_training(cfg, folder, log=lambda line: err.print(line))


def _read_lines(stream: IO[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(stream, 1):
        if line.strip():
            yield number, line


def _parse(number: int, line: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(request, None) or (None, error object for this line)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, {"id": None, "line": number, "error": f"not JSON: {exc.msg}"}
    if not isinstance(obj, dict):
        return None, {"id": None, "line": number, "error": "expected a JSON object"}
    if not isinstance(obj.get("text"), str):
        return None, {"id": obj.get("id"), "line": number, "error": "missing 'text' (a string)"}
    if "title" in obj and obj["title"] is not None and not isinstance(obj["title"], str):
        return None, {"id": obj.get("id"), "line": number, "error": "'title' must be a string"}
    return obj, None


def classify(
    file: Annotated[
        str, typer.Argument(help="JSONL file of {id, text, title?}; - for stdin.")
    ] = "-",
    config: ConfigOpt = None,
) -> None:
    """Classify JSONL items: one JSON object per input line, in order, on stdout."""
    with Runtime(config) as rt:
        classifier = load_classifier(rt.settings)
        stream = sys.stdin if file == "-" else _open(file)
        size = None if file == "-" else Path(file).stat().st_size
        with _progress(size, "classifying") as progress:
            task = progress.add_task("classify", total=size)
            pending: list[tuple[int, dict[str, Any] | None, dict[str, Any] | None]] = []
            for number, line in _read_lines(stream):
                request, error = _parse(number, line)
                pending.append((number, request, error))
                progress.advance(task, len(line.encode()))
                if len(pending) >= BATCH:
                    _flush(classifier, pending)
                    pending = []
            _flush(classifier, pending)


def _open(file: str) -> IO[str]:
    try:
        return open(file, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror}", key="FILE") from exc


def _flush(classifier: Any, pending: list[tuple[int, Any, Any]]) -> None:
    requests = [r for _, r, _ in pending if r is not None]
    predictions = iter(
        classifier.predict([r["text"] for r in requests], [r.get("title") for r in requests])
        if requests
        else []
    )
    for _number, request, error in pending:
        if error is not None:
            sys.stdout.write(json.dumps(error, ensure_ascii=False) + "\n")
            continue
        p = next(predictions)
        result = {"id": request.get("id"), **p.to_json(), "model_version": classifier.version}
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def evaluate_cmd(
    files: Annotated[
        list[Path], typer.Argument(help="Labelled JSONL (the format of ../shared/eval/dev.jsonl).")
    ],
    json_: JsonOpt = False,
    runtime: Annotated[
        str | None, typer.Option(help="onnx or torch (default: classifier.runtime).")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Precision, recall and F1 per signal, macro-F1, sentiment sign agreement and routine
    false alarms, for the model and a keyword baseline in the same run."""
    from models.evaluate import KeywordBaseline, evaluate, format_reports, load_labelled

    with Runtime(config) as rt:
        settings = rt.settings
        if runtime:
            settings = settings.replace(classifier={"runtime": runtime})
        for path in files:
            if not path.exists():
                raise ConfigError(f"no such file: {path}", key="FILES")
        rows = load_labelled(files)
        classifier = load_classifier(settings)
        predictions = classifier.predict([r["text"] for r in rows], [r.get("title") for r in rows])
        model = evaluate(
            rows,
            f"model ({settings.classifier.runtime})",
            lambda _: [(p.tags, p.sentiment) for p in predictions],
        )
        keywords = KeywordBaseline()
        baseline = evaluate(
            rows, "keyword baseline", lambda rs: [keywords.labels(r["text"]) for r in rs]
        )
        if json_:
            print_json(
                {
                    "model_version": classifier.version,
                    "items": len(rows),
                    "model": model.to_json(),
                    "baseline": baseline.to_json(),
                    "macro_f1_gain": round(model.macro_f1 - baseline.macro_f1, 4),
                }
            )
            return
        out.print(
            f"{len(rows)} items from {', '.join(str(f) for f in files)}; "
            f"model {classifier.version}",
            highlight=False,
        )
        out.print(format_reports([model, baseline]), highlight=False, markup=False)
        out.print(f"macro-F1 gain over the baseline: {model.macro_f1 - baseline.macro_f1:+.3f}")


def reclassify(
    all_: Annotated[
        bool,
        typer.Option(
            "--all", help="Re-run every item, even those already classified by this model."
        ),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Classify stored items that lack a verdict from the current model."""
    with Runtime(config) as rt:
        store = rt.store()
        classifier = load_classifier(rt.settings)
        with _progress(None, "reclassifying") as progress:
            task: TaskID = progress.add_task("reclassify", total=None)
            n = classify_backlog(
                store,
                classifier,
                batch=rt.settings.classifier.batch_items,
                redo_all=all_,
                on_progress=lambda k: progress.advance(task, k),
            )
        err.print(f"{n} item(s) classified with {classifier.version}")


def register(app: typer.Typer) -> None:
    app.command()(train)
    app.command()(classify)
    app.command("eval")(evaluate_cmd)
    app.command()(reclassify)


def classify_after_fetch(rt: Runtime) -> str:
    """Run the classification stage after a fetch; a missing model is reported, not fatal."""
    try:
        classifier = load_classifier(rt.settings)
    except ClassifierError as exc:
        return f"[yellow]not classified:[/] {exc}"
    n = classify_backlog(rt.store(), classifier, batch=rt.settings.classifier.batch_items)
    return f"classified {n} item(s) with {classifier.version}"
