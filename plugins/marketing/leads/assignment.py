"""Assignment: every lead has at most one owner, and nobody grabs a lead.

An owner is set by an explicit action of an assigner (a manager, an admin: the roles in
``LeadSettings.assigners``) or by the configured rule (round robin over a team, or by
source). An agent cannot take a lead, nor work one that belongs to someone else.

The owner is one column, so a lead cannot have two owners; what concurrency can do is
let one assignment silently overwrite another made a moment earlier. The lead's row is
therefore locked while it is assigned, and an assignment that names the owner it
expects to replace (``expected_owner``) is refused if someone else changed it meanwhile.
"""

from __future__ import annotations

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.services.staff import active_staff, get_staff, team_members
from guanxi_marketing.leads.common import (
    get_lead,
    lead_settings,
    require_assigner,
    require_open,
    username,
)
from guanxi_marketing.leads.models import Lead

UNCHANGED = object()  # "no expectation" for assign_lead's expected_owner


def _round_robin(uow: UnitOfWork, team: str) -> int | None:
    """The active member of ``team`` after the one who got the team's latest lead."""
    try:
        roster = team_members(uow, team)
    except NotFoundError as exc:
        raise ValidationError("assignment.team", str(exc)) from None
    members = sorted(staff.id for staff, _ in roster if staff.is_active and staff.id)
    if not members:
        return None
    table = Lead.__table__  # type: ignore[attr-defined]
    # Below the record policies: the turn is the team's, whoever captures the lead.
    latest = uow.session.connection().execute(
        select(table.c.owner_id).where(table.c.owner_id.in_(members))
        .order_by(table.c.id.desc()).limit(1)
    ).scalar()
    if latest is None:
        return members[0]
    return members[(members.index(latest) + 1) % len(members)]


def rule_owner(uow: UnitOfWork, source: str) -> int | None:
    """The owner the configured rule gives a new lead from ``source`` (None: no rule)."""
    settings = lead_settings(uow.app).assignment
    if settings.rule == "round_robin":
        assert settings.team is not None  # checked by the settings
        chosen = _round_robin(uow, settings.team)
        if chosen is not None:
            return chosen
    if settings.rule == "source" and source in settings.by_source:
        return active_staff(uow, settings.by_source[source], "assignment.by_source").id
    if settings.rule == "none" and uow.actor_id is not None:
        return uow.actor_id  # whoever captures a lead by hand follows it up
    if settings.default_owner:
        return active_staff(uow, settings.default_owner, "assignment.default_owner").id
    return None


def initial_owner(uow: UnitOfWork, source: str, owner: str | int | None) -> int | None:
    """The owner of a lead being captured: the one named (assigners only), else the rule's."""
    if owner is not None and owner != "":
        require_assigner(uow)
        return active_staff(uow, owner).id
    return rule_owner(uow, source)


def assign_lead(
    uow: UnitOfWork, lead_id: int, owner: str | int, *, expected_owner: object = UNCHANGED
) -> Lead:
    """Hand an open lead to exactly one owner (assigners only).

    ``expected_owner`` (a username, an id or None for "unassigned") is the owner the
    caller saw; if the lead has another by now, the assignment is refused rather than
    overwriting a colleague's decision.
    """
    require_assigner(uow)
    lead = get_lead(uow, lead_id, for_update=True)
    require_open(lead)
    if expected_owner is not UNCHANGED:
        expected = None if expected_owner in (None, "") else _staff_id(uow, expected_owner)
        if lead.owner_id != expected:
            current = username(uow, lead.owner_id) or "nobody"
            raise ValidationError(
                "owner", f"lead {lead.id} is assigned to {current} meanwhile; not reassigned"
            )
    lead.owner_id = active_staff(uow, owner).id
    lead.updated_at = uow.now
    uow.session.flush()
    return lead


def assign_by_rule(uow: UnitOfWork, lead_id: int) -> Lead:
    """Give an unassigned open lead the owner the configured rule names."""
    require_assigner(uow)
    lead = get_lead(uow, lead_id, for_update=True)
    require_open(lead)
    if lead.owner_id is not None:
        raise ValidationError(
            "owner", f"lead {lead.id} already belongs to {username(uow, lead.owner_id)}"
        )
    chosen = _rule_only(uow, lead)
    if chosen is None:
        raise ValidationError("owner", "the assignment rule names nobody for this lead")
    lead.owner_id, lead.updated_at = chosen, uow.now
    uow.session.flush()
    return lead


def _rule_only(uow: UnitOfWork, lead: Lead) -> int | None:
    # A manager applying "the rule" must not become the owner just for running it.
    if lead_settings(uow.app).assignment.rule == "none":
        default = lead_settings(uow.app).assignment.default_owner
        return active_staff(uow, default, "assignment.default_owner").id if default else None
    return rule_owner(uow, lead.source)


def _staff_id(uow: UnitOfWork, ref: object) -> int | None:
    try:
        return get_staff(uow, ref).id  # type: ignore[arg-type]
    except NotFoundError as exc:
        raise ValidationError("expected_owner", str(exc)) from None
