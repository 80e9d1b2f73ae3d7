"""The ``council-monitor`` command (also ``python -m monitor``)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from monitor.cli import alerting, councils, linking, service, signals, sources
from monitor.cli.common import (
    ConfigOpt,
    JsonOpt,
    Runtime,
    err,
    out,
    parse_when,
    print_json,
    set_app_config,
)
from monitor.config import default_config_toml, effective_settings, settings_table_markdown
from monitor.declarations import resolve_council
from monitor.errors import ConfigError, MonitorError, QueryError
from monitor.pipeline import PollOutcome, PollSummary, poll_sources
from monitor.types import SearchHit, SearchQuery

__all__ = ["app", "main"]

app = typer.Typer(
    name="council-monitor",
    help="Early warnings about UK councils from their news, committee papers and the press.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(councils.app, name="councils")
app.add_typer(sources.app, name="sources")
signals.register(app)
linking.register(app)
alerting.register(app)
service.register(app)


@app.callback()
def _root(
    config: ConfigOpt = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show log lines at log.level on stderr.")
    ] = False,
) -> None:
    set_app_config(config, verbose)


@app.command()
def init(config: ConfigOpt = None) -> None:
    """Create or upgrade the database and load the council register (safe to repeat)."""
    with Runtime(config) as rt:
        report = rt.store(require_init=False).init()
        before = report.revision_before or "empty"
        err.print(
            f"database {report.database}: schema {before} -> {report.revision_after}; "
            f"{report.councils} councils in the register"
        )


@config_app.command("check")
def config_check(json_: JsonOpt = False, config: ConfigOpt = None) -> None:
    """Validate the configuration and print the effective settings (secrets masked)."""
    rt = Runtime(config)
    settings = rt.settings
    rows = []
    for info, value, is_default in effective_settings(settings):
        shown = ("********" if value else "(not set)") if info.secret else value
        rows.append(
            {"setting": info.name, "value": shown, "default": is_default, "env": info.env_var}
        )
    if json_:
        print_json(
            {
                "config_file": str(settings.config_path) if settings.config_path else None,
                "settings": rows,
            }
        )
        return
    err.print(f"config file: {settings.config_path or '(none: built-in defaults)'}")
    table = Table("setting", "value", "", box=None)
    for row in rows:
        table.add_row(
            str(row["setting"]), repr(row["value"]), "" if row["default"] else "[cyan]set[/]"
        )
    out.print(table)
    for name in settings.unknown_env:
        err.print(f"[yellow]warning:[/] {name} is set but matches no setting (a typo?)")
    err.print("[green]configuration is valid[/]")


@config_app.command("docs")
def config_docs(
    toml: Annotated[
        bool,
        typer.Option(
            "--toml", help="Print a config.toml with every setting at its default instead."
        ),
    ] = False,
) -> None:
    """Print the settings table (Markdown) that the README embeds."""
    text = default_config_toml() if toml else settings_table_markdown()
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not sys.stderr.isatty(),
    )


def run_fetch(
    rt: Runtime, source_ids: list[str] | None, council: str | None, due: bool
) -> PollSummary:
    store = rt.store()
    if due:
        specs = store.sources.due()
        if source_ids:
            specs = [s for s in specs if s.id in source_ids]
        if council:
            specs = [s for s in specs if s.council == council]
    else:
        specs = store.sources.specs(ids=source_ids or None, council=council)
    if source_ids:
        missing = set(source_ids) - {s.id for s in specs}
        if missing and not due:
            raise ConfigError(
                f"no enabled source with id {', '.join(sorted(missing))}", key="--source"
            )
    with _progress() as progress:
        task = progress.add_task("fetching", total=len(specs))

        def done(outcome: PollOutcome) -> None:
            progress.advance(task)

        return asyncio.run(poll_sources(store, rt.settings, specs, on_done=done))


def print_fetch_summary(summary: PollSummary) -> None:
    n = len(summary.outcomes)
    err.print(
        f"polled {n} source(s) in {summary.duration_s:.1f}s: "
        f"[green]{summary.new} new[/], {summary.updated} updated, "
        f"{summary.not_modified} unchanged, "
        f"[{'red' if summary.failed else 'green'}]{len(summary.failed)} failed[/]"
    )
    for outcome in sorted(summary.failed, key=lambda o: o.source_id):
        err.print(
            f"  [red]✗[/] {outcome.source_id}: {outcome.error_code}: {outcome.error_message}",
            markup=True,
            highlight=False,
        )
    for outcome in summary.outcomes:
        for code, message in outcome.warnings:
            err.print(f"  [yellow]![/] {outcome.source_id}: {code}: {message}")


@app.command()
def fetch(
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only this source (repeatable).")
    ] = None,
    council: Annotated[
        str | None, typer.Option(help="Only this council's sources (GSS code or name).")
    ] = None,
    due: Annotated[bool, typer.Option(help="Only sources whose next check has come.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Poll sources now and store what is new."""
    with Runtime(config) as rt:
        gss = resolve_council(council, key="--council")
        summary = run_fetch(rt, source, gss, due)
        print_fetch_summary(summary)
        for line in after_fetch(rt):
            err.print(line)


def after_fetch(rt: Runtime) -> list[str]:
    """The backlogs a fetch leaves: stories to group, items to classify."""
    from monitor.enrich import StoryGrouper

    grouped = StoryGrouper(rt.store()).run()
    return [f"grouped {grouped} item(s) into stories", signals.classify_after_fetch(rt)]


def render_hit(hit: SearchHit) -> None:
    date = hit.published.strftime("%Y-%m-%d") if hit.published else "----------"
    if hit.published_estimated:
        date = "seen " + date[5:]  # the source gave no date: when we first saw it
    council = ", ".join(hit.council_names) or "no council linked"
    title = Text(hit.title or "(untitled)", style="bold")
    out.print(Text.assemble((date, "cyan"), "  ", title))
    also = f" · also in {hit.also_in} other outlet(s)" if hit.also_in else ""
    out.print(Text(f"            {council} · {hit.source} · {hit.kind}{also}", style="dim"))
    snippet = Text("            ")
    offset = len(snippet)
    snippet.append(hit.snippet)
    for start, end in hit.highlights:
        snippet.stylize("bold yellow", offset + start, offset + end)
    out.print(snippet)
    out.print(Text(f"            {hit.url}", style="blue"))


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words, "phrases", OR, -exclude, prefix*.')],
    council: Annotated[str | None, typer.Option(help="GSS code or name.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date (YYYY[-MM[-DD]]).")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date (inclusive).")] = None,
    kind: Annotated[
        str | None, typer.Option(help="council_news, press, committee or document.")
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(help="Most results to show (default: search.default_limit).", min=1),
    ] = None,
    sort: Annotated[str, typer.Option(help="newest or relevance.")] = "newest",
    json_: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Search stored items; matching words are highlighted."""
    if sort not in ("newest", "relevance"):
        raise QueryError("--sort must be newest or relevance")
    with Runtime(config) as rt:
        gss = resolve_council(council, key="--council")
        limit = limit or rt.settings.search.default_limit
        q = SearchQuery(
            text=query,
            council=gss,
            since=parse_when(since, option="--since"),
            until=parse_when(until, end=True, option="--until"),
            kind=kind,
            sort="relevance" if sort == "relevance" else "newest",
            limit=limit,
        )
        hits = rt.store().search.search(q)
        if json_:
            print_json([h.to_json() for h in hits])
            return
        for hit in hits:
            render_hit(hit)
        err.print(
            f"{len(hits)} result(s)"
            + (" (limit reached: use --limit for more)" if len(hits) == limit else "")
        )


@app.command()
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo keeps its database and config.")
    ] = Path("demo"),
) -> None:
    """Run an offline demo on recorded real council feeds and pages."""
    from monitor.demo import run_demo

    run_demo(directory)


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/] {exc}", highlight=False)
        sys.exit(2)
    except MonitorError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
