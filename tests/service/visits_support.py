"""What the return-visit tests share: a throwaway edition plugin with its own trigger
kind (``hospital.discharged``), the care plans of a test clinic, people and counters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import text

import guanxi
from guanxi.app import App
from guanxi.services.customers import add_customer
from guanxi.services.staff import add_member, add_staff, add_team, grant_role

# 2026-03-01 17:30 UTC is already 2026-03-02 01:30 in Shanghai (the generic edition's zone).
T0 = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)
LOCAL_T0 = dt.date(2026, 3, 2)


class Discharge(BaseModel):
    """``hospital.discharged``: a patient went home."""

    model_config = ConfigDict(extra="forbid")
    ward: str
    doctor: str | None = None


class Hospital:
    """An edition's plugin: it only registers its own trigger kind."""

    plugin = guanxi.Plugin(name="hospital", version="1.0")

    @staticmethod
    @guanxi.hookimpl
    def register_interaction_kinds(register):  # type: ignore[no-untyped-def]
        register("hospital.discharged", schema=Discharge, default_channel="visit",
                 description="a patient was discharged (出院)")


# The clinic's plans: follow-up calls after discharge from two wards, handed round the
# nurses' team; a paid home visit for orthopaedics.
CLINIC_PLANS: dict[str, Any] = {
    "discharge": {
        "trigger": "hospital.discharged", "when": {"ward": ["心内科", "骨科"]},
        "offsets": [1, 7, 30], "title": "出院随访", "channel": "phone", "assign": "team",
        "team": "随访组", "max_attempts": 2, "retry_after_days": 1,
        "questions": ["伤口恢复如何？", "是否按时服药？"],
    },
    "home_care": {
        "trigger": "hospital.discharged", "when": {"ward": "骨科"}, "offsets": [14],
        "title": "上门康复指导", "channel": "visit", "assign": "user", "user": "zhou",
        "paid": True, "fee": "200.00", "complaint_on_issue": False,
    },
}


def clinic_settings(**visits: Any) -> dict[str, Any]:
    """Settings with the clinic's plans (and any other ``[service.visits]`` values)."""
    return {"service": {"visits": {"plans": CLINIC_PLANS, **visits}}}


def make_clinic(make_service_app: Callable[..., App], **visits: Any) -> App:
    """The service plugin with the hospital plugin and the clinic's plans."""
    return make_service_app(plugins=[Hospital], enable=["hospital"],
                            settings=clinic_settings(**visits))


def staff_world(app: App) -> dict[str, int]:
    """Nurses wang and li (team 随访组, agents), zhou (agent), zhao (viewer); three
    patients: 张三 and 李四 are wang's, 王五 is li's."""
    with app.transaction(now=T0) as uow:
        for username, name in (("wang", "王护士"), ("li", "李护士"), ("zhou", "周医生"),
                               ("zhao", "赵")):
            add_staff(uow, username=username, display_name=name)
        for username in ("wang", "li", "zhou"):
            grant_role(uow, staff=username, role="agent")
        grant_role(uow, staff="zhao", role="viewer")
        add_team(uow, name="随访组")
        add_member(uow, team="随访组", staff="wang")
        add_member(uow, team="随访组", staff="li")
        ids = {name: add_customer(uow, name=name, owner=owner).id
               for name, owner in (("张三", "wang"), ("李四", "wang"), ("王五", "li"))}
    return ids


def count(app: App, table: str, where: str = "") -> int:
    with app.engine.connect() as connection:
        return connection.execute(
            text(f"SELECT count(*) FROM {table} {where}")).scalar_one()
