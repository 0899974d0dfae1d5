"""Customer value over a small world whose every figure is worked out by hand.

The period is 1 January – 31 May 2026 (Shanghai); it ends at 2026-05-31 16:00 UTC, from
which recency is counted (purchases are logged at noon Shanghai, 04:00 UTC). Unit costs:
a core.contact by visit costs 50, any other core.contact 5, unless a cost was logged.

==  =====================================  =======  ====  ======  =========  ========
id  interactions in the period             revenue  cost  margin  purchases  recency
==  =====================================  =======  ====  ======  =========  ========
A   buys 03-01 500, 04-10 500, 05-20 1000    2000     0    2000      3        11.5 d
B   buys 01-15 3000                          3000     0    3000      1       136.5 d
C   buys 05-01 100, 05-30 100                 200     0     200      2         1.5 d
D   buys 02-01 100; phone call, cost 300      100   300    -200      1       119.5 d
E   nothing                                     0     0       0      0
F   bought 2025-12-31 (before the period)       0     0       0      0
G   visit (50) and phone call (5), no cost      0    55     -55      0
H   buys 04-01 400; a visit (50)              400    50     350      1        60.5 d
==  =====================================  =======  ====  ======  =========  ========
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from guanxi.app import App
from guanxi.errors import AccessDenied, ValidationError
from guanxi.services.staff import add_staff, grant_role
from guanxi_analytics.common import Period
from guanxi_analytics.value.service import (
    analyse,
    concentration,
    customer_rows,
    distribution,
)
from guanxi_analytics.value.store import refresh_values, stored_values
from tests.analytics.value_support import NOW, agent, at, buy, customers, log

PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 6, 1))
COSTS = [{"kind": "core.contact", "channel": "visit", "cost": "50"},
         {"kind": "core.contact", "cost": "5"}]


def value_settings(**more: object) -> dict:
    """Fresh settings each time (the app factory adds its database URL to them)."""
    return {"analytics": {"value": {"unit_costs": COSTS, **more}}}


def build_world(app: App, owner: str | None = None, hidden: str | None = None) -> dict[str, int]:
    """The customers of the module docstring; B is owned by ``hidden`` when given."""
    ids = customers(app, ["A", "C", "D", "E", "F", "G", "H"], owner=owner)
    ids |= customers(app, ["B"], owner=hidden)
    buy(app, ids["A"], ("2026-03-01", 500), ("2026-04-10", 500), ("2026-05-20", 1000))
    buy(app, ids["B"], ("2026-01-15", 3000))
    buy(app, ids["C"], ("2026-05-01", 100), ("2026-05-30", 100))
    buy(app, ids["D"], ("2026-02-01", 100))
    log(app, [(ids["D"], "core.contact", "2026-02-01", None, 300)], channel="phone")
    buy(app, ids["F"], ("2025-12-31", 999))
    log(app, [(ids["G"], "core.contact", "2026-03-03", None, None)], channel="visit")
    log(app, [(ids["G"], "core.contact", "2026-03-04", None, None)], channel="phone")
    buy(app, ids["H"], ("2026-04-01", 400))
    log(app, [(ids["H"], "core.contact", "2026-04-01", None, None)], channel="visit")
    return ids


@pytest.fixture
def app(make_analytics_app: Callable[..., App]) -> App:
    return make_analytics_app(settings=value_settings())


@pytest.fixture
def world(app: App) -> dict[str, int]:
    return build_world(app)


def by_name(rows: list, ids: dict[str, int]) -> dict[str, object]:
    names = {v: k for k, v in ids.items()}
    return {names[row.customer_id]: row for row in rows}


def test_figures_tiers_classes_and_rfm_of_every_customer(app: App, world: dict) -> None:
    with app.transaction(now=NOW) as uow:
        analysis = analyse(uow, PERIOD)
        rows = by_name(customer_rows(analysis, uow, limit=None), world)
    figures = {name: (row.revenue, row.cost, row.margin, row.purchases, row.recency_days)
               for name, row in rows.items()}
    assert figures == {
        "A": (Decimal("2000.00"), Decimal("0.00"), Decimal("2000.00"), 3, 11),
        "B": (Decimal("3000.00"), Decimal("0.00"), Decimal("3000.00"), 1, 136),
        "C": (Decimal("200.00"), Decimal("0.00"), Decimal("200.00"), 2, 1),
        "D": (Decimal("100.00"), Decimal("300.00"), Decimal("-200.00"), 1, 119),
        "E": (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), 0, None),
        "F": (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), 0, None),
        "G": (Decimal("0.00"), Decimal("55.00"), Decimal("-55.00"), 0, None),
        "H": (Decimal("400.00"), Decimal("50.00"), Decimal("350.00"), 1, 60),
    }
    assert rows["A"].last_purchase_at == at("2026-05-20")
    # Positive margins 200, 350, 2000, 3000: P80 at index 2.4 → 2000 + 0.4·1000 = 2400,
    # P50 at index 1.5 → 350 + 0.5·1650 = 1175.
    assert (analysis.cuts.tier_high, analysis.cuts.tier_medium) == pytest.approx(
        (240000.0, 117500.0))
    assert {n: r.tier for n, r in rows.items()} == {
        "A": "medium", "B": "high", "C": "low", "D": "negative", "E": "zero", "F": "zero",
        "G": "negative", "H": "low"}
    # Revenue 5700, largest first: B (before 0), A (before 52.6%) → A; H (before 87.7%),
    # C (before 94.7%) → B; D (before 98.2%) → C.
    assert {n: r.abc for n, r in rows.items()} == {
        "A": "A", "B": "A", "C": "B", "D": "C", "E": None, "F": None, "G": None, "H": "B"}
    # Customers with revenue or cost: A B C D G H. Median revenue of 0, 100, 200, 400,
    # 2000, 3000 is 300; median cost of 0, 0, 0, 50, 55, 300 is 25.
    assert {n: r.quadrant for n, r in rows.items()} == {
        "A": "rev_high_cost_low", "B": "rev_high_cost_low", "C": "rev_low_cost_low",
        "D": "rev_low_cost_high", "E": None, "F": None, "G": "rev_low_cost_high",
        "H": "rev_high_cost_high"}
    # Buyers A B C D H: median count of 3, 1, 2, 1, 1 is 1; median spend of 2000, 3000,
    # 200, 100, 400 is 400 (H's 400 is not above it).
    assert {n: r.member_class for n, r in rows.items() if r.member_class} == {
        "A": "confidant", "B": "butterfly", "C": "barnacle", "D": "passer_by",
        "H": "passer_by"}
    # R on −days: cuts −122.9, −84.1, −40.9, −9.5 → B 1, D 2, H 3, A 4, C 5.
    # F of 3, 1, 2, 1, 1: cuts 1, 1, 1.4, 2.2 → the ones 1, C 4, A 5.
    # M of 2000, 3000, 200, 100, 400: cuts 180, 320, 1040, 2200 → D 1, C 2, H 3, A 4, B 5.
    assert {n: (r.r, r.f, r.m, r.rfm_segment) for n, r in rows.items() if r.r} == {
        "A": (4, 5, 4, "champions"),  # FM ⌈4.5⌉ = 5
        "B": (1, 1, 5, "at_risk"),  # FM 3
        "C": (5, 4, 2, "potential_loyalists"),  # FM 3
        "D": (2, 1, 1, "hibernating"),  # FM 1
        "H": (3, 1, 3, "about_to_sleep"),  # FM 2
    }


def test_distribution_by_tier_counts_revenue_and_shares(app: App, world: dict) -> None:
    with app.transaction(now=NOW) as uow:
        rows = distribution(analyse(uow, PERIOD), "tier")
    got = {r.group: (r.customers, r.revenue, r.cost, r.margin) for r in rows}
    assert got == {
        "high": (1, Decimal("3000.00"), Decimal("0.00"), Decimal("3000.00")),
        "medium": (1, Decimal("2000.00"), Decimal("0.00"), Decimal("2000.00")),
        "low": (2, Decimal("600.00"), Decimal("50.00"), Decimal("550.00")),
        "zero": (2, Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
        "negative": (2, Decimal("100.00"), Decimal("355.00"), Decimal("-255.00")),
    }
    high = rows[0]
    # 1 of 8 customers; 3000 of 5700 revenue; 3000 of 5295 margin (5700 − 405).
    assert high.customer_share == pytest.approx(1 / 8)
    assert high.revenue_share == pytest.approx(3000 / 5700)
    assert high.margin_share == pytest.approx(3000 / 5295)
    assert rows[2].avg_margin == Decimal("275.00")


def test_concentration_top_20_percent_and_gini(app: App, world: dict) -> None:
    with app.transaction(now=NOW) as uow:
        result = concentration(analyse(uow, PERIOD))
    # Five customers have revenue; the top 20% is one (B, 3000 of 5700; margin 3000 of
    # 2000 + 3000 + 200 − 200 + 350 = 5350).
    assert (result["customers"], result["top_customers"]) == (5, 1)
    assert result["top_revenue_share"] == pytest.approx(3000 / 5700)
    assert result["top_margin_share"] == pytest.approx(3000 / 5350)
    # Ascending 100, 200, 400, 2000, 3000: Σ i·x = 24700; 2·24700/(5·5700) − 6/5.
    assert result["gini"] == pytest.approx(49400 / 28500 - 1.2)
    assert result["lorenz"][0] == {"customer_share": 0.0, "revenue_share": 0.0}
    assert result["lorenz"][-1]["revenue_share"] == pytest.approx(1.0)
    # At 20% of customers (the smallest, D's 100): 100/5700.
    assert result["lorenz"][4]["revenue_share"] == pytest.approx(100 / 5700)


def test_absolute_cut_offs_replace_percentiles_and_medians(
        make_analytics_app: Callable[..., App]) -> None:
    app = make_analytics_app(settings=value_settings(
        tier_basis="absolute", high_margin="1000", medium_margin="300",
        quadrant_revenue_cut="1000", quadrant_cost_cut="100", member_count_cut=2,
        member_spend_cut="150"))
    ids = build_world(app)
    with app.transaction(now=NOW) as uow:
        rows = by_name(customer_rows(analyse(uow, PERIOD), uow, limit=None), ids)
    assert {n: r.tier for n, r in rows.items() if r.margin > 0} == {
        "A": "high", "B": "high", "C": "low", "H": "medium"}
    assert (rows["H"].quadrant, rows["D"].quadrant) == ("rev_low_cost_low",
                                                         "rev_low_cost_high")
    # Count above 2: only A (3); spend above 150: A, B, C, H.
    assert {n: r.member_class for n, r in rows.items() if r.member_class} == {
        "A": "confidant", "B": "butterfly", "C": "butterfly", "D": "passer_by",
        "H": "butterfly"}


def test_unit_costs_apply_only_without_a_logged_cost_unless_always(
        make_analytics_app: Callable[..., App]) -> None:
    app = make_analytics_app(settings=value_settings(unit_cost_when="always"))
    ids = build_world(app)
    with app.transaction(now=NOW) as uow:
        rows = by_name(customer_rows(analyse(uow, PERIOD), uow, limit=None), ids)
    assert rows["D"].cost == Decimal("305.00")  # 300 logged + 5 for the call
    assert rows["G"].cost == Decimal("55.00")


def test_refresh_stores_every_customer_and_replaces_the_last_refresh(
        app: App, world: dict) -> None:
    with app.transaction(now=NOW) as uow:
        assert refresh_values(uow, PERIOD) == 8
    with app.transaction(now=NOW) as uow:
        stored = by_name(stored_values(uow, limit=100), world)
    assert list(stored) == ["B", "A", "H", "C", "E", "F", "G", "D"]  # margin, highest first
    b = stored["B"]
    assert (b.tier, b.abc, b.quadrant, b.member_class, b.rfm, b.rfm_segment) == (
        "high", "A", "rev_high_cost_low", "butterfly", "115", "at_risk")
    assert (b.revenue, b.period) == (Decimal("3000.00"), "2026-01-01 – 2026-05-31")
    assert stored["E"].rfm is None and stored["E"].tier == "zero"
    # A later refresh over a shorter period replaces every row: only A, C and H bought
    # in May... of whom A and C; H bought in April.
    with app.transaction(now=NOW) as uow:
        assert refresh_values(uow, Period(dt.date(2026, 5, 1), dt.date(2026, 6, 1))) == 8
        again = by_name(stored_values(uow, limit=100), world)
    assert again["B"].tier == "zero" and again["A"].revenue == Decimal("1000.00")
    assert {n for n, r in again.items() if r.rfm} == {"A", "C"}


def test_without_any_interaction_nothing_is_nan(analytics_app: App) -> None:
    customers(analytics_app, ["甲", "乙"])
    with analytics_app.transaction(now=NOW) as uow:
        analysis = analyse(uow, PERIOD)
        tiers = distribution(analysis, "tier")
        result = concentration(analysis)
        segments = distribution(analysis, "segment")
    assert [(r.group, r.customers) for r in tiers if r.customers] == [("zero", 2)]
    assert tiers[0].revenue_share is None
    assert result["top_revenue_share"] is None and result["gini"] is None
    assert sum(r.customers for r in segments) == 0


def test_bad_options_name_the_option(app: App, world: dict) -> None:
    with app.transaction(now=NOW) as uow:
        analysis = analyse(uow, PERIOD)
        with pytest.raises(ValidationError, match="by"):
            distribution(analysis, "colour")
        with pytest.raises(ValidationError, match="tier"):
            customer_rows(analysis, uow, by="tier", group="golden")
        with pytest.raises(ValidationError, match="sort"):
            customer_rows(analysis, uow, sort="height")
        with pytest.raises(ValidationError, match="tier"):
            stored_values(uow, tier="golden")
    with pytest.raises(ValidationError, match="to"):
        Period(dt.date(2026, 5, 1), dt.date(2026, 4, 1))


def test_settings_refuse_inconsistent_cut_offs(make_analytics_app: Callable[..., App]) -> None:
    from guanxi.errors import ConfigError

    for bad in ({"medium_percentile": 90}, {"abc_b_share": 0.5},
                {"tier_basis": "absolute", "high_margin": "100"},
                {"unit_costs": [{"cost": "5"}]}, {"unit_costs": [{"kind": "x", "cost": "-1"}]}):
        with pytest.raises((ConfigError, ValueError)):
            make_analytics_app(settings={"analytics": {"value": bad}}, migrate=False)


def test_a_user_sees_only_the_customers_he_may(app: App) -> None:
    agent(app, "agent")
    agent(app, "other")
    ids = build_world(app, owner="agent", hidden="other")
    with app.transaction(now=NOW) as uow:
        refresh_values(uow, PERIOD)
    with app.transaction(now=NOW, as_user="agent") as uow:
        analysis = analyse(uow, PERIOD)
        rows = by_name(customer_rows(analysis, uow, limit=None), ids)
        stored = by_name(stored_values(uow, limit=100), ids)
        result = concentration(analysis)
    assert "B" not in rows and "B" not in stored and len(rows) == 7
    # Without B the revenue is 2700; the top customer of four is A (2000).
    assert result["top_revenue_share"] == pytest.approx(2000 / 2700)
    with pytest.raises(AccessDenied), app.transaction(now=NOW, as_user="agent") as uow:
        refresh_values(uow, PERIOD)
    # A manager may update the table but sees only his department: tiers relative to a
    # part of the customer base would be wrong for the rest, so the refresh is refused.
    with app.transaction(now=NOW) as uow:
        add_staff(uow, username="boss", display_name="经理")
        grant_role(uow, staff="boss", role="manager")
    with pytest.raises(ValidationError, match="sees all customers"), \
            app.transaction(now=NOW, as_user="boss") as uow:
        refresh_values(uow, PERIOD)


def test_a_role_without_the_grant_may_not_analyse(app: App, world: dict) -> None:
    with app.transaction(now=NOW) as uow:
        add_staff(uow, username="nobody", display_name="无角色")
    with pytest.raises(AccessDenied), app.transaction(now=NOW, as_user="nobody") as uow:
        analyse(uow, PERIOD)
