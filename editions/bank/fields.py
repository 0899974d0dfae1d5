"""The bank's typed custom fields that need more than ``edition.toml`` can say.

``edition.toml`` declares the plain fields (segment, credit rating, township …). The
fields here need validation a data file cannot express: the products held must be codes
of the catalogue, each at most once; balances are money, never negative; the resident ID
card number (居民身份证号码) must carry a valid GB 11643-1999 check digit and is
sensitive (masked for roles without ``sensitive``, every read audited).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from guanxi_editions.bank.products import ProductCode

ID_CARD = re.compile(r"^\d{17}[\dX]$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_card_check_digit(first17: str) -> str:
    """The check character of an 18-digit resident ID number (GB 11643-1999, ISO 7064)."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def _each_once(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("a product is listed twice")
    return value


def _valid_id(value: str) -> str:
    value = value.strip().upper()
    if not ID_CARD.match(value):
        raise ValueError("an ID card number is 17 digits and a digit or X")
    if id_card_check_digit(value[:17]) != value[17]:
        raise ValueError("the ID card number's check digit is wrong")
    return value


# The checks ride on the types (not on model validators): the core merges every plugin's
# fields into one model by annotation, so only what the annotation carries is kept.
ProductsHeld = Annotated[list[ProductCode], AfterValidator(_each_once)]
IdCardNo = Annotated[str, AfterValidator(_valid_id)]


def _money(description: str) -> object:
    return Field(None, ge=0, max_digits=14, decimal_places=2, description=description)


class BankFields(BaseModel):
    """Custom fields of a bank customer (all optional)."""

    products_held: ProductsHeld | None = Field(
        None, description="product codes the customer holds (持有产品), each once"
    )
    deposit_balance: Decimal | None = _money("deposit balance (存款余额), yuan")
    loan_balance: Decimal | None = _money("outstanding loans (贷款余额), yuan")
    wealth_balance: Decimal | None = _money("wealth-management holdings (理财余额), yuan")
    credit_limit: Decimal | None = _money("credit-card limit (信用卡额度), yuan")
    id_card_no: IdCardNo | None = Field(
        None,
        description="resident ID card number (身份证号), sensitive",
        json_schema_extra={"sensitive": True},
    )
