"""`council-monitor councils ...`: the council register (no database needed)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from monitor.cli.common import ConfigOpt, JsonOpt, err, out, print_json
from monitor.errors import MonitorError
from monitor.register import load_register
from monitor.types import Council

app = typer.Typer(
    help="The council register: every current and former UK principal council.",
    no_args_is_help=True,
)

LIST_FIELDS = (
    "gss",
    "name",
    "short_name",
    "type",
    "type_name",
    "nation",
    "region",
    "current",
    "principal",
    "end_date",
    "successors",
    "parent_gss",
    "homepage",
    "committee_system",
    "committee_url",
    "aliases",
)


def _summary(c: Council) -> dict:
    data = c.to_json()
    return {key: data[key] for key in LIST_FIELDS}


@app.command("list")
def list_councils(
    json_: JsonOpt = False,
    all_: Annotated[
        bool, typer.Option("--all", help="Include former councils and combined authorities.")
    ] = False,
    nation: Annotated[
        str | None, typer.Option(help="England, Scotland, Wales or Northern Ireland.")
    ] = None,
    region: Annotated[str | None, typer.Option(help="A region, e.g. 'North West'.")] = None,
    type_: Annotated[
        str | None,
        typer.Option("--type", help="Type code: CTY, NMD, UA, MD, LBO, SCO, WPA, NID, CC."),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """List councils (current principal councils unless --all)."""
    councils = [
        c
        for c in load_register()
        if (all_ or (c.current and c.principal))
        and (not nation or c.nation.lower() == nation.lower())
        and (not region or c.region.lower() == region.lower())
        and (not type_ or c.type.lower() == type_.lower())
    ]
    if json_:
        print_json([_summary(c) for c in councils])
        return
    table = Table("GSS", "name", "type", "nation / region", "status", box=None)
    for c in councils:
        status = "current" if c.current else f"ended {c.end_date}"
        table.add_row(c.gss, c.name, c.type_name, f"{c.nation} / {c.region}", status)
    out.print(table)
    err.print(f"{len(councils)} councils")


@app.command("show")
def show(
    query: Annotated[str, typer.Argument(help="GSS code, official name, short name or alias.")],
    json_: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Show one council, found by GSS code or name; suggests close names on a typo."""
    register = load_register()
    found = register.find(query)
    if not found:
        suggestions = register.suggest(query)
        hint = "".join(f"\n  {c.name} ({c.gss})" for c in suggestions)
        raise MonitorError(
            f"no council matches {query!r}" + (f"; closest names:{hint}" if hint else ""),
            code="not_found",
        )
    if json_:
        print_json(found[0].to_json() if len(found) == 1 else [c.to_json() for c in found])
        return
    if len(found) > 1:
        err.print(f"[yellow]{query!r} matches {len(found)} councils:[/]")
    for c in found:
        _print_council(c)


def _print_council(c: Council) -> None:
    register = load_register()

    def names(codes: tuple[str, ...]) -> str:
        return (
            ", ".join(
                f"{register.by_gss[g].name} ({g})" if g in register.by_gss else g for g in codes
            )
            or "-"
        )

    table = Table(show_header=False, box=None)
    rows = [
        ("GSS code", c.gss),
        ("name", c.name),
        ("short name", c.short_name),
        ("type", f"{c.type_name} ({c.type})"),
        ("nation / region", f"{c.nation} / {c.region}"),
        (
            "status",
            "current"
            if c.current
            else f"abolished {c.end_date}; succeeded by {names(c.successors)}",
        ),
        ("predecessors", names(c.predecessors)),
        ("county", names((c.parent_gss,)) if c.parent_gss else "-"),
        ("homepage", c.homepage or "-"),
        ("committee system", f"{c.committee_system or '-'} {c.committee_url or ''}".strip()),
        ("also known as", ", ".join(c.aliases) or "-"),
    ]
    for key, value in rows:
        table.add_row(f"[bold]{key}[/]", value)
    out.print(table)
    out.print()
