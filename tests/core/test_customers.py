"""The customer record: creation, validation, normalisation, lookups and updates."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from guanxi.app import App
from guanxi.errors import (
    AmbiguousReferenceError,
    BatchValidationError,
    NotFoundError,
    ValidationError,
)
from guanxi.models import ContactPoint, Customer, ExternalIdentity
from guanxi.services.customers import add_customer, add_customers
from guanxi.services.lookup import find_customers, get_customer, list_customers, resolve_customer
from guanxi.services.staff import add_staff
from guanxi.services.updates import update_customer


def count(app: App, model: type) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def test_add_person_stores_normalised_contact_points(app: App) -> None:
    with app.transaction() as uow:
        record = add_customer(
            uow,
            name="欧阳娜娜",
            emails=[" NaNa@Example.COM "],
            phones=["138 0013 8000"],
            addresses=["上海市  浦东新区　世纪大道 100 号"],
            roles=["customer", "member"],
            identities=[{"source": "dealer-a", "external_id": "A-1"}],
            tags=["vip"],
            birth_date="1990-05-01",
            interests=["茶艺"],
            preferred_channel="sms",
            special_dates=[{"label": "wedding", "date": "2015-10-01"}],
        )
    assert record.id is not None
    assert record.name == "欧阳娜娜"  # stored as written: no guessing at family/given name
    assert record.family_name is None and record.given_name is None
    with app.transaction() as uow:
        stored = get_customer(uow, record.id)
    assert stored.primary_email == "nana@example.com"
    assert stored.primary_phone == "+8613800138000"
    address = next(p for p in stored.contact_points if p.kind == "address")
    assert address.normalized == "上海市 浦东新区 世纪大道 100 号"
    assert stored.roles == ("customer", "member")
    assert stored.identities[0].external_id == "A-1"
    assert stored.birth_date == dt.date(1990, 5, 1)
    assert stored.special_dates[0].label == "wedding"
    assert stored.lifecycle_stage == app.settings.default_stage


def test_organisation_and_membership(app: App) -> None:
    with app.transaction() as uow:
        org = add_customer(uow, name="徐州工程机械集团", kind="organization", roles=["customer"])
        person = add_customer(uow, name="李强", organization_id=org.id)
        assert person.organization_id == org.id
        with pytest.raises(ValidationError, match="organization_id.*no organisation"):
            add_customer(uow, name="王五", organization_id=person.id)  # a person is no organisation


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"emails": ["not-an-email"]}, "field 'emails.0'"),
        ({"phones": ["12345"]}, "field 'phones.0'"),
        ({"roles": ["alien"]}, "field 'roles': unknown role 'alien'"),
        ({"lifecycle_stage": "sleeping"}, "unknown lifecycle stage"),
        ({"preferred_channel": "pigeon"}, "unknown channel 'pigeon'"),
        ({"custom": {"no_such_field": 1}}, "field 'custom.no_such_field': unknown field"),
        ({"custom": {"value_segment": "gold"}}, "field 'custom.value_segment'"),
        ({"birth_date": "yesterday"}, "field 'birth_date'"),
        ({"favourite_colour": "red"}, "field 'favourite_colour': unknown field"),
        ({"owner": "nobody"}, "field 'owner': no staff user 'nobody'"),
        ({"name": ""}, "field 'name'"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(app: App, fields: dict, message: str) -> None:
    before = count(app, Customer)
    data = {"name": "张三", **fields}
    with pytest.raises(ValidationError, match=message), app.transaction() as uow:
        add_customer(uow, **data)
    assert count(app, Customer) == before


def test_one_bad_row_rejects_the_whole_batch(app: App) -> None:
    rows = [{"name": "甲"}, {"name": "乙", "emails": ["broken"]}, {"name": "丙", "roles": ["x"]}]
    with pytest.raises(BatchValidationError) as info, app.transaction() as uow:
        add_customers(uow, rows, first_row=2)
    rows_named = [e.row for e in info.value.errors]
    assert rows_named == [3, 4]
    assert str(info.value).startswith("row 3, field 'emails.0'")
    assert count(app, Customer) == 0


def test_external_identity_is_unique_per_source(app: App) -> None:
    with app.transaction() as uow:
        add_customer(uow, name="车主", identities=[{"source": "dealer-a", "external_id": "9"}])
        # The same id in another source is another identity.
        add_customer(uow, name="车主二", identities=[{"source": "dealer-b", "external_id": "9"}])
    with (
        pytest.raises(ValidationError, match="dealer-a:9 already belongs"),
        app.transaction() as uow,
    ):
        add_customer(uow, name="重复", identities=[{"source": "dealer-a", "external_id": "9"}])
    with pytest.raises(BatchValidationError, match="row 2"), app.transaction() as uow:
        add_customers(
            uow,
            [
                {"name": "x", "identities": [{"source": "s", "external_id": "1"}]},
                {"name": "y", "identities": [{"source": "s", "external_id": "1"}]},
            ],
        )
    assert count(app, ExternalIdentity) == 2


def test_owner_by_username(app: App) -> None:
    with app.transaction() as uow:
        staff = add_staff(uow, username="wang.fang", display_name="王芳")
        record = add_customer(uow, name="客户", owner="wang.fang")
    assert record.owner_id == staff.id


def test_resolve_references(app: App) -> None:
    with app.transaction() as uow:
        one = add_customer(
            uow,
            name="一",
            emails=["one@example.com"],
            phones=["13900000001"],
            identities=[{"source": "web", "external_id": "u1"}],
        )
        add_customer(uow, name="二", emails=["shared@example.com"])
        add_customer(uow, name="三", emails=["shared@example.com"])
    with app.transaction() as uow:
        assert resolve_customer(uow, str(one.id)) == one.id
        assert resolve_customer(uow, f"id:{one.id}") == one.id
        assert resolve_customer(uow, "ONE@example.com") == one.id
        assert resolve_customer(uow, "+86 139-0000-0001") == one.id
        assert resolve_customer(uow, "web:u1") == one.id
        assert resolve_customer(uow, "u1", source="web") == one.id
        with pytest.raises(NotFoundError, match="no customer matches 'nobody@example.com'"):
            resolve_customer(uow, "nobody@example.com")
        with pytest.raises(AmbiguousReferenceError, match="matches 2 customers"):
            resolve_customer(uow, "shared@example.com")


def test_find_and_list(app: App) -> None:
    with app.transaction() as uow:
        add_staff(uow, username="li", display_name="李")
        rows = [
            {
                "name": f"客户{i}",
                "roles": ["partner" if i % 3 == 0 else "customer"],
                "owner": "li" if i % 2 else None,
                "tags": ["a"] if i < 5 else [],
            }
            for i in range(12)
        ]
        add_customers(uow, rows)
    with app.transaction() as uow:
        assert [c.name for c in find_customers(uow, "客户1")] == ["客户1", "客户10", "客户11"]
        partners = list_customers(uow, role="partner")
        assert [c.name for c in partners] == ["客户0", "客户3", "客户6", "客户9"]
        first = list_customers(uow, limit=5)
        second = list_customers(uow, limit=5, after_id=first[-1].id)
        assert [c.name for c in second] == [f"客户{i}" for i in range(5, 10)]
        assert len(list_customers(uow, tag="a")) == 5
        assert len(list_customers(uow, owner_id=1)) == 6


def test_update_changes_only_what_changed_and_reports_it(app: App) -> None:
    with app.transaction() as uow:
        record = add_customer(
            uow, name="张三", emails=["z@example.com"], tags=["old"], custom={"industry": "retail"}
        )
    with app.transaction() as uow:
        change = update_customer(
            uow,
            record.id,
            {
                "lifecycle_stage": "customer",
                "add_tags": ["new"],
                "remove_tags": ["old"],
                "add_phones": ["13800138000"],
                "custom": {"value_segment": "vip"},
            },
        )
    assert set(change.after) == {"lifecycle_stage", "tags", "contact_points", "custom"}
    assert change.before["tags"] == ["old"] and change.after["tags"] == ["new"]
    with app.transaction() as uow:
        stored = get_customer(uow, record.id)
    assert stored.custom == {"industry": "retail", "value_segment": "vip"}
    assert stored.primary_phone == "+8613800138000"
    assert count(app, ContactPoint) == 2
    with app.transaction() as uow:
        assert update_customer(uow, record.id, {"lifecycle_stage": "customer"}).after == {}


def test_bad_update_changes_nothing(app: App) -> None:
    with app.transaction() as uow:
        record = add_customer(uow, name="张三", emails=["z@example.com"])
    for changes, message in [
        ({"add_emails": ["nope"]}, "contact_points"),
        ({"lifecycle_stage": "gone"}, "unknown lifecycle stage"),
        ({"owner": "ghost"}, "no staff user"),
        ({"organization_id": record.id}, "cannot belong to itself"),
        ({"wings": 2}, "field 'wings': unknown field"),
    ]:
        with pytest.raises(ValidationError, match=message), app.transaction() as uow:
            update_customer(uow, record.id, changes)
    with app.transaction() as uow:
        assert get_customer(uow, record.id) == record


def test_failing_event_hook_rolls_back_the_unit_of_work(make_app) -> None:  # type: ignore[no-untyped-def]
    import guanxi

    class Refuses:
        plugin = guanxi.Plugin(name="refuses", version="1.0")

        @staticmethod
        @guanxi.hookimpl
        def customers_created(uow, customers):  # type: ignore[no-untyped-def]
            raise RuntimeError("downstream system is down")

    app = make_app(plugins=[Refuses], enable=["refuses"])
    with pytest.raises(RuntimeError), app.transaction() as uow:
        add_customer(uow, name="张三", emails=["z@example.com"])
    assert count(app, Customer) == 0
    assert count(app, ContactPoint) == 0
