"""`council-monitor run | serve | users | tokens | audit`: the service and who may use it."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.table import Table

from monitor.cli.common import ConfigOpt, JsonOpt, Runtime, ago, err, out, print_json
from monitor.errors import ConfigError

__all__ = ["register"]

users_app = typer.Typer(help="People who may sign in, and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for machines.", no_args_is_help=True)


def run(config: ConfigOpt = None) -> None:
    """Run the service: every source polled on its own schedule, classification,
    detection, digests at their hour and mail delivery, until SIGTERM.  A second `run`
    against the same database refuses to start."""
    from monitor.scheduler import Service

    with Runtime(config, service=True) as rt:
        service = Service(rt.settings, rt.store())
        err.print(f"council-monitor run: {rt.store().db.safe_url} (Ctrl-C or SIGTERM stops)")
        code = service.serve_forever()
    raise typer.Exit(code)


def serve(
    host: Annotated[str | None, typer.Option(help="Address (default: web.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: web.port).")] = None,
    config: ConfigOpt = None,
) -> None:
    """Serve the web UI and the JSON API (named users only: see `users add`)."""
    import uvicorn

    from monitor.web import create_app

    with Runtime(config, service=True) as rt:
        store = rt.store()
        if store.access.count_users() == 0:
            err.print(
                "[yellow]no user can sign in yet:[/] add one with "
                "`council-monitor users add NAME --role admin`"
            )
        app = create_app(rt.settings, store)
        where = f"http://{host or rt.settings.web.host}:{port or rt.settings.web.port}/"
        err.print(f"serving {where}")
        uvicorn.run(
            app,
            host=host or rt.settings.web.host,
            port=port or rt.settings.web.port,
            log_level="warning",
            proxy_headers=True,
        )


def _password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ConfigError("the two passwords differ", key="password")
    return first


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (one word).")],
    role: Annotated[str, typer.Option(help="viewer, analyst or admin.")] = "viewer",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Add a user; the password is prompted for (or read from stdin)."""
    with Runtime(config) as rt:
        user = rt.store().access.add_user(name, role, _password(password_stdin))
        rt.store().access.audit("cli", "cli", "add_user", user.name, role=role)
        err.print(f"added {user.name} ({user.role})")


@users_app.command("set")
def users_set(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str | None, typer.Option(help="New role.")] = None,
    password: Annotated[
        bool, typer.Option("--password", help="Set a new password (prompted, or stdin).")
    ] = False,
    disable: Annotated[bool, typer.Option(help="Disable the account (and its tokens).")] = False,
    enable: Annotated[bool, typer.Option(help="Enable the account again.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Change a user's role or password, or disable them (signing them out everywhere)."""
    with Runtime(config) as rt:
        rt.store().access.set_user(
            name,
            role=role,
            password=_password(False) if password else None,
            active=False if disable else (True if enable else None),
        )
        rt.store().access.audit("cli", "cli", "set_user", name, role=role, disabled=disable)
        err.print(f"updated {name}")


@users_app.command("list")
def users_list(json_: JsonOpt = False, config: ConfigOpt = None) -> None:
    """List users."""
    with Runtime(config) as rt:
        rows = rt.store().access.users()
        if json_:
            print_json(rows)
            return
        table = Table("name", "role", "active", "last login", box=None)
        for r in rows:
            table.add_row(
                r["name"], r["role"], "yes" if r["active"] else "no", ago(r["last_login_at"])
            )
        out.print(table)


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
    config: ConfigOpt = None,
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    with Runtime(config) as rt:
        token = rt.store().access.create_token(name, label)
        rt.store().access.audit("cli", "cli", "create_token", name, prefix=token[:10])
        sys.stdout.write(token + "\n")
        err.print("keep it safe: it cannot be shown again (`tokens revoke PREFIX` ends it)")


@tokens_app.command("list")
def tokens_list(json_: JsonOpt = False, config: ConfigOpt = None) -> None:
    """List tokens by their first characters."""
    with Runtime(config) as rt:
        rows = rt.store().access.tokens()
        if json_:
            print_json(rows)
            return
        table = Table("prefix", "user", "label", "created", "last used", "revoked", box=None)
        for r in rows:
            table.add_row(
                r["prefix"],
                r["user"],
                r["label"],
                ago(r["created_at"]),
                ago(r["last_used_at"]),
                ago(r["revoked_at"]) if r["revoked_at"] else "",
            )
        out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    prefix: Annotated[str, typer.Argument(help="The token's first 10 characters.")],
    config: ConfigOpt = None,
) -> None:
    """Revoke a token."""
    with Runtime(config) as rt:
        n = rt.store().access.revoke_token(prefix)
        if not n:
            raise ConfigError(f"no live token starts with {prefix!r}", key="PREFIX")
        rt.store().access.audit("cli", "cli", "revoke_token", prefix)
        err.print(f"revoked {n} token(s)")


def audit(
    user: Annotated[str | None, typer.Option(help="Only this user's actions.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action (search, ...).")] = None,
    limit: Annotated[int, typer.Option(help="Most rows.", min=1)] = 100,
    json_: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Who searched for and viewed which council, newest first."""
    with Runtime(config) as rt:
        rows = rt.store().access.audit_log(limit=limit, user=user, action=action)
        if json_:
            print_json(rows)
            return
        table = Table("when", "who", "via", "action", "target", box=None)
        for r in rows:
            table.add_row(
                f"{r['at']:%Y-%m-%d %H:%M:%S}", r["user_name"], r["via"], r["action"], r["target"]
            )
        out.print(table)


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(serve)
    app.command()(audit)
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
