"""`council-monitor link`: which councils JSONL items are about."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated, Any

import typer

from monitor.cli.common import ConfigOpt, Runtime

__all__ = ["register"]


def _when(value: Any) -> date | None:
    if not value:
        return None
    parts = [int(p) for p in str(value)[:10].split("-")]
    year, month, day = (parts + [7, 1][len(parts) - 1 :])[:3] if len(parts) < 3 else parts
    return date(year, month, day)


def _one(linker: Any, number: int, line: str) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": None, "line": number, "error": f"not JSON: {exc.msg}"}
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return {
            "id": obj.get("id") if isinstance(obj, dict) else None,
            "line": number,
            "error": "expected an object with 'text' (a string)",
        }
    try:
        when = _when(obj.get("date"))
    except (ValueError, TypeError):
        return {
            "id": obj.get("id"),
            "line": number,
            "error": "'date' must be YYYY, YYYY-MM or YYYY-MM-DD",
        }
    links = linker.link(obj["text"], title=obj.get("title"), when=when, url=obj.get("url"))
    return {"id": obj.get("id"), "councils": [lk.to_json() for lk in links]}


def link(
    file: Annotated[
        str, typer.Argument(help="JSONL of {id, text, title?, date?, url?}; - for stdin.")
    ] = "-",
    config: ConfigOpt = None,
) -> None:
    """The councils each item is about (primary) or merely mentions, with confidence."""
    from monitor.enrich import get_linker

    with Runtime(config):
        linker = get_linker()
        stream = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115
        for number, line in enumerate(stream, 1):
            if line.strip():
                sys.stdout.write(json.dumps(_one(linker, number, line), ensure_ascii=False) + "\n")


def register(app: typer.Typer) -> None:
    app.command()(link)
