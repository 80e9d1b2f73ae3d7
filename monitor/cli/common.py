"""What every command shares: ``--config``, settings, the store, output helpers."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from monitor.config import Settings, load_settings
from monitor.dates import parse_when
from monitor.errors import StoreError
from monitor.logs import setup_logging
from monitor.store import Store

__all__ = ["ConfigOpt", "JsonOpt", "Runtime", "err", "out", "parse_when", "print_json"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: $MONITOR_CONFIG or ./config.toml).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]

_app_config: list[Path | None] = [None]
_verbose: list[bool] = [False]


def set_app_config(path: Path | None, verbose: bool = False) -> None:
    _app_config[0] = path
    _verbose[0] = verbose


class Runtime:
    """Settings and store for one command, created on first use."""

    def __init__(self, config: Path | None, *, service: bool = False) -> None:
        self.config_path = config or _app_config[0]
        self.service = service
        self._settings: Settings | None = None
        self._store: Store | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
            # interactive commands print their own summaries; logs are for -v and services
            level = self._settings.log.level if (_verbose[0] or self.service) else "WARNING"
            setup_logging(level, self._settings.log.format)
        return self._settings

    def store(self, *, require_init: bool = True) -> Store:
        if self._store is None:
            store = Store.open(self.settings)
            store.db.check()
            if require_init and not store.is_initialised():
                store.close()
                raise StoreError(
                    f"the database {store.db.safe_url} is not set up (or is from "
                    f"an older version): run `council-monitor init` first"
                )
            self._store = store
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | tuple):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=_default, ensure_ascii=False, indent=1) + "\n")


def ago(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    seconds = (datetime.now(UTC) - moment).total_seconds()
    if seconds < 0:
        return "in " + ago(datetime.now(UTC) + (datetime.now(UTC) - moment)).replace(" ago", "")
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return f"{int(seconds)}s ago"
