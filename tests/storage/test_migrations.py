"""Migrations: the core's branch, a plugin's branch, drift detection, errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlmodel import Field, SQLModel

import guanxi
from guanxi.app import App
from guanxi.db.migrate import (
    alembic_config,
    check,
    current,
    downgrade,
    heads,
    history,
    target_metadata,
    upgrade,
)
from guanxi.db.types import BigID
from guanxi.errors import DatabaseError
from guanxi.models import CORE_TABLES

CORE_TABLE_NAMES = {model.__tablename__ for model in CORE_TABLES}
CORE_HEAD = "core_0006"
DEMO_HEAD = "demo_plug_0001"

pytestmark = pytest.mark.postgres


class DemoThing(SQLModel, table=True):
    """The demo plugin's table. Defined once per process: SQLModel's metadata is global,
    so it is there even in tests whose application does not enable the plugin."""

    __tablename__ = "demo_plug_thing"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    label: str = Field(max_length=40)


DEMO_REVISION = '''
"""demo_plug: its one table"""
import sqlalchemy as sa
from alembic import op

from guanxi.db.types import BigID

revision = "demo_plug_0001"
down_revision = None
branch_labels = ("demo_plug",)
depends_on = "core"


def upgrade():
    op.create_table(
        "demo_plug_thing",
        sa.Column("id", BigID, nullable=False),
        sa.Column("customer_id", BigID, nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_demo_plug_thing_customer_id", "demo_plug_thing", ["customer_id"])
    {extra}


def downgrade():
    op.drop_table("demo_plug_thing")
'''


def demo_plugin(migrations: Path) -> ModuleType:
    """A plugin module built in the test: metadata, and one table with its branch."""
    module = ModuleType("demo_plug")
    module.plugin = guanxi.Plugin(name="demo_plug", version="1.0")  # type: ignore[attr-defined]

    @guanxi.hookimpl
    def register_models(register: Callable[..., None]) -> None:
        register(DemoThing, migrations=migrations)

    module.register_models = register_models  # type: ignore[attr-defined]
    return module


@pytest.fixture
def make_demo_app(make_app: Callable[..., App], tmp_path: Path) -> Callable[..., App]:
    """Build an unmigrated app with demo_plug enabled; ``extra`` is appended to its upgrade."""

    def factory(extra: str = "pass") -> App:
        folder = tmp_path / "demo_plug_migrations"
        folder.mkdir()
        (folder / "0001_demo_plug.py").write_text(DEMO_REVISION.replace("{extra}", extra))
        return make_app(plugins=[demo_plugin(folder)], enable=["demo_plug"], migrate=False)

    return factory


def tables(app: App) -> set[str]:
    """The tables in the database, Alembic's own version table left out."""
    return set(inspect(app.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_creates_every_core_table(make_app: Callable[..., App]) -> None:
    app = make_app(migrate=False)
    assert tables(app) == set()
    assert current(app) == []
    assert heads(app) == [CORE_HEAD]

    upgrade(app)

    assert tables(app) == CORE_TABLE_NAMES
    assert current(app) == [CORE_HEAD]


def test_models_and_migrations_agree(app: App) -> None:
    # The drift test: a model changed without a revision (or the reverse) fails here.
    assert check(app) == []


def test_alembic_commands_run_on_the_app_engine_by_themselves(
    make_app: Callable[..., App],
) -> None:
    # Without a connection handed over, env.py opens its own transaction on app.engine.
    app = make_app(migrate=False)
    command.upgrade(alembic_config(app), "heads")
    assert current(app) == [CORE_HEAD]


def test_check_ignores_tables_of_plugins_not_enabled(app: App) -> None:
    assert DemoThing.__tablename__ in SQLModel.metadata.tables
    assert DemoThing.__tablename__ not in target_metadata(app).tables
    assert check(app) == []


def test_check_reports_differences(app: App) -> None:
    with app.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE customer ADD COLUMN shoe_size VARCHAR(5)")
        connection.exec_driver_sql("DROP INDEX ix_customer_name")

    assert sorted(check(app)) == [
        "add_index ix_customer_name on customer",
        "remove_column customer.shoe_size",
    ]


def test_check_reports_a_database_not_upgraded(make_app: Callable[..., App]) -> None:
    app = make_app(migrate=False)
    assert {f"add_table {name}" for name in CORE_TABLE_NAMES} <= set(check(app))


def test_downgrade_core_to_base_and_upgrade_again(app: App) -> None:
    downgrade(app, "core@base")
    assert tables(app) == set()
    assert current(app) == []

    upgrade(app)
    assert tables(app) == CORE_TABLE_NAMES
    assert check(app) == []


def test_plugin_branch_is_applied_and_removed_alone(make_demo_app: Callable[..., App]) -> None:
    app = make_demo_app()
    assert heads(app) == [CORE_HEAD, DEMO_HEAD]

    upgrade(app)
    assert tables(app) == CORE_TABLE_NAMES | {"demo_plug_thing"}
    assert current(app) == [CORE_HEAD, DEMO_HEAD]
    assert check(app) == []

    downgrade(app, "demo_plug@base")
    assert tables(app) == CORE_TABLE_NAMES
    assert current(app) == [CORE_HEAD]

    upgrade(app, "demo_plug@head")
    assert current(app) == [CORE_HEAD, DEMO_HEAD]


def test_removing_the_core_branch_removes_the_plugins_that_depend_on_it(
    make_demo_app: Callable[..., App],
) -> None:
    app = make_demo_app()
    upgrade(app)
    downgrade(app, "core@base")
    assert tables(app) == set()
    assert current(app) == []


def test_history_marks_applied_revisions(make_demo_app: Callable[..., App]) -> None:
    app = make_demo_app()
    upgrade(app, "core@head")
    applied = {info.revision: info.applied for info in history(app)}
    assert applied == {
        **{f"core_{n:04d}": True for n in range(1, int(CORE_HEAD[-4:]) + 1)},
        DEMO_HEAD: False,
    }
    labels = {info.revision: info.branch_labels for info in history(app)}
    core_revisions = [f"core_{n:04d}" for n in range(1, int(CORE_HEAD[-4:]) + 1)]
    assert labels == {**dict.fromkeys(core_revisions, ("core",)), DEMO_HEAD: ("demo_plug",)}


def test_a_failing_revision_leaves_the_schema_as_it_was(
    make_demo_app: Callable[..., App],
) -> None:
    app = make_demo_app(extra='op.execute("SELECT no_such_column FROM demo_plug_thing")')

    with pytest.raises(DatabaseError, match="upgrade to heads"):
        upgrade(app)

    # One transaction for the whole upgrade: the core's tables went too.
    assert tables(app) == set()
    assert current(app) == []


@pytest.mark.parametrize("target", ["no_such_revision", "no_such_branch@head"])
def test_unknown_upgrade_target_is_a_database_error(app: App, target: str) -> None:
    with pytest.raises(DatabaseError) as caught:
        upgrade(app, target)
    message = str(caught.value)
    assert "no_such" in message
    assert "\n" not in message


def test_unknown_downgrade_target_is_a_database_error(app: App) -> None:
    with pytest.raises(DatabaseError, match="no_such_plugin"):
        downgrade(app, "no_such_plugin@base")
    assert current(app) == [CORE_HEAD]


def test_a_disabled_plugins_revision_is_named(
    make_demo_app: Callable[..., App], make_app: Callable[..., App]
) -> None:
    upgrade(make_demo_app())
    core_only = make_app(migrate=False)  # same database, demo_plug no longer enabled

    with pytest.raises(DatabaseError, match="demo_plug_0001 that no enabled plugin provides"):
        upgrade(core_only)
    assert current(core_only) == [CORE_HEAD, DEMO_HEAD]


def test_downgrade_and_upgrade_keep_the_data(make_app: Callable[..., App]) -> None:
    """SQLite rebuilds a table to drop a column; the rows pointing at it must survive."""
    from guanxi.services.customers import add_customer
    from guanxi.services.interactions import log_interaction

    app = make_app()
    with app.transaction() as uow:
        customer = add_customer(uow, name="王芳", emails=["wf@example.com"])
        log_interaction(uow, customer_id=customer.id, kind="core.note", payload={"text": "x"})
    downgrade(app, "core_0001")
    upgrade(app)
    assert check(app) == []
    with app.engine.connect() as connection:
        counts = [
            connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
            for t in ("customer", "contact_point", "interaction")
        ]
    assert counts == [1, 1, 1]
