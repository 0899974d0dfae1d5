"""Record-level access: no path returns a row the user may not see.

The guard tests iterate over *every registered entity* of the application, so a plugin's
entities are covered the moment the plugin registers them. What a user may see is
computed here independently of guanxi's own policy code (an oracle over the raw tables),
and both directions are checked: nothing invisible is returned, nothing visible is
missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlmodel import Field, SQLModel

import guanxi
from guanxi.access.principal import DEFAULT_ROLES
from guanxi.app import App
from guanxi.cli import cli
from guanxi.db.types import BigID
from guanxi.demo import generate_demo
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Customer, Staff, StaffRole, Team, TeamMember
from guanxi.privacy import export_personal_data
from guanxi.services.customer360 import customer_360
from guanxi.services.interactions import log_interaction, timeline
from guanxi.services.lookup import find_customers, get_customer, list_customers, resolve_customer
from guanxi.services.updates import update_customer
from guanxi.testing.postgres import fresh_schema_url
from tests.conftest import BACKENDS, POSTGRES_URL, bare_app


class CareTeamMember(SQLModel, table=True):
    """A plugin's own entity: which staff user cares for which patient."""

    __tablename__ = "test_care_team_member"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    staff_id: int = Field(foreign_key="staff.id", sa_type=BigID)


class CareTeams:
    """An edition-style plugin: a record policy of its own and an entity of its own."""

    plugin = guanxi.Plugin(name="careteams", version="1.0")

    @staticmethod
    @guanxi.hookimpl
    def register_entities(register):  # type: ignore[no-untyped-def]
        register("care_team_member", CareTeamMember, customer_column="customer_id")

    @staticmethod
    @guanxi.hookimpl
    def register_access_policies(register):  # type: ignore[no-untyped-def]
        def my_patients(principal, customer):  # type: ignore[no-untyped-def]
            mine = select(CareTeamMember.customer_id).where(
                CareTeamMember.staff_id == principal.staff_id
            )
            return customer.c.id.in_(mine)

        register("care_team", my_patients, description="the patients of my care team")

    @staticmethod
    @guanxi.hookimpl
    def demo_data(uow, rng, customers):  # type: ignore[no-untyped-def]
        nurse = uow.session.exec(select(Staff.id).where(Staff.username == "nurse.n")).scalar_one()
        for customer in customers[::7]:
            uow.session.add(CareTeamMember(customer_id=customer.id, staff_id=nurse))


USERS = {
    "li.2": "manager",  # a team lead: his department's customers and the pool
    "chen.5": "agent",  # his own, his teams' and the pool
    "zhao.8": "viewer",  # only his own
    "nurse.n": "nurse",  # the plugin's policy: her care team's patients
}


@pytest.fixture(scope="module", params=BACKENDS)
def demo_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[App]:
    """The demo with every installed plugin and the care-team plugin, built once per
    backend for the module: its tests only read (the writes they try must fail)."""
    from guanxi.db.migrate import upgrade

    roles = {name: spec.model_dump() for name, spec in DEFAULT_ROLES.items()}
    roles["nurse"] = {"permissions": ["*:read", "interaction:create"], "records": ["care_team"]}
    project = tmp_path_factory.mktemp("record_access")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{project / 'guanxi.db'}"
        else:
            url = stack.enter_context(fresh_schema_url(POSTGRES_URL or ""))
        # The installed plugins too: every entity they register is checked below.
        app = bare_app(
            project,
            plugins=[CareTeams],
            enable=["careteams", "sales", "marketing", "service"],
            entry_points=True,
            environ={},
            settings={"core": {"database_url": url}, "access": {"roles": roles}},
        )
        stack.callback(app.close)
        upgrade(app)
        _build_demo(app)
        yield app


def _build_demo(app: App) -> None:
    SQLModel.metadata.create_all(app.engine, tables=[CareTeamMember.__table__])  # type: ignore[attr-defined]
    with app.transaction() as uow:
        from guanxi.services.staff import add_staff

        add_staff(uow, username="nurse.n", display_name="张护士")
    generate_demo(app)
    with app.transaction() as uow:
        from guanxi.services.staff import grant_role, revoke_role

        for username, role in USERS.items():
            for held in (
                uow.session.exec(
                    select(StaffRole.role)
                    .join(Staff, Staff.id == StaffRole.staff_id)
                    .where(Staff.username == username)
                )
                .scalars()
                .all()
            ):
                revoke_role(uow, staff=username, role=held)
            grant_role(uow, staff=username, role=role)


def oracle(app: App, username: str) -> tuple[int, set[int]]:
    """The staff id of ``username`` and the customers he may see, from the raw tables."""
    with app.engine.connect() as c:
        staff_id = c.execute(select(Staff.id).where(Staff.username == username)).scalar_one()
        role = USERS[username]
        owners = dict(c.execute(select(Customer.id, Customer.owner_id)).all())
        memberships = c.execute(select(TeamMember.team_id, TeamMember.staff_id)).all()
        parents = dict(c.execute(select(Team.id, Team.parent_id)).all())
        cared = {
            cid
            for cid, sid in c.execute(select(CareTeamMember.customer_id, CareTeamMember.staff_id))
            if sid == staff_id
        }
    my_teams = {t for t, s in memberships if s == staff_id}
    tree = set(my_teams)
    while True:
        more = {t for t, p in parents.items() if p in tree} - tree
        if not more:
            break
        tree |= more

    def members(teams: set[int]) -> set[int]:
        return {s for t, s in memberships if t in teams}

    rules = {
        "manager": lambda owner: owner is None or owner in members(tree),
        "agent": lambda owner: owner is None or owner == staff_id or owner in members(my_teams),
        "viewer": lambda owner: owner == staff_id,
        "nurse": lambda owner: False,
    }
    visible = {cid for cid, owner in owners.items() if rules[role](owner)}
    return staff_id, visible | (cared if role == "nurse" else set())


def owner_oracle(app: App, username: str) -> Callable[[int | None], bool]:
    """Whether ``username`` sees a plugin row through its owner: his own, and as a team
    lead his people's (a manager's department: the teams below his too); never unowned."""
    with app.engine.connect() as c:
        staff_id = c.execute(select(Staff.id).where(Staff.username == username)).scalar_one()
        memberships = c.execute(
            select(TeamMember.team_id, TeamMember.staff_id, TeamMember.is_lead)).all()
        parents = dict(c.execute(select(Team.id, Team.parent_id)).all())
    led = {t for t, s, lead in memberships if s == staff_id and lead}
    if USERS[username] == "manager":
        while more := {t for t, p in parents.items() if p in led} - led:
            led |= more
    elif USERS[username] != "agent":  # viewer, nurse: no team policy, their own rows only
        led = set()
    people = {s for t, s, _ in memberships if t in led}
    return lambda owner: owner is not None and (owner == staff_id or owner in people)


@pytest.mark.parametrize("username", sorted(USERS))
def test_no_entity_returns_a_row_the_user_may_not_see(demo_app: App, username: str) -> None:
    _, visible = oracle(demo_app, username)
    sees_owner = owner_oracle(demo_app, username)
    hidden_somewhere = False
    for entity in demo_app.access.entities.values():
        if entity.customer_column is None and entity.owner_column is None:
            continue
        table = entity.table
        key = list(table.primary_key.columns)
        link = [table.c[entity.customer_column]] if entity.customer_column else []
        owner = [table.c[entity.owner_column]] if entity.owner_column else []
        with demo_app.engine.connect() as c:  # everything, unfiltered
            rows = c.execute(select(*key, *link, *owner)).all()
        expected = set()
        for row in rows:
            customer = row[len(key)] if link else None
            own = row[-1] if owner else None
            if customer in visible or sees_owner(own):
                expected.add(tuple(row[: len(key)]))
            else:
                hidden_somewhere = True
        with demo_app.transaction(as_user=username) as uow:
            seen_rows = uow.session.exec(select(entity.model)).scalars().all()
            counted = uow.session.exec(select(func.count()).select_from(entity.model)).scalar_one()
        seen = {tuple(getattr(r, col.key) for col in key) for r in seen_rows}
        assert seen == expected, f"{entity.name}: {username} sees the wrong rows"
        assert counted == len(expected), f"{entity.name}: the count leaks"
    assert hidden_somewhere, "the demo data gave this user nothing to be kept from"


def invisible_customer(app: App, username: str) -> Customer:
    _, visible = oracle(app, username)
    with app.engine.connect() as c:
        rows = c.execute(select(Customer.id).order_by(Customer.id)).scalars().all()
    hidden = next(cid for cid in rows if cid not in visible)
    with app.transaction() as uow:
        customer = uow.session.get(Customer, hidden)
        assert customer is not None
        return customer


def test_every_service_path_hides_an_invisible_customer(demo_app: App) -> None:
    hidden = invisible_customer(demo_app, "chen.5")
    assert hidden.id is not None
    with demo_app.transaction() as uow:
        email = get_customer(uow, hidden.id).primary_email
    assert email is not None
    paths: list[tuple[str, Callable[[Any], Any]]] = [
        ("get", lambda uow: get_customer(uow, hidden.id)),
        ("360", lambda uow: customer_360(uow, hidden.id)),
        ("timeline", lambda uow: timeline(uow, hidden.id) or _not_found()),
        ("resolve by email", lambda uow: resolve_customer(uow, email)),
        ("resolve by id", lambda uow: resolve_customer(uow, str(hidden.id))),
        ("update", lambda uow: update_customer(uow, hidden.id, {"add_tags": ["x"]})),
        (
            "log",
            lambda uow: log_interaction(
                uow, customer_id=hidden.id, kind="core.note", payload={"text": "x"}
            ),
        ),
    ]
    for label, path in paths:
        with (
            pytest.raises((NotFoundError, ValidationError)),
            demo_app.transaction(as_user="chen.5") as uow,
        ):
            path(uow)
            pytest.fail(f"{label} reached an invisible customer")
    with demo_app.transaction(as_user="chen.5") as uow:
        assert hidden.id not in {c.id for c in find_customers(uow, hidden.name, limit=1000)}
        assert hidden.id not in {c.id for c in list_customers(uow, limit=10_000)}
    manager_hidden = invisible_customer(demo_app, "li.2")  # li.2, a manager, may export
    with pytest.raises(NotFoundError), demo_app.transaction(as_user="li.2") as uow:
        export_personal_data(uow, manager_hidden.id)


def _not_found() -> None:
    raise NotFoundError("empty timeline")


def test_invisible_customers_stay_invisible_on_the_command_line(
    demo_app: App, tmp_path: Path
) -> None:
    url = demo_app.settings.database_url
    _, visible = oracle(demo_app, "chen.5")
    runner = CliRunner()

    def run(*args: str) -> Any:
        result = runner.invoke(
            cli, ["-C", str(tmp_path), "--db", url, "--as", "chen.5", *args, "--json"]
        )
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    assert {c["id"] for c in run("customer", "list", "--limit", "10000")} <= visible
    assert {c["id"] for c in run("customer", "find", "1", "--limit", "1000")} <= visible
    assert {i["customer"] for i in run("interaction", "list", "--limit", "10000")} <= visible
    tasks = run("task", "list", "--limit", "10000")
    sees_owner = owner_oracle(demo_app, "chen.5")
    assert all(t["customer"] in visible or sees_owner(t["assignee"]) for t in tasks)
    hidden = invisible_customer(demo_app, "chen.5")
    result = runner.invoke(
        cli,
        ["-C", str(tmp_path), "--db", url, "--as", "chen.5", "customer", "show", str(hidden.id)],
    )
    assert (
        result.exit_code == 1
        and result.stderr.strip() == f"error: no customer matches '{hidden.id}'"
    )
