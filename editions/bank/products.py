"""The bank's product catalogue: the codes a customer's ``products_held`` may name.

Codes are stable ASCII names (they are what imports, segments and the cross-sell rules
use); the Chinese names are what staff read. A rural commercial bank's retail shelf, as
REQUIREMENTS §6.3 lists it [S004:1015]: deposits of the core banking system, loans for
farmers, large specialised producers and small enterprises, cards, wealth management and
e-banking. An integrator copying the edition edits this table (and only this table).
"""

from __future__ import annotations

from typing import Literal

PRODUCTS: dict[str, str] = {
    "current_deposit": "活期存款",
    "term_deposit": "定期存款",
    "farmer_loan": "农户小额信用贷款",
    "producer_loan": "产业大户经营贷款",
    "business_loan": "小微企业贷款",
    "debit_card": "借记卡",
    "credit_card": "信用卡",
    "wealth": "理财产品",
    "mobile_banking": "手机银行",
    "insurance": "代理保险",
}

ProductCode = Literal[
    "current_deposit",
    "term_deposit",
    "farmer_loan",
    "producer_loan",
    "business_loan",
    "debit_card",
    "credit_card",
    "wealth",
    "mobile_banking",
    "insurance",
]

LOANS = ("farmer_loan", "producer_loan", "business_loan")
CARDS = ("debit_card", "credit_card")


def product_name(code: str) -> str:
    """The Chinese name of a product code (the code itself when unknown)."""
    return PRODUCTS.get(code, code)
