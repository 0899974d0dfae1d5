"""The lifetime value analysis, read from the core's customer rollups.

A small world where only purchases carry revenue and nothing is corrected, so the
lifetime figures must equal the log path over a period covering all history. Unit costs:
a core.contact costs 5, always (a rule naming only a kind, evaluable from the rollups'
counts per kind). "Now" is 2026-06-01 02:00 UTC; purchases are at noon Shanghai
(04:00 UTC), so recency is whole days less two hours.

==  ===========================================  =======  ========  ======  ====  =======
id  interactions (all history)                   revenue  cost      margin  buys  recency
==  ===========================================  =======  ========  ======  ====  =======
A   buys 2025-11-01 500, 03-01 500, 05-20 1000     2000     0        2000     3   11.9 d
B   buys 01-15 3000                                3000     0        3000     1  136.9 d
C   buys 05-01 100, 05-30 100                       200     0         200     2    1.9 d
D   buys 02-01 100; phone call, cost 300 logged     100   300 + 5     -205    1  119.9 d
E   nothing                                           0     0           0     0
G   two contacts, no cost logged                      0   2 × 5 = 10  -10     0
H   buys 04-01 400; a contact                       400     5         395     1   60.9 d
==  ===========================================  =======  ========  ======  ====  =======
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from guanxi.app import App, create_app
from guanxi.errors import ValidationError
from guanxi.testing import GuanxiCli
from guanxi_analytics.common import Period
from guanxi_analytics.value.lifetime import collect_lifetime, history_period
from guanxi_analytics.value.models import CustomerValue
from guanxi_analytics.value.service import analyse, analyse_lifetime, customer_rows
from guanxi_analytics.value.store import refresh_values
from tests.analytics.value_support import NOW, agent, at, buy, customers, log

ALL_HISTORY = Period(dt.date(2025, 1, 1), dt.date(2026, 6, 2))
KIND_COSTS = {"unit_costs": [{"kind": "core.contact", "cost": "5"}],
              "unit_cost_when": "always"}
CHANNEL_COSTS = {"unit_costs": [{"kind": "core.contact", "channel": "visit", "cost": "50"},
                                {"kind": "core.contact", "cost": "5"}]}


def settings(**value: object) -> dict:
    return {"analytics": {"value": {**value}}}


def build_world(app: App, owner: str | None = None, hidden: str | None = None) -> dict[str, int]:
    """The customers of the module docstring; B is owned by ``hidden`` when given."""
    ids = customers(app, ["A", "C", "D", "E", "G", "H"], owner=owner)
    ids |= customers(app, ["B"], owner=hidden)
    buy(app, ids["A"], ("2025-11-01", 500), ("2026-03-01", 500), ("2026-05-20", 1000))
    buy(app, ids["B"], ("2026-01-15", 3000))
    buy(app, ids["C"], ("2026-05-01", 100), ("2026-05-30", 100))
    buy(app, ids["D"], ("2026-02-01", 100))
    log(app, [(ids["D"], "core.contact", "2026-02-01", None, 300)], channel="phone")
    log(app, [(ids["G"], "core.contact", "2026-03-03", None, None)], channel="visit")
    log(app, [(ids["G"], "core.contact", "2026-03-04", None, None)], channel="phone")
    buy(app, ids["H"], ("2026-04-01", 400))
    log(app, [(ids["H"], "core.contact", "2026-04-01", None, None)], channel="visit")
    return ids


def named(rows: list, ids: dict[str, int]) -> dict[str, object]:
    names = {v: k for k, v in ids.items()}
    return {names[row.customer_id]: row for row in rows}


def test_lifetime_equals_the_log_over_all_history(make_analytics_app: Callable[..., App]) -> None:
    app = make_analytics_app(settings=settings(**KIND_COSTS))
    ids = build_world(app)
    with app.transaction(now=NOW) as uow:
        lifetime = analyse_lifetime(uow)
        logged = analyse(uow, ALL_HISTORY)
        life_rows = named(customer_rows(lifetime, uow, limit=None), ids)
        log_rows = named(customer_rows(logged, uow, limit=None), ids)
    assert lifetime.extra["source"] == "rollups"
    # The history starts on A's first purchase (2025-11-01 Shanghai) and ends today.
    assert lifetime.period == Period(dt.date(2025, 11, 1), dt.date(2026, 6, 2))
    assert {n: (r.revenue, r.cost, r.margin, r.purchases, r.recency_days)
            for n, r in life_rows.items()} == {
        "A": (Decimal("2000.00"), Decimal("0.00"), Decimal("2000.00"), 3, 11),
        "B": (Decimal("3000.00"), Decimal("0.00"), Decimal("3000.00"), 1, 136),
        "C": (Decimal("200.00"), Decimal("0.00"), Decimal("200.00"), 2, 1),
        "D": (Decimal("100.00"), Decimal("305.00"), Decimal("-205.00"), 1, 119),
        "E": (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), 0, None),
        "G": (Decimal("0.00"), Decimal("10.00"), Decimal("-10.00"), 0, None),
        "H": (Decimal("400.00"), Decimal("5.00"), Decimal("395.00"), 1, 60),
    }
    assert life_rows["A"].last_purchase_at == at("2026-05-20")
    # Customer by customer, every figure and class is the log path's.
    assert set(life_rows) == set(log_rows)
    for name, row in life_rows.items():
        assert row == log_rows[name], name
    for field in ("tier", "abc", "quadrant", "member", "r", "f", "m", "segment"):
        assert list(getattr(lifetime, field)) == list(getattr(logged, field)), field
    np.testing.assert_allclose(lifetime.recency_days, logged.recency_days)
    assert lifetime.cuts == logged.cuts
    # Spot check of the classes: positive margins 200, 395, 2000, 3000; P80 at index
    # 2.4 → 2000 + 0.4·1000 = 2400 (B high), P50 at 1.5 → 395 + 0.5·1605 = 1197.5 (A medium).
    assert {n: r.tier for n, r in life_rows.items()} == {
        "A": "medium", "B": "high", "C": "low", "D": "negative", "E": "zero",
        "G": "negative", "H": "low"}


def test_unit_costs_by_kind_are_counted_from_the_rollups(
        make_analytics_app: Callable[..., App]) -> None:
    # contact 5, sales-free world: a purchase kind may carry a unit cost too (2 each).
    app = make_analytics_app(settings=settings(
        unit_costs=[{"kind": "core.contact", "cost": "5"},
                    {"kind": "core.contact", "cost": "99"},  # shadowed: first rule wins
                    {"kind": "core.purchase", "cost": "2"}],
        unit_cost_when="always"))
    ids = build_world(app)
    with app.transaction(now=NOW) as uow:
        figures = collect_lifetime(uow)
    cost = dict(zip(figures.customer_id.tolist(), figures.cost.tolist(), strict=True))
    # A: 3 purchases × 2 = 6; D: 300 logged + 5 + 2 = 307; G: 2 × 5 = 10; H: 5 + 2 = 7.
    assert {name: cost[i] for name, i in ids.items()} == {
        "A": 600, "B": 200, "C": 400, "D": 30700, "E": 0, "G": 1000, "H": 700}


@pytest.mark.parametrize(("value", "setting"), [
    (CHANNEL_COSTS, "analytics.value.unit_costs"),
    ({"unit_costs": [{"kind": "core.contact", "cost": "5"}]},
     "analytics.value.unit_cost_when"),
])
def test_unit_costs_the_rollups_cannot_evaluate_fall_back_to_the_log(
        make_analytics_app: Callable[..., App], value: dict, setting: str) -> None:
    app = make_analytics_app(settings=settings(**value))
    ids = build_world(app)
    with app.transaction(now=NOW) as uow:
        with pytest.raises(ValidationError) as refused:
            collect_lifetime(uow)
        assert refused.value.field == setting
        analysis = analyse_lifetime(uow)
        logged = analyse(uow, Period(dt.date(2025, 11, 1), dt.date(2026, 6, 2)))
    assert analysis.extra["source"] == "log"
    assert analysis.extra["fallback"].startswith(setting + ": ")
    cost = dict(zip(analysis.figures.customer_id.tolist(), analysis.figures.cost.tolist(),
                    strict=True))
    # Only without a logged cost: D keeps its 300; G and H are priced by the log.
    if setting.endswith("unit_costs"):  # visit 50, other contacts 5
        assert (cost[ids["D"]], cost[ids["G"]], cost[ids["H"]]) == (30000, 5500, 5000)
    else:  # every contact 5
        assert (cost[ids["D"]], cost[ids["G"]], cost[ids["H"]]) == (30000, 1000, 500)
    assert list(analysis.tier) == list(logged.tier)


def test_corrections_count_as_the_rollups_count_them(
        make_analytics_app: Callable[..., App]) -> None:
    from guanxi.services.interactions import log_interactions

    app = make_analytics_app(settings=settings(**KIND_COSTS))
    ids = customers(app, ["A"])
    with app.transaction(now=NOW) as uow:
        bought = log_interactions(uow, [
            {"customer_id": ids["A"], "kind": "core.purchase", "occurred_at": at(day),
             "revenue": Decimal(amount)} for day, amount in (("2026-03-01", "500"),
                                                            ("2026-04-01", "300"))])
        log_interactions(uow, [{"customer_id": ids["A"], "kind": "core.purchase",
                                "occurred_at": at("2026-04-02"), "revenue": Decimal("-300"),
                                "corrects_id": bought[1].id}])
    with app.transaction(now=NOW) as uow:
        lifetime = analyse_lifetime(uow).figures
        logged = analyse(uow, ALL_HISTORY).figures
    # Revenue nets out on both paths: 500 + 300 - 300 = 500. The rollups count the
    # correction as a third core.purchase entry; the log path counts 2 purchases.
    assert (lifetime.revenue.tolist(), lifetime.spend.tolist()) == ([50000], [50000])
    assert (logged.revenue.tolist(), logged.spend.tolist()) == ([50000], [50000])
    assert (lifetime.purchases.tolist(), logged.purchases.tolist()) == ([3], [2])


def test_an_agent_leaves_out_the_customer_he_cannot_see(
        make_analytics_app: Callable[..., App]) -> None:
    app = make_analytics_app(settings=settings(**KIND_COSTS))
    agent(app, "agent")
    agent(app, "other")
    ids = build_world(app, owner="agent", hidden="other")
    with app.transaction(now=NOW, as_user="agent") as uow:
        analysis = analyse_lifetime(uow)
    seen = set(analysis.figures.customer_id.tolist())
    assert ids["B"] not in seen
    assert seen == {ids[n] for n in "ACDEGH"}
    # B's 3000 is in no total: 2000 + 200 + 100 + 400.
    assert int(analysis.figures.revenue.sum()) == 270000


def test_refresh_lifetime_stores_the_history_as_period(
        make_analytics_app: Callable[..., App]) -> None:
    app = make_analytics_app(settings=settings(**KIND_COSTS))
    ids = build_world(app)
    with app.transaction(now=NOW) as uow:
        assert refresh_values(uow, lifetime=True) == 7
        with pytest.raises(ValidationError):
            refresh_values(uow, ALL_HISTORY, lifetime=True)
        stored = uow.session.get(CustomerValue, ids["D"])
        assert history_period(uow) == Period(dt.date(2025, 11, 1), dt.date(2026, 6, 2))
    assert stored is not None
    assert (stored.period_start, stored.tier, stored.margin) == (
        dt.date(2025, 11, 1), "negative", Decimal("-205.00"))


def test_without_any_interaction_the_lifetime_is_empty_not_nan(
        make_analytics_app: Callable[..., App]) -> None:
    app = make_analytics_app(settings=settings(**KIND_COSTS))
    customers(app, ["A"])
    with app.transaction(now=NOW) as uow:
        analysis = analyse_lifetime(uow)
    assert analysis.period == Period(dt.date(2026, 6, 1), dt.date(2026, 6, 2))
    assert (list(analysis.tier), analysis.figures.purchases.tolist()) == (["zero"], [0])


def test_lifetime_on_the_command_line(tmp_path: Path, database_url: str) -> None:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["analytics"])
    cli("init", "--db", database_url)
    config = tmp_path / "crm" / "guanxi.toml"
    config.write_text(config.read_text(encoding="utf-8") + """
[analytics.value]
unit_costs = [{ kind = "core.contact", cost = 5 }]
unit_cost_when = "always"
""", encoding="utf-8")
    app = create_app(tmp_path / "crm", settings={"core": {"database_url": database_url}},
                     enable=["analytics"], environ={})
    try:
        build_world(app)
    finally:
        app.close()
    lifetime = cli.json("analytics", "value", "tiers", "--lifetime")
    logged = cli.json("analytics", "value", "tiers", "--from", "2025-01-01")
    assert lifetime == logged
    # high B 3000; medium A 2000; low C 200 + H 395; negative D -205, G -10; zero E.
    assert [(r["tier"], r["customers"], r["margin"]) for r in lifetime] == [
        ("high", 1, "3000.00"), ("medium", 1, "2000.00"), ("low", 2, "595.00"),
        ("zero", 1, "0.00"), ("negative", 2, "-215.00")]
    rows = cli.json("analytics", "value", "customers", "--lifetime", "--sort", "revenue")
    assert [(r["name"], r["purchases"], r["spend"]) for r in rows[:2]] == [
        ("B", 1, "3000.00"), ("A", 3, "2000.00")]
    result = cli.json("analytics", "value", "concentration", "--lifetime")
    assert result["period"]["lifetime"] is True
    assert result["period"]["source"] == "rollups"
    text = cli("analytics", "value", "tiers", "--lifetime").stdout
    assert "lifetime to" in text and "(rollups)" in text
    error = cli.fails("analytics", "value", "rfm", "--lifetime", "--from", "2026-01-01")
    assert "--lifetime" in error and "--from/--to" in error
    report = cli.json("report", "run", "analytics.value_distribution", "--option",
                      "lifetime=true")
    assert report["period"] == {"from": "2025-11-01", "to": report["period"]["to"],
                                "lifetime": True, "source": "rollups"}
    assert [r["customers"] for r in report["rows"]] == [1, 1, 2, 1, 2]
    # Revenue 5700, B's 3000 is the top 20% of 5 customers with revenue (one customer).
    concentration = cli.json("report", "run", "analytics.value_concentration", "--option",
                             "lifetime=yes")
    assert concentration["top_revenue_share"] == pytest.approx(3000 / 5700)
    assert "lifetime" in cli.fails("report", "run", "analytics.value_concentration",
                                   "--option", "lifetime=true", "--option", "from=2026-01-01")
    assert "lifetime" in cli.fails("report", "run", "analytics.value_concentration",
                                   "--option", "lifetime=maybe")
    stored = cli.json("analytics", "value", "refresh", "--lifetime")
    assert (stored["stored"], stored["from"], stored["lifetime"]) == (7, "2025-11-01", True)
