"""Schema migrations: one Alembic branch for the core and one per plugin.

Every enabled plugin names the folder of its revisions through ``register_models``. The
core's branch is labelled ``"core"``; a plugin's first revision has
``branch_labels = ("<plugin name>",)`` and ``depends_on = "core"``. Alembic sees all the
folders at once, so ``"heads"`` means every enabled plugin at its latest schema and
``"sales@base"`` means one plugin's tables removed.

Migrations run on the application's own engine, so SQLite gets its pragmas and
``BEGIN IMMEDIATE``, inside a single transaction: a failing revision leaves the schema
as it was (both backends have transactional DDL).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import Connection, ForeignKeyConstraint, MetaData, Table
from sqlalchemy.exc import SQLAlchemyError

import guanxi.migrations
from guanxi.errors import ConfigError, DatabaseError, first_line

if TYPE_CHECKING:
    from guanxi.app import App

# The folder with env.py and script.py.mako; the revisions live in the version locations.
SCRIPT_LOCATION = Path(guanxi.migrations.__file__).resolve().parent


@dataclass(frozen=True)
class RevisionInfo:
    """One revision of a branch, as :func:`history` lists it."""

    revision: str
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...]
    message: str
    applied: bool


def version_locations(app: App) -> list[Path]:
    """The migrations folders registered by the enabled plugins, the core's first."""
    return [reg.migrations for reg in app.registry.models if reg.migrations is not None]


def target_metadata(app: App) -> MetaData:
    """The tables of the enabled plugins, copied into a ``MetaData`` of their own.

    ``SQLModel.metadata`` is process-wide: it holds every table class imported so far,
    including those of plugins this application does not enable.
    """
    metadata = MetaData()
    for registration in app.registry.models:
        for table in registration.tables:
            _table_of(table, registration.plugin).to_metadata(metadata)
    return metadata


def _table_of(table: Any, plugin: str) -> Table:
    """The ``Table`` of a SQLModel table class (or a ``Table`` given as such)."""
    found = table if isinstance(table, Table) else getattr(table, "__table__", None)
    if not isinstance(found, Table):
        raise ConfigError(
            f"plugin {plugin!r}: {table!r} is not a table (a SQLModel class with table=True)"
        )
    return found


def _ini(value: str) -> str:
    # Config values go through configparser interpolation, where '%' is special.
    return value.replace("%", "%%")


def alembic_config(app: App, connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` for ``app``: the core's env.py and every enabled branch.

    ``script_location`` is the ``guanxi.migrations`` package folder;
    ``version_locations`` are the registered migrations folders of the enabled plugins.
    env.py runs on ``connection`` (``config.attributes["connection"]``) when given, else
    in a transaction of its own on ``app.engine``; autogenerate compares against
    :func:`target_metadata`. Use it for Alembic commands this module does not wrap, such
    as ``alembic.command.revision(config, autogenerate=True, head="sales@head")``.
    """
    config = Config()
    config.set_main_option("script_location", _ini(str(SCRIPT_LOCATION)))
    # Folders may contain spaces: split on the OS path separator. ``path_separator`` is
    # Alembic >= 1.16's name, ``version_path_separator`` the older one.
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_path_separator", "os")
    config.set_main_option(
        "version_locations", _ini(os.pathsep.join(str(p) for p in version_locations(app)))
    )
    config.attributes["app"] = app
    config.attributes["target_metadata"] = target_metadata(app)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def _database_errors(action: str) -> Iterator[None]:
    """Turn Alembic's and the driver's errors into a one-line :class:`DatabaseError`."""
    try:
        yield
    except (CommandError, RevisionError, SQLAlchemyError) as exc:
        raise DatabaseError(f"{action}: {first_line(exc)}") from exc


@contextmanager
def _migration_connection(app: App) -> Iterator[Connection]:
    """A connection in a transaction for schema changes.

    On SQLite, batch mode rebuilds a table (copy, drop, rename), and with foreign keys
    enforced dropping a table other rows point at fails. SQLite's own recipe: switch
    enforcement off *outside* the transaction, change the schema, run
    ``foreign_key_check`` before committing, switch it back on.
    """
    with app.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")  # autocommit: no transaction yet
        try:
            with connection.begin():
                yield connection
                if raw is not None:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise DatabaseError(
                            f"the migration leaves rows of {broken[0]} pointing at missing "
                            f"{broken[2]} rows"
                        )
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")


def _run_command(app: App, action: str, run: Callable[[Config], object]) -> None:
    with _database_errors(action), _migration_connection(app) as connection:
        config = alembic_config(app, connection)
        _refuse_unknown_revisions(
            ScriptDirectory.from_config(config),
            MigrationContext.configure(connection).get_current_heads(),
        )
        run(config)


def _refuse_unknown_revisions(script: ScriptDirectory, stored: Iterable[str]) -> None:
    """Say which plugin branch is missing, rather than Alembic's "Can't locate revision".

    Alembic cannot move any branch while the database holds a revision it has no script
    for: typically a plugin was disabled without removing its tables first.
    """
    unknown = [name for name, rev in _applied(script, stored).items() if rev is None]
    if unknown:
        raise DatabaseError(
            f"the database has revision(s) {', '.join(sorted(unknown))} that no enabled "
            "plugin provides: enable that plugin again (to upgrade, or to downgrade its "
            "branch to base before disabling it)"
        )


def upgrade(app: App, target: str = "heads") -> None:
    """Apply revisions up to ``target``: ``"heads"`` (every enabled branch), ``"sales@head"``…"""
    _run_command(app, f"upgrade to {target}", lambda config: command.upgrade(config, target))


def downgrade(app: App, target: str) -> None:
    """Revert revisions down to ``target``: ``"core@base"``, ``"sales@-1"``, ``"base"``…

    Reverting a branch also reverts the branches that depend on it (every plugin's
    depends on the core's).
    """
    _run_command(app, f"downgrade to {target}", lambda config: command.downgrade(config, target))


def _stored_heads(app: App) -> tuple[str, ...]:
    """What Alembic's version table holds: heads only, not those a dependency implies."""
    with _database_errors("read the current revision"), app.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_heads()


def _script(app: App) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(app))


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _applied(script: ScriptDirectory, stored: Iterable[str]) -> dict[str, Script | None]:
    """Every revision applied: the stored heads, their ancestors and dependencies.

    Maps each id to its script; ``None`` for a revision the scripts do not know (say,
    of a plugin since disabled), which is kept so nothing applied goes unreported.
    """
    applied: dict[str, Script | None] = {}
    todo = list(stored)
    while todo:
        name = todo.pop()  # a revision id, or a branch label named in depends_on
        try:
            rev = script.get_revision(name)
        except CommandError:
            rev = None
        if rev is None:
            applied[name] = None
        elif rev.revision not in applied:
            applied[rev.revision] = rev
            todo.extend(_as_tuple(rev.down_revision))
            todo.extend(_as_tuple(rev.dependencies))
    return applied


def current(app: App) -> list[str]:
    """The revision each branch is at, sorted (``[]`` for an empty database).

    Alembic's version table leaves out a branch whose head another branch depends on
    (the core's, once a plugin is applied); this lists every branch whose scripts are
    enabled, and a revision of a disabled plugin as the table has it.
    """
    stored = _stored_heads(app)
    if not stored:
        return []
    with _database_errors("read the current revision"):
        applied = _applied(_script(app), stored)
    superseded = {
        down for rev in applied.values() if rev is not None for down in _as_tuple(rev.down_revision)
    }
    return sorted(set(applied) - superseded)


def heads(app: App) -> list[str]:
    """The latest revision of every enabled branch, sorted."""
    with _database_errors("read the migration heads"):
        return sorted(_script(app).get_heads())


def history(app: App) -> list[RevisionInfo]:
    """Every revision of the enabled branches, newest first, marked if applied."""
    stored = _stored_heads(app)
    with _database_errors("read the migration history"):
        script = _script(app)
        applied = _applied(script, stored)
        return [
            RevisionInfo(
                revision=rev.revision,
                down_revisions=_as_tuple(rev.down_revision),
                branch_labels=tuple(sorted(rev.branch_labels)),
                message=rev.doc,
                applied=rev.revision in applied,
            )
            for rev in script.walk_revisions()
        ]


def check(app: App) -> list[str]:
    """Compare the enabled plugins' models with the database; one line per difference.

    Uses Alembic's autogenerate comparison (types included). An empty list means the
    schema is exactly what the models declare; anything else is drift between a model
    and its migrations, or a database not upgraded to ``heads``.
    """
    with _database_errors("compare the schema"), app.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, target_metadata(app))
    return [describe for diff in diffs for describe in _describe(diff)]


def _describe(diff: Any) -> list[str]:
    """One line per autogenerate difference (a tuple, or a list of column changes)."""
    if isinstance(diff, list):
        return [line for item in diff for line in _describe(item)]
    kind, *rest = diff
    if kind.startswith("modify_"):
        # (kind, schema, table, column, existing info, old value, new value)
        _, table, column, _, old, new = rest
        return [f"{kind} {table}.{column}: database {old!r}, model {new!r}"]
    if kind in ("add_column", "remove_column"):
        _, table, column = rest
        return [f"{kind} {table}.{column.name}"]
    obj = rest[0]
    if isinstance(obj, Table):
        return [f"{kind} {obj.name}"]
    table = getattr(obj, "table", None)
    where = f" on {table.name}" if table is not None else ""
    return [f"{kind} {getattr(obj, 'name', None) or _unnamed(obj)}{where}"]


def _unnamed(constraint: Any) -> str:
    """Name an unnamed constraint by its columns (and a foreign key by its target)."""
    if isinstance(constraint, ForeignKeyConstraint):
        targets = ", ".join(element.target_fullname for element in constraint.elements)
        return f"({', '.join(constraint.column_keys)}) -> {targets}"
    columns = getattr(constraint, "columns", None)
    return f"({', '.join(c.name for c in columns)})" if columns is not None else repr(constraint)
