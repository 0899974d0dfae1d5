"""The service plugin's HTTP side: the JSON API under ``/api/service`` and the console's
ticket queue and ticket pages (docs/plugins/service.md, "HTTP API and console").

Imported only by the ``register_routes`` hook, when the web application is built: the
command line never loads FastAPI.
"""

from __future__ import annotations

from collections.abc import Callable


def register(register_router: Callable[..., None]) -> None:
    """Register the API router, the console router with its menu entry and messages."""
    from guanxi_service.web import api, console
    from guanxi_service.web.messages import MESSAGES

    register_router(api.router)
    register_router(console.router, console=True, nav=console.NAV, messages=MESSAGES)
