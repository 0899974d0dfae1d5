"""Stored match keys: written on create, replaced on update, gone on erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from guanxi.app import App
from guanxi.identity.keys import keys_for, rebuild_all, refresh_keys, rules_for_kind
from guanxi.identity.rules import default_rules
from guanxi.models.identity import MatchKey
from guanxi.services.customers import add_customers

_KEYS = MatchKey.__table__  # type: ignore[attr-defined]


def stored_keys(app: App) -> set[tuple[str, int]]:
    """Every stored (key, customer id)."""
    with app.transaction() as uow:
        rows = uow.session.connection().execute(select(_KEYS.c.key, _KEYS.c.customer_id))
        return {(key, cid) for key, cid in rows}


def add(app: App, *rows: dict[str, Any]) -> list[int]:
    """Store customers (without the duplicate check) and return their ids."""
    with app.transaction() as uow:
        return [r.id for r in add_customers(uow, list(rows), check=False)]  # type: ignore[misc]


def test_keys_for_persons_and_organisations() -> None:
    rules = default_rules()
    records = [
        {"id": 1, "kind": "person", "name": "张伟", "birth_date": "1980-01-02",
         "phone": "+8613800000000"},
        {"id": 2, "kind": "organization", "name": "Acme Trading Ltd", "email": "a@acme.cn"},
    ]
    keys = keys_for(records, rules)
    assert ("birth_date:19800102", 1) in keys
    assert ("cjk_family_year:张\x1f1980", 1) in keys
    # Phone and email are found through the contact-point index, not stored keys.
    assert not [k for k, _ in keys if k.startswith(("phone:", "email:", "cjk_family_phone:"))]
    # An organisation's name is keyed whole, never split into family and given name.
    assert {k for k, i in keys if i == 2} == {"org_name:acme trading ltd", "org_prefix:acm"}
    org_rules = rules_for_kind(rules, "organization")
    assert "family_name" not in org_rules.fields()


def test_refresh_and_rebuild(app: App) -> None:
    first, second = add(app, {"name": "John Smith", "birth_date": "1970-05-06"},
                        {"kind": "organization", "name": "Acme Ltd"})
    with app.transaction() as uow:
        uow.session.connection().execute(_KEYS.delete())
        refresh_keys(uow, [first])
    assert {k for k, i in stored_keys(app)} == {"birth_date:19700506", "surname_sound:S530\x1fj"}
    with app.transaction() as uow:
        assert rebuild_all(uow, batch_size=1) == 4
    assert ("org_name:acme ltd", second) in stored_keys(app)


def test_keys_follow_create_update_and_erasure(app: App) -> None:
    from guanxi.privacy import erase_customer
    from guanxi.services.updates import update_customer

    with app.transaction() as uow:  # the check on: its keys are the ones written
        [record] = add_customers(uow, [{"name": "张伟", "birth_date": "1980-03-04"}])
    zhang = record.id
    assert zhang is not None
    assert {k for k, i in stored_keys(app) if i == zhang} == {
        "birth_date:19800304", "surname_sound:张\x1f伟", "cjk_family_year:张\x1f1980"}
    with app.transaction() as uow:
        update_customer(uow, zhang, {"name": "李伟", "birth_date": None})
    assert {k for k, i in stored_keys(app) if i == zhang} == {"surname_sound:李\x1f伟"}
    with app.transaction() as uow:
        erase_customer(uow, zhang, reason="data subject request")
    assert stored_keys(app) == set()


def test_dedupe_index_rebuilds_the_keys(app: App, tmp_path: Any, database_url: str) -> None:
    import guanxi.cli.dedupe_index  # adds the command to the group (until dedupe.py does)
    from guanxi.testing import GuanxiCli

    add(app, {"name": "John Smith", "birth_date": "1970-05-06"},
        {"kind": "organization", "name": "Acme Ltd"})
    before = stored_keys(app)
    with app.transaction() as uow:
        uow.session.connection().execute(_KEYS.delete())
    guanxi = GuanxiCli(tmp_path, database_url)
    assert guanxi.json("dedupe", "index")["keys"] == len(before) == 4
    assert stored_keys(app) == before
    assert guanxi("dedupe", "index").stdout.startswith("rebuilt the match keys: 4 keys in ")
    refused = guanxi("dedupe", "index", "--batch", "0", ok=False)
    assert refused.exit_code == 2 and "'--batch': 0 is not in the range" in refused.stderr
