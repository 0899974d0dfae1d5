"""Turning pydantic's errors into guanxi's one-line, field-naming errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

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
