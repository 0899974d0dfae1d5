"""Errors as answers: JSON under /api, an HTML page in the console.

Every error names what was wrong, the same way the command line does (one line naming
the field), and none reveals more than the caller may know: a record the user may not
see is "not found" (404), never "forbidden", so ids cannot be probed for existence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from guanxi.errors import (
    AccessDenied,
    AmbiguousReferenceError,
    BatchValidationError,
    GuanxiError,
    NotFoundError,
    ValidationError,
    first_line,
)


class NotAuthenticated(GuanxiError):
    """No valid credentials came with the request (401)."""


class LoginRequired(GuanxiError):
    """A console page was asked for without a live session: go to the login page."""

    def __init__(self, next_path: str):
        self.next_path = next_path
        super().__init__("login required")


def error_body(status: int, code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The JSON error document every API error has."""
    error: dict[str, Any] = {"status": status, "code": code, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}


def classify(exc: Exception) -> tuple[int, str, str | None, str]:
    """(status, code, field, message) of an error raised while answering."""
    if isinstance(exc, NotAuthenticated):
        return 401, "not_authenticated", None, str(exc)
    if isinstance(exc, NotFoundError):
        return 404, "not_found", None, str(exc)
    if isinstance(exc, AccessDenied):
        return 403, "forbidden", None, str(exc)
    if isinstance(exc, ValidationError):
        return 422, "invalid", exc.field, exc.reason
    if isinstance(exc, BatchValidationError):
        first = exc.errors[0]
        return 422, "invalid", first.field, str(exc)
    if isinstance(exc, AmbiguousReferenceError):
        return 409, "ambiguous", None, str(exc)
    if isinstance(exc, GuanxiError):
        return 400, "rejected", None, str(exc)
    return 500, "internal", None, "internal error"


def _field_of(location: Sequence[Any]) -> str:
    """``body.payload.outcome`` → ``payload.outcome``; ``query.limit`` → ``limit``."""
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def is_api(request: Request) -> bool:
    """Whether the request is for the JSON API (errors as JSON) or the console."""
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def install_error_handlers(web: FastAPI, render_error: Any) -> None:
    """Answer errors as JSON on /api and through ``render_error`` in the console."""

    def answer(request: Request, status: int, code: str, field: str | None, message: str,
               headers: Mapping[str, str] | None = None) -> Response:
        if is_api(request):
            return JSONResponse(
                error_body(status, code, message, field), status, dict(headers or {})
            )
        return render_error(request, status, message if not field else f"{field}: {message}")

    @web.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    @web.exception_handler(GuanxiError)
    async def guanxi_error(request: Request, exc: GuanxiError) -> Response:
        status, code, field, message = classify(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return answer(request, status, code, field, message, headers)

    @web.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = exc.errors()
        first = problems[0] if problems else {"loc": (), "msg": "invalid request"}
        field = _field_of(first.get("loc", ()))
        message = str(first.get("msg", "invalid"))
        if first.get("type") == "json_invalid":
            return answer(request, 400, "malformed", None, "the body is not valid JSON")
        if first.get("type") == "extra_forbidden":
            message = "unknown field"
        return answer(request, 422, "invalid", field, message)

    @web.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return answer(request, exc.status_code, code, None, str(exc.detail), exc.headers)

    @web.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, exc: SQLAlchemyError) -> Response:
        if isinstance(exc, DataError):  # a value the database cannot hold (a NUL in text)
            return answer(request, 422, "invalid", None, f"invalid value: {first_line(exc)}")
        if isinstance(exc, IntegrityError):  # two writers raced for the same unique value
            return answer(request, 409, "conflict", None, f"conflict: {first_line(exc)}")
        return answer(request, 503, "database", None, f"database error: {first_line(exc)}")
