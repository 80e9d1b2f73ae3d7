"""Source declarations in a data file (TOML or JSON), so that configuring hundreds of
councils is a data task, not code::

    [[source]]
    id = "leeds-newsroom"
    kind = "feed"
    url = "https://news.leeds.gov.uk/feed/rss"
    council = "E08000035"        # a GSS code, or a name the register knows
    name = "Leeds City Council news"
    interval_s = 900             # optional; default from sources.<kind>_interval_s

Every entry is validated by building its source kind; an error names the entry and key.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError
from monitor.register import Register, load_register
from monitor.types import SourceSpec
from scrapers.base import build_source

__all__ = ["load_declarations", "resolve_council", "slug"]

_ALLOWED = {"id", "kind", "url", "council", "name", "interval_s", "item_kind", "options", "enabled"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "source"


def resolve_council(
    value: str | None, register: Register | None = None, key: str = "council"
) -> str | None:
    """A GSS code from a code or an unambiguous name; ConfigError with suggestions if not."""
    if value is None or value == "":
        return None
    register = register or load_register()
    found = register.find(value)
    if not found:
        close = ", ".join(f"{c.name} ({c.gss})" for c in register.suggest(value, 3))
        raise ConfigError(
            f"no council matches {value!r}" + (f"; did you mean {close}?" if close else ""), key=key
        )
    current = [c for c in found if c.current]
    if len({c.gss for c in (current or found)}) > 1:
        names = ", ".join(f"{c.name} ({c.gss})" for c in (current or found)[:4])
        raise ConfigError(f"{value!r} is ambiguous: {names}; give the GSS code", key=key)
    return (current or found)[0].gss


def _spec(entry: dict[str, Any], index: int, register: Register) -> SourceSpec:
    where = f"source[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError("must be a table", key=where)
    unknown = set(entry) - _ALLOWED
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(sorted(unknown))}", key=where)
    for required in ("kind", "url"):
        if not entry.get(required):
            raise ConfigError("is required", key=f"{where}.{required}")
    council = resolve_council(entry.get("council"), register, key=f"{where}.council")
    source_id = entry.get("id") or slug(f"{entry.get('name') or entry['url']}")
    try:
        spec = SourceSpec(
            id=str(source_id),
            kind=str(entry["kind"]),
            url=str(entry["url"]),
            council=council,
            name=str(entry.get("name", "")),
            interval_s=int(entry.get("interval_s", 0)),
            item_kind=str(entry.get("item_kind", "")),
            options=dict(entry.get("options", {})),
            enabled=bool(entry.get("enabled", True)),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"bad value: {exc}", key=where) from exc
    build_source(spec)  # validates, raising ConfigError naming the key
    return spec


def load_declarations(
    path: Path, *, register: Register | None = None, variables: dict[str, str] | None = None
) -> list[SourceSpec]:
    """Read and validate a declarations file.  ``variables`` fills ``{name}`` in URLs."""
    register = register or load_register()
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", key="sources.file") from exc
    try:
        data = json.loads(raw) if path.suffix == ".json" else tomllib.loads(raw)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"{path} is not valid {path.suffix.lstrip('.').upper()}: {exc}", key="sources.file"
        ) from exc
    entries = data.get("source", []) if isinstance(data, dict) else data
    specs = []
    for index, entry in enumerate(entries):
        if variables and isinstance(entry, dict) and "url" in entry:
            entry = {**entry, "url": str(entry["url"]).format(**variables)}
        specs.append(_spec(entry, index, register))
    ids = [s.id for s in specs]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ConfigError(
            f"duplicate source id(s): {', '.join(sorted(duplicates))}", key="source.id"
        )
    return specs
