"""Turning pydantic's errors into guanxi's one-line, field-naming errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, NotRequired, Required

from pydantic import BaseModel, ConfigDict, TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from typing_extensions import TypedDict

from guanxi.errors import ValidationError

if TYPE_CHECKING:
    from guanxi.app import App


def first_error(exc: PydanticValidationError, prefix: str = "") -> ValidationError:
    """The first problem pydantic found, as a :class:`ValidationError` naming its field."""
    error = exc.errors()[0]
    location = ".".join(str(part) for part in error["loc"])
    field = f"{prefix}.{location}" if prefix and location else (prefix or location or None)
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown field"
    elif error["type"] == "missing":
        message = "is required"
    return ValidationError(field, message)


def validate_model(model: type[BaseModel], data: Any, *, prefix: str = "") -> BaseModel:
    """Validate ``data`` against ``model``; a failure names the field under ``prefix``."""
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise first_error(exc, prefix) from None


def validate_custom(app: App, custom: dict[str, Any]) -> dict[str, Any]:
    """Validate custom fields against every registered declaration; JSON-ready result.

    Unknown names are refused (a typo must not create a new field silently); only the
    fields that were given are kept, so a partial update does not blank the others.
    """
    if not custom:
        return {}
    model = validate_model(app.custom_fields_model, custom, prefix="custom")
    return model.model_dump(mode="json", include=set(custom))


def fields_validator(model: type[BaseModel]) -> Callable[[Any], dict[str, Any]]:
    """Validate a mapping against ``model``'s fields without building the model.

    The same annotations, constraints and configuration, hence the same checks and the
    same errors, through a ``TypedDict`` of the fields: no model instance is made and no
    default is filled in, which halves the cost for a model of many optional fields.
    The result holds only the fields that were given; the caller reads the others with
    the model's defaults. (Nested models are still built as models.) A model with
    validators of its own is refused: those would not run.
    """
    decorators = model.__pydantic_decorators__
    if decorators.field_validators or decorators.model_validators or decorators.validators:
        raise TypeError(f"{model.__name__} has validators; validate it as a model")
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation: Any = info.annotation
        if info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]
        fields[name] = Required[annotation] if info.is_required() else NotRequired[annotation]
    make_typed_dict: Any = TypedDict  # a runtime-built TypedDict; mypy wants a literal
    shape = make_typed_dict(f"{model.__name__}Fields", fields)
    shape.__pydantic_config__ = ConfigDict(**model.model_config)
    adapter: TypeAdapter[Any] = TypeAdapter(shape)
    # The core validator itself, without TypeAdapter.validate_python's Python wrapper.
    validate: Callable[[Any], dict[str, Any]] = adapter.validator.validate_python
    return validate
