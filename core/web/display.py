"""How the console shows values and labels: the template helpers ``value`` and ``label``.

They are Python, not Jinja macros, because the 360 page calls them a few hundred times
(every timeline entry, every option of the kind and channel lists): as macros they were
the largest part of rendering it (decision 20).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

from guanxi.app import App

NOTHING = Markup('<span class="muted">—</span>')
LOCAL_FORMAT = "%Y-%m-%d %H:%M"


def local_filter(app: App) -> Callable[..., Any]:
    """The ``local`` filter: an aware time in the application's time zone."""

    def local(value: Any, fmt: str = LOCAL_FORMAT) -> Any:
        if isinstance(value, dt.datetime):
            return app.local_time(value).strftime(fmt)
        return value or ""

    return local


def value_shower(app: App) -> Callable[[Any], Markup]:
    """The ``value`` helper: any stored value as escaped text for a table cell.

    None is a muted dash, a time is shown in local time, a mapping as ``key: value``
    pairs and a list joined by commas.
    """
    local = local_filter(app)

    def value(v: Any) -> Markup:
        if v is None:
            return NOTHING
        if isinstance(v, dt.datetime):
            return escape(local(v))
        if isinstance(v, Mapping):
            return Markup(", ").join(Markup("{}: {}").format(k, x) for k, x in v.items())
        if isinstance(v, Iterable) and not isinstance(v, str):
            return Markup(", ").join(escape(x) for x in v)
        return escape(v)

    return value


def labeller(t: Callable[..., str]) -> Callable[[str, str], str]:
    """The ``label`` helper: the translation of ``prefix + key``, or ``key`` if none."""

    def label(prefix: str, key: str) -> str:
        text = t(prefix + key)
        return key if text == prefix + key else text

    return label


def options_labeller(
    label: Callable[[str, str], str],
) -> Callable[[str, Iterable[str]], list[tuple[str, str]]]:
    """The ``options`` helper: ``(key, label)`` pairs for a ``<select>``, in one call
    (a Jinja call per option costs more than the option's label)."""

    def options(prefix: str, keys: Iterable[str]) -> list[tuple[str, str]]:
        return [(key, label(prefix, key)) for key in keys]

    return options
