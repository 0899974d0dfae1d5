"""An ASGI application factory for servers that import it by name.

``uvicorn guanxi.web.asgi:application --factory`` (what ``guanxi serve --workers N``
runs) builds the application in each worker from ``GUANXI_PROJECT_DIR`` (default: the
current folder) and the usual ``GUANXI_*`` settings variables.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from guanxi.app import create_app
from guanxi.web.server import create_web_app

PROJECT_VARIABLE = "GUANXI_PROJECT_DIR"


def application() -> FastAPI:
    """The web application of the project in ``GUANXI_PROJECT_DIR``."""
    return create_web_app(create_app(os.environ.get(PROJECT_VARIABLE, ".")))
