"""The small lookups the plugins share: id slices, active staff, usernames, names."""

from __future__ import annotations

import pytest

from guanxi.app import App
from guanxi.db.chunks import chunks
from guanxi.errors import ValidationError
from guanxi.services.customers import add_customer
from guanxi.services.lookup import customer_names
from guanxi.services.staff import active_staff, add_staff, grant_role, usernames


def test_chunks_cover_the_values_in_order_without_overlap() -> None:
    values = list(range(2000))
    slices = list(chunks(values))
    assert [len(s) for s in slices] == [900, 900, 200]
    assert [v for s in slices for v in s] == values
    assert list(chunks([], 3)) == []


def test_active_staff_names_the_field_for_unknown_and_inactive_users(app: App) -> None:
    with app.transaction() as uow:
        wang = add_staff(uow, username="wang", display_name="王芳")
        gone = add_staff(uow, username="gone", display_name="离职")
        gone.is_active = False
        assert active_staff(uow, "wang").id == wang.id
        assert active_staff(uow, wang.id).username == "wang"  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="agent.*nobody"):
            active_staff(uow, "nobody", "agent")
        with pytest.raises(ValidationError, match="owner.*'gone' is not active"):
            active_staff(uow, "gone")
        assert usernames(uow, [wang.id, None, 999]) == {wang.id: "wang"}


def test_customer_names_follow_the_record_policies(app: App) -> None:
    with app.transaction() as uow:
        add_staff(uow, username="wang", display_name="王芳")
        add_staff(uow, username="li", display_name="李强")
        grant_role(uow, staff="wang", role="viewer")
        mine = add_customer(uow, name="张三", owner="wang").id
        theirs = add_customer(uow, name="李四", owner="li").id
    with app.transaction(as_user="wang") as uow:
        assert customer_names(uow, [mine, theirs, None]) == {mine: "张三"}
    with app.transaction() as uow:
        assert customer_names(uow, [mine, theirs]) == {mine: "张三", theirs: "李四"}
