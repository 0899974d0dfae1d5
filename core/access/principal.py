"""Who is acting: a staff user with roles, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from guanxi.errors import AccessDenied, NotFoundError

if TYPE_CHECKING:
    from guanxi.app import App

ALL_RECORDS = "all"


class RoleSpec(BaseModel):
    """A role: what it may do (``entity:action`` patterns) and which records it sees."""

    model_config = ConfigDict(extra="forbid")
    description: str = ""
    permissions: list[str] = Field(default_factory=list, description="entity:action, * wildcards")
    records: list[str] = Field(
        default_factory=lambda: ["own"], description="record policies, OR-ed"
    )
    sensitive: bool = Field(default=False, description="may read sensitive fields (audited)")


DEFAULT_ROLES: dict[str, RoleSpec] = {
    "admin": RoleSpec(
        description="everything", permissions=["*"], records=[ALL_RECORDS], sensitive=True
    ),
    "manager": RoleSpec(
        description="reads and changes the records of the department tree under his teams",
        permissions=["*:read", "*:create", "*:update", "*:export"],
        records=["department", "unowned"],
    ),
    "agent": RoleSpec(
        description="works his own and his teams' customers and the unassigned pool",
        permissions=[
            "customer:read",
            "customer:create",
            "customer:update",
            "interaction:*",
            "task:*",
            "contact_point:*",
            "special_date:*",
            "external_identity:*",
            "customer_rollup:read",
            "consent:*",
        ],
        records=["own", "team", "unowned"],
    ),
    "viewer": RoleSpec(
        description="reads his own records", permissions=["*:read"], records=["own"]
    ),
    "privacy_officer": RoleSpec(
        description="answers data-subject requests: export, erasure, consent, holds, audit",
        permissions=[
            "*:read",
            "customer:export",
            "customer:erase",
            "consent:*",
            "legal_hold:*",
            "audit:read",
        ],
        records=[ALL_RECORDS],
        sensitive=True,
    ),
}


class AccessSettings(BaseModel):
    """Settings section ``[access]``: roles, default roles and sensitive customer fields."""

    roles: dict[str, RoleSpec] = Field(
        default_factory=lambda: dict(DEFAULT_ROLES), description="Roles by name"
    )
    default_roles: list[str] = Field(
        default_factory=list, description="Roles of a staff user who was granted none"
    )
    sensitive_fields: list[str] = Field(
        default_factory=list,
        description="Customer fields (core or custom) masked for roles without sensitive access",
    )


@dataclass(frozen=True)
class Principal:
    """The acting party of a unit of work, with everything access checks need."""

    username: str
    staff_id: int | None = None
    roles: tuple[str, ...] = ()
    grants: frozenset[str] = frozenset()
    policies: frozenset[str] = frozenset()
    sensitive: bool = False
    team_ids: frozenset[int] = frozenset()
    department_team_ids: frozenset[int] = frozenset()
    # The teams he leads, and every team below them: whose work items he oversees.
    led_team_ids: frozenset[int] = frozenset()
    led_department_team_ids: frozenset[int] = frozenset()
    is_system: bool = False
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def unrestricted(self) -> bool:
        """Sees every record (the system, or a role with the ``all`` policy)."""
        return self.is_system or ALL_RECORDS in self.policies

    def can(self, entity: str, action: str) -> bool:
        """Whether any role grants ``action`` on ``entity`` (``*`` wildcards allowed)."""
        if self.is_system:
            return True
        wanted = {f"{entity}:{action}", f"{entity}:*", f"*:{action}", "*:*", "*"}
        return not wanted.isdisjoint(self.grants)

    def can_see_sensitive(self) -> bool:
        """Whether sensitive fields are shown unmasked (reads are audited)."""
        return self.is_system or self.sensitive

    def reading_only(self) -> Principal:
        """The same user with only the ``read`` permissions his roles give (what a
        read-only API token acts as): ``*`` and ``entity:*`` narrow to ``:read``, every
        other action goes. Record policies and sensitive access stay his."""
        grants = set()
        for grant in self.grants:
            entity, _, action = grant.partition(":")
            if action in ("", "*", "read"):
                grants.add(f"{entity}:read")
        return replace(self, grants=frozenset(grants))


SYSTEM = Principal(username="system", is_system=True)


def _team_tree(session: Session, roots: set[int]) -> set[int]:
    """``roots`` and every team below them in the department hierarchy."""
    from guanxi.models import Team

    parents = {team.id: team.parent_id for team in session.exec(select(Team))}
    tree = set(roots)
    changed = True
    while changed:  # hierarchies are shallow; a fixed point is reached in a few rounds
        changed = False
        for team_id, parent in parents.items():
            if parent in tree and team_id not in tree and team_id is not None:
                tree.add(team_id)
                changed = True
    return tree


def load_principal(app: App, session: Session, username: str) -> Principal:
    """The principal of a staff user: roles (or the default roles), grants, teams."""
    from guanxi.models import Staff, StaffRole, TeamMember

    staff = session.exec(select(Staff).where(Staff.username == username)).first()
    if staff is None:
        raise NotFoundError(f"no staff user {username!r}")
    if not staff.is_active:
        raise AccessDenied(f"staff user {username!r} is not active")
    settings: AccessSettings = app.settings_for("access")
    roles = tuple(
        sorted(session.exec(select(StaffRole.role).where(StaffRole.staff_id == staff.id)))
    )
    roles = roles or tuple(settings.default_roles)
    grants: set[str] = set()
    policies: set[str] = set()
    sensitive = False
    for role in roles:
        spec = settings.roles.get(role)
        if spec is None:  # a role removed from the settings grants nothing
            continue
        grants.update(spec.permissions)
        for entity in app.access.entities.values():  # what plugins grant the standard roles
            grants.update(f"{entity.name}:{action}" for action in entity.grants.get(role, ()))
        policies.update(spec.records)
        sensitive = sensitive or spec.sensitive
    memberships = session.exec(
        select(TeamMember.team_id, TeamMember.is_lead).where(TeamMember.staff_id == staff.id)
    ).all()
    teams = {team_id for team_id, _ in memberships}
    led = {team_id for team_id, is_lead in memberships if is_lead}
    return Principal(
        username=username,
        staff_id=staff.id,
        roles=roles,
        grants=frozenset(grants),
        policies=frozenset(policies),
        sensitive=sensitive,
        team_ids=frozenset(teams),
        department_team_ids=frozenset(_team_tree(session, teams)),
        led_team_ids=frozenset(led),
        led_department_team_ids=frozenset(_team_tree(session, led)),
    )
