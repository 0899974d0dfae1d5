"""The HTTP side of guanxi: the JSON API under /api and the web console.

Both are built from the same registrations: the core and every plugin add routers with
the ``register_routes`` hook, and every handler works through the acting user's unit of
work, so permissions and record policies apply on every route (docs/api.md,
docs/console.md). Imported only by ``guanxi serve`` and by code that serves HTTP; the
command line does not load the web stack.
"""

from guanxi.web.console import render
from guanxi.web.context import ApiContext, ConsoleContext, RequestContext
from guanxi.web.pages.forms import FormError, apply_form, form_text
from guanxi.web.pagination import Page, keyset, page_of
from guanxi.web.registry import NavItem
from guanxi.web.server import create_web_app

__all__ = [
    "ApiContext",
    "ConsoleContext",
    "FormError",
    "NavItem",
    "Page",
    "RequestContext",
    "apply_form",
    "create_web_app",
    "form_text",
    "keyset",
    "page_of",
    "render",
]
