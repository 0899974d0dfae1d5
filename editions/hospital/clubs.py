"""Patient clubs (患者俱乐部: 糖友俱乐部, 心脏康复俱乐部).

A member carries the club's label as a tag, so a marketing segment (``has tag
"糖友俱乐部"``), a triggered campaign (``tags = ["糖友俱乐部"]``) and an event's invitation
list all find the members without a table of their own. Joining and leaving are logged.
"""

from __future__ import annotations

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.services.interactions import log_interaction
from guanxi.services.lookup import get_customer
from guanxi.services.updates import update_customer
from guanxi_editions.hospital.kinds import CLUB_JOINED, CLUB_LEFT
from guanxi_editions.hospital.settings import ClubSettings, hospital_settings


def get_club(uow: UnitOfWork, key: str) -> tuple[str, ClubSettings]:
    """The club named by its key or label; an unknown one is refused naming the field."""
    clubs = hospital_settings(uow.app).clubs
    for name, club in clubs.items():
        if key in (name, club.label):
            return name, club
    known = ", ".join(f"{n} ({c.label})" for n, c in clubs.items()) or "none configured"
    raise ValidationError("club", f"unknown club {key!r} (one of {known})")


def _change(uow: UnitOfWork, customer_id: int, key: str, *, join: bool) -> bool:
    """Add or remove the club's tag and log it; False when there was nothing to change."""
    name, club = get_club(uow, key)
    member = club.label in get_customer(uow, customer_id).tags
    if member == join:
        return False
    update_customer(uow, customer_id, {"add_tags" if join else "remove_tags": [club.label]})
    log_interaction(
        uow,
        customer_id=customer_id,
        kind=CLUB_JOINED if join else CLUB_LEFT,
        direction="inbound",
        subject=f"{'加入' if join else '退出'}{club.label}",
        payload={"club": name, "label": club.label},
    )
    return True


def join_club(uow: UnitOfWork, customer_id: int, key: str) -> bool:
    """Make the patient a member; False when he already was (nothing logged)."""
    return _change(uow, customer_id, key, join=True)


def leave_club(uow: UnitOfWork, customer_id: int, key: str) -> None:
    """End the patient's membership; refused when he is not a member."""
    if not _change(uow, customer_id, key, join=False):
        label = get_club(uow, key)[1].label
        raise ValidationError("club", f"customer {customer_id} is not a member of {label}")
