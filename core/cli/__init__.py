"""The ``guanxi`` command line.

The root group reads the options that say which project, edition, database and staff
user to act for, and builds the application lazily: ``guanxi init`` and ``--help`` work
in an empty folder, and plugin command groups are added (through the
``register_commands`` hook) only when a command name is not a built-in one.

Errors: a :class:`~guanxi.errors.GuanxiError` becomes one line on stderr and exit
status 1 (2 for usage errors); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from guanxi.app import App, create_app
from guanxi.db.engine import sqlite_file
from guanxi.errors import DatabaseError, GuanxiError, first_line


@dataclass
class CliState:
    """The root options and the application built from them (on first use)."""

    project_dir: Path = Path(".")
    edition: str | None = None
    database_url: str | None = None
    acting_user: str | None = None
    debug: bool = False
    # Commands that create the database (init, db upgrade) set this; every other command
    # refuses to create an empty SQLite file by accident in the wrong folder.
    creating_database: bool = False
    _app: App | None = field(default=None, repr=False)

    @property
    def app(self) -> App:
        """The application for this invocation, built on first use."""
        if self._app is None:
            core: dict[str, Any] = {}
            if self.database_url:
                core["database_url"] = self.database_url
            if self.acting_user:
                core["acting_user"] = self.acting_user
            app = create_app(
                self.project_dir, edition=self.edition, settings={"core": core} if core else None
            )
            if not self.creating_database:
                _require_sqlite_file(app)
            self._app = app
        return self._app

    def reset(self) -> None:
        """Forget the built application (after ``init`` wrote a new guanxi.toml)."""
        if self._app is not None:
            self._app.close()
        self._app = None

    def transaction(self) -> Any:
        """A unit of work acting as :meth:`as_user` (record policies and permissions apply)."""
        return self.app.transaction(as_user=self.as_user())

    def as_user(self) -> str | None:
        """The staff user commands act as (``--as`` or ``core.acting_user``); None: system."""
        return self.app.settings.acting_user


def _require_sqlite_file(app: App) -> None:
    path = sqlite_file(app.settings.database_url, app.project_dir)
    if path is not None and not path.exists():
        raise DatabaseError(
            f"no database at {path}: run 'guanxi init' (or 'guanxi db upgrade') first"
        )


def _database_failure(exc: SQLAlchemyError) -> str:
    """One line for a database error that escaped the services (a missing table, …)."""
    line = first_line(exc)
    hint = ""
    if "no such table" in line or "does not exist" in line:
        hint = " (is the database upgraded? run 'guanxi db upgrade')"
    return f"database error: {line}{hint}"


pass_state = click.make_pass_decorator(CliState)


class GuanxiGroup(click.Group):
    """The root group: built-in commands plus those plugins register."""

    def _plugin_group(self, ctx: click.Context) -> click.Group:
        if ctx.obj is None:  # --help is handled before the root callback runs
            ctx.obj = CliState(
                project_dir=Path(ctx.params.get("project_dir") or "."),
                edition=ctx.params.get("edition"),
                database_url=ctx.params.get("database_url"),
            )
        state: CliState = ctx.obj
        cached = ctx.meta.get("guanxi.plugin_commands")
        if cached is None:
            cached = click.Group()
            state.app.hook.register_commands(cli=cached)
            ctx.meta["guanxi.plugin_commands"] = cached
        return cached

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:  # type: ignore[override]
        """Run the CLI; turn guanxi's errors into one line and a non-zero exit status."""
        argv = list(args) if args is not None else sys.argv[1:]
        extra.pop("standalone_mode", None)
        try:
            result = super().main(
                args=argv, prog_name=prog_name or "guanxi", standalone_mode=False, **extra
            )
        except GuanxiError as exc:
            if "--debug" in argv:
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except SQLAlchemyError as exc:
            if "--debug" in argv:
                raise
            click.echo(f"error: {_database_failure(exc)}", err=True)
            sys.exit(1)
        except click.exceptions.Abort:
            click.echo("aborted", err=True)
            sys.exit(1)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        sys.exit(result if isinstance(result, int) else 0)

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        # Help still lists the built-in commands if plugins fail; running one shows why.
        with contextlib.suppress(GuanxiError):
            names |= set(self._plugin_group(ctx).commands)
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        return self._plugin_group(ctx).commands.get(cmd_name)


@click.group(cls=GuanxiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Project folder (where guanxi.toml is).",
)
@click.option("--edition", default=None, help="Edition name or folder (overrides guanxi.toml).")
@click.option("--db", "database_url", default=None, help="Database URL (overrides guanxi.toml).")
@click.option("--as", "acting_user", default=None, help="Act as this staff user.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(package_name="guanxi")
@click.pass_context
def cli(
    ctx: click.Context,
    project_dir: Path,
    edition: str | None,
    database_url: str | None,
    acting_user: str | None,
    debug: bool,
) -> None:
    """guanxi (关系): a plugin-based CRM."""
    ctx.obj = CliState(
        project_dir=project_dir,
        edition=edition,
        database_url=database_url,
        acting_user=acting_user,
        debug=debug,
    )
    ctx.call_on_close(ctx.obj.reset)


def _register_builtin_commands() -> None:
    from guanxi.cli import (
        admin,
        customers,
        dedupe,
        exporting,
        governance,
        importing,
        interactions,
        reports,
        scaffold,
        web,
        webhooks,
        work,
    )

    for module in (
        admin,
        customers,
        interactions,
        work,
        importing,
        exporting,
        reports,
        governance,
        dedupe,
        scaffold,
        web,
        webhooks,
    ):
        module.register(cli)


_register_builtin_commands()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``guanxi`` console script."""
    cli.main(args=argv, prog_name="guanxi")
