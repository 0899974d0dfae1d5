"""``guanxi serve``, ``guanxi token …`` and ``guanxi staff password``."""

from __future__ import annotations

import datetime as dt
import sys

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default: web.host, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: web.port, 8000).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: web.workers, 1).")
@pass_state
def serve(state: CliState, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the JSON API (/api, OpenAPI at /api/docs) and the web console (/)."""
    import uvicorn

    settings = state.app.settings_for("web")
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    click.echo(f"guanxi {state.app.edition.name}: console http://{host}:{port}/ "
               f"· API http://{host}:{port}/api/docs", err=True)
    if workers == 1:
        from guanxi.web import create_web_app

        uvicorn.run(create_web_app(state.app), host=host, port=port, log_level="warning",
                    access_log=False)
        return
    # Each worker process builds its own application from the same project and options.
    import os

    from guanxi.settings import env_var
    from guanxi.web.asgi import PROJECT_VARIABLE

    os.environ[PROJECT_VARIABLE] = str(state.project_dir.resolve())
    if state.edition:
        os.environ["GUANXI_EDITION"] = state.edition
    if state.database_url:
        os.environ[env_var("core", "database_url")] = state.database_url
    uvicorn.run("guanxi.web.asgi:application", factory=True, host=host, port=port,
                workers=workers, log_level="warning", access_log=False)


@click.group("token")
def token() -> None:
    """API tokens of staff users (for the HTTP API)."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="", help="What the token is for (shown in listings).")
@click.option("--expires-days", type=click.IntRange(min=1), default=None,
              help="Days until it expires (default: never).")
@click.option("--read-only", is_flag=True,
              help="Only the read permissions of USERNAME's roles; no POST, PUT, PATCH or "
                   "DELETE.")
@json_option
@pass_state
def token_create(state: CliState, username: str, name: str, expires_days: int | None,
                 read_only: bool, as_json: bool) -> None:
    """Make an API token for USERNAME; the secret is printed once, never again."""
    from guanxi.services.credentials import issue_token

    lifetime = dt.timedelta(days=expires_days) if expires_days else None
    with state.transaction() as uow:
        issued = issue_token(uow, username, kind="api", name=name, lifetime=lifetime,
                             read_only=read_only)
    if as_json:
        print_json({"id": issued.token.id, "token": issued.secret,
                    "expires_at": issued.token.expires_at, "read_only": read_only})
        return
    click.echo(issued.secret)
    what = "read-only token" if read_only else "token"
    click.echo(f"{what} {issued.token.id} for {username}: keep it secret; it is not shown again",
               err=True)


@token.command("list")
@click.option("--user", "username", default=None, help="Only this staff user's tokens.")
@json_option
@pass_state
def token_list(state: CliState, username: str | None, as_json: bool) -> None:
    """List API tokens (never their secrets)."""
    from guanxi.services.credentials import list_tokens
    from guanxi.services.staff import usernames

    with state.transaction() as uow:
        rows = list_tokens(uow, staff=username)
        names = usernames(uow, [row.staff_id for row in rows])
    tz = state.app.tz
    emit(
        rows,
        [
            ("id", lambda r: r.id),
            ("user", lambda r: names.get(r.staff_id)),
            ("name", lambda r: r.name),
            ("prefix", lambda r: r.prefix + "…"),
            ("created", lambda r: local(r.created_at, tz)),
            ("expires", lambda r: local(r.expires_at, tz)),
            ("last used", lambda r: local(r.last_used_at, tz)),
            ("revoked", lambda r: local(r.revoked_at, tz)),
            ("access", lambda r: "read-only" if r.read_only else "full"),
        ],
        as_json=as_json,
    )


@token.command("revoke")
@click.argument("token_id", type=int)
@pass_state
def token_revoke(state: CliState, token_id: int) -> None:
    """Revoke the token TOKEN_ID (it stops working within web.auth_cache_seconds)."""
    from guanxi.services.credentials import revoke_token

    with state.transaction() as uow:
        revoke_token(uow, token_id)
    click.echo(f"revoked token {token_id}")


@click.command("password")
@click.argument("username")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the password from standard input.")
@pass_state
def staff_password(state: CliState, username: str, from_stdin: bool) -> None:
    """Set the console password of USERNAME (asked twice, or one line on stdin)."""
    from guanxi.services.credentials import set_password

    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    with state.transaction() as uow:
        set_password(uow, username, password)
    click.echo(f"password set for {username}")


def register(cli: click.Group) -> None:
    """Add these commands to the root group (``password`` joins ``staff``)."""
    from guanxi.cli.work import staff

    cli.add_command(serve)
    cli.add_command(token)
    staff.add_command(staff_password)
