"""What the console's forms share: applying a change or showing why not, reading dates
and text, reporting a bad field, going back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi.responses import RedirectResponse, Response

from guanxi.errors import ValidationError
from guanxi.web.console import safe_next
from guanxi.web.inputs import no_nul

if TYPE_CHECKING:
    from guanxi.app import UnitOfWork
    from guanxi.web.context import RequestContext


@dataclass(frozen=True)
class FormError:
    """A form that was refused: which form, which field, why (shown beside the form)."""

    form: str
    field: str
    reason: str

    @classmethod
    def of(cls, form: str, exc: ValidationError) -> FormError:
        """The error of ``form`` that ``exc`` describes."""
        return cls(form, exc.field or "", exc.reason)


def apply_form(
    ctx: RequestContext,
    form: str,
    values: dict[str, str],
    change: Callable[[UnitOfWork], object],
    *,
    done: str,
    refused: Callable[..., Response],
) -> Response:
    """Make ``change`` as the user, then go to ``done`` (post/redirect/get).

    A :class:`ValidationError` rolls the unit of work back (nothing of the change is
    stored) and answers ``refused(status=422, error=..., values=values)``: the page
    again, with the reason beside form ``form`` and the values as they were sent.
    """
    try:
        with ctx.transaction() as uow:
            change(uow)
    except ValidationError as exc:
        return refused(status=422, error=FormError.of(form, exc), values=values)
    return RedirectResponse(done, status_code=303)


def form_text(value: str, field: str) -> str:
    """A form's text as typed, refused (naming ``field``) if it holds a NUL character,
    which no database stores as text: the API's rule (:func:`guanxi.web.inputs.no_nul`)
    for text that comes in a form instead of a validated body."""
    try:
        no_nul(value)
    except ValueError as exc:
        raise ValidationError(field, str(exc)) from None
    return value


def parse_when(text: str, field: str) -> dt.datetime | None:
    """A date (``2026-05-01``) or an HTML ``datetime-local`` value; None when empty.

    The result is naive: the services read it in the edition's display time zone,
    which is what somebody typing a time into the console means.
    """
    text = text.strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(9, 0))
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, f"{text!r} is not a date (YYYY-MM-DD)") from None


def see_other(target: str | None, default: str) -> RedirectResponse:
    """Post/redirect/get: back to ``target`` when it is a page of this site."""
    return RedirectResponse(safe_next(target or default), status_code=303)
