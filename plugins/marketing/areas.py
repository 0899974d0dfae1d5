"""The areas the marketing plugin is built from (see :mod:`guanxi.areas`).

Every area is a package (``guanxi_marketing.leads`` …) whose ``__init__`` defines the
module-level names of :class:`guanxi.areas.Area`.
"""

from __future__ import annotations

# What the standard roles may do with most marketing records (on top of their settings).
WORK = {
    "agent": ("read", "create", "update"),
    "manager": ("*",),
    "viewer": ("read",),
    "privacy_officer": ("read", "export"),
}

# In migration order: an area's tables may refer only to tables of areas before it.
AREA_NAMES = ("segments", "campaigns", "leads", "messages", "events", "loyalty", "triggers")
