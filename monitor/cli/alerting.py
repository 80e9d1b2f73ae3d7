"""`council-monitor detect | radar | alerts | subscribers | digest | deliver | outbox |
replay`."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from monitor.cli.common import ConfigOpt, JsonOpt, Runtime, err, out, parse_when, print_json
from monitor.declarations import resolve_council
from monitor.errors import ConfigError, MonitorError

__all__ = ["register"]

alerts_app = typer.Typer(
    help="Alerts: list, show, acknowledge, mark false positives.", no_args_is_help=True
)
subs_app = typer.Typer(
    help="People who receive digests, and what they watch.", no_args_is_help=True
)
LABELS = (
    "financial_distress",
    "leadership_conflict",
    "political_instability",
    "governance_failure",
)


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def detect(
    at: Annotated[str | None, typer.Option(help="Assess as of this date (default: now).")] = None,
    config: ConfigOpt = None,
) -> None:
    """Assess every council and move alerts along their lifecycle (queues immediate mail)."""
    from monitor.alerting import run_detection

    with Runtime(config) as rt:
        now = parse_when(at, end=True, option="--at") if at else None
        report = run_detection(rt.store(), rt.settings, now)
        err.print(
            f"opened {len(report.opened)}, escalated {len(report.escalated)}, "
            f"quiet {len(report.quieted)}, resolved {len(report.resolved)}, updated "
            f"{len(report.updated)}; {report.queued_mail} immediate mail(s) queued"
        )


def radar(
    limit: Annotated[int, typer.Option(help="Councils to show.")] = 25,
    json_: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Councils ranked by current signal score, with the reason, and those we cannot judge."""
    from monitor.alerting import radar as compute

    with Runtime(config) as rt:
        rows, blind = compute(rt.store(), rt.settings)
        if json_:
            print_json(
                {
                    "ranked": [r.to_json() for r in rows[:limit]],
                    "blind": blind,
                    "generated": datetime.now(UTC),
                }
            )
            return
        table = Table("#", "council", "score", "alert", "signals", "why", "sources", box=None)
        for i, r in enumerate(rows[:limit], 1):
            table.add_row(
                str(i),
                r.name,
                f"{r.score:.1f}",
                r.severity or "",
                ", ".join(r.labels),
                r.reason,
                r.coverage,
            )
        out.print(table)
        err.print(
            f"{len(rows)} council(s) with signals; {len(blind)} council(s) cannot be "
            f"judged (no working source): see --json for the list"
        )


@alerts_app.command("list")
def alerts_list(
    status: Annotated[
        str, typer.Option(help="active, open, escalated, quiet, resolved or all.")
    ] = "active",
    council: Annotated[str | None, typer.Option(help="GSS code or name.")] = None,
    json_: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Alerts, most recently changed first."""
    from monitor.register import load_register

    with Runtime(config) as rt:
        gss = resolve_council(council, key="--council")
        rows = rt.store().alerts.find(status=None if status == "all" else status, council=gss)
        if json_:
            print_json(rows)
            return
        register = load_register()
        table = Table("id", "council", "status", "severity", "signals", "opened", "rules", box=None)
        for a in rows:
            c = register.get(a["council_gss"])
            table.add_row(
                str(a["id"]),
                c.name if c else a["council_gss"],
                a["status"],
                a["severity"],
                ", ".join(a["labels"]),
                a["opened_at"].strftime("%Y-%m-%d"),
                ", ".join(a["explanation"].get("rules", [])),
            )
        out.print(table)


@alerts_app.command("show")
def alerts_show(alert_id: int, json_: JsonOpt = False, config: ConfigOpt = None) -> None:
    """One alert with its explanation and evidence."""
    with Runtime(config) as rt:
        alert = rt.store().alerts.get(alert_id)
        if alert is None:
            raise MonitorError(f"no alert {alert_id}", code="not_found")
        if json_:
            print_json(alert)
            return
        x = alert["explanation"]
        out.print(
            f"[bold]alert {alert_id}[/]: {alert['council_gss']} {alert['severity']} "
            f"({alert['status']}), opened {alert['opened_at']:%Y-%m-%d}"
        )
        out.print(
            f"rules: {', '.join(x['rules'])}; signals {x['signals']}; "
            f"{x['stories']} stories from {len(x['outlets'])} outlet(s); "
            f"{x['recent_stories']} in {x['window_days']} days vs "
            f"{x['expected_recent']} expected"
        )
        for item in x["items"]:
            out.print(f"  {item['first_seen'][:10]} {item['title']}  [dim]{item['url']}[/]")
            for label, sentence in item["evidence"].items():
                out.print(f"      {label}: “{sentence}”", markup=False)
        for e in alert["events"]:
            out.print(f"  [dim]{e['at']:%Y-%m-%d %H:%M} {e['kind']} {e['severity']} {e['note']}[/]")


@alerts_app.command("ack")
def alerts_ack(
    alert_id: int,
    by: Annotated[str, typer.Option(help="Who acknowledges.")],
    config: ConfigOpt = None,
) -> None:
    """Acknowledge an alert."""
    with Runtime(config) as rt:
        rt.store().alerts.mark(alert_id, acknowledged_by=by)
        err.print(f"alert {alert_id} acknowledged by {by}")


@alerts_app.command("false-positive")
def alerts_false_positive(
    alert_id: int,
    reason: Annotated[str, typer.Option(help="Why it is wrong.")],
    config: ConfigOpt = None,
) -> None:
    """Mark an alert as a false positive (kept, with the reason, for retraining)."""
    with Runtime(config) as rt:
        rt.store().alerts.mark(alert_id, false_positive_reason=reason)
        err.print(f"alert {alert_id} marked as a false positive")


@subs_app.command("add")
def subs_add(
    name: str,
    email: Annotated[str, typer.Option(help="Where digests go.")],
    council: Annotated[
        list[str] | None, typer.Option(help="Watched council (GSS or name; repeatable).")
    ] = None,
    region: Annotated[list[str] | None, typer.Option(help="Watched region.")] = None,
    council_type: Annotated[
        list[str] | None, typer.Option("--type", help="Watched council type code.")
    ] = None,
    signal: Annotated[list[str] | None, typer.Option(help="Only these signals.")] = None,
    min_severity: Annotated[str, typer.Option(help="watch, concern or acute.")] = "watch",
    immediate: Annotated[bool, typer.Option(help="Also mail acute alerts at once.")] = True,
    config: ConfigOpt = None,
) -> None:
    """Add a subscriber (no council, region or type: every council)."""
    with Runtime(config) as rt:
        watch = _watch(council, region, council_type, signal, min_severity)
        if "@" not in email or any(c in email for c in "\r\n<>,; "):
            raise ConfigError(f"not an email address: {email!r}", key="--email")
        rt.store().subscribers.add(name, email, immediate=immediate, **watch)
        err.print(f"subscriber {name} added")


def _watch(
    council: list[str] | None,
    region: list[str] | None,
    types: list[str] | None,
    signals: list[str] | None,
    min_severity: str,
) -> dict[str, Any]:
    if min_severity not in ("watch", "concern", "acute"):
        raise ConfigError("must be watch, concern or acute", key="--min-severity")
    bad = [s for s in _split(signals) if s not in LABELS]
    if bad:
        raise ConfigError(f"unknown signal(s) {bad}; use {', '.join(LABELS)}", key="--signal")
    return {
        "councils": [resolve_council(c, key="--council") for c in _split(council)],
        "regions": _split(region),
        "council_types": _split(types),
        "signals": _split(signals),
        "min_severity": min_severity,
    }


@subs_app.command("list")
def subs_list(
    json_: JsonOpt = False,
    all_: Annotated[bool, typer.Option("--all", help="Include unsubscribed people.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Subscribers and their watchlists."""
    with Runtime(config) as rt:
        rows = rt.store().subscribers.all(include_inactive=all_)
        for row in rows:
            row.pop("unsubscribe_token", None)
        if json_:
            print_json(rows)
            return
        table = Table("name", "email", "watches", "signals", "min", "last digest", box=None)
        for s in rows:
            watches = ", ".join(s["councils"] + s["regions"] + s["council_types"]) or "all"
            table.add_row(
                s["name"] + ("" if s["active"] else " (unsubscribed)"),
                s["email"],
                watches,
                ", ".join(s["signals"]) or "all",
                s["min_severity"],
                f"{s['last_digest_at']:%Y-%m-%d %H:%M}" if s["last_digest_at"] else "-",
            )
        out.print(table)


@subs_app.command("remove")
def subs_remove(name: str, config: ConfigOpt = None) -> None:
    """Stop sending to a subscriber (their history is kept)."""
    with Runtime(config) as rt:
        rt.store().subscribers.remove(name)
        err.print(f"subscriber {name} removed")


def digest(
    preview: Annotated[
        str | None, typer.Option(help="Write this subscriber's digest instead of queueing it.")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="With --preview: the HTML file to write.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Queue now even before the digest hour.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Queue today's digests (each once) or preview one."""
    from alerts.digest import render
    from monitor.alerting import build_digest, queue_digests

    with Runtime(config) as rt:
        store = rt.store()
        if preview:
            sub = store.subscribers.get(preview)
            if sub is None:
                raise ConfigError(f"no subscriber named {preview!r}", key="--preview")
            subject, text, html = render(build_digest(store, rt.settings, sub, datetime.now(UTC)))
            if out_file:
                out_file.write_text(html, encoding="utf-8")
                err.print(f"{subject}\nwrote {out_file} ({len(html):,} bytes)")
            else:
                sys.stdout.write(text)
            return
        n = queue_digests(store, rt.settings, force=force)
        err.print(f"{n} digest(s) queued")


def deliver(config: ConfigOpt = None) -> None:
    """Send what the outbox holds (retries temporary failures later)."""
    from monitor.alerting import deliver_outbox

    with Runtime(config) as rt:
        report = deliver_outbox(rt.store(), rt.settings)
        err.print(
            f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}"
            + (f"; errors {report.errors}" if report.errors else "")
        )


def outbox(json_: JsonOpt = False, config: ConfigOpt = None) -> None:
    """Messages by status, and the failures operators should see."""
    with Runtime(config) as rt:
        store = rt.store()
        counts, failures = store.outbox.counts(), store.outbox.failures()
        if json_:
            print_json({"counts": counts, "failures": failures})
            return
        out.print(", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "outbox empty")
        for f in failures:
            out.print(
                f"  [red]{f['status']}[/] #{f['id']} {f['kind']} to {f['recipient']}: "
                f"{f['last_error']} ({f['attempts']} attempts)"
            )


def replay(
    file: Path,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL to keep the replay in (default: a temporary SQLite file)."
        ),
    ] = None,
    ignore_councils: Annotated[
        bool, typer.Option(help="Link councils from the text even when items name them.")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Run dated items through the whole pipeline in date order; print the alerts raised."""
    from monitor.replay import load_rows
    from monitor.replay import replay as run

    with Runtime(config) as rt:
        result = run(
            load_rows(file), rt.settings, db_url=db, use_given_councils=not ignore_councils
        )
        for alert in result.alerts:
            sys.stdout.write(json.dumps(alert, default=str, ensure_ascii=False) + "\n")
        err.print(
            f"replayed {result.items} item(s) over {result.days} day(s) "
            f"({result.skipped_undated} undated skipped): {len(result.alerts)} alert(s)"
        )


def register(app: typer.Typer) -> None:
    app.command()(detect)
    app.command()(radar)
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(subs_app, name="subscribers")
    app.command()(digest)
    app.command()(deliver)
    app.command()(outbox)
    app.command()(replay)
