"""The bulk helpers: JSON binds as ``json.dumps`` writes them, id lookups, the gc pause."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON
from sqlalchemy.dialects import postgresql, sqlite

from guanxi.app import App
from guanxi.db.bulk import bulk_bind_processor, existing_ids, gc_paused, without_gc
from guanxi.db.types import JSONType
from guanxi.models import Customer, Staff
from guanxi.services.customers import add_customers

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),  # NaN and infinities too: json.dumps writes them
        st.text(),
        st.sampled_from(["王芳", "Müller", 'a "quote"', "back\\slash", "\u2028", "\U0001f600"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None, database=None)
@given(value=JSON_VALUES)
def test_bulk_json_binds_like_the_column_type(value: Any) -> None:
    dialect = sqlite.dialect()
    fast = bulk_bind_processor(JSONType, dialect)
    full = JSONType.dialect_impl(dialect).bind_processor(dialect)
    assert fast is not None and full is not None
    assert fast(value) == full(value) == json.dumps(value)


def test_bulk_json_refuses_what_json_dumps_refuses_and_recovers() -> None:
    fast = bulk_bind_processor(JSONType, sqlite.dialect())
    circular: dict[str, Any] = {"a": 1}
    circular["self"] = circular
    with pytest.raises(ValueError, match="Circular"):
        fast(circular)
    with pytest.raises(TypeError, match="not JSON serializable"):
        fast({"when": object()})
    assert fast({"a": [1, 2.5, "x"]}) == json.dumps({"a": [1, 2.5, "x"]})


def test_bulk_json_keeps_a_custom_serializer() -> None:
    dialect = sqlite.dialect(json_serializer=lambda value: "custom")
    assert bulk_bind_processor(JSON(), dialect)({"a": 1}) == "custom"  # type: ignore[misc]
    pg = postgresql.dialect()
    fast = bulk_bind_processor(JSONType, pg)
    full = JSONType.dialect_impl(pg).bind_processor(pg)
    assert fast is not None and full is not None
    assert fast is full or fast.__qualname__ == full.__qualname__  # the column type's own


def test_existing_ids_finds_the_stored_ones(app: App) -> None:
    with app.transaction() as uow:
        stored = add_customers(uow, [{"name": f"c{i}"} for i in range(3)])
    ids = {r.id for r in stored if r.id is not None}
    customer_id = Customer.__table__.c.id  # type: ignore[attr-defined]
    with app.engine.connect() as connection:
        assert existing_ids(connection, customer_id, [*ids, 0, -5, 10**6]) == ids
        assert existing_ids(connection, customer_id, []) == set()
        assert existing_ids(connection, Staff.__table__.c.id, ids) == set()  # type: ignore[attr-defined]
        many = range(1, 12_001)  # more than one chunk elsewhere
        assert existing_ids(connection, customer_id, many) == ids


def test_gc_is_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()

    @without_gc
    def inside() -> bool:
        with gc_paused():  # nested: leaves the restart to the outer block
            pass
        return gc.isenabled()

    assert inside() is False
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # not switched on by a block that did not pause it
    finally:
        gc.enable()
