"""Care plans: the configured plans, their check against the running application, and
which plans a logged interaction starts.

The settings model checks each plan on its own (offsets, assignee, names); whether the
trigger kind is registered, the ``when`` fields exist in its payload and the channel is
known can only be checked here, against the application's registrations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from guanxi.app import App, UnitOfWork
from guanxi.errors import ConfigError, ValidationError
from guanxi.models import Staff, Team
from guanxi.records import InteractionRecord
from guanxi_service.visits.settings import CarePlan, VisitSettings

SECTION = "[service.visits]"


def visit_settings(app: App) -> VisitSettings:
    """The resolved ``[service.visits]`` settings."""
    return app.settings_for("service").visits


def plan_problems(app: App, uow: UnitOfWork | None = None) -> list[str]:
    """Everything wrong with the configured plans, one line each (empty: all good).

    With ``uow`` the named teams and users are looked up too.
    """
    problems: list[str] = []
    kinds = app.registry.interaction_kinds
    channels = set(app.settings.channels)
    for name, plan in visit_settings(app).plans.items():
        where = f"{SECTION} plan {name!r}"
        kind = kinds.get(plan.trigger)
        if kind is None:
            problems.append(f"{where}: trigger {plan.trigger!r} is not a registered "
                            "interaction kind")
        elif plan.when:
            fields = set(kind.schema.model_fields) if kind.schema is not None else None
            for field in plan.when:
                if fields is not None and field not in fields:
                    problems.append(f"{where}: when.{field}: {plan.trigger!r} payloads have "
                                    f"no field {field!r} (fields: {', '.join(sorted(fields))})")
        if plan.channel not in channels:
            problems.append(f"{where}: channel {plan.channel!r} is not one of the "
                            f"interaction channels ({', '.join(sorted(channels))})")
        if uow is not None:
            problems.extend(f"{where}: {p}" for p in _people_problems(uow, plan))
    return problems


def _people_problems(uow: UnitOfWork, plan: CarePlan) -> list[str]:
    if plan.assign == "team":
        found = uow.session.exec(select(Team.id).where(Team.name == plan.team)).first()
        if found is None:
            return [f"team {plan.team!r} does not exist"]
    if plan.assign == "user":
        active = uow.session.exec(
            select(Staff.is_active).where(Staff.username == plan.user)).first()
        if active is None:
            return [f"user {plan.user!r} does not exist"]
        if not active[0]:
            return [f"user {plan.user!r} is not active"]
    return []


def check_plans(app: App, uow: UnitOfWork | None = None) -> None:
    """Raise :class:`ConfigError` naming every problem of the configured plans."""
    problems = plan_problems(app, uow)
    if problems:
        raise ConfigError("; ".join(problems))


def get_plan(app: App, name: str, field: str = "plan") -> CarePlan:
    """The plan ``name``; a ValidationError of ``field`` listing the plans otherwise."""
    plans = visit_settings(app).plans
    plan = plans.get((name or "").strip())
    if plan is None:
        known = ", ".join(sorted(plans)) or "none configured"
        raise ValidationError(field, f"no care plan {name!r} (plans: {known})")
    return plan


def plans_by_trigger(app: App) -> dict[str, list[tuple[str, CarePlan]]]:
    """The plans by trigger kind, in name order."""
    found: dict[str, list[tuple[str, CarePlan]]] = {}
    for name, plan in sorted(visit_settings(app).plans.items()):
        found.setdefault(plan.trigger, []).append((name, plan))
    return found


def _text(value: Any) -> str:
    # TOML true and a JSON true must compare equal, as must 7 and "7".
    return str(value).lower() if isinstance(value, bool) else str(value)


def matches(plan: CarePlan, payload: dict[str, Any]) -> bool:
    """Whether ``payload`` meets every condition of the plan's ``when``."""
    for field, accepted in plan.when.items():
        if field not in payload or payload[field] is None:
            return False
        if _text(payload[field]) not in {_text(v) for v in accepted}:
            return False
    return True


def triggered(
    app: App, interactions: Iterable[InteractionRecord]
) -> list[tuple[InteractionRecord, str, CarePlan]]:
    """(interaction, plan name, plan) for every plan each interaction starts.

    Corrections of earlier entries start nothing: the entry they correct already did.
    """
    by_kind = plans_by_trigger(app)
    if not by_kind:
        return []
    found = []
    for record in interactions:
        candidates = by_kind.get(record.kind)
        if not candidates or record.corrects_id is not None or record.id is None:
            continue
        for name, plan in candidates:
            if matches(plan, record.payload or {}):
                found.append((record, name, plan))
    return found
