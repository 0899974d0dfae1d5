"""Privacy: consent, export, erasure (checked by scanning every column), holds, retention.

A test plugin holds personal data of its own (a table, an entity, the ``personal_data``
and ``erase_personal_data`` hooks), so export and erasure are checked across plugins,
not only in the core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Text, cast, event, func, select
from sqlmodel import Field, SQLModel
from sqlmodel import select as orm_select

import guanxi
from guanxi import audit
from guanxi.app import App, UnitOfWork
from guanxi.db.bulk import BulkInserter
from guanxi.db.types import BigID
from guanxi.errors import AccessDenied, ValidationError
from guanxi.models import (
    AuditEntry,
    ConsentEvent,
    Customer,
    CustomerRole,
    CustomerRollup,
    Interaction,
)
from guanxi.privacy import (
    consents,
    erase_customer,
    export_personal_data,
    place_hold,
    release_hold,
    set_consent,
)
from guanxi.services.customers import add_customer, add_customers
from guanxi.services.interactions import log_interaction, timeline
from guanxi.services.jobs import run_due
from guanxi.services.lookup import get_customer
from guanxi.services.staff import add_staff, grant_role
from guanxi.services.tasks import complete_task, create_task
from guanxi.services.updates import update_customer
from guanxi.testing import GuanxiCli

UTC = dt.UTC
AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- the plugin


class PrivacyNote(SQLModel, table=True):
    """A plugin's own personal data: notes about a customer, with points (an aggregate)."""

    __tablename__ = "test_privacy_note"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID)
    text: str | None = None
    points: int = 0


def notes_of(uow: UnitOfWork, customer_id: int) -> list[PrivacyNote]:
    query = orm_select(PrivacyNote).where(PrivacyNote.customer_id == customer_id)
    return list(uow.session.exec(query).all())


class Notes:
    """Registers the notes as an entity, exports them, and clears them on erasure."""

    plugin = guanxi.Plugin(name="notes", version="1.0")

    @staticmethod
    @guanxi.hookimpl
    def register_entities(register):  # type: ignore[no-untyped-def]
        register(
            "privacy_note", PrivacyNote, customer_column="customer_id", personal_fields=("text",)
        )

    @staticmethod
    @guanxi.hookimpl
    def register_interaction_kinds(register):  # type: ignore[no-untyped-def]
        register("notes.call", description="a call noted in a subject line (no payload schema)")

    @staticmethod
    @guanxi.hookimpl
    def personal_data(uow, customer_id):  # type: ignore[no-untyped-def]
        notes = notes_of(uow, customer_id)
        return {"notes": [n.text for n in notes]} if notes else None

    @staticmethod
    @guanxi.hookimpl
    def erase_personal_data(uow, customer_id):  # type: ignore[no-untyped-def]
        # Through the ORM, as a plugin naturally writes: these writes are audited too.
        for note in notes_of(uow, customer_id):
            note.text = None
        uow.session.flush()


@pytest.fixture
def make_privacy_app(make_app: Callable[..., App]) -> Callable[..., App]:
    """Applications with the notes plugin and its table; ``privacy`` settings optional."""

    def factory(**privacy: Any) -> App:
        settings = {"privacy": privacy} if privacy else {}
        app = make_app(plugins=[Notes], enable=["notes"], settings=settings)
        SQLModel.metadata.create_all(app.engine, tables=[PrivacyNote.__table__])  # type: ignore[attr-defined]
        return app

    return factory


@pytest.fixture
def app(make_privacy_app: Callable[..., App]) -> App:
    return make_privacy_app()


# --------------------------------------------------------------------------- helpers


def add_note(app: App, customer_id: int, text: str) -> None:
    with app.transaction() as uow:
        uow.session.add(PrivacyNote(customer_id=customer_id, text=text))


def add_user(app: App, username: str, role: str) -> None:
    with app.transaction() as uow:
        add_staff(uow, username=username, display_name=username)
        grant_role(uow, staff=username, role=role)


def table_texts(app: App) -> dict[str, list[dict[str, str | None]]]:
    """Every row of every table in the database, each column cast to text, sorted."""
    tables = {}
    with app.engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(bind=connection)
        for table in metadata.sorted_tables:
            query = select(*[cast(column, Text).label(column.name) for column in table.c])
            rows = [dict(row) for row in connection.execute(query).mappings()]
            tables[table.name] = sorted(rows, key=lambda row: repr(list(row.values())))
    return tables


def find_in_database(app: App, needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) wherever a needle occurs, case-insensitively, in any column."""
    found = {
        (table, column, needle)
        for table, rows in table_texts(app).items()
        for row in rows
        for column, value in row.items()
        for needle in needles
        if needle.lower() in (value or "").lower()
    }
    return sorted(found)


def rollup_row(app: App, customer_id: int) -> dict[str, Any]:
    table = CustomerRollup.__table__  # type: ignore[attr-defined]
    with app.engine.connect() as connection:
        row = connection.execute(select(table).where(table.c.customer_id == customer_id))
        return dict(row.mappings().one())


def interaction_totals(app: App, customer_id: int) -> tuple[int, Decimal, Decimal]:
    """How many interactions a customer has, and their revenue and cost."""
    i = Interaction.__table__  # type: ignore[attr-defined]
    query = select(func.count(), func.sum(i.c.revenue), func.sum(i.c.cost)).where(
        i.c.customer_id == customer_id
    )
    with app.engine.connect() as connection:
        count, revenue, cost = connection.execute(query).one()
    return count, Decimal(revenue or 0), Decimal(cost or 0)


def customer_row(app: App, customer_id: int) -> dict[str, Any]:
    t = Customer.__table__  # type: ignore[attr-defined]
    with app.engine.connect() as connection:
        return dict(connection.execute(select(t).where(t.c.id == customer_id)).mappings().one())


def audit_rows(app: App, **where: Any) -> list[dict[str, Any]]:
    query = select(AUDIT).order_by(AUDIT.c.id)
    for column, value in where.items():
        query = query.where(AUDIT.c[column] == value)
    with app.engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def audit_problems(app: App) -> list[audit.Problem]:
    with app.engine.connect() as connection:
        return audit.verify(connection)[1]


@contextmanager
def counting_queries(app: App) -> Iterator[list[str]]:
    """Collect the SQL statements run on ``app``'s engine inside the block."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(app.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(app.engine, "before_cursor_execute", count)


# --------------------------------------------------------------------------- consent


def consent(app: App, customer_id: int, purpose: str, channel: str) -> bool:
    with app.transaction() as uow:
        return consents(uow, [customer_id], purpose=purpose, channel=channel)[customer_id]


def choose(
    app: App, customer_id: int, purpose: str, channel: str, granted: bool, source: str = "web form"
) -> None:
    with app.transaction() as uow:
        set_consent(
            uow, customer_id, purpose=purpose, channel=channel, granted=granted, source=source
        )


def test_no_choice_means_the_purposes_default(app: App) -> None:
    with app.transaction() as uow:
        cid = add_customer(uow, name="张三").id
    assert consent(app, cid, "marketing", "sms") is False
    assert consent(app, cid, "service", "sms") is True
    assert consent(app, cid, "analytics", "email") is True


def test_defaults_are_settings(make_privacy_app: Callable[..., App]) -> None:
    app = make_privacy_app(purposes={"marketing": True, "surveys": False})
    with app.transaction() as uow:
        cid = add_customer(uow, name="张三").id
    assert consent(app, cid, "marketing", "sms") is True
    assert consent(app, cid, "surveys", "sms") is False
    with pytest.raises(ValidationError, match="field 'purpose': unknown purpose 'service'"):
        consent(app, cid, "service", "sms")


def test_the_latest_choice_wins_and_a_channel_beats_any(app: App) -> None:
    with app.transaction() as uow:
        cid = add_customer(uow, name="张三").id
    choose(app, cid, "marketing", "any", True)
    assert consent(app, cid, "marketing", "sms") and consent(app, cid, "marketing", "email")
    choose(app, cid, "marketing", "sms", False, source="replied TD")
    assert not consent(app, cid, "marketing", "sms")
    assert consent(app, cid, "marketing", "email")
    # A later choice for any channel does not override the one made for SMS...
    choose(app, cid, "marketing", "any", True, source="signed form")
    assert not consent(app, cid, "marketing", "sms")
    # ...a later one for SMS does; and withdrawing for any leaves SMS as chosen.
    choose(app, cid, "marketing", "sms", True, source="phone call")
    choose(app, cid, "marketing", "any", False, source="phone call")
    assert consent(app, cid, "marketing", "sms")
    assert not consent(app, cid, "marketing", "email")
    assert not consent(app, cid, "marketing", "any")
    assert consent(app, cid, "service", "sms")  # other purposes are untouched


def test_asking_about_an_unknown_purpose_or_channel_is_refused(app: App) -> None:
    with app.transaction() as uow:
        cid = add_customer(uow, name="张三").id
    choose(app, cid, "marketing", "any", True)
    choose(app, cid, "marketing", "sms", False)
    # "SMS" is no channel: answering from the choice for any channel would say yes.
    with pytest.raises(ValidationError, match="field 'channel': unknown channel 'SMS'"):
        consent(app, cid, "marketing", "SMS")
    with pytest.raises(ValidationError, match="field 'purpose': unknown purpose 'promo'"):
        consent(app, cid, "promo", "sms")


def test_every_change_is_on_the_timeline(app: App) -> None:
    with app.transaction() as uow:
        cid = add_customer(uow, name="张三").id
    choose(app, cid, "marketing", "sms", True, source="web form 2026-05")
    choose(app, cid, "marketing", "any", False, source="phone call")
    with app.transaction() as uow:
        logged = timeline(uow, cid, kind_prefix="core.consent_changed")
        history = uow.session.exec(orm_select(ConsentEvent).order_by(ConsentEvent.id)).all()
    assert [(i.channel, i.payload) for i in reversed(logged)] == [
        (
            "sms",
            {
                "purpose": "marketing",
                "channel": "sms",
                "granted": True,
                "source": "web form 2026-05",
            },
        ),
        (
            "other",
            {"purpose": "marketing", "channel": "any", "granted": False, "source": "phone call"},
        ),
    ]
    assert [(c.channel, c.granted, c.source) for c in history] == [
        ("sms", True, "web form 2026-05"),
        ("any", False, "phone call"),
    ]


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({"purpose": "spam"}, "field 'purpose': unknown purpose 'spam'"),
        ({"channel": "pigeon"}, "field 'channel': unknown channel 'pigeon'"),
        ({"source": "  "}, "field 'source'"),
        ({"source": "x" * 201}, "field 'source'"),
    ],
)
def test_bad_consent_is_refused_and_nothing_is_stored(
    app: App, choice: dict[str, Any], message: str
) -> None:
    with app.transaction() as uow:
        cid = add_customer(uow, name="张三").id
    before = table_texts(app)
    given = {"purpose": "marketing", "channel": "sms", "granted": True, "source": "form", **choice}
    with pytest.raises(ValidationError, match=message), app.transaction() as uow:
        set_consent(uow, cid, **given)
    assert table_texts(app) == before


def test_consents_of_a_large_batch_take_a_handful_of_queries(app: App) -> None:
    with app.transaction() as uow:
        ids = [r.id for r in add_customers(uow, [{"name": f"客户{i}"} for i in range(2000)])]
        # Choices stored directly: the history of 2,000 customers through set_consent
        # would only slow the test down.
        events = [(cid, "any", True) for cid in ids[::3]]  # granted for any channel
        events += [(cid, "sms", False) for cid in ids[::5]]  # then withdrawn for SMS
        events += [(cid, "sms", True) for cid in ids[::10]]  # then granted again
        BulkInserter(
            uow.session.connection(),
            ConsentEvent.__table__,  # type: ignore[attr-defined]
            ("customer_id", "purpose", "channel", "granted", "source", "at"),
        ).insert(
            (cid, "marketing", channel, granted, "import", uow.now)
            for cid, channel, granted in events
        )

    def expected(position: int) -> bool:
        if position % 5 == 0:  # a choice for SMS: the latest one
            return position % 10 == 0
        return position % 3 == 0  # else the choice for any channel, else the default

    with app.transaction() as uow, counting_queries(app) as statements:
        answer = consents(uow, ids, purpose="marketing", channel="sms")
    assert answer == {cid: expected(pos) for pos, cid in enumerate(ids)}
    assert len(statements) <= 4
    with app.transaction() as uow:
        by_email = consents(uow, ids, purpose="marketing", channel="email")
    assert by_email == {cid: pos % 3 == 0 for pos, cid in enumerate(ids)}


# --------------------------------------------------------------------------- export


def test_export_holds_everything_about_the_person(app: App) -> None:
    with app.transaction() as uow:
        person, other = add_customers(
            uow, [{"name": "张三", "emails": ["z@example.com"]}, {"name": "李四"}]
        )
        log_interaction(uow, customer_id=person.id, kind="core.note", payload={"text": "来电"})
        log_interaction(uow, customer_id=other.id, kind="core.note", payload={"text": "别人的"})
        create_task(uow, customer_id=person.id, title="回访", due_at=dt.datetime(2026, 6, 1))
        set_consent(
            uow, person.id, purpose="marketing", channel="sms", granted=True, source="web form"
        )
        place_hold(uow, person.id, reason="合同纠纷")
    add_note(app, person.id, "喜欢绿茶")
    add_note(app, other.id, "别人的笔记")
    with app.transaction() as uow:
        data = export_personal_data(uow, person.id)
    assert data["customer"].name == "张三"
    assert data["customer"].primary_email == "z@example.com"
    assert [i["kind"] for i in data["interactions"]] == ["core.note", "core.consent_changed"]
    assert [t["title"] for t in data["tasks"]] == ["回访"]
    assert [(c["purpose"], c["source"]) for c in data["consents"]] == [("marketing", "web form")]
    assert [h["reason"] for h in data["legal_holds"]] == ["合同纠纷"]
    assert data["plugins"] == {"notes": {"notes": ["喜欢绿茶"]}}
    exported = audit_rows(app, action="export")
    assert [(e["actor"], e["customer_id"]) for e in exported] == [("system", person.id)]


def test_export_without_permission_is_refused_and_audited(app: App) -> None:
    add_user(app, "chen", "agent")  # works customers, but may not export them
    with app.transaction() as uow:
        cid = add_customer(uow, name="张三").id
    refused = pytest.raises(AccessDenied, match="chen may not export customer")
    with refused, app.transaction(as_user="chen") as uow:
        export_personal_data(uow, cid)
    assert audit_rows(app, action="export") == []
    assert [(e["actor"], e["entity"]) for e in audit_rows(app, action="denied")] == [
        ("chen", "customer")
    ]


def test_a_privacy_officer_may_export(app: App) -> None:
    add_user(app, "officer", "privacy_officer")
    with app.transaction() as uow:
        cid = add_customer(uow, name="张三").id
    with app.transaction(as_user="officer") as uow:
        assert export_personal_data(uow, cid)["customer"].id == cid
    assert [e["actor"] for e in audit_rows(app, action="export")] == ["officer"]


# --------------------------------------------------------------------------- erasure

MARK = "zqx"  # in every personal value of the erased customer
PHONE = "13987654321"
BIRTH_DATE = "1911-11-11"
SPECIAL_DATE = "1922-02-22"
NEEDLES = [MARK, PHONE, BIRTH_DATE, SPECIAL_DATE]


def add_person_everywhere(app: App, mark: str, phone: str, birth: str, special: str) -> int:
    """A customer with ``mark`` in every personal field, on every table that holds one.

    Also changes the customer, a task and a plugin row after creating them, so the
    audit log holds old and new values.
    """
    with app.transaction() as uow:
        record = add_customer(
            uow,
            name=f"{mark}-old-name",
            family_name=f"{mark}-family",
            given_name=f"{mark}-given",
            gender=f"{mark}-gender",
            birth_date=birth,
            occupation=f"{mark}-occupation",
            language=f"{mark}-lang",
            interests=[f"{mark}-interest"],
            care_notes=f"{mark}-care",
            custom={"industry": f"{mark}-industry", "value_segment": "vip"},
            emails=[f"{mark.upper()}.Mail@Example.com"],
            phones=[phone],
            addresses=[f"{mark}  road   7"],
            tags=[f"{mark}-tag"],
            identities=[{"source": "dealer-a", "external_id": f"{mark}-external"}],
            special_dates=[
                {"label": f"{mark}-label", "date": special, "note": f"{mark}-date-note"}
            ],
        )
        cid = record.id
        assert cid is not None
        update_customer(
            uow,
            cid,
            {
                "name": f"{mark}-name",
                "occupation": f"{mark}-new-occupation",
                "add_emails": [f"{mark}.second@example.com"],
            },
        )
        log_interaction(
            uow,
            customer_id=cid,
            kind="core.contact",
            channel="phone",
            subject=f"{mark}-subject",
            payload={"summary": f"{mark}-summary", "outcome": f"{mark}-outcome"},
        )
        log_interaction(
            uow,
            customer_id=cid,
            kind="core.purchase",
            channel="pos",
            revenue=Decimal("100.50"),
            cost=Decimal("30.25"),
            payload={
                "order_ref": f"{mark}-order",
                "lines": [{"name": f"{mark}-item", "quantity": 1}],
            },
        )
        log_interaction(uow, customer_id=cid, kind="core.note", payload={"text": f"{mark}-note"})
        task = create_task(
            uow,
            customer_id=cid,
            title=f"{mark}-task",
            notes=f"{mark}-task-notes",
            due_at=dt.datetime(2026, 6, 1, 9, 0),
        )
        task.notes = f"{mark}-task-notes-changed"
        create_task(uow, customer_id=cid, title=f"{mark}-open-task", due_at=dt.datetime(2026, 6, 2))
        uow.session.flush()
        complete_task(uow, task.id, outcome=f"{mark}-task-outcome")  # type: ignore[arg-type]
        set_consent(
            uow,
            cid,
            purpose="marketing",
            channel="sms",
            granted=True,
            source=f"{mark}-consent-form",
        )
        uow.session.add(PrivacyNote(customer_id=cid, text=f"{mark}-plugin-note-old", points=5))
    with app.transaction() as uow:
        notes_of(uow, cid)[0].text = f"{mark}-plugin-note"
    return cid


def test_erasure_leaves_no_personal_data_in_any_column(app: App) -> None:
    cid = add_person_everywhere(app, MARK, PHONE, BIRTH_DATE, SPECIAL_DATE)
    keep = ["keepme", "13911112222", "1980-01-01", "1999-09-09"]
    other = add_person_everywhere(app, *keep)
    with app.transaction() as uow:
        export_personal_data(uow, cid)
        other_before = get_customer(uow, other)
    found = find_in_database(app, NEEDLES)
    assert {table for table, _, _ in found} >= {  # the scan does see the data
        "customer",
        "contact_point",
        "external_identity",
        "special_date",
        "customer_tag",
        "interaction",
        "task",
        "consent_event",
        "audit_log",
        "test_privacy_note",
    }
    totals, rollup, row = interaction_totals(app, cid), rollup_row(app, cid), customer_row(app, cid)

    with app.transaction() as uow:
        counts = erase_customer(uow, cid, reason="data-subject request")
    assert counts["customer"] == 1 and counts["contact_points"] == 4

    assert find_in_database(app, NEEDLES) == []
    # Aggregates stay: the row, its kind, stage, roles and owner; counts and amounts.
    assert interaction_totals(app, cid) == totals == (5, Decimal("100.50"), Decimal("30.25"))
    assert rollup_row(app, cid) == rollup
    erased = customer_row(app, cid)
    assert erased["erased_at"] is not None
    kept = ("kind", "lifecycle_stage", "owner_id", "organization_id", "created_at")
    assert {k: erased[k] for k in kept} == {k: row[k] for k in kept}
    with app.engine.connect() as connection:
        roles = connection.execute(select(CustomerRole.role).where(CustomerRole.customer_id == cid))  # type: ignore[arg-type]
        assert list(roles.scalars()) == ["customer"]
    with app.transaction() as uow:
        assert [n.points for n in notes_of(uow, cid)] == [5]
        # The other customer is untouched, in the core and in the plugin's table.
        assert get_customer(uow, other) == other_before
        assert [n.text for n in notes_of(uow, other)] == ["keepme-plugin-note"]
    assert {n for _, _, n in find_in_database(app, keep)} == set(keep)
    assert audit_problems(app) == []


def snapshot_refusal(app: App, cid: int, message: str) -> None:
    """Erasing ``cid`` is refused with ``message`` and changes nothing at all."""
    before = table_texts(app)
    with pytest.raises(ValidationError, match=message), app.transaction() as uow:
        erase_customer(uow, cid, reason="request")
    assert table_texts(app) == before


def test_erasing_twice_is_refused(app: App) -> None:
    with app.transaction() as uow:
        cid = add_customer(uow, name="张三", emails=["z@example.com"]).id
    with app.transaction(now=dt.datetime(2026, 5, 1, 12, 0, tzinfo=UTC)) as uow:
        erase_customer(uow, cid, reason="request")
    snapshot_refusal(app, cid, f"customer {cid} was already erased on 2026-05-01")


def test_a_legal_hold_blocks_erasure_until_it_is_released(app: App) -> None:
    with app.transaction() as uow:
        cid = add_customer(uow, name="张三", emails=["z@example.com"]).id
        hold = place_hold(uow, cid, reason="litigation")
        place_hold(uow, cid, reason="regulator")
    snapshot_refusal(app, cid, f"customer {cid} is under legal hold {hold.id} \\(litigation\\)")
    with app.transaction() as uow:
        release_hold(uow, hold.id)  # type: ignore[arg-type]
    snapshot_refusal(app, cid, "under legal hold .* \\(regulator\\)")
    with app.transaction() as uow:
        release_hold(uow, hold.id + 1)  # type: ignore[operator]
        erase_customer(uow, cid, reason="request")
    assert customer_row(app, cid)["erased_at"] is not None


def test_erasure_needs_a_reason_and_permission(app: App) -> None:
    add_user(app, "chen", "agent")
    with app.transaction() as uow:
        cid = add_customer(uow, name="张三").id
    with pytest.raises(ValidationError, match="field 'reason'"), app.transaction() as uow:
        erase_customer(uow, cid, reason=" ")
    refused = pytest.raises(AccessDenied, match="chen may not erase customer")
    with refused, app.transaction(as_user="chen") as uow:
        erase_customer(uow, cid, reason="request")
    assert customer_row(app, cid)["erased_at"] is None


def test_erase_command_refuses_in_one_line(tmp_path: Path, database_url: str) -> None:
    gx = GuanxiCli(tmp_path / "crm")
    gx("init", "--db", database_url)
    gx("customer", "add", "张三", "--email", "z@example.com")
    assert gx("privacy", "hold", "1", "--reason", "litigation").stdout == (
        "legal hold 1 placed on customer 1\n"
    )
    assert gx.fails("privacy", "erase", "1", "--reason", "x", "--yes") == (
        "error: customer 1 is under legal hold 1 (litigation)"
    )
    gx("privacy", "release", "1")
    assert gx("privacy", "erase", "z@example.com", "--reason", "x", "--yes").stdout.startswith(
        "erased customer 1: 1 customer, 1 contact_points"
    )
    refused = gx.fails("privacy", "erase", "1", "--reason", "x", "--yes")
    assert refused.startswith("error: customer 1 was already erased on ")


# --------------------------------------------------------------------------- retention

RETENTION = {
    "payload_retention_days": {"core.contact": 30, "notes.call": 30},
    "erase_inactive_after_days": 365,
}
T0 = dt.datetime(2026, 6, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai


def contact(
    uow: UnitOfWork,
    customer_id: int,
    days_ago: int,
    text: str,
    *,
    kind: str = "core.contact",
    payload: dict[str, Any] | None = None,
) -> int:
    record = log_interaction(
        uow,
        customer_id=customer_id,
        kind=kind,
        occurred_at=T0 - dt.timedelta(days=days_ago),
        subject=text,
        payload={"summary": text} if payload is None else payload,
    )
    assert record.id is not None
    return record.id


def run_retention(app: App) -> str:
    """Run the daily retention job at its first 02:00 after T0."""
    run_due(app, now=T0)  # schedules the daily jobs
    outcomes = run_due(app, now=T0 + dt.timedelta(days=1), only="core.privacy_retention")
    assert [(o.name, o.status) for o in outcomes] == [("core.privacy_retention", "ok")]
    return outcomes[0].detail


def test_retention_clears_old_payloads_and_erases_inactive_customers(
    make_privacy_app: Callable[..., App],
) -> None:
    app = make_privacy_app(**RETENTION)
    with app.transaction(now=T0 - dt.timedelta(days=800)) as uow:
        active, stale, held, silent = (
            r.id
            for r in add_customers(
                uow,
                [
                    {"name": "常联系"},
                    {"name": "久未联系"},
                    {"name": "冻结中"},
                    {"name": "从未联系"},
                ],
            )
        )
    with app.transaction(now=T0) as uow:
        old = contact(uow, active, 60, "旧的")
        subject_only = contact(uow, active, 60, "只有主题", kind="notes.call", payload={})
        new = contact(uow, active, 10, "新的")
        note = contact(uow, active, 60, "旧笔记", kind="core.note", payload={"text": "旧笔记"})
        contact(uow, stale, 400, "很久以前")
        contact(uow, held, 400, "很久以前")
        place_hold(uow, held, reason="litigation")
    with app.transaction(now=T0 - dt.timedelta(days=10)) as uow:
        recent = add_customer(uow, name="新客户").id  # no interaction yet, but new

    # The old contacts of all three customers, and the old call with only a subject.
    assert run_retention(app) == "cleared 4 payloads, erased 2 inactive customers"
    with app.transaction() as uow:
        kept = {r.id: (r.subject, r.payload) for r in timeline(uow, active, limit=10)}
    assert kept[old] == (None, {}) and kept[subject_only] == (None, {})
    assert kept[new] == ("新的", {"summary": "新的", "outcome": None})
    assert kept[note] == ("旧笔记", {"text": "旧笔记"})  # core.note has no retention rule
    erased = {
        cid: customer_row(app, cid)["erased_at"] is not None
        for cid in (active, stale, held, silent, recent)
    }
    assert erased == {active: False, stale: True, held: False, silent: True, recent: False}
    assert [e["detail"] for e in audit_rows(app, action="erase")] == [
        "retention: inactive 365 days"
    ] * 2
