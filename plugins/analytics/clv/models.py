"""The CLV area's tables: each model fit, and each customer's latest CLV figures.

A fit (``guanxi analytics clv fit``, or the weekly job) stores the BG/NBD and Gamma-Gamma
parameters with the calibration and holdout check in :class:`ModelFit`, and one
:class:`CustomerClv` row per customer with expected purchases, probability alive and CLV,
so the churn-risk list and the 360 view read them without refitting.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, JSONType, Money, UTCDateTime


class ModelFit(SQLModel, table=True):
    """One fit of the BG/NBD and Gamma-Gamma models."""

    __tablename__ = "analytics_model_fit"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    fitted_at: dt.datetime = Field(sa_type=UTCDateTime)
    calibration_start: dt.date
    calibration_end: dt.date
    observation_end: dt.date
    customers: int
    repeat_buyers: int
    # r, alpha, a, b (BG/NBD) and p, q, gamma (Gamma-Gamma), with their log-likelihoods
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    holdout: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class CustomerClv(SQLModel, table=True):
    """A customer's figures from the latest fit (one row per customer)."""

    __tablename__ = "analytics_customer_clv"
    __table_args__ = (Index("ix_analytics_customer_clv_alive", "p_alive"),)

    customer_id: int = Field(foreign_key="customer.id", primary_key=True, sa_type=BigID)
    fit_id: int = Field(foreign_key="analytics_model_fit.id", sa_type=BigID)
    frequency: int  # repeat purchases (distinct purchase days after the first)
    recency: float  # time units from the first to the last purchase
    age: float  # time units from the first purchase to the end of observation (T)
    monetary: Decimal | None = Field(default=None, sa_type=Money)  # mean repeat purchase value
    expected_purchases: float  # over the settings' horizon
    p_alive: float
    clv: Decimal | None = Field(default=None, sa_type=Money)
    computed_at: dt.datetime = Field(sa_type=UTCDateTime)


TABLES = (ModelFit, CustomerClv)
