"""Names the clv area's modules share."""

from __future__ import annotations

MODEL_FIT = "analytics.model_fit"
CUSTOMER_CLV = "analytics.customer_clv"
