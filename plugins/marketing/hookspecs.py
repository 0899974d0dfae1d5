"""Hooks the marketing plugin offers to other plugins (added through ``Plugin.hookspecs``).

A plugin that implements one of these must mark the implementation
``@hookimpl(optionalhook=True)``: when marketing is not enabled the hook does not exist,
and the loader would otherwise reject the implementation as misspelt.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("guanxi")


@hookspec
def marketing_lead_converted(uow: Any, lead: dict[str, Any], customer_id: int) -> Any:
    """A qualified lead became (or was matched to) customer ``customer_id``.

    ``lead`` holds the lead's fields as plain values (``id``, ``name``, ``company``,
    ``email``, ``phone``, ``source``, ``campaign_id``, ``owner_id``, ``score``,
    ``estimated_value``, ``interest`` …). Called inside the converting transaction
    ``uow``; an error undoes the whole conversion. Return a small dict naming what was
    created, e.g. ``{"opportunity_id": 17}`` (the sales plugin opens an opportunity), or
    ``None``. The results are stored on the lead as ``conversion``.
    """
