"""Cohorts, the retention matrix and retention/churn rates, computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from guanxi.app import App
from guanxi_analytics.churn.cohorts import cohort_matrix, period_retention, retention_rates
from guanxi_analytics.common import Period
from tests.analytics.churn_support import at, buy, people

JAN_MAY = Period(dt.date(2026, 1, 1), dt.date(2026, 6, 1))


@pytest.fixture
def world(analytics_app: App) -> dict[str, int]:
    """Who bought when (local months), with G owned by another agent:

    customer  Dec  Jan  Feb  Mar  Apr   cohort
    A              x    x    x          Jan
    B              x         x          Jan
    C                   x               Feb (first at 2026-02-01 04:00 local = Jan 31 UTC)
    D         x    x    x               Dec 2025 (before the period)
    E                   x         x     Feb
    G              x    x               Jan (hidden from "agent")
    F: only a note (with an amount, but not a purchase kind); H: nothing at all.
    """
    app = analytics_app
    ids = people(app, list("ABCDEFGH"), hidden=("G",))
    buy(app, ids["A"], ("2026-01-10", 100), ("2026-02-05", 50), ("2026-03-03", 70))
    buy(app, ids["B"], ("2026-01-20", 30), ("2026-03-15", 30))
    buy(app, ids["C"], ("2026-02-01 04:00", 10), ("2026-02-10", 10))
    buy(app, ids["D"], ("2025-12-05", 10), ("2026-01-15", 10), ("2026-02-15", 10))
    buy(app, ids["E"], ("2026-02-20", 10), ("2026-04-02", 10))
    buy(app, ids["G"], ("2026-01-05", 10), ("2026-02-05", 10))
    buy(app, ids["F"], ("2026-01-05", 5), kind="core.note", payload={"text": "rang"})
    return ids


def test_local_month_edge_in_utc() -> None:
    assert at("2026-02-01 04:00") == dt.datetime(2026, 1, 31, 20, 0, tzinfo=dt.UTC)


def test_retention_matrix_is_what_the_hand_computes(analytics_app: App, world: dict) -> None:
    with analytics_app.transaction(now=at("2026-06-15")) as uow:
        matrix = cohort_matrix(uow, JAN_MAY)
    # Jan cohort = A, B, G (3): Feb A, G → 2/3; Mar A, B → 2/3; Apr, May none.
    # Feb cohort = C, E (2; C's first purchase is Feb in local time): Mar 0; Apr E → 1/2;
    # May 0; +4 (June) is after the period: not observed.
    assert [(r.cohort, r.customers, r.active) for r in matrix.cohorts] == [
        ("2026-01", 3, [3, 2, 2, 0, 0]), ("2026-02", 2, [2, 0, 1, 0, None])]
    assert matrix.cohorts[0].retention == [1.0, 0.6667, 0.6667, 0.0, 0.0]
    assert matrix.cohorts[1].retention == [1.0, 0.0, 0.5, 0.0, None]
    # Size-weighted: +1 (2 + 0) / 5 = 0.4; +2 (2 + 1) / 5 = 0.6; +4 only Jan: 0 / 3.
    assert matrix.average == [1.0, 0.4, 0.6, 0.0, 0.0]
    assert matrix.months == 5


def test_restricted_user_sees_only_their_customers(analytics_app: App, world: dict) -> None:
    with analytics_app.transaction(as_user="agent", now=at("2026-06-15")) as uow:
        matrix = cohort_matrix(uow, JAN_MAY)
        rows = retention_rates(uow, JAN_MAY)
    # Without G the Jan cohort is A, B: Feb A → 1/2, Mar A, B → 2/2.
    assert matrix.cohorts[0].active == [2, 1, 2, 0, 0]
    # Jan: active A, B, D (3); Feb: A, C, D, E (4), retained from Jan A, D.
    assert (rows[0].active, rows[1].active, rows[1].retained) == (3, 4, 2)


def test_monthly_retention_and_churn(analytics_app: App, world: dict) -> None:
    with analytics_app.transaction(now=at("2026-06-15")) as uow:
        rows = retention_rates(uow, JAN_MAY)
    got = [(r.period, r.at_risk, r.active, r.new, r.retained, r.reactivated, r.lost,
            r.retention_rate, r.churn_rate, r.crr) for r in rows]
    assert got == [
        # S = Dec {D}; E = {A, B, D, G}; N = {A, B, G}; retained D. (E − N)/S = 1/1.
        ("2026-01", 1, 4, 3, 1, 0, 0, 1.0, 0.0, 1.0),
        # S = {A, B, D, G}; E = {A, C, D, E, G}; N = {C, E}; retained A, D, G; lost B.
        ("2026-02", 4, 5, 2, 3, 0, 1, 0.75, 0.25, 0.75),
        # S = 5; E = {A, B}; retained A; B reactivated; lost 4. (E − N)/S = 2/5.
        ("2026-03", 5, 2, 0, 1, 1, 4, 0.2, 0.8, 0.4),
        # S = {A, B}; E = {E} reactivated; lost 2. (E − N)/S = 1/2.
        ("2026-04", 2, 1, 0, 0, 1, 2, 0.0, 1.0, 0.5),
        ("2026-05", 1, 0, 0, 0, 0, 1, 0.0, 1.0, 0.0),
    ]
    assert all(r.complete for r in rows)


def test_quarterly_retention(analytics_app: App, world: dict) -> None:
    with analytics_app.transaction(now=at("2026-06-15")) as uow:
        rows = retention_rates(uow, JAN_MAY, by="quarter")
    # Q4 2025 {D} → Q1 {A, B, C, D, E, G}: D retained, 5 new. Q2 {E}: 1 of 6 retained.
    assert [(r.period, r.at_risk, r.retained, r.new, r.retention_rate) for r in rows] == [
        ("2026-Q1", 1, 1, 5, 1.0), ("2026-Q2", 6, 1, 0, 0.1667)]
    # On 15 June the second quarter is still running.
    assert [r.complete for r in rows] == [True, False]


def test_period_retention_against_the_window_before(analytics_app: App, world: dict) -> None:
    with analytics_app.transaction(now=at("2026-06-15")) as uow:
        row = period_retention(uow, Period(dt.date(2026, 3, 1), dt.date(2026, 5, 1)))
    # Jan–Feb {A, B, C, D, E, G} (6) → Mar–Apr {A, B, E}: 3 retained, 3 lost.
    assert (row.at_risk, row.active, row.retained, row.lost) == (6, 3, 3, 3)
    assert (row.retention_rate, row.churn_rate) == (0.5, 0.5)


def test_no_purchases_gives_empty_results_not_errors(analytics_app: App) -> None:
    with analytics_app.transaction(now=at("2026-06-15")) as uow:
        matrix = cohort_matrix(uow, JAN_MAY)
        rows = retention_rates(uow, JAN_MAY)
        total = period_retention(uow, JAN_MAY)
    assert matrix.cohorts == [] and matrix.average == [None] * 5
    assert all(r.retention_rate is None and r.at_risk == 0 for r in rows)
    assert total.retention_rate is None and total.churn_rate is None
