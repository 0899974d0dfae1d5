"""The interaction kinds the loyalty area logs (``marketing.*``), with their payloads.

Volume: points earned automatically on a logged purchase are *not* logged again — the
purchase is on the timeline already and its ledger entry names it — nor are the points
a correction takes back. Everything a person or the daily job does to a membership is
logged: enrolment, tier changes and lapses, manual earnings and adjustments,
redemptions, expiries (one interaction per member per run), stored value and coupons.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class MembershipPayload(BaseModel):
    """``marketing.member_enrolled`` / ``marketing.member_cancelled``."""

    model_config = ConfigDict(extra="forbid")
    membership_id: int
    member_number: str
    tier: str
    card_label: str | None = None


class TierChangedPayload(BaseModel):
    """``marketing.tier_changed``: an upgrade, a downgrade or a lapse (elimination)."""

    model_config = ConfigDict(extra="forbid")
    membership_id: int
    change: str  # upgrade | downgrade | lapse
    from_tier: str
    to_tier: str
    status: str
    spend: str  # the spend in the tier's period that decided it
    count: int


class PointsPayload(BaseModel):
    """``marketing.points_earned`` / ``_redeemed`` / ``_expired`` / ``_adjusted``."""

    model_config = ConfigDict(extra="forbid")
    membership_id: int
    points: int
    balance: int
    value: str  # what the points are worth (points × point_value)
    reason: str | None = None


class StoredValuePayload(BaseModel):
    """``marketing.stored_value_topped_up`` / ``_spent`` / ``_refunded``."""

    model_config = ConfigDict(extra="forbid")
    membership_id: int
    entry_id: int
    amount: str
    balance: str
    reference: str | None = None


class CouponPayload(BaseModel):
    """``marketing.coupon_issued`` / ``marketing.coupon_redeemed``."""

    model_config = ConfigDict(extra="forbid")
    coupon_id: int
    code: str
    definition: str
    order_amount: str | None = None
    discount: str | None = None


KINDS = {
    "marketing.member_enrolled": (MembershipPayload, None, "a customer joined the programme"),
    "marketing.member_cancelled": (MembershipPayload, None, "a membership was cancelled"),
    "marketing.tier_changed": (
        TierChangedPayload, None, "a member was upgraded, downgraded or lapsed"),
    "marketing.points_earned": (PointsPayload, None, "points credited by hand"),
    "marketing.points_redeemed": (PointsPayload, None, "points redeemed"),
    "marketing.points_expired": (PointsPayload, None, "points expired (oldest first)"),
    "marketing.points_adjusted": (PointsPayload, None, "points adjusted by hand, with a reason"),
    "marketing.stored_value_topped_up": (StoredValuePayload, None, "stored value topped up"),
    "marketing.stored_value_spent": (StoredValuePayload, None, "stored value spent"),
    "marketing.stored_value_refunded": (
        StoredValuePayload, None, "a stored-value spend refunded to the card"),
    "marketing.coupon_issued": (CouponPayload, None, "a coupon was issued to the customer"),
    "marketing.coupon_redeemed": (CouponPayload, None, "a coupon was redeemed"),
}
