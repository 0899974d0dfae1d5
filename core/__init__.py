"""guanxi (关系): a plugin-based CRM framework.

The public surface for plugin authors is small: :data:`hookimpl` to implement hooks,
:class:`Plugin` to describe a plugin, :func:`create_app` to build an application, and
the service functions in :mod:`guanxi.services`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from guanxi.hookspecs import hookimpl, hookspec
from guanxi.plugins import Plugin

if TYPE_CHECKING:
    from guanxi.app import App


def create_app(*args: Any, **kwargs: Any) -> App:
    """Build an application; see :func:`guanxi.app.create_app`."""
    from guanxi.app import create_app as _create_app

    return _create_app(*args, **kwargs)


__all__ = ["Plugin", "__version__", "create_app", "hookimpl", "hookspec"]
