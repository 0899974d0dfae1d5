"""Admin commands: ``init``, ``plugins``, ``edition``, ``config``, ``db`` and ``jobs``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import csv_option, emit, json_option, local, print_json
from guanxi.db.engine import sqlite_file
from guanxi.errors import ConfigError
from guanxi.settings import PROJECT_FILE


def _project_file_text(edition: str, database_url: str) -> str:
    return (
        "# guanxi project file: settings here override the edition's;\n"
        "# GUANXI_* environment variables and command-line flags override these.\n"
        f'edition = "{edition}"\n\n'
        "[core]\n"
        f'database_url = "{database_url}"\n\n'
        "[plugins]\n"
        "enable = []\n"
        "disable = []\n"
    )


@click.command("init")
@click.option(
    "--edition",
    "edition_name",
    default="generic",
    show_default=True,
    help="Edition name or folder.",
)
@click.option(
    "--db", "database_url", default="sqlite:///guanxi.db", show_default=True, help="Database URL."
)
@click.option("--demo", is_flag=True, help="Fill the database with the edition's demo data.")
@click.option("--force", is_flag=True, help="Overwrite an existing guanxi.toml.")
@pass_state
def init(state: CliState, edition_name: str, database_url: str, demo: bool, force: bool) -> None:
    """Create guanxi.toml and the database in the project folder."""
    from guanxi.db.migrate import upgrade
    from guanxi.editions import load_edition

    folder = state.project_dir
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / PROJECT_FILE
    if target.exists() and not force:
        raise ConfigError(f"{target} exists (use --force to overwrite it)")
    edition = load_edition(edition_name, base_dir=Path.cwd())
    # A folder edition is recorded by absolute path so the project works from anywhere.
    recorded = edition.name if edition_name == edition.name else str(edition.folder.resolve())
    state.reset()
    state.edition = None
    state.creating_database = True
    previous = target.read_text(encoding="utf-8") if target.exists() else None
    url = state.database_url or database_url
    database = sqlite_file(url, folder)
    fresh_database = database is not None and not database.exists()
    target.write_text(_project_file_text(recorded, url), encoding="utf-8")
    try:
        app = state.app
        upgrade(app)
        click.echo(f"initialised {folder.resolve()} with edition {edition.name} ({edition.title})")
        if demo:
            from guanxi.demo import generate_demo

            summary = generate_demo(app)
            click.echo("demo data: " + ", ".join(f"{v} {k}" for k, v in summary.items()))
    except Exception:
        # Leave the folder as it was: a half-initialised project is worse than none.
        state.reset()
        if previous is None:
            target.unlink()
        else:
            target.write_text(previous, encoding="utf-8")
        if fresh_database and database is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        raise


@click.group()
def edition() -> None:
    """Editions: which plugins and configuration an industry gets."""


@edition.command("list")
@json_option
@csv_option
def edition_list(as_json: bool, as_csv: bool) -> None:
    """The editions that can be used, with a one-line description."""
    from guanxi.editions import discover_editions, parse_edition

    rows = [parse_edition(folder) for _, folder in sorted(discover_editions().items())]
    emit(
        rows,
        [
            ("name", lambda e: e.name),
            ("version", lambda e: e.version),
            ("title", lambda e: e.title),
            ("description", lambda e: e.description),
            ("folder", lambda e: str(e.folder)),
        ],
        as_json=as_json,
        as_csv=as_csv,
    )


@edition.command("show")
@click.argument("name", required=False)
@json_option
@pass_state
def edition_show(state: CliState, name: str | None, as_json: bool) -> None:
    """What an edition configures (default: the project's)."""
    from guanxi.editions import load_edition

    the = load_edition(name, base_dir=Path.cwd()) if name else state.app.edition
    data = {
        "name": the.name,
        "title": the.title,
        "version": the.version,
        "description": the.description,
        "folder": str(the.folder),
        "plugins": the.plugins,
        "settings": the.settings,
        "terminology": the.terminology,
        "custom_fields": the.custom_fields,
        "demo": the.demo,
    }
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        click.echo(f"{key}: {value}")


@edition.command("check")
@pass_state
def edition_check(state: CliState) -> None:
    """Check the project's edition: plugins resolve, settings valid, database in step."""
    from guanxi.db.migrate import check, current, heads

    app = state.app  # building it resolves plugins and validates every setting
    click.echo(
        f"edition {app.edition.name} {app.edition.version}: "
        f"{len(app.plugins)} plugins ({', '.join(app.plugins)})"
    )
    click.echo(f"settings: {len(app.setting_sources())} sections valid")
    click.echo(f"custom fields: {', '.join(app.registry.custom_fields) or 'none'}")
    missing = sorted(set(heads(app)) - set(current(app)))
    if missing:
        raise ConfigError(
            f"database is not upgraded (missing {', '.join(missing)}): run 'guanxi db upgrade'"
        )
    differences = check(app)
    if differences:
        raise ConfigError(f"database schema differs from the models: {differences[0]}")
    click.echo("database: at head, schema matches the models")
    click.echo("ok")


@click.group()
def config() -> None:
    """Settings and where each value comes from."""


@config.command("show")
@json_option
@pass_state
def config_show(state: CliState, as_json: bool) -> None:
    """Every setting with its value and source (flag, environment, file, edition, default)."""
    from guanxi.db.engine import mask_url

    rows = []
    for section, resolved in state.app.setting_sources().items():
        for name, value in resolved.model.model_dump().items():
            shown = mask_url(value) if name.endswith("_url") and isinstance(value, str) else value
            rows.append(
                {"setting": f"{section}.{name}", "value": shown, "source": resolved.sources[name]}
            )
    emit(
        rows,
        [
            ("setting", lambda r: r["setting"]),
            ("value", lambda r: r["value"]),
            ("source", lambda r: r["source"]),
        ],
        as_json=as_json,
    )


@click.group()
def db() -> None:
    """Database migrations (one Alembic branch per plugin)."""


@db.command("upgrade")
@click.argument("target", default="heads")
@pass_state
def db_upgrade(state: CliState, target: str) -> None:
    """Apply migrations up to TARGET (default: every branch's head)."""
    from guanxi.db.migrate import current, upgrade

    state.creating_database = True
    upgrade(state.app, target)
    click.echo(f"at {', '.join(current(state.app)) or 'base'}")


@db.command("downgrade")
@click.argument("target")
@pass_state
def db_downgrade(state: CliState, target: str) -> None:
    """Revert migrations down to TARGET (e.g. sales@base, core@-1)."""
    from guanxi.db.migrate import current, downgrade

    downgrade(state.app, target)
    click.echo(f"at {', '.join(current(state.app)) or 'base'}")


@db.command("current")
@pass_state
def db_current(state: CliState) -> None:
    """The applied revision of every branch."""
    from guanxi.db.migrate import current, heads

    applied = current(state.app)
    click.echo(f"current: {', '.join(applied) or 'base'}")
    click.echo(f"heads:   {', '.join(heads(state.app))}")


@click.group()
def jobs() -> None:
    """Scheduled jobs registered by the core and plugins."""


@jobs.command("run-due")
@click.option("--job", "only", default=None, help="Only this job.")
@click.option("--now", default=None, help="Pretend it is this time (ISO), for testing.")
@json_option
@pass_state
def jobs_run_due(state: CliState, only: str | None, now: str | None, as_json: bool) -> None:
    """Run every job that is due, once. Safe to run from cron every minute."""
    from guanxi.services.jobs import run_due

    app = state.app
    if only is not None and only not in app.registry.jobs:
        raise ConfigError(f"no job {only!r}")
    at = None
    if now:
        at = dt.datetime.fromisoformat(now)
        at = (at if at.tzinfo else at.replace(tzinfo=app.tz)).astimezone(dt.UTC)
    outcomes = run_due(app, now=at, only=only)
    if as_json:
        print_json(outcomes)
    elif not outcomes:
        click.echo("no job is due")
    else:
        emit(
            outcomes,
            [
                ("job", lambda o: o.name),
                ("due", lambda o: local(o.due_at, app.tz)),
                ("status", lambda o: o.status),
                ("detail", lambda o: o.detail),
            ],
            as_json=False,
        )
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        raise click.ClickException(
            f"{len(failed)} job(s) failed: {', '.join(o.name for o in failed)}"
        )


@jobs.command("list")
@json_option
@csv_option
@pass_state
def jobs_list(state: CliState, as_json: bool, as_csv: bool) -> None:
    """Registered jobs with their schedule, next due time and last outcome."""
    from guanxi.services.jobs import job_states

    app = state.app
    rows = job_states(app)
    emit(
        rows,
        [
            ("job", lambda r: r[0].name),
            ("plugin", lambda r: r[0].plugin),
            (
                "schedule",
                lambda r: f"every {r[0].every}" if r[0].every else f"daily at {r[0].daily_at}",
            ),
            ("next due", lambda r: local(r[1].next_due_at, app.tz) if r[1] else "at next run-due"),
            ("last", lambda r: r[1].last_status if r[1] else None),
            ("description", lambda r: r[0].description),
        ],
        as_json=as_json,
        as_csv=as_csv,
    )


def register(cli: click.Group) -> None:
    """Add these commands to the root group."""
    from guanxi.cli.plugin_info import plugins

    for command in (init, plugins, edition, config, db, jobs):
        cli.add_command(command)
