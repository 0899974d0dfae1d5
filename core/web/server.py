"""Build the web application (FastAPI) for a guanxi application."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
import jinja2
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import configure_mappers

from guanxi import __version__
from guanxi.app import App
from guanxi.web.console import STATIC, make_environment, render_error
from guanxi.web.context import AuthCache
from guanxi.web.errors import install_error_handlers
from guanxi.web.messages import Translator
from guanxi.web.registry import WebRegistry
from guanxi.web.throttle import LoginThrottle

API_DESCRIPTION = """The guanxi CRM API. Authenticate with an API token of a staff user
(`guanxi token create USER`) sent as `Authorization: Bearer <token>`. Every route acts as
that user: his roles' permissions and record policies apply, and a record he may not see
answers 404. Listings page with `limit` and the `after` cursor of the previous page's
`next`. Errors are `{"error": {"status", "code", "message", "field"}}`."""


def collect_routes(app: App) -> WebRegistry:
    """Call every plugin's ``register_routes`` in load order (the core's first)."""
    registry = WebRegistry()
    # get_hookimpls() lists implementations in registration (= load) order.
    for impl in app.hook.register_routes.get_hookimpls():
        impl.function(register=registry.registrar(impl.plugin_name))
    return registry


@asynccontextmanager
async def lifespan(web: FastAPI) -> AsyncIterator[None]:
    """Size the handler thread pool and freeze the start-up heap when the server starts."""
    # Handlers run in anyio's thread pool, 40 threads by default. Under the GIL, threads
    # beyond a couple add no speed, only switching: at 50 clients on the 360 view eight
    # threads cost 10.3 ms of CPU a request where two cost 7.6 (docs/benchmarks.md).
    # More speed comes from more worker processes (web.workers).
    threads = web.state.guanxi.settings_for("web").threads
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads
    # Everything built so far (modules, plugins, routes, templates, mappers) lives as
    # long as the server. Left to the collector, its oldest generation walks those
    # hundreds of thousands of objects every so often and stalls every request in
    # flight for 50-250 ms at a time: that pause was the 360 view's p99. Frozen objects
    # are never scanned again (the CPython docs' recommended use of gc.freeze).
    build_lazy_state(web)
    gc.collect()
    gc.freeze()
    yield


def build_lazy_state(web: FastAPI) -> None:
    """Build now what the first requests would otherwise build, so that it is frozen
    with the rest: the ORM's mapper configuration and every console template, compiled.

    Built later, they stay in the collector's oldest generation, which is walked every
    few seconds under load: with them (about 25,000 objects) a full collection took
    ~26 ms, a stall of every request in flight (decision 22).
    """
    configure_mappers()
    templates: jinja2.Environment = web.state.templates
    for name in templates.list_templates(filter_func=lambda name: name.endswith(".html")):
        templates.get_template(name)


def create_web_app(app: App) -> FastAPI:
    """The ASGI application serving ``app``'s API under /api and its console at /."""
    registry = collect_routes(app)
    web = FastAPI(
        title=f"guanxi · {app.edition.name}",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    web.state.guanxi = app
    web.state.web_registry = registry
    web.state.auth_cache = AuthCache()
    web_settings = app.settings_for("web")
    web.state.login_throttle = LoginThrottle(
        web_settings.login_failures_allowed, web_settings.login_cooldown_seconds
    )
    web.state.translate = Translator(registry.messages)
    web.state.templates = make_environment(app)
    install_error_handlers(web, render_error)
    for route in registry.routes:
        if route.console:
            web.include_router(route.router)
        else:
            web.include_router(route.router, prefix="/api")
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    return web
