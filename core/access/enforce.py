"""Applying access control in the query layer.

Every ORM SELECT run in a unit of work gets, for each registered entity, the criteria
that keep out the rows its principal may not see (SQLAlchemy's ``with_loader_criteria``
on the ``do_orm_execute`` event). Listings, counts, searches, exports and reports that
go through the ORM therefore need no access code of their own. The few Core-level
queries of the bulk paths ask :func:`visible_customers` explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, event, false, or_, select
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlmodel import col

from guanxi.access.principal import Principal
from guanxi.access.registry import ACTIONS, Entity
from guanxi.errors import AccessDenied, ConfigError

if TYPE_CHECKING:
    from guanxi.app import App, UnitOfWork


def _owned_by_team(teams: frozenset[int], owner: Any) -> ColumnElement[bool]:
    """``owner`` (a staff id column) is a member of one of ``teams``."""
    from guanxi.models import TeamMember

    return owner.in_(select(col(TeamMember.staff_id)).where(col(TeamMember.team_id).in_(teams)))


def _team_owned(teams: frozenset[int], customer: Any) -> ColumnElement[bool]:
    return _owned_by_team(teams, customer.c.owner_id)


BUILTIN_POLICIES: dict[str, Callable[[Principal, Any], ColumnElement[bool]]] = {
    "own": lambda p, customer: customer.c.owner_id == p.staff_id,
    "team": lambda p, customer: _team_owned(p.team_ids, customer),
    "department": lambda p, customer: _team_owned(p.department_team_ids, customer),
    "unowned": lambda p, customer: customer.c.owner_id.is_(None),
}


def policy_names(app: App) -> set[str]:
    """Every record policy a role may name: the built-in ones, ``all``, and registered."""
    return set(BUILTIN_POLICIES) | {"all"} | set(app.access.policies)


def customer_condition(app: App, principal: Principal, customer: Any) -> ColumnElement[bool] | None:
    """The condition on the customer table for what ``principal`` sees (None: all)."""
    if principal.unrestricted:
        return None
    clauses = []
    for name in sorted(principal.policies):
        if name in BUILTIN_POLICIES:
            clauses.append(BUILTIN_POLICIES[name](principal, customer))
        elif name in app.access.policies:
            clauses.append(app.access.policies[name].clause(principal, customer))
    return or_(*clauses) if clauses else false()


def visible_customers(uow: UnitOfWork) -> Select[Any] | None:
    """A subquery of the customer ids the acting principal sees; None when all."""
    from guanxi.models import Customer

    table = Customer.__table__  # type: ignore[attr-defined]
    condition = customer_condition(uow.app, uow.principal, table)
    if condition is None:
        return None
    return select(table.c.id).where(condition)


def filter_visible(uow: UnitOfWork, customer_ids: set[int]) -> set[int]:
    """The subset of ``customer_ids`` the acting principal may see (for Core queries)."""
    visible = visible_customers(uow)
    if visible is None or not customer_ids:
        return set(customer_ids)
    from guanxi.models import Customer

    table = Customer.__table__  # type: ignore[attr-defined]
    wanted = sorted(customer_ids)
    seen: set[int] = set()
    connection = uow.session.connection()
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        query = select(table.c.id).where(table.c.id.in_(chunk), table.c.id.in_(visible))
        seen |= {cid for (cid,) in connection.execute(query)}
    return seen


def owner_condition(principal: Principal, owner: Any) -> ColumnElement[bool] | None:
    """Which owners of a plugin row ``principal`` sees through (None: nobody's).

    His own rows always. A team lead with the ``team`` policy also sees the rows owned by
    the members of the teams he leads, and with ``department`` those of every team below
    them: he oversees their opportunities, leads, tasks and claims, which team-mates do
    not see of each other. ``unowned`` does not apply: a row without an owner is seen
    through its customer only, so it cannot reveal a customer he may not see.
    """
    parts = []
    if principal.staff_id is not None:
        parts.append(owner == principal.staff_id)
    if "department" in principal.policies and principal.led_department_team_ids:
        parts.append(_owned_by_team(principal.led_department_team_ids, owner))
    elif "team" in principal.policies and principal.led_team_ids:
        parts.append(_owned_by_team(principal.led_team_ids, owner))
    return or_(*parts) if parts else None


def entity_condition(uow: UnitOfWork, entity: Entity, visible: Select[Any] | None) -> Any:
    """The criteria for one entity's rows, or None when the principal sees them all.

    A row is seen when its customer is visible or when its owner is one the principal sees
    through (:func:`owner_condition`).
    """
    if visible is None or (entity.customer_column is None and entity.owner_column is None):
        return None
    model = entity.model
    parts = []
    if entity.customer_column is not None:
        parts.append(getattr(model, entity.customer_column).in_(visible))
    if entity.owner_column is not None:
        owned = owner_condition(uow.principal, getattr(model, entity.owner_column))
        if owned is not None:
            parts.append(owned)
    return or_(*parts) if parts else false()


# Execution options of a read that depends on a row the principal was already allowed to
# read (the SLA clock of a ticket its assignee works, the tier of that ticket's customer):
# the record policies are not applied to it again. Only for reads keyed by such a row.
ACCESS_CHECKED = {"guanxi_access_checked": True}


def install(uow: UnitOfWork) -> None:
    """Filter every ORM SELECT of this unit of work by the principal's record policies
    (except statements run with :data:`ACCESS_CHECKED`)."""
    visible = visible_customers(uow)
    if visible is None:
        return
    criteria = []
    for entity in uow.app.access.entities.values():
        condition = entity_condition(uow, entity, visible)
        if condition is not None:
            criteria.append(with_loader_criteria(entity.model, condition, include_aliases=True))

    def restrict(state: ORMExecuteState) -> None:
        if (state.is_select and not state.is_column_load and not state.is_relationship_load
                and not state.execution_options.get("guanxi_access_checked")):
            state.statement = state.statement.options(*criteria)

    event.listen(uow.session, "do_orm_execute", restrict)


def require(uow: UnitOfWork, entity: str, action: str) -> None:
    """Refuse with :class:`AccessDenied` unless the principal may ``action`` ``entity``.

    The refusal is audited after the unit of work has rolled back (see App.transaction).
    """
    if action not in ACTIONS:
        raise ConfigError(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    if not uow.principal.can(entity, action):
        raise AccessDenied(f"{uow.principal.username} may not {action} {entity}", entity=entity)


def check_roles(app: App) -> None:
    """Every role names known record policies and actions (checked when the app is built)."""
    settings = app.settings_for("access")
    known = policy_names(app)
    for name, role in settings.roles.items():
        for policy in role.records:
            if policy not in known:
                raise ConfigError(f"setting access.roles.{name}: unknown record policy {policy!r}")
        for grant in role.permissions:
            action = grant.partition(":")[2] if ":" in grant else "*"
            if grant != "*" and action not in (*ACTIONS, "*"):
                raise ConfigError(f"setting access.roles.{name}: unknown action in {grant!r}")
    for role in settings.default_roles:
        if role not in settings.roles:
            raise ConfigError(f"setting access.default_roles: unknown role {role!r}")
