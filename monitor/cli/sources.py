"""`council-monitor sources ...`: declare, inspect and check sources."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from monitor.cli.common import ConfigOpt, JsonOpt, Runtime, ago, err, out, print_json
from monitor.declarations import load_declarations, resolve_council, slug
from monitor.errors import ConfigError, MonitorError
from monitor.types import SourceSpec
from scrapers.base import build_source, source_kinds
from scrapers.feeds import discover_feeds
from scrapers.fetch import Fetcher

app = typer.Typer(help="Declare, list, check and remove sources.", no_args_is_help=True)


@app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="Feed (or page) URL.")],
    kind: Annotated[str, typer.Option(help="Source kind, e.g. feed.")] = "feed",
    council: Annotated[
        str | None,
        typer.Option(
            help="GSS code or name of the council this source belongs to (omit for press)."
        ),
    ] = None,
    id_: Annotated[
        str | None, typer.Option("--id", help="Source id (default: from the URL).")
    ] = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    interval_s: Annotated[
        int, typer.Option(help="Poll interval in seconds (0: the kind's default).")
    ] = 0,
    item_kind: Annotated[
        str,
        typer.Option(help="council_news, press, committee or document (default: from --council)."),
    ] = "",
    config: ConfigOpt = None,
) -> None:
    """Add a source; its configuration is validated before it is stored."""
    with Runtime(config) as rt:
        gss = resolve_council(council, key="--council")
        spec = SourceSpec(
            id=id_ or slug(url.split("://", 1)[-1]),
            kind=kind,
            url=url,
            council=gss,
            name=name,
            interval_s=interval_s,
            item_kind=item_kind,
        )
        build_source(spec)
        rt.store().sources.add(spec)
        err.print(f"added source [bold]{spec.id}[/] ({kind}, council {gss or 'none'})")


@app.command("list")
def list_sources(
    json_: JsonOpt = False,
    all_: Annotated[
        bool, typer.Option("--all", help="Include removed (disabled) sources.")
    ] = False,
    council: Annotated[str | None, typer.Option(help="Only this council's sources.")] = None,
    config: ConfigOpt = None,
) -> None:
    """List sources with their health."""
    with Runtime(config) as rt:
        gss = resolve_council(council, key="--council")
        rows = [
            h
            for h in rt.store().sources.health(include_disabled=all_)
            if not gss or h.council == gss
        ]
        if json_:
            print_json([h.to_json() for h in rows])
            return
        table = Table(
            "id", "kind", "council", "last success", "last new item", "error", "fails", box=None
        )
        for h in rows:
            error = f"[red]{h.last_error}[/]" if h.consecutive_failures else ""
            table.add_row(
                h.id if h.enabled else f"[dim]{h.id} (removed)[/]",
                h.kind,
                h.council or "-",
                ago(h.last_success),
                ago(h.last_new_item),
                error,
                str(h.consecutive_failures or ""),
            )
        out.print(table)


@app.command("check")
def check(
    file: Annotated[
        Path | None, typer.Argument(help="Also validate this declarations file.")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Build every source and validate its configuration, without fetching anything."""
    with Runtime(config) as rt:
        problems = 0
        specs = rt.store().sources.specs()
        for spec in specs:
            try:
                build_source(spec)
            except ConfigError as exc:
                problems += 1
                err.print(f"[red]✗[/] {spec.id}: {exc}")
        path = file or _declarations_path(rt)
        declared = 0
        if path:
            try:
                declared = len(load_declarations(path))
            except ConfigError as exc:
                problems += 1
                err.print(f"[red]✗[/] {path}: {exc}")
        kinds = ", ".join(sorted(source_kinds()))
        err.print(
            f"checked {len(specs)} stored source(s)"
            + (f" and {declared} declared in {path}" if path else "")
            + f"; kinds available: {kinds}"
        )
        if problems:
            raise typer.Exit(1)
        err.print("[green]all sources are valid[/]")


def _declarations_path(rt: Runtime) -> Path | None:
    name = rt.settings.sources.file
    if not name:
        return None
    path = Path(name)
    if not path.is_absolute() and rt.settings.config_path:
        path = rt.settings.config_path.parent / path
    return path


@app.command("sync")
def sync(
    file: Annotated[
        Path | None, typer.Argument(help="Declarations file (default: sources.file).")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Make the stored sources match a declarations file (TOML or JSON)."""
    with Runtime(config) as rt:
        path = file or _declarations_path(rt)
        if path is None:
            raise ConfigError("no file given and sources.file is not set", key="sources.file")
        specs = load_declarations(path)
        added, updated, disabled = rt.store().sources.sync(specs, origin=f"file:{path.name}")
        err.print(f"{path}: {added} added, {updated} updated, {disabled} disabled")


@app.command("remove")
def remove(
    source_id: Annotated[str, typer.Argument(help="Source id.")],
    config: ConfigOpt = None,
) -> None:
    """Remove a source.  One that already produced items is disabled instead, so that
    nothing it collected is lost."""
    with Runtime(config) as rt:
        result = rt.store().sources.remove(source_id)
        if result == "disabled":
            err.print(
                f"source {source_id} disabled (its items are kept; `sources add` with "
                f"the same id revives it)"
            )
        else:
            err.print(f"source {source_id} deleted")


@app.command("discover")
def discover(
    url: Annotated[str, typer.Argument(help="A council home page or news page.")],
    json_: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """List the feeds a page advertises (<link rel="alternate">)."""
    with Runtime(config) as rt:
        settings = rt.settings

        async def run() -> list:
            async with Fetcher(settings.fetch, settings.user_agent) as fetcher:
                response = await fetcher.get(url, accept="text/html")
            return discover_feeds(response.body, response.url)

        feeds = asyncio.run(run())
        if json_:
            print_json([f.__dict__ for f in feeds])
            return
        if not feeds:
            raise MonitorError(f"{url} advertises no feeds", code="no_feeds")
        for feed in feeds:
            out.print(f"{feed.url}  [dim]{feed.title} ({feed.type})[/]")


@app.command("generate")
def generate(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be declared; store nothing.")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Declare sources for every current council from the register: its committee system
    (ModernGov or CMIS) and its home page (news feed or newsroom, found when polled).
    Run again after a register update: sources no longer in the register are disabled."""
    from monitor.coverage import REGISTER_ORIGIN, register_sources
    from monitor.register import load_register

    with Runtime(config) as rt:
        specs = register_sources(load_register())
        for spec in specs:
            build_source(spec)
        by_kind: dict[str, int] = {}
        for spec in specs:
            by_kind[spec.kind] = by_kind.get(spec.kind, 0) + 1
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(by_kind.items()))
        if dry_run:
            print_json([{**s.__dict__} for s in specs])
            err.print(f"would declare {len(specs)} source(s): {summary}")
            return
        added, updated, disabled = rt.store().sources.sync(specs, origin=REGISTER_ORIGIN)
        err.print(
            f"register: {len(specs)} source(s) ({summary}): "
            f"{added} added, {updated} updated, {disabled} disabled"
        )


_STATUS_STYLE = {"blind": "bold red", "unchecked": "yellow", "partial": "yellow", "ok": "green"}


@app.command("coverage")
def coverage(
    json_: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Per council, which kinds of source it has and whether they work.  Councils with no
    working source come first: a blind spot must never look like a quiet council."""
    from monitor.coverage import council_coverage
    from monitor.register import load_register

    with Runtime(config) as rt:
        rows = council_coverage(rt.store(), load_register())
        if json_:
            print_json([r.to_json() for r in rows])
            return
        table = Table("status", "council", "gss", "sources", box=None)
        for r in rows:
            kinds = ", ".join(
                f"{s.kind}" if s.healthy else f"[red]{s.kind} ({s.last_error or 'not polled'})[/]"
                for s in r.sources
            )
            style = _STATUS_STYLE[r.status]
            table.add_row(f"[{style}]{r.status}[/]", r.name, r.gss, kinds or "[red]none[/]")
        out.print(table)
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        err.print(
            f"{len(rows)} current councils: "
            + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("blind", "unchecked", "partial", "ok"))
        )


@app.command("health")
def health(
    json_: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Broken sources by error code, and quiet sources (nothing new for longer than their
    usual rate explains: `sources.quiet_factor` times their usual gap)."""
    from monitor.coverage import health_summary
    from monitor.register import load_register

    with Runtime(config) as rt:
        summary = health_summary(rt.store(), rt.settings, load_register())
        if json_:
            print_json(summary.to_json())
            return
        out.print(
            f"{summary.working} of {summary.total} source(s) working, "
            f"{summary.never_polled} never polled, "
            f"{sum(len(v) for v in summary.broken.values())} broken, "
            f"{len(summary.quiet)} quiet, {len(summary.blind_councils)} council(s) blind"
        )
        for code, sources in summary.broken.items():
            out.print(f"\n[bold red]{code}[/] ({len(sources)})")
            for s in sources[:20]:
                out.print(
                    f"  {s.id}  {s.url}  failing {s.consecutive_failures}x, "
                    f"last worked {ago(s.last_success)}: {s.last_error_message or ''}"
                )
            if len(sources) > 20:
                out.print(f"  ... and {len(sources) - 20} more (--json lists all)")
        if summary.quiet:
            out.print("\n[bold yellow]quiet[/] (nothing new for longer than usual)")
            for q in summary.quiet:
                out.print(
                    f"  {q.id}  last new item {ago(q.last_new_item)}, usually every "
                    f"{q.usual_gap_s / 3600:.1f} h"
                )
        if summary.blind_councils:
            names = ", ".join(c.name for c in summary.blind_councils[:15])
            more = len(summary.blind_councils) - 15
            out.print(f"\n[bold red]blind councils[/]: {names}" + (f" +{more}" if more > 0 else ""))
