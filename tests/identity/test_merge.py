"""Merging customers in the core: field rules, refusals, undo details, redirects, erasure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from guanxi.app import App
from guanxi.errors import GuanxiError, NotFoundError, ValidationError
from guanxi.identity.merge import merge_customers, preview_merge, undo_merge
from guanxi.privacy import erase_customer, place_hold
from guanxi.services.customers import add_customers
from guanxi.services.lookup import get_customer, resolve_customer
from guanxi.services.updates import update_customer
from guanxi.testing import GuanxiCli
from tests.identity.merge_support import diff, dump


def _two(app: App, first: dict, second: dict) -> tuple[int, int]:  # type: ignore[type-arg]
    with app.transaction() as uow:
        a, b = add_customers(uow, [{"name": "王芳", **first}, {"name": "王芳", **second}],
                             )
    assert a.id is not None and b.id is not None
    return a.id, b.id


def _kept(app: App, survivor: int, merged: list[int], **kw: object) -> dict[str, object]:
    with app.transaction() as uow:
        preview = preview_merge(uow, survivor, merged, **kw)  # type: ignore[arg-type]
    return {c.field: (c.value, c.source_id, c.rule) for c in preview.fields}


def test_complete_takes_the_most_detailed_value(app: App) -> None:
    a, b = _two(app, {"occupation": "teacher"}, {"occupation": "primary school teacher"})
    assert _kept(app, a, [b])["occupation"] == ("primary school teacher", b, "complete")


def test_survivor_keeps_its_own_value_and_fills_blanks(app: App) -> None:
    a, b = _two(app, {"occupation": "nurse"}, {"occupation": "head nurse", "gender": "F"})
    kept = _kept(app, a, [b], prefer="survivor")
    assert kept["occupation"] == ("nurse", a, "survivor")
    assert kept["gender"] == ("F", b, "survivor")


def test_newest_takes_the_record_updated_last(app: App) -> None:
    a, b = _two(app, {"occupation": "engineer"}, {"occupation": "dev"})
    with app.transaction(now=app.now().replace(year=2099)) as uow:
        update_customer(uow, b, {"language": "zh"})
    assert _kept(app, a, [b], prefer="newest")["occupation"] == ("dev", b, "newest")


def test_source_trusts_the_record_known_to_that_system(make_app: Callable[..., App]) -> None:
    app = make_app(settings={"identity": {"merge_fields": {"birth_date": "source:HIS"}}})
    a, b = _two(app, {"birth_date": "1980-01-01"},
                {"birth_date": "1980-10-01", "identities": [{"source": "HIS", "external_id": "7"}]})
    value, source, rule = _kept(app, a, [b])["birth_date"]
    assert (str(value), source, rule) == ("1980-10-01", b, "source:HIS")


def test_take_names_the_record_per_field(app: App) -> None:
    a, b = _two(app, {"occupation": "teacher"}, {"occupation": "primary school teacher"})
    assert _kept(app, a, [b], take={"occupation": a})["occupation"] == ("teacher", a, "take")


def test_preview_changes_nothing(app: App) -> None:
    a, b = _two(app, {"emails": ["a@example.cn"]}, {"emails": ["b@example.cn"]})
    before = dump(app)
    with app.transaction() as uow:
        preview = preview_merge(uow, a, [b])
    assert preview.rows["contact_point"] == {"moved": 1, "dropped": 0}
    assert diff(before, dump(app)) == {}


@pytest.mark.parametrize("case", ["itself", "missing", "kinds", "hold", "erased",
                                  "take_field", "take_record", "prefer"])
def test_refusals_change_nothing(app: App, case: str) -> None:
    a, b = _two(app, {}, {})
    with app.transaction() as uow:
        org = add_customers(uow, [{"name": "华为", "kind": "organization"}])[0].id
    others: list[int] = [b]
    kw: dict[str, object] = {}
    if case == "itself":
        others = [a]
    elif case == "missing":
        others = [999]
    elif case == "kinds":
        others = [org]  # type: ignore[list-item]
    elif case == "hold":
        with app.transaction() as uow:
            place_hold(uow, b, reason="court order")
    elif case == "erased":
        with app.transaction() as uow:
            erase_customer(uow, b, reason="asked")
    elif case == "take_field":
        kw["take"] = {"colour": a}
    elif case == "take_record":
        kw["take"] = {"occupation": 12345}
    elif case == "prefer":
        kw["prefer"] = "loudest"
    before = dump(app)
    with pytest.raises(GuanxiError) as caught, app.transaction() as uow:
        merge_customers(uow, a, others, **kw)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)
    assert diff(before, dump(app)) == {}


def test_a_later_edit_survives_undo_and_is_reported(app: App) -> None:
    a, b = _two(app, {}, {"occupation": "teacher", "language": "zh"})
    with app.transaction() as uow:
        merge = merge_customers(uow, a, [b])
    with app.transaction() as uow:
        update_customer(uow, a, {"occupation": "principal"})
    with app.transaction() as uow:
        undone = undo_merge(uow, merge.id)
        record = get_customer(uow, a)
    assert undone.journal["undo"]["kept_fields"] == ["occupation"]
    assert record.occupation == "principal" and record.language is None


def test_undo_twice_and_out_of_order_are_refused(app: App) -> None:
    a, b = _two(app, {}, {})
    with app.transaction() as uow:
        c = add_customers(uow, [{"name": "王芳"}])[0].id
        first = merge_customers(uow, a, [b])
        second = merge_customers(uow, a, [c])  # type: ignore[list-item]
    with (pytest.raises(ValidationError, match=f"undo merge {second.id} first"),
          app.transaction() as uow):
        undo_merge(uow, first.id)
    with app.transaction() as uow:
        undo_merge(uow, second.id)
        undo_merge(uow, first.id)
    with pytest.raises(ValidationError, match="already undone"), app.transaction() as uow:
        undo_merge(uow, first.id)


def test_a_retired_id_resolves_to_its_survivor(app: App) -> None:
    a, b = _two(app, {}, {})
    with app.transaction() as uow:
        merge_customers(uow, a, [b])
    with app.transaction() as uow:
        assert resolve_customer(uow, str(b)) == a
        with pytest.raises(NotFoundError, match=f"merged into {a}"):
            preview_merge(uow, a, [b])


def test_erasure_scrubs_the_journal_and_undo_says_why(app: App) -> None:
    a, b = _two(app, {}, {"occupation": "teacher"})
    with app.transaction() as uow:
        merge = merge_customers(uow, a, [b])
    with app.transaction() as uow:
        erase_customer(uow, a, reason="asked")
    with app.transaction() as uow, pytest.raises(ValidationError, match="journal was erased"):
        undo_merge(uow, merge.id)


def test_cli_preview_merge_history_undo(app: App, tmp_path: Path) -> None:
    a, b = _two(app, {"occupation": "teacher"}, {"occupation": "primary school teacher"})
    guanxi = GuanxiCli(tmp_path, app.settings.database_url)
    guanxi("db", "upgrade")  # the installed plugins' tables too (the CLI loads them)
    shown = guanxi("dedupe", "merge", str(a), str(b))
    assert "primary school teacher" in shown.stdout and "add --yes" in shown.stderr
    assert guanxi.json("dedupe", "merges") == []
    done = guanxi.json("dedupe", "merge", str(a), str(b), "--yes", "--reason", "dup")
    assert done["merged_ids"] == [b]
    assert guanxi.json("dedupe", "merges", "--customer", str(b))[0]["reason"] == "dup"
    assert "restored" in guanxi("dedupe", "undo", str(done["id"])).stdout
    assert "already undone" in guanxi.fails("dedupe", "undo", str(done["id"]))
    assert "--take" in guanxi.fails("dedupe", "merge", str(a), str(b), "--take", "x")
