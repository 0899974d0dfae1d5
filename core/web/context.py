"""Who is asking, in which language: the request context route handlers receive.

API requests authenticate with ``Authorization: Bearer <token>``; console requests with
the session cookie a login set. Either way the handler gets a :class:`RequestContext`
whose :meth:`~RequestContext.transaction` acts as that staff user, so his permissions
and record policies apply to everything the handler reads or writes.

Checking a token costs a few queries (token, staff user, roles, teams). The result is
reused for ``web.auth_cache_seconds`` (5 s by default), so a busy client pays it once
every few seconds; a revoked token or a removed role takes effect within that time, and
a console logout at once.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from guanxi.access.principal import Principal, load_principal
from guanxi.errors import AccessDenied, ValidationError
from guanxi.services.credentials import find_token, token_hash, touch_token
from guanxi.web.errors import LoginRequired, NotAuthenticated

if TYPE_CHECKING:
    from guanxi.app import App, UnitOfWork

SESSION_COOKIE = "guanxi_session"
LANGUAGE_COOKIE = "guanxi_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SAFE_METHODS = {"GET", "HEAD"}
# Touch last_used_at at most this often per token: a write per request would serialise
# every reader behind SQLite's single writer.
LAST_USED_EVERY = 60.0


@dataclass(frozen=True)
class Authenticated:
    """A checked token: whose it is and what he may do."""

    principal: Principal
    token_id: int
    display_name: str
    read_only: bool = False


class AuthCache:
    """Checked tokens by hash for a few seconds (thread-safe; handlers run in threads)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Authenticated]] = {}
        self._touched: dict[int, float] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Authenticated | None:
        """The cached result for a token, unless it has run out."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: str, value: Authenticated, ttl: float) -> None:
        """Keep a checked token's result for ``ttl`` seconds (0: not at all)."""
        if ttl <= 0:
            return
        with self._lock:
            if len(self._entries) > 10_000:  # many short sessions: start again
                self._entries.clear()
            self._entries[key] = (time.monotonic() + ttl, value)

    def forget(self, key: str) -> None:
        """Drop a token's result (it was revoked here)."""
        with self._lock:
            self._entries.pop(key, None)

    def due_touch(self, token_id: int) -> bool:
        """Whether ``last_used_at`` of a token should be written now."""
        now = time.monotonic()
        with self._lock:
            if now - self._touched.get(token_id, -LAST_USED_EVERY) < LAST_USED_EVERY:
                return False
            self._touched[token_id] = now
            return True


def guanxi_app(request: Request) -> App:
    """The guanxi application the web application serves."""
    app: App = request.app.state.guanxi
    return app


def _auth_cache(request: Request) -> AuthCache:
    cache: AuthCache = request.app.state.auth_cache
    return cache


def authenticate(app: App, cache: AuthCache, secret: str, *, kind: str) -> Authenticated | None:
    """The user a token belongs to (None when it is unknown, expired or revoked)."""
    key = f"{kind}:{token_hash(secret)}"
    known = cache.get(key)
    if known is not None:
        return known
    with app.transaction(read_only=True) as uow:
        found = find_token(uow, secret, kind=kind)
        if found is None:
            return None
        token, staff = found
        try:
            principal = load_principal(app, uow.session, staff.username)
        except AccessDenied:
            return None
        assert token.id is not None
        if token.read_only:
            principal = principal.reading_only()
        result = Authenticated(principal, token.id, staff.display_name, token.read_only)
    if cache.due_touch(result.token_id):
        touch_token(app, result.token_id)
    cache.put(key, result, app.settings_for("web").auth_cache_seconds)
    return result


async def _authenticated(request: Request, secret: str, *, kind: str) -> Authenticated | None:
    """:func:`authenticate` for a request: a cached token is answered on the event loop,
    only a lookup in the database goes to the thread pool (a hop costs a thread switch
    and, under load, a wait for a free thread)."""
    cache = _auth_cache(request)
    known = cache.get(f"{kind}:{token_hash(secret)}")
    if known is not None:
        return known
    return await run_in_threadpool(authenticate, guanxi_app(request), cache, secret, kind=kind)


def forget_token(request: Request, secret: str, *, kind: str) -> None:
    """Drop a token from the cache at once (a logout)."""
    _auth_cache(request).forget(f"{kind}:{token_hash(secret)}")


def choose_language(request: Request, app: App) -> str:
    """``?lang=``, the language cookie, the browser's Accept-Language, then core.language."""
    offered = app.settings_for("web").languages
    for wanted in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if wanted is not None and wanted in offered:
            return wanted
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in offered:
            return code
    default = app.settings.language
    return default if default in offered else offered[0]


def csrf_token(session_secret: str) -> str:
    """The form token that proves a console POST came from a page of this session."""
    return hashlib.sha256(f"csrf|{session_secret}".encode()).hexdigest()[:32]


@dataclass
class RequestContext:
    """What a route handler needs: the app, the acting user and the language."""

    request: Request
    app: App
    principal: Principal
    display_name: str
    language: str
    token_id: int
    csrf: str = ""
    # A read-only API token (its principal holds only read permissions); not to be
    # confused with a read-only unit of work, which ``transaction()`` picks per method.
    read_only_token: bool = False

    def transaction(self, *, read_only: bool | None = None) -> AbstractContextManager[UnitOfWork]:
        """A unit of work acting as the authenticated user.

        Read-only unless said otherwise for GET and HEAD requests, which HTTP calls
        safe: they never wait for SQLite's write lock, and a write in one is refused.
        """
        if read_only is None:
            read_only = self.request.method in SAFE_METHODS
        return self.app.transaction(principal=self.principal, read_only=read_only)

    def can(self, permission: str | None) -> bool:
        """Whether the user holds ``entity:action`` (None: anyone)."""
        if permission is None:
            return True
        entity, _, action = permission.partition(":")
        return self.principal.can(entity, action)

    def t(self, key: str, **values: Any) -> str:
        """The message ``key`` in the request's language, formatted with ``values``."""
        translate: Callable[..., str] = self.request.app.state.translate
        return translate(self.language, key, **values)


_bearer = HTTPBearer(auto_error=False, description="An API token: guanxi token create USER")


async def api_context(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> RequestContext:
    """Authenticate an API request by its bearer token (401 without a valid one)."""
    app = guanxi_app(request)
    if credentials is None:
        raise NotAuthenticated("an API token is required (Authorization: Bearer <token>)")
    found = await _authenticated(request, credentials.credentials, kind="api")
    if found is None:
        raise NotAuthenticated("the API token is unknown, expired or revoked")
    if found.read_only and request.method in UNSAFE_METHODS:
        # Its principal holds no write permission either; this says why in one line
        # before any body is read.
        raise AccessDenied(f"this API token is read-only: {request.method} is not allowed")
    return RequestContext(
        request, app, found.principal, found.display_name, choose_language(request, app),
        found.token_id, read_only_token=found.read_only,
    )


async def console_context(request: Request) -> RequestContext:
    """Authenticate a console request by its session cookie (else: to the login page).

    A POST must carry the session's CSRF token (form field ``csrf`` or header
    ``X-CSRF-Token``): the cookie alone does not prove the page was ours.
    """
    app = guanxi_app(request)
    secret = request.cookies.get(SESSION_COOKIE)
    found = None
    if secret:
        found = await _authenticated(request, secret, kind="session")
    if found is None or secret is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target if request.method == "GET" else "/")
    expected = csrf_token(secret)
    if request.method in UNSAFE_METHODS:
        given = request.headers.get(CSRF_HEADER)
        if given is None:
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
        if given is None or not hmac.compare_digest(given, expected):
            raise ValidationError(CSRF_FIELD, "the form has expired; reload the page")
    return RequestContext(
        request, app, found.principal, found.display_name, choose_language(request, app),
        found.token_id, expected,
    )


ApiContext = Annotated[RequestContext, Depends(api_context)]
ConsoleContext = Annotated[RequestContext, Depends(console_context)]
