"""The web console's frame: templates, rendering, login and logout, the home page.

Pages are rendered on the server with Jinja2 from the same template search path as
everything else (the edition's folder first, then the plugins', then the core's
``guanxi/web/templates``), so an edition restyles the console by shipping its own
``console/base.html`` and a plugin's page by shipping the plugin's template name.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import jinja2
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from guanxi.app import App
from guanxi.services.credentials import check_password, issue_token, revoke_token
from guanxi.services.tasks import list_tasks
from guanxi.web.context import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    ConsoleContext,
    RequestContext,
    choose_language,
    forget_token,
    guanxi_app,
)
from guanxi.web.display import labeller, local_filter, options_labeller, value_shower
from guanxi.web.registry import NavItem, WebRegistry
from guanxi.web.throttle import LoginThrottle

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def make_environment(app: App) -> jinja2.Environment:
    """The console's Jinja2 environment: edition, plugins, then the core's templates."""
    loaders: list[jinja2.BaseLoader] = [
        jinja2.FileSystemLoader(str(folder)) for folder in app.registry.template_dirs
    ]
    loaders.append(jinja2.FileSystemLoader(str(TEMPLATES)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"]),
        undefined=jinja2.StrictUndefined,
        # The template set is fixed when the server starts; checking every file's
        # mtime on every render cost ~4 % of the 360 page (three stat calls a page).
        auto_reload=False,
    )
    env.filters["local"] = local_filter(app)
    env.globals["value"] = value_shower(app)
    env.filters["money"] = lambda value: f"{value:,.2f}" if value is not None else ""
    return env


def render(
    ctx: RequestContext | None,
    template: str,
    *,
    request: Request | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a console page with the frame's context (user, menu, language, words).

    ``ctx`` is None only for pages shown before login (then pass ``request``).
    """
    request = ctx.request if ctx is not None else request
    assert request is not None
    state = request.app.state
    app: App = state.guanxi
    language = ctx.language if ctx is not None else choose_language(request, app)
    registry: WebRegistry = state.web_registry
    nav = [item for item in registry.nav if ctx is not None and ctx.can(item.permission)]
    translate = state.translate

    def t(key: str, **values: Any) -> str:
        return translate(language, key, **values)

    label = labeller(t)

    def term(key: str) -> str:
        return app.edition.term(key, language)

    frame: dict[str, Any] = {
        "ctx": ctx,
        "request": request,
        "app": app,
        "edition": app.edition,
        "nav": nav,
        "lang": language,
        "languages": app.settings_for("web").languages,
        "csrf": ctx.csrf if ctx is not None else "",
        "t": t,
        "label": label,
        "options": options_labeller(label),
        "term": term,
        "path": request.url.path,
    }
    # A page's own values win over the frame's helpers (the service queue has a "label").
    page = state.templates.get_template(template).render({**frame, **context})
    response = HTMLResponse(page, status_code=status)
    if request.query_params.get("lang") == language:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax")
    return response


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    """An error page (without the menu: the error may be that nobody is logged in)."""
    return render(None, "console/error.html", request=request, status=status,
                  status_code=status, message=message)


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a link log people in
    to somebody else's page."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    """The login form."""
    return render(None, "console/login.html", request=request, next=safe_next(next), failed=False)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password, open a session (a session token in a cookie), go on.

    An address that failed too often in a row is refused before its password is
    checked (429, with how long to wait; see :mod:`guanxi.web.throttle`).
    """
    app = guanxi_app(request)
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client is not None else ""
    wait = throttle.wait_seconds(address)
    if wait:
        refused = render(None, "console/login.html", request=request, status=429,
                         next=safe_next(next), failed=False, wait=wait, username=username)
        refused.headers["Retry-After"] = str(wait)
        return refused
    with app.transaction() as uow:
        staff = check_password(uow, username, password)
        issued = None
        if staff is not None:
            lifetime = dt.timedelta(hours=app.settings_for("web").session_hours)
            issued = issue_token(uow, staff.username, kind="session", lifetime=lifetime)
    if issued is None:
        throttle.failed(address)
        return render(None, "console/login.html", request=request, status=401,
                      next=safe_next(next), failed=True, username=username)
    throttle.succeeded(address)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        max_age=app.settings_for("web").session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(ctx: ConsoleContext) -> Response:
    """End the session: the token is revoked, not only the cookie dropped."""
    with ctx.transaction() as uow:
        revoke_token(uow, ctx.token_id)
    secret = ctx.request.cookies.get(SESSION_COOKIE, "")
    forget_token(ctx.request, secret, kind="session")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def home(ctx: ConsoleContext) -> Response:
    """The user's desk: his open tasks, nearest due first."""
    with ctx.transaction() as uow:
        tasks = list_tasks(uow, assignee=ctx.principal.staff_id, limit=20) if ctx.can(
            "task:read") else []
    return render(ctx, "console/home.html", tasks=tasks)


CORE_NAV = (NavItem("nav.home", "/", order=10),)
