"""Settings section ``[identity]``: the edition's match rules and what a match does.

The match rules are :func:`~guanxi.identity.rules.default_rules` with the edition's
overrides on top (``rules``), so an edition that only moves a threshold does not restate
every blocking pass and comparison.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from .rules import MatchRules, default_rules

SECTION = "identity"

OnMatch = Literal["flag", "block", "link", "allow"]


class IdentitySettings(BaseModel):
    """Settings section ``[identity]``."""

    rules: dict[str, Any] = Field(
        default_factory=dict,
        description="Overrides of the default match rules: blocking, comparisons, "
        "match_threshold, review_threshold, max_block_size",
    )
    check_on_create: bool = Field(
        True, description="Check every new customer against the stored ones before storing it"
    )
    on_match: OnMatch = Field(
        "flag",
        description="What a new record that matches an existing customer does: flag (store "
        "it and queue the pair for review), block (refuse it), link (add its identities and "
        "contact points to the existing customer), allow (store it, queue nothing)",
    )
    link_passes: list[str] = Field(
        default_factory=list,
        description="Blocking passes whose matches are linked whatever on_match says "
        "(e.g. id_number, phone)",
    )
    id_number_field: str | None = Field(
        None,
        description="Custom field holding a national id or similar number, compared and "
        "blocked on as id_number",
    )
    merge_default: str = Field(
        "complete",
        description="How a merge picks each field's value: complete, newest, survivor or "
        "source:NAME (the record known to the trusted source NAME)",
    )
    merge_fields: dict[str, str] = Field(
        default_factory=dict, description="Per-field merge rules over merge_default"
    )


def match_rules(settings: IdentitySettings, default_region: str) -> MatchRules:
    """The effective match rules: the defaults, the edition's overrides, the phone region."""
    return default_rules(default_region=default_region, **settings.rules)
