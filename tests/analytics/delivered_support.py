"""Helpers of the delivered and loyalty tests: a few customers owned by two agents (each
sees only their own), purchases and other interactions at given Shanghai times."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import text

import guanxi
from guanxi.app import App
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interactions
from guanxi.services.staff import add_staff, grant_role

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)


def at(day: str, hour: int = 10) -> dt.datetime:
    """``YYYY-MM-DD`` at ``hour`` o'clock in Shanghai, as an aware UTC datetime."""
    local = dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)
    return local.astimezone(dt.UTC)


def people(app: App, names: list[str], *, hidden: list[str] = (),  # type: ignore[assignment]
           custom: dict[str, dict[str, Any]] | None = None,
           tags: dict[str, list[str]] | None = None) -> dict[str, int]:
    """Staff ``agent`` and ``other`` (role agent); ``names`` owned by agent, ``hidden``
    by other. Returns customer ids by name."""
    ids: dict[str, int] = {}
    custom, tags = custom or {}, tags or {}
    with app.transaction(now=NOW) as uow:
        for username in ("agent", "other"):
            add_staff(uow, username=username, display_name=username)
            grant_role(uow, staff=username, role="agent")
        for name in [*names, *hidden]:
            owner = "other" if name in hidden else "agent"
            ids[name] = add_customer(uow, name=name, owner=owner, custom=custom.get(name, {}),
                                     tags=tags.get(name, [])).id
    return ids


def log(app: App, rows: list[dict[str, Any]]) -> None:
    """Log interactions (``when`` as ``YYYY-MM-DD``, amounts as text)."""
    with app.transaction(now=NOW) as uow:
        log_interactions(uow, [
            {**{k: v for k, v in row.items() if k != "when"},
             "occurred_at": at(row["when"]) if isinstance(row["when"], str) else row["when"]}
            for row in rows])


def buy(customer_id: int, when: str, amount: str, **extra: Any) -> dict[str, Any]:
    """A ``core.purchase`` row for :func:`log`."""
    return {"customer_id": customer_id, "kind": "core.purchase", "when": when,
            "revenue": Decimal(amount), **extra}


def count(app: App, table: str, where: str = "1=1") -> int:
    with app.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one()


class KitSurvey(BaseModel):
    """``kit.survey``: an edition's own survey kind, with its own field names."""

    model_config = ConfigDict(extra="forbid")
    score: int | None = None  # 0–10, recommend
    stars: int | None = None  # 1–5, satisfaction
    team: str | None = None


class KitReferral(BaseModel):
    """``kit.referral``: a customer was referred by another (``referrer``: a customer id)."""

    model_config = ConfigDict(extra="forbid")
    referrer: int | None = None
    source: str = "referral"


class KitMembership(BaseModel):
    """``kit.joined`` / ``kit.left``: the edition's own loyalty programme."""

    model_config = ConfigDict(extra="forbid")
    card: str | None = None


class KitFields(BaseModel):
    """The custom fields an edition would declare: costs, expectations, a referrer."""

    travel_cost: float | None = None
    insurance_cover: float | None = None
    expected_value: float | None = None
    referred_by: int | None = None
    region: str | None = None


class Kit:
    """An edition's plugin: its own survey and referral kinds and custom fields."""

    plugin = guanxi.Plugin(name="kit", version="1.0")

    @staticmethod
    @guanxi.hookimpl
    def register_interaction_kinds(register):  # type: ignore[no-untyped-def]
        register("kit.survey", schema=KitSurvey, default_channel="web")
        register("kit.referral", schema=KitReferral, default_channel="other")
        register("kit.joined", schema=KitMembership, default_channel="other")
        register("kit.left", schema=KitMembership, default_channel="other")

    @staticmethod
    @guanxi.hookimpl
    def register_custom_fields(register):  # type: ignore[no-untyped-def]
        register(KitFields)
