"""The check of new customers: found by keys, contact points and identities; flag,
block, link or allow through the service, the CSV import and ``guanxi customer add``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from guanxi.app import App
from guanxi.errors import BatchValidationError
from guanxi.identity.check import check_new
from guanxi.models import AuditEntry, Customer
from guanxi.models.identity import DuplicatePair
from guanxi.services.customers import add_customers, validate_customers
from guanxi.services.lookup import get_customer
from guanxi.services.staff import add_staff, grant_role

_PAIRS = DuplicatePair.__table__  # type: ignore[attr-defined]

ZHANG = {"name": "张伟", "phones": ["13800138000"], "birth_date": "1980-03-04"}


def add(app: App, *rows: dict[str, Any], as_user: str | None = None, **kw: Any) -> list[Any]:
    """Store rows through the service (the check on unless ``check=False``)."""
    with app.transaction(as_user=as_user) as uow:
        return add_customers(uow, list(rows), **kw)


def pairs(app: App) -> list[dict[str, Any]]:
    """The review queue, oldest first."""
    with app.transaction() as uow:
        rows = uow.session.connection().execute(select(_PAIRS).order_by(_PAIRS.c.id))
        return [dict(r) for r in rows.mappings()]


def count_customers(app: App) -> int:
    """How many customers are stored."""
    with app.transaction() as uow:
        return uow.session.connection().execute(
            select(func.count()).select_from(Customer.__table__)  # type: ignore[arg-type]
        ).scalar_one()


def two_agents(app: App) -> None:
    """Agents wang and li: each sees his own customers and the unowned ones."""
    with app.transaction() as uow:
        for name in ("wang", "li"):
            add_staff(uow, username=name, display_name=name)
            grant_role(uow, staff=name, role="agent")


def with_on_match(make_app: Callable[..., App], on_match: str, **more: Any) -> App:
    """An application whose [identity] on_match is ``on_match``."""
    return make_app(settings={"identity": {"on_match": on_match, **more}})


def test_chinese_names_and_phones_are_found(app: App) -> None:
    [zhang] = add(app, ZHANG)
    with app.transaction() as uow:
        rows = [{"name": "张 伟", "phones": ["+86 138 0013 8000"]},
                {"name": "张玮", "phones": ["13800138000"]},
                {"name": "李娜", "phones": ["13900000000"]},
                {"kind": "organization", "name": "张伟", "phones": ["13800138000"]}]
        records = [r for _, r in validate_customers(uow, rows, check=False)[0]]
        spaced, other_given, stranger, organisation = check_new(uow, records)
    assert spaced is not None and (spaced.customer_id, spaced.status) == (zhang.id, "match")
    assert {"phone", "cjk_family_phone"} <= set(spaced.passes)
    assert spaced.fields["given_name"] == "agree"  # 张 伟 is 张伟
    # Same family name and phone, another given name: a person decides.
    assert other_given is not None and (other_given.customer_id, other_given.status) == (
        zhang.id, "review")
    assert stranger is None
    assert organisation is None  # a person is never the duplicate of an organisation


def test_flag_stores_and_queues_the_pair(app: App) -> None:
    [zhang] = add(app, ZHANG)
    [twin] = add(app, {"name": "张 伟", "phones": ["138-0013-8000"]})
    assert twin.id != zhang.id and twin.duplicate_of == (zhang.id,) and twin.link_to is None
    [pair] = pairs(app)
    assert (pair["left_id"], pair["right_id"], pair["origin"], pair["state"]) == (
        zhang.id, twin.id, "create", "open")
    assert pair["status"] == "match" and pair["score"] >= 20
    assert "phone" in pair["passes"] and pair["fields"]["phone"] == "agree"


def test_a_batch_with_the_same_person_twice(app: App) -> None:
    first, second, _other = add(app, {"name": "李娜", "emails": ["li.na@example.cn"]},
                               {"name": "李 娜", "emails": ["LI.NA@example.cn"]},
                               {"name": "王芳", "emails": ["wang@example.cn"]})
    assert count_customers(app) == 3
    [pair] = pairs(app)
    assert (pair["left_id"], pair["right_id"], pair["status"]) == (first.id, second.id, "match")


def test_block_refuses_naming_field_and_customer(make_app: Callable[..., App]) -> None:
    app = with_on_match(make_app, "block")
    [zhang] = add(app, ZHANG)
    with pytest.raises(BatchValidationError) as info:
        add(app, {"name": "张伟", "phones": ["13800138000"], "tags": ["new"]})
    [error] = info.value.errors
    assert error.field == "phones"
    assert error.reason.startswith(f"matches customer {zhang.id} (score ")
    assert error.reason.endswith("family_name, given_name, phone)")
    assert count_customers(app) == 1 and pairs(app) == []
    # The same family name and phone with another given name is only possible: stored
    # and queued whatever on_match says.
    [other] = add(app, {"name": "张玮", "phones": ["13800138000"]})
    assert other.duplicate_of == (zhang.id,) and len(pairs(app)) == 1
    # An admin who knows skips the check.
    [forced] = add(app, {"name": "张伟", "phones": ["13800138000"]}, check=False)
    assert forced.duplicate_of == () and count_customers(app) == 3


def test_block_does_not_reveal_a_customer_the_user_cannot_see(
    make_app: Callable[..., App],
) -> None:
    app = with_on_match(make_app, "block")
    two_agents(app)
    add(app, {**ZHANG, "owner": "wang"})
    with pytest.raises(BatchValidationError) as info:
        add(app, {"name": "张伟", "phones": ["13800138000"]}, as_user="li")
    # Not even the id: an agent must not learn which of his colleague's customers it is.
    assert info.value.errors[0].reason == "matches an existing customer you cannot see"


def test_an_external_identity_already_taken_stays_a_rejection(
    make_app: Callable[..., App],
) -> None:
    app = with_on_match(make_app, "link")
    add(app, {**ZHANG, "identities": [{"source": "dms", "external_id": "A-1"}]})
    with pytest.raises(BatchValidationError, match="dms:A-1 already belongs to a customer"):
        add(app, {"name": "张伟", "identities": [{"source": "dms", "external_id": "A-1"}]})


def test_link_fills_empty_fields_and_adds_what_is_new(make_app: Callable[..., App]) -> None:
    app = with_on_match(make_app, "link")
    [zhang] = add(app, {"name": "张伟", "phones": ["13800138000"], "gender": "male",
                        "emails": ["zw@example.cn"], "tags": ["vip"]})
    [linked] = add(app, {
        "name": "张伟", "phones": ["13800138000"], "gender": "female", "birth_date": "1980-03-04",
        "emails": ["zhang.wei@dealer-b.cn"], "tags": ["vip", "dealer-b"],
        "identities": [{"source": "dealer_b", "external_id": "B-77"}],
        "special_dates": [{"label": "purchase", "date": "2024-05-01"}],
    })
    assert (linked.id, linked.link_to) == (zhang.id, zhang.id)
    assert count_customers(app) == 1 and pairs(app) == []
    with app.transaction() as uow:
        after = get_customer(uow, zhang.id)
        audited = uow.session.exec(select(AuditEntry).where(
            AuditEntry.action == "update", AuditEntry.customer_id == zhang.id)).all()
    assert after.gender == "male"  # never overwritten
    assert str(after.birth_date) == "1980-03-04"  # filled
    assert after.primary_email == "zw@example.cn"  # the new email is added, not primary
    assert {p.normalized for p in after.contact_points if p.kind == "email"} == {
        "zw@example.cn", "zhang.wei@dealer-b.cn"}
    assert [(i.source, i.external_id) for i in after.identities] == [("dealer_b", "B-77")]
    assert sorted(after.tags) == ["dealer-b", "vip"]
    assert [d.label for d in after.special_dates] == ["purchase"]
    assert len(audited) == 1


def test_link_passes_link_whatever_on_match_says(make_app: Callable[..., App]) -> None:
    app = with_on_match(make_app, "flag", link_passes=["email"])
    [john] = add(app, {"name": "John Smith", "emails": ["john@example.com"]})
    [again] = add(app, {"name": "John Smith", "emails": ["John@Example.com"],
                        "phones": ["13700000000"]})
    assert again.link_to == john.id and count_customers(app) == 1
    [by_phone] = add(app, {"name": "Jon Smith", "phones": ["13700000000"]})
    assert by_phone.link_to is None and by_phone.duplicate_of == (john.id,)


def test_allow_stores_and_queues_nothing(make_app: Callable[..., App]) -> None:
    app = with_on_match(make_app, "allow")
    add(app, ZHANG)
    [twin] = add(app, ZHANG)
    assert twin.duplicate_of == () and pairs(app) == [] and count_customers(app) == 2


def test_check_on_create_off(make_app: Callable[..., App]) -> None:
    app = make_app(settings={"identity": {"check_on_create": False, "on_match": "block"}})
    add(app, ZHANG)
    add(app, ZHANG)
    assert count_customers(app) == 2


def write_csv(path: Path, text: str) -> Path:
    """Write a CSV file and return its path."""
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("on_match", ["flag", "block", "link"])
def test_import_checks_each_row(make_app: Callable[..., App], tmp_path: Path,
                                on_match: str) -> None:
    from guanxi.importing import import_customers

    app = with_on_match(make_app, on_match)
    [zhang] = add(app, ZHANG)
    source = write_csv(tmp_path / "people.csv",
                       "name,phone,email\n"
                       "张伟,13800138000,zw@dealer-a.cn\n"
                       "王芳,13900139000,wang@example.cn\n")
    report = import_customers(app, source, batch_size=1)
    with app.transaction() as uow:
        emails = {p.normalized for p in get_customer(uow, zhang.id).contact_points
                  if p.kind == "email"}
    if on_match == "flag":
        assert (report.stored, report.rejected, count_customers(app)) == (2, 0, 3)
        assert [(p["left_id"], p["status"]) for p in pairs(app)] == [(zhang.id, "match")]
    elif on_match == "block":
        assert (report.stored, report.rejected, count_customers(app)) == (1, 1, 2)
        reject = (tmp_path / "people.rejects.csv").read_text(encoding="utf-8")
        assert f"matches customer {zhang.id} (score" in reject and ",phone," in reject
    else:
        assert count_customers(app) == 2 and emails == {"zw@dealer-a.cn"}
    assert pairs(app) == [] or on_match == "flag"


def test_customer_add_reports_the_outcome(make_app: Callable[..., App], tmp_path: Path,
                                          database_url: str) -> None:
    from guanxi.testing import GuanxiCli

    app = with_on_match(make_app, "flag")
    [zhang] = add(app, ZHANG)
    guanxi = GuanxiCli(tmp_path, database_url)
    (tmp_path / "guanxi.toml").write_text('[identity]\non_match = "block"\n', encoding="utf-8")
    error = guanxi.fails("customer", "add", "张伟", "--phone", "13800138000")
    assert error.endswith(f"matches customer {zhang.id} (score 31.4; "
                          "family_name, given_name, phone)")
    added = guanxi("customer", "add", "张伟", "--phone", "13800138000", "--no-check").stdout
    assert added.startswith("added customer ") and "duplicate" not in added
    (tmp_path / "guanxi.toml").write_text('[identity]\non_match = "flag"\n', encoding="utf-8")
    flagged = guanxi("customer", "add", "张玮", "--phone", "13800138000").stdout
    assert f"(possible duplicate of customer {zhang.id}; queued for review)" in flagged
    (tmp_path / "guanxi.toml").write_text('[identity]\non_match = "link"\n', encoding="utf-8")
    record = guanxi.json("customer", "add", "王芳", "--email", "wf@example.cn")
    assert record["link_to"] is None
    linked = guanxi("customer", "add", "王芳", "--email", "WF@example.cn").stdout
    assert linked.startswith(f"linked to customer {record['id']} (王芳)")


def test_link_into_a_customer_the_user_cannot_see_is_a_flag(
    make_app: Callable[..., App], tmp_path: Path, database_url: str,
) -> None:
    from guanxi.testing import GuanxiCli

    app = with_on_match(make_app, "link")
    two_agents(app)
    [hidden] = add(app, {**ZHANG, "owner": "wang"})
    [mine] = add(app, {"name": "张伟", "phones": ["13800138000"], "owner": "li"}, as_user="li")
    assert mine.id != hidden.id and mine.link_to is None
    assert mine.duplicate_of == (hidden.id,)  # for the queue; the CLI does not show it
    [pair] = pairs(app)
    assert (pair["left_id"], pair["right_id"]) == (hidden.id, mine.id)
    # The command line does not name the customer either.
    (tmp_path / "guanxi.toml").write_text('[identity]\non_match = "link"\n', encoding="utf-8")
    guanxi = GuanxiCli(tmp_path, database_url)
    said = guanxi("customer", "add", "张伟", "--phone", "13800138000", as_user="li").stdout
    assert "(possible duplicate of an existing customer you cannot see;" in said
    assert guanxi.json("customer", "add", "张伟", "--phone", "13800138000",
                       as_user="li")["duplicate_of"] == []


def test_organisations_match_on_their_whole_name(app: App) -> None:
    [acme] = add(app, {"kind": "organization", "name": "Acme Trading Ltd",
                       "phones": ["02161234567"]})
    [again, person] = add(app, {"kind": "organization", "name": "ACME Trading Ltd.",
                                "phones": ["021-6123-4567"]},
                          {"name": "Acme Trading Ltd", "phones": ["02161234567"]})
    assert again.duplicate_of == (acme.id,)
    assert person.duplicate_of == ()  # a person is not the duplicate of an organisation
    [pair] = pairs(app)
    assert pair["fields"] == {"name": "agree", "phone": "agree"}
    assert set(pair["passes"]) == {"phone", "org_name", "org_prefix"}
