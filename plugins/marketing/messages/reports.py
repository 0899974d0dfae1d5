"""Report ``marketing.messages``: per campaign, how many messages were sent, failed, skipped.

Counted with one ORM query grouped by campaign and status, so record policies apply:
an agent's figures cover the customers he sees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi_marketing.campaigns.models import Campaign
from guanxi_marketing.messages.models import MESSAGE_STATUSES, MarketingMessage

REPORT = "marketing.messages"


def message_counts(uow: UnitOfWork, *, campaign_id: int | None = None) -> list[dict[str, Any]]:
    """One row per campaign: its name, channel and the count of each message status."""
    require(uow, "marketing.message", "read")
    query = (
        select(MarketingMessage.campaign_id, Campaign.name, MarketingMessage.channel,
               MarketingMessage.status, func.count())
        .join(Campaign, col(Campaign.id) == col(MarketingMessage.campaign_id))
        .group_by(MarketingMessage.campaign_id, Campaign.name, MarketingMessage.channel,
                  MarketingMessage.status)
        .order_by(MarketingMessage.campaign_id)
    )
    if campaign_id is not None:
        query = query.where(MarketingMessage.campaign_id == int(campaign_id))
    rows: dict[int, dict[str, Any]] = {}
    for cid, name, channel, status, count in uow.session.exec(query):
        row = rows.setdefault(cid, {"campaign_id": cid, "campaign": name, "channel": channel,
                                    **dict.fromkeys(MESSAGE_STATUSES, 0)})
        row[status] += count
    for row in rows.values():
        row["unconfirmed"] = row.pop("attempting")
    return list(rows.values())


def messages_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``marketing.messages``: option ``campaign_id``."""
    return {"report": REPORT, "rows": message_counts(uow, **options)}


def register_reports(register: Callable[..., None]) -> None:
    """Register ``marketing.messages``."""
    register(REPORT, messages_report,
             description="campaign messages sent, failed, skipped, pending and unconfirmed")
