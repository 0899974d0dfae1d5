"""Permissions per entity and action, and field-level protection of sensitive data."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, Field
from sqlalchemy import func, select

import guanxi
from guanxi.access.enforce import ACCESS_CHECKED
from guanxi.app import App
from guanxi.cli import cli
from guanxi.errors import AccessDenied, ConfigError, NotFoundError
from guanxi.models import AuditEntry, Customer, Staff
from guanxi.services.customer360 import customer_360
from guanxi.services.customers import add_customer
from guanxi.services.lookup import get_customer, list_customers
from guanxi.services.staff import add_staff, grant_role
from guanxi.services.tasks import create_task


class Medical(BaseModel):
    medical_history: str | None = Field(None, json_schema_extra={"sensitive": True})
    insurance_no: str | None = None


class Hospital:
    """A plugin that declares a sensitive custom field."""

    plugin = guanxi.Plugin(name="hospital_fields", version="1.0")

    @staticmethod
    @guanxi.hookimpl
    def register_custom_fields(register):  # type: ignore[no-untyped-def]
        register(Medical)


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    app = make_app(
        plugins=[Hospital],
        enable=["hospital_fields"],
        settings={"access": {"sensitive_fields": ["birth_date", "insurance_no"]}},
    )
    with app.transaction() as uow:
        for username, role in (("doctor", "admin"), ("clerk", "agent"), ("auditor", "viewer")):
            add_staff(uow, username=username, display_name=username)
            grant_role(uow, staff=username, role=role)
        add_staff(uow, username="newbie", display_name="no roles yet")
        add_customer(
            uow,
            name="患者甲",
            birth_date="1960-01-02",
            custom={"medical_history": "糖尿病", "insurance_no": "INS-1", "industry": "retail"},
        )
    return app


def count(app: App, model: type) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def denials(app: App) -> list[AuditEntry]:
    with app.engine.connect() as connection:
        rows = connection.execute(select(AuditEntry.__table__).where(AuditEntry.action == "denied"))
        return list(rows.mappings())


@pytest.mark.parametrize(
    ("user", "action", "message"),
    [
        ("auditor", lambda uow: add_customer(uow, name="x"), "auditor may not create customer"),
        ("newbie", lambda uow: list_customers(uow), "newbie may not read customer"),
        (
            "clerk",
            lambda uow: add_staff(uow, username="z", display_name="z"),
            "clerk may not create staff",
        ),
        (
            "clerk",
            lambda uow: grant_role(uow, staff="clerk", role="admin"),
            "clerk may not create staff_role",
        ),
    ],
)
def test_refused_actions_change_nothing_and_are_audited(
    app: App, user: str, action: Callable, message: str
) -> None:
    before = (count(app, Customer), count(app, Staff))
    with pytest.raises(AccessDenied, match=message), app.transaction(as_user=user) as uow:
        action(uow)
    assert (count(app, Customer), count(app, Staff)) == before
    refused = denials(app)
    assert [(r["actor"], r["detail"]) for r in refused] == [(user, message)]


def test_refusal_on_the_command_line(app: App, tmp_path: Path) -> None:
    url = app.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        cli, ["-C", str(tmp_path), "--db", url, "--as", "auditor", "customer", "add", "张三"]
    )
    assert result.exit_code == 1
    assert result.stderr == "error: auditor may not create customer\n"
    assert count(app, Customer) == 1


def test_unknown_and_inactive_users(app: App) -> None:
    with (
        pytest.raises(NotFoundError, match="no staff user 'ghost'"),
        app.transaction(as_user="ghost"),
    ):
        pass
    with app.transaction() as uow:
        uow.session.exec(
            select(Staff).where(Staff.username == "clerk")
        ).scalar_one().is_active = False
    with pytest.raises(AccessDenied, match="not active"), app.transaction(as_user="clerk"):
        pass


def test_default_roles_apply_to_users_without_roles(make_app: Callable[..., App]) -> None:
    app = make_app(settings={"access": {"default_roles": ["viewer"]}})
    with app.transaction() as uow:
        add_staff(uow, username="temp", display_name="temp")
    with app.transaction(as_user="temp") as uow:
        assert uow.principal.roles == ("viewer",)
        assert uow.principal.can("customer", "read") and not uow.principal.can("customer", "create")


@pytest.mark.parametrize(
    ("access", "message"),
    [
        ({"roles": {"odd": {"records": ["nobody's"]}}}, 'unknown record policy "nobody\'s"'),
        ({"roles": {"odd": {"permissions": ["customer:fly"]}}}, "unknown action in 'customer:fly'"),
        ({"default_roles": ["ghost"]}, "access.default_roles: unknown role 'ghost'"),
    ],
)
def test_bad_role_settings_are_refused_at_start(
    make_app: Callable[..., App], access: dict, message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        make_app(migrate=False, settings={"access": access})
    assert message.replace('"', "'") in str(info.value).replace('"', "'")


def test_sensitive_fields_are_masked_without_the_right(app: App) -> None:
    with app.transaction(as_user="clerk") as uow:
        record = list_customers(uow)[0]
        view = customer_360(uow, record.id)
    assert record.birth_date is None
    assert "medical_history" not in record.custom and "insurance_no" not in record.custom
    assert record.custom == {"industry": "retail"}  # what is not sensitive stays
    assert record.masked == ("birth_date", "custom.insurance_no", "custom.medical_history")
    assert view.customer.masked == record.masked
    reads = [e for e in _entries(app) if e["action"] == "read_sensitive"]
    assert reads == []  # nothing sensitive was read


@pytest.mark.parametrize("read_only", [False, True], ids=["read-write", "read-only"])
def test_reading_sensitive_fields_is_audited(app: App, read_only: bool) -> None:
    # A read-only unit of work cannot write the entry itself: it is written just after.
    with app.transaction(as_user="doctor", read_only=read_only) as uow:
        record = get_customer(uow, 1)
    assert record.custom["medical_history"] == "糖尿病" and record.masked == ()
    reads = [e for e in _entries(app) if e["action"] == "read_sensitive"]
    assert [(e["actor"], e["customer_id"], e["detail"]) for e in reads] == [
        ("doctor", 1, "fields: birth_date, custom.insurance_no, custom.medical_history")
    ]


def test_sensitive_fields_on_the_command_line(app: App, tmp_path: Path) -> None:
    # The command line builds its own application from guanxi.toml (without the test's
    # plugin), so the sensitive field here is a core one named in the settings.
    url = app.engine.url.render_as_string(hide_password=False)
    # The database was built without the installed plugins; the command line leaves them out.
    installed = sorted(ep.name for ep in entry_points(group="guanxi.plugins"))
    (tmp_path / "guanxi.toml").write_text(
        f"[plugins]\ndisable = {json.dumps(installed)}\n"
        '[access]\nsensitive_fields = ["birth_date"]\n'
    )
    runner = CliRunner()
    shown = runner.invoke(
        cli, ["-C", str(tmp_path), "--db", url, "--as", "clerk", "customer", "show", "1"]
    )
    assert "1960-01-02" not in shown.stdout
    assert "hidden" in shown.stdout and "birth_date" in shown.stdout
    shown = runner.invoke(
        cli, ["-C", str(tmp_path), "--db", url, "--as", "doctor", "customer", "show", "1"]
    )
    assert "1960-01-02" in shown.stdout


def test_a_task_is_visible_to_its_assignee(app: App) -> None:
    with app.transaction() as uow:
        hidden = add_customer(uow, name="别人的客户", owner="doctor")
        create_task(uow, customer_id=hidden.id, title="回访", assignee="clerk", due_at=uow.now)
    with app.transaction(as_user="clerk") as uow:
        from guanxi.services.tasks import list_tasks

        assert [t.title for t in list_tasks(uow)] == ["回访"]
        with pytest.raises(NotFoundError):
            get_customer(uow, hidden.id)


def _entries(app: App) -> list:
    with app.engine.connect() as connection:
        return list(
            connection.execute(select(AuditEntry.__table__).order_by(AuditEntry.id)).mappings()
        )


def test_a_read_keyed_by_an_authorised_row_skips_the_record_policies_only_when_asked(
    app: App,
) -> None:
    # The viewer's policy (own) does not reach the unowned patient.
    with app.transaction(as_user="auditor") as uow:
        assert uow.session.exec(select(Customer)).scalars().all() == []
        checked = uow.session.exec(select(Customer), execution_options=ACCESS_CHECKED)
        assert [c.name for c in checked.scalars()] == ["患者甲"]
        # The option belongs to that one statement, not to the unit of work.
        assert uow.session.exec(select(func.count()).select_from(Customer)).scalar_one() == 0
