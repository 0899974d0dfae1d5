"""The bank's interaction kinds and their payload schemas.

Card spend is the analytics plugin's *purchase* signal for the credit-card churn rule
(§7.3.1 [S002:449]): one ``bank.card_spend`` per card transaction, its amount as
``revenue``, so a month's spend and count are what the churn threshold alert compares.
Product openings and closings are what a core-banking feed sends; the plugin keeps each
customer's ``products_held`` in step with them. Branch visits feed the time cost of the
customer delivered value (the queue at the counter is the customer's cost).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from guanxi_editions.bank.products import ProductCode


class CardSpend(BaseModel):
    """One card transaction (消费)."""

    model_config = ConfigDict(extra="forbid")
    card: Literal["credit", "debit"] = "credit"
    merchant: str | None = Field(None, max_length=100, description="merchant name")
    category: str | None = Field(None, max_length=40, description="merchant category")


class ProductChange(BaseModel):
    """A product opened (开户/签约) or closed (销户/结清)."""

    model_config = ConfigDict(extra="forbid")
    product: ProductCode
    amount: Decimal | None = Field(None, ge=0, description="principal or limit, yuan")
    account_ref: str | None = Field(None, max_length=40)


class BranchVisit(BaseModel):
    """A visit to the counter (柜面业务): what was done and how long the customer waited."""

    model_config = ConfigDict(extra="forbid")
    business: str = Field(max_length=60, description="the business done (存取款, 转账 …)")
    wait_minutes: int | None = Field(None, ge=0, le=600)
    branch: str | None = Field(None, max_length=60)


KINDS: list[tuple[str, type[BaseModel], str, str]] = [
    ("bank.card_spend", CardSpend, "a card transaction; revenue is the amount spent", "pos"),
    ("bank.product_opened", ProductChange, "a product opened or signed", "visit"),
    ("bank.product_closed", ProductChange, "a product closed or paid off", "visit"),
    ("bank.branch_visit", BranchVisit, "business done at a branch counter", "visit"),
]


def register_kinds(register: Callable[..., None]) -> None:
    """Register the ``bank.*`` kinds."""
    for kind, schema, description, channel in KINDS:
        register(kind, schema=schema, description=description, default_channel=channel)
