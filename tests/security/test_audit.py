"""The audit log: every write path leaves entries, refusals are kept, tampering is found.

The chain is attacked the way someone with access to the database would: with SQL that
bypasses guanxi (edit a value or an actor, delete, swap, forge an entry); then
``audit.verify`` and ``guanxi audit verify`` must name the entry where the chain breaks.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, delete, func, insert, select, update

import guanxi
from guanxi import audit
from guanxi.app import App
from guanxi.db.engine import make_engine
from guanxi.errors import AccessDenied
from guanxi.importing import import_customers
from guanxi.models import AuditEntry, Customer
from guanxi.privacy import erase_customer, export_personal_data
from guanxi.services.customers import add_customer, add_customers
from guanxi.services.interactions import log_interactions
from guanxi.services.jobs import run_due
from guanxi.services.staff import (
    add_member,
    add_staff,
    add_team,
    get_staff,
    get_team,
    grant_role,
    revoke_role,
)
from guanxi.services.tasks import complete_task, create_task
from guanxi.services.updates import update_customer
from guanxi.testing import GuanxiCli

AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]
# The columns an entry's content is made of (everything but its id).
CONTENT = [c.name for c in AUDIT.c if c.name != "id"]


# --------------------------------------------------------------------------- helpers


def entries(app: App, **where: Any) -> list[dict[str, Any]]:
    """Audit entries, oldest first, whose columns equal ``where``."""
    query = select(AUDIT).order_by(AUDIT.c.id)
    for column, value in where.items():
        query = query.where(AUDIT.c[column] == value)
    with app.engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def last_id(app: App) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.coalesce(func.max(AUDIT.c.id), 0))).scalar_one()


def new_entries(app: App, after: int) -> list[dict[str, Any]]:
    """The entries written after the entry ``after``."""
    return [e for e in entries(app) if e["id"] > after]


def summary(entry: dict[str, Any]) -> tuple[Any, ...]:
    """(actor, action, entity, entity_id, customer_id): who did what to which record."""
    return tuple(entry[k] for k in ("actor", "action", "entity", "entity_id", "customer_id"))


def verify(app: App) -> tuple[int, list[audit.Problem]]:
    with app.engine.connect() as connection:
        return audit.verify(connection)


def count_customers(app: App) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Customer)).scalar_one()


def add_user(app: App, username: str, role: str) -> int:
    """A staff user holding ``role``; his id."""
    with app.transaction() as uow:
        staff = add_staff(uow, username=username, display_name=username)
        grant_role(uow, staff=username, role=role)
    assert staff.id is not None
    return staff.id


def build_log(app: App) -> list[int]:
    """A log of a few dozen entries from several transactions and actors; their ids."""
    add_user(app, "wang.fang", "admin")
    for batch in range(4):
        with app.transaction(as_user="wang.fang" if batch % 2 else None) as uow:
            records = add_customers(uow, [{"name": f"客户{batch}-{i}"} for i in range(3)])
            for record in records:
                update_customer(uow, record.id, {"lifecycle_stage": "customer"})
            log_interactions(
                uow,
                [
                    {"customer_id": r.id, "kind": "core.note", "payload": {"text": "回访"}}
                    for r in records
                ],
            )
    return [e["id"] for e in entries(app)]


# --------------------------------------------------------------------------- write paths


def test_add_customers_is_one_entry_with_the_ids_as_runs(app: App) -> None:
    with app.transaction() as uow:
        batch = add_customers(uow, [{"name": f"客户{i}"} for i in range(5)])
        one = add_customer(uow, name="单个")
    first, single = entries(app, entity="customer")
    assert summary(first) == ("system", "create", "customer", None, None)
    assert first["changes"] == {"ids": [[batch[0].id, batch[-1].id]], "count": 5}
    assert summary(single) == ("system", "create", "customer", str(one.id), one.id)
    assert single["changes"] == {"ids": [[one.id, one.id]], "count": 1}


def test_update_records_old_and_new_values_of_changed_fields_only(app: App) -> None:
    add_user(app, "wang.fang", "admin")
    with app.transaction() as uow:
        record = add_customer(
            uow,
            name="张三",
            emails=["z@example.com"],
            tags=["old"],
            birth_date="1990-05-01",
            occupation="教师",
        )
    mark = last_id(app)
    with app.transaction(as_user="wang.fang") as uow:
        update_customer(
            uow,
            record.id,
            {
                "lifecycle_stage": "customer",
                "occupation": "教师",
                "add_tags": ["new"],
                "birth_date": "1991-02-03",
            },
        )
    (entry,) = new_entries(app, mark)
    assert summary(entry) == ("wang.fang", "update", "customer", str(record.id), record.id)
    assert entry["changes"] == {  # the occupation was given again but did not change
        "lifecycle_stage": [app.settings.default_stage, "customer"],
        "tags": [["old"], ["new", "old"]],
        "birth_date": ["1990-05-01", "1991-02-03"],
    }
    assert verify(app) == (len(entries(app)), [])


def test_log_interactions_is_one_batch_entry(app: App) -> None:
    with app.transaction() as uow:
        one, two = add_customers(uow, [{"name": "甲"}, {"name": "乙"}])
    mark = last_id(app)
    with app.transaction() as uow:
        logged = log_interactions(
            uow,
            [
                {"customer_id": one.id, "kind": "core.note", "payload": {"text": f"第{i}次"}}
                for i in range(3)
            ],
        )
        mixed = log_interactions(
            uow, [{"customer_id": c.id, "kind": "core.contact"} for c in (one, two)]
        )
    same, both = new_entries(app, mark)
    assert summary(same) == ("system", "create", "interaction", None, one.id)
    assert same["changes"] == {"ids": [[logged[0].id, logged[-1].id]], "count": 3}
    assert summary(both) == ("system", "create", "interaction", None, None)  # two customers
    assert both["changes"] == {"ids": [[mixed[0].id, mixed[1].id]], "count": 2}


def test_orm_writes_of_tasks_staff_and_teams_are_audited_with_old_and_new_values(
    app: App,
) -> None:
    with app.transaction() as uow:
        customer = add_customer(uow, name="客户")
        staff = add_staff(uow, username="li.qiang", display_name="李强")
        team = add_team(uow, name="华东组")
        add_member(uow, team="华东组", staff="li.qiang")
        task = create_task(
            uow,
            customer_id=customer.id,
            title="回访",
            assignee="li.qiang",
            due_at=dt.datetime(2026, 6, 1, 9, 0),
        )
    created = entries(app, action="create")[1:]  # after the customer's
    assert [summary(e) for e in created] == [
        ("system", "create", "staff", str(staff.id), None),
        ("system", "create", "team", str(team.id), None),
        ("system", "create", "team_member", f"{team.id}/{staff.id}", None),
        ("system", "create", "task", str(task.id), customer.id),
    ]
    assert all(e["changes"] == {} for e in created)  # creations by id: the values are in the row

    mark = last_id(app)
    with app.transaction() as uow:
        get_staff(uow, "li.qiang").display_name = "李强（华东）"
        get_team(uow, "华东组").description = "华东大区"
        done = complete_task(uow, task.id, outcome="已回访")
    staff_change, team_change, task_change, task_done = new_entries(app, mark)
    assert summary(staff_change) == ("system", "update", "staff", str(staff.id), None)
    assert staff_change["changes"] == {"display_name": ["李强", "李强（华东）"]}
    assert team_change["changes"] == {"description": ["", "华东大区"]}
    assert summary(task_change) == ("system", "update", "task", str(task.id), customer.id)
    assert task_change["changes"] == {
        "status": ["open", "done"],
        "completed_at": [None, str(done.completed_at)],
    }
    assert summary(task_done)[1:3] == ("create", "interaction")  # core.task_done on the log


def test_granting_and_revoking_a_role_is_audited(app: App) -> None:
    with app.transaction() as uow:
        staff = add_staff(uow, username="zhao", display_name="赵")
        grant_role(uow, staff="zhao", role="agent")
    with app.transaction() as uow:
        revoke_role(uow, staff="zhao", role="agent")
    granted, revoked = entries(app, entity="staff_role")
    assert summary(granted) == ("system", "create", "staff_role", f"{staff.id}/agent", None)
    assert summary(revoked) == ("system", "delete", "staff_role", f"{staff.id}/agent", None)
    assert revoked["changes"] == {"staff_id": [staff.id, None], "role": ["agent", None]}


def test_an_import_writes_one_entry_per_batch(app: App, tmp_path: Path) -> None:
    add_user(app, "importer", "admin")
    rows = "".join(f"客户{i},c{i}@example.com\n" for i in range(5))
    csv_file = tmp_path / "customers.csv"
    csv_file.write_text("name,email\n" + rows, encoding="utf-8")
    mark = last_id(app)
    report = import_customers(app, csv_file, batch_size=2, as_user="importer")
    assert report.stored == 5
    batches = new_entries(app, mark)
    assert [summary(e)[:3] for e in batches] == [("importer", "create", "customer")] * 3
    assert [e["changes"]["count"] for e in batches] == [2, 2, 1]
    runs = [run for e in batches for run in e["changes"]["ids"]]
    with app.engine.connect() as connection:
        stored = sorted(connection.execute(select(Customer.id)).scalars())  # type: ignore[call-overload]
    assert [i for first, last in runs for i in range(first, last + 1)] == stored


class Touch:
    """A plugin whose job changes a customer (jobs run as the system)."""

    plugin = guanxi.Plugin(name="touch", version="1.0")

    @staticmethod
    def run(uow: Any, due_at: dt.datetime) -> str:
        update_customer(uow, 1, {"care_notes": f"job of {due_at:%Y-%m-%d}"})
        return "touched"

    @staticmethod
    @guanxi.hookimpl
    def register_jobs(register):  # type: ignore[no-untyped-def]
        register("touch.customer", Touch.run, every=dt.timedelta(hours=1))


def test_a_job_run_is_audited_as_the_system(make_app: Callable[..., App]) -> None:
    app = make_app(plugins=[Touch], enable=["touch"])
    with app.transaction() as uow:
        add_customer(uow, name="客户")
    mark = last_id(app)
    now = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)
    outcomes = run_due(app, now=now, only="touch.customer")
    assert [(o.name, o.status) for o in outcomes] == [("touch.customer", "ok")]
    (entry,) = new_entries(app, mark)
    assert summary(entry) == ("system", "update", "customer", "1", 1)
    assert entry["changes"] == {"care_notes": [None, "job of 2026-06-01"]}
    assert entry["at"] == now


def test_export_and_erasure_are_audited_and_erasure_blanks_the_persons_entries(app: App) -> None:
    with app.transaction() as uow:
        person, other = add_customers(
            uow, [{"name": "张三", "occupation": "教师"}, {"name": "李四", "occupation": "医生"}]
        )
        for record in (person, other):
            update_customer(uow, record.id, {"occupation": "退休"})
    with app.transaction() as uow:
        export_personal_data(uow, person.id)
    exported = entries(app)[-1]
    assert summary(exported) == ("system", "export", "customer", str(person.id), person.id)
    with app.transaction() as uow:
        erase_customer(uow, person.id, reason="data-subject request")
    erased = entries(app)[-1]
    assert summary(erased) == ("system", "erase", "customer", str(person.id), person.id)
    assert erased["detail"] == "data-subject request"

    updates = {e["customer_id"]: e for e in entries(app, action="update")}
    assert updates[person.id]["changes"] == {} and updates[person.id]["erased"]
    assert updates[other.id]["changes"] == {"occupation": ["医生", "退休"]}
    assert not updates[other.id]["erased"]
    assert verify(app) == (len(entries(app)), [])


def test_actor_is_the_acting_user_or_the_system(app: App) -> None:
    staff_id = add_user(app, "wang.fang", "admin")
    with app.transaction() as uow:
        add_customer(uow, name="系统建的")
    with app.transaction(as_user="wang.fang") as uow:
        add_customer(uow, name="王芳建的")
    by_system, by_user = entries(app, entity="customer")
    assert (by_system["actor"], by_system["actor_id"]) == ("system", None)
    assert (by_user["actor"], by_user["actor_id"]) == ("wang.fang", staff_id)


def test_a_refusal_is_audited_though_its_unit_of_work_rolled_back(app: App) -> None:
    add_user(app, "zhao", "viewer")
    before_customers, mark = count_customers(app), last_id(app)
    refused = pytest.raises(AccessDenied, match="zhao may not create customer")
    with refused, app.transaction(as_user="zhao") as uow:
        add_customer(uow, name="不该有")
    (denied,) = new_entries(app, mark)
    assert summary(denied) == ("zhao", "denied", "customer", None, None)
    assert denied["detail"] == "zhao may not create customer"
    assert count_customers(app) == before_customers
    assert verify(app) == (len(entries(app)), [])


# --------------------------------------------------------------------------- the chain


def test_an_untouched_log_verifies(app: App) -> None:
    ids = build_log(app)
    assert len(ids) > 20
    assert verify(app) == (len(ids), [])
    with app.engine.connect() as connection:  # small pages walk the same chain
        assert audit.verify(connection, batch=3) == (len(ids), [])


def _set(connection: Connection, entry_id: int, **values: Any) -> None:
    connection.execute(update(AUDIT).where(AUDIT.c.id == entry_id).values(**values))


def _row(connection: Connection, entry_id: int) -> dict[str, Any]:
    row = connection.execute(select(AUDIT).where(AUDIT.c.id == entry_id)).mappings().one()
    return {name: row[name] for name in CONTENT}


def _shift_up(connection: Connection, from_id: int) -> None:
    """Renumber the entries from ``from_id`` on by +1, leaving a hole at ``from_id``."""
    connection.execute(update(AUDIT).where(AUDIT.c.id >= from_id).values(id=-AUDIT.c.id))
    connection.execute(update(AUDIT).where(AUDIT.c.id < 0).values(id=1 - AUDIT.c.id))


def edit_changes(connection: Connection, ids: list[int]) -> set[int]:
    target = next(i for i in ids if _row(connection, i)["changes"].get("lifecycle_stage"))
    _set(connection, target, changes={"lifecycle_stage": ["lead", "vip"]})
    return {target}


def edit_changes_and_mark_erased(connection: Connection, ids: list[int]) -> set[int]:
    # Claiming the entry was erased must not hide a rewrite of its values.
    target = next(i for i in ids if _row(connection, i)["changes"].get("lifecycle_stage"))
    _set(connection, target, changes={"lifecycle_stage": ["lead", "vip"]}, erased=True)
    return {target}


def edit_actor(connection: Connection, ids: list[int]) -> set[int]:
    _set(connection, ids[5], actor="nobody")
    return {ids[5]}


def delete_one(connection: Connection, ids: list[int]) -> set[int]:
    connection.execute(delete(AUDIT).where(AUDIT.c.id == ids[7]))
    return {ids[8]}  # the entry after the hole no longer follows its predecessor


def swap_two(connection: Connection, ids: list[int]) -> set[int]:
    a, b = ids[4], ids[9]
    row_a, row_b = _row(connection, a), _row(connection, b)
    _set(connection, a, **row_b)
    _set(connection, b, **row_a)
    return {a, ids[5], b, ids[10]}  # each moved entry and the one after it


def forge_at_the_end(connection: Connection, ids: list[int]) -> set[int]:
    last = _row(connection, ids[-1])
    forged = {**last, "actor": "mallory", "prev_hash": last["hash"]}
    forged["hash"] = _row(connection, ids[0])["hash"]  # a hash copied from elsewhere
    connection.execute(insert(AUDIT).values(id=ids[-1] + 1, **forged))
    return {ids[-1] + 1}


def forge_in_the_middle(connection: Connection, ids: list[int]) -> set[int]:
    # The strongest forger: he knows the hash function and chains his entry correctly
    # from its predecessor; the chain then breaks at the entry after it.
    at = ids[6]
    before = _row(connection, ids[5])
    _shift_up(connection, at)
    forged = {**before, "action": "delete", "prev_hash": before["hash"]}
    forged["hash"] = audit.chain_hash(before["hash"], forged)
    connection.execute(insert(AUDIT).values(id=at, **forged))
    return {at + 1}


def forge_before_the_first(connection: Connection, ids: list[int]) -> set[int]:
    # An entry numbered below every real one, chained from the genesis hash.
    forged = {**_row(connection, ids[0]), "actor": "mallory", "prev_hash": audit.GENESIS}
    forged["hash"] = audit.chain_hash(audit.GENESIS, forged)
    connection.execute(insert(AUDIT).values(id=0, **forged))
    return {ids[0]}


TAMPERING = [
    edit_changes,
    edit_changes_and_mark_erased,
    edit_actor,
    delete_one,
    swap_two,
    forge_at_the_end,
    forge_in_the_middle,
    forge_before_the_first,
]


@pytest.mark.parametrize("tamper", TAMPERING, ids=lambda f: f.__name__)
def test_tampering_is_found_at_the_right_entry(
    app: App, tamper: Callable[[Connection, list[int]], set[int]]
) -> None:
    ids = build_log(app)
    with app.engine.begin() as connection:
        expected = tamper(connection, ids)
    checked, problems = verify(app)
    assert {p.entry_id for p in problems} == expected, problems
    assert checked == len(entries(app))


def test_the_reasons_say_what_was_found(app: App) -> None:
    ids = build_log(app)
    with app.engine.begin() as connection:
        edit_changes(connection, ids)
        edit_actor(connection, ids)
        delete_one(connection, ids)
    reasons = [p.reason for p in verify(app)[1]]
    assert reasons == [
        "its changes were edited",
        "its content does not match its hash (edited)",
        "does not follow the entry before it (an entry was removed, inserted or reordered)",
    ]


def test_erasure_keeps_the_chain_verifiable(app: App) -> None:
    ids = build_log(app)
    with app.transaction() as uow:
        erase_customer(uow, 1, reason="request")
    blanked = entries(app, customer_id=1, erased=True)
    assert blanked and all(e["changes"] == {} for e in blanked)
    assert verify(app) == (len(ids) + 1, [])


def test_a_rolled_back_savepoint_leaves_the_chain_whole(app: App) -> None:
    with app.transaction() as uow:
        add_customer(uow, name="留下")
        savepoint = uow.session.begin_nested()  # a plugin trying something it may undo
        add_customer(uow, name="撤销")
        savepoint.rollback()
        add_customer(uow, name="也留下")
    assert [e["changes"]["count"] for e in entries(app)] == [1, 1]
    assert verify(app) == (2, [])


def test_concurrent_writers_keep_one_chain(app: App) -> None:
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        try:
            for i in range(50):
                with app.transaction() as uow:
                    add_customer(uow, name=f"{prefix}{i}")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(p,)) for p in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count_customers(app) == 100
    assert verify(app) == (100, [])


# --------------------------------------------------------------------------- the CLI


def test_audit_verify_command(tmp_path: Path, database_url: str) -> None:
    gx = GuanxiCli(tmp_path / "crm")
    gx("init", "--db", database_url)
    for name in ("张三", "李四", "王五"):
        gx("customer", "add", name)
    gx("customer", "update", "1", "--stage", "customer")
    intact, head = gx("audit", "verify").stdout.splitlines()
    assert intact == "audit log intact: 4 entries verified"
    engine = make_engine(database_url)
    with engine.connect() as connection:
        newest = connection.execute(
            select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
        ).scalar_one()
    engine.dispose()
    assert head == f"head: {newest}"

    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            _set(connection, 2, actor="mallory")
    finally:
        engine.dispose()
    assert gx.fails("audit", "verify") == (
        "error: audit entry 2: its content does not match its hash (edited)"
    )
    assert gx("audit", "verify", ok=False).stdout == ""
