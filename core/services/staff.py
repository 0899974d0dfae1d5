"""Staff users and teams."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlmodel import col, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Staff, StaffRole, Team, TeamMember
from guanxi.normalize import normalize_email

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


def add_staff(
    uow: UnitOfWork,
    *,
    username: str,
    display_name: str,
    email: str | None = None,
    phone: str | None = None,
) -> Staff:
    """Create a staff user; the username is lower-case letters, digits, ``.``, ``_``, ``-``."""
    require(uow, "staff", "create")
    if not USERNAME_PATTERN.match(username):
        raise ValidationError("username", f"{username!r} must be lower-case letters, digits, . _ -")
    if not display_name.strip():
        raise ValidationError("display_name", "is required")
    if uow.session.exec(select(Staff).where(Staff.username == username)).first() is not None:
        raise ValidationError("username", f"{username!r} is taken")
    if email:
        try:
            email = normalize_email(email)
        except ValueError as exc:
            raise ValidationError("email", str(exc)) from None
    staff = Staff(
        username=username,
        display_name=display_name.strip(),
        email=email,
        phone=phone,
        created_at=uow.now,
    )
    uow.session.add(staff)
    uow.session.flush()
    return staff


def get_staff(uow: UnitOfWork, ref: str | int) -> Staff:
    """A staff user by username or id; :class:`NotFoundError` if there is none."""
    if isinstance(ref, str) and ref.isascii() and ref.isdigit():
        ref = int(ref)
    if isinstance(ref, int):
        # Ids beyond a 64-bit integer exist nowhere (SQLite could not even bind them).
        staff = uow.session.get(Staff, ref) if 0 < ref < 2**63 else None
    else:
        staff = uow.session.exec(select(Staff).where(Staff.username == ref)).first()
    if staff is None:
        raise NotFoundError(f"no staff user {ref!r}")
    return staff


def list_staff(uow: UnitOfWork) -> list[Staff]:
    """Every staff user, by username."""
    return list(uow.session.exec(select(Staff).order_by(Staff.username)))


_ASSIGNABLE = (
    select(Staff.id, Staff.username).where(col(Staff.is_active).is_(True)).order_by(Staff.username)
)


def assignable_staff(uow: UnitOfWork) -> list[tuple[int, str]]:
    """``(id, username)`` of every active staff user, by username: the choices of an
    assignee or owner list (two columns, not whole rows: every 360 page asks)."""
    return [(sid, name) for sid, name in uow.session.exec(_ASSIGNABLE) if sid is not None]


def add_team(
    uow: UnitOfWork, *, name: str, description: str = "", parent: str | None = None
) -> Team:
    """Create a team (department), optionally under a parent team."""
    require(uow, "team", "create")
    if not name.strip():
        raise ValidationError("name", "is required")
    if uow.session.exec(select(Team).where(Team.name == name)).first() is not None:
        raise ValidationError("name", f"team {name!r} exists")
    parent_id = get_team(uow, parent).id if parent else None
    team = Team(name=name.strip(), description=description, parent_id=parent_id)
    uow.session.add(team)
    uow.session.flush()
    return team


def get_team(uow: UnitOfWork, name: str) -> Team:
    """A team by name; :class:`NotFoundError` if there is none."""
    team = uow.session.exec(select(Team).where(Team.name == name)).first()
    if team is None:
        raise NotFoundError(f"no team {name!r}")
    return team


def add_member(uow: UnitOfWork, *, team: str, staff: str | int, lead: bool = False) -> TeamMember:
    """Put a staff user in a team (as its lead if ``lead``); idempotent."""
    require(uow, "team_member", "create")
    the_team = get_team(uow, team)
    the_staff = get_staff(uow, staff)
    member = uow.session.get(TeamMember, (the_team.id, the_staff.id))
    if member is None:
        assert the_team.id is not None and the_staff.id is not None  # stored rows
        member = TeamMember(team_id=the_team.id, staff_id=the_staff.id, is_lead=lead)
        uow.session.add(member)
    else:
        member.is_lead = lead
    uow.session.flush()
    return member


def team_members(uow: UnitOfWork, team: str) -> list[tuple[Staff, bool]]:
    """The members of a team with their lead flag."""
    the_team = get_team(uow, team)
    query = (
        select(Staff, TeamMember.is_lead)
        .join(TeamMember, col(TeamMember.staff_id) == Staff.id)
        .where(TeamMember.team_id == the_team.id)
        .order_by(Staff.username)
    )
    return [(staff, bool(lead)) for staff, lead in uow.session.exec(query)]


def grant_role(uow: UnitOfWork, *, staff: str | int, role: str) -> StaffRole:
    """Give a staff user a role (one of the ``access.roles`` settings); idempotent."""
    require(uow, "staff_role", "create")
    roles = uow.app.settings_for("access").roles
    if role not in roles:
        raise ValidationError("role", f"unknown role {role!r} (one of {', '.join(sorted(roles))})")
    user = get_staff(uow, staff)
    existing = uow.session.get(StaffRole, (user.id, role))
    if existing is not None:
        return existing
    assert user.id is not None  # a stored row
    granted = StaffRole(staff_id=user.id, role=role)
    uow.session.add(granted)
    uow.session.flush()
    return granted


def revoke_role(uow: UnitOfWork, *, staff: str | int, role: str) -> None:
    """Take a role away from a staff user."""
    require(uow, "staff_role", "delete")
    user = get_staff(uow, staff)
    existing = uow.session.get(StaffRole, (user.id, role))
    if existing is None:
        raise NotFoundError(f"{user.username} does not hold the role {role!r}")
    uow.session.delete(existing)
    uow.session.flush()


def roles_of(uow: UnitOfWork, staff: str | int) -> list[str]:
    """The roles granted to a staff user (without the default roles)."""
    user = get_staff(uow, staff)
    return sorted(uow.session.exec(select(StaffRole.role).where(StaffRole.staff_id == user.id)))


def active_staff(uow: UnitOfWork, ref: str | int, field_name: str = "owner") -> Staff:
    """An active staff user by username or id; a :class:`ValidationError` naming
    ``field_name`` otherwise (for assigning owners, organisers, agents…)."""
    try:
        staff = get_staff(uow, ref)
    except NotFoundError as exc:
        raise ValidationError(field_name, str(exc)) from None
    if not staff.is_active:
        raise ValidationError(field_name, f"staff user {staff.username!r} is not active")
    return staff


def usernames(uow: UnitOfWork, ids: Iterable[int | None]) -> dict[int, str]:
    """Staff usernames by id, for the ids among ``ids`` that exist (None is skipped)."""
    wanted = sorted({i for i in ids if i is not None})
    found: dict[int, str] = {}
    for chunk in chunks(wanted):
        query = select(Staff.id, Staff.username).where(col(Staff.id).in_(chunk))
        found.update({sid: name for sid, name in uow.session.exec(query) if sid is not None})
    return found
