"""``fields_validator`` checks exactly what the model checks, with the same errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, field_validator
from pydantic import ValidationError as PydanticValidationError

from guanxi.services.customers import CustomerIn
from guanxi.services.interactions import InteractionIn
from guanxi.services.validation import fields_validator, first_error

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    st.sampled_from(
        ["  ", " 王芳 ", "person", "organization", "2026-05-01", "customer", "x" * 301]
    ),
    st.dates(),
    st.datetimes(timezones=st.just(dt.UTC)),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["kind", "value", "source", "external_id", "label", "date", "x"]),
            inner,
            max_size=3,
        ),
    ),
    max_leaves=6,
)


def rows_for(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    names = [*model.model_fields, "bogus"]
    return st.dictionaries(st.sampled_from(names), VALUES, max_size=6)


def outcome_of_model(model: type[BaseModel], row: dict[str, Any]) -> Any:
    try:
        validated = model.model_validate(row)
    except PydanticValidationError as exc:
        error = first_error(exc)
        return ("error", error.field, error.reason)
    return {name: value for name, value in validated.__dict__.items() if name in row}


def outcome_of_fields(model: type[BaseModel], row: dict[str, Any]) -> Any:
    try:
        return fields_validator(model)(row)
    except PydanticValidationError as exc:
        error = first_error(exc)
        return ("error", error.field, error.reason)


@settings(max_examples=1500, deadline=None, database=None)
@given(row=rows_for(CustomerIn))
def test_customer_fields_validate_like_the_model(row: dict[str, Any]) -> None:
    assert outcome_of_fields(CustomerIn, row) == outcome_of_model(CustomerIn, row)


@settings(max_examples=500, deadline=None, database=None)
@given(row=rows_for(InteractionIn))
def test_interaction_fields_validate_like_the_model(row: dict[str, Any]) -> None:
    assert outcome_of_fields(InteractionIn, row) == outcome_of_model(InteractionIn, row)


def test_a_model_with_validators_is_refused() -> None:
    class Checked(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def upper(cls, value: str) -> str:
            return value.upper()

    with pytest.raises(TypeError, match="has validators"):
        fields_validator(Checked)
