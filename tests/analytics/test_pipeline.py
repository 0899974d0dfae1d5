"""Sales-cycle analytics over a handful of logged opportunities, computed by hand.

The opportunities (pipeline ``default``; Q = qualification, N = needs_analysis,
P = proposal; March 2026, all times 00:00 UTC, the edition's zone in these tests):

====  =========================================================  =====  ======
opp   entries                                                    owner  source
====  =========================================================  =====  ======
O1    created Q 03-02, → N 03-04, → P 03-10, won 03-12 (1000)    wang   web
O2    created Q 03-03, → N 03-07, lost 03-09 (price)             wang   fair
O3    created Q 03-05, → P 03-06 (skips N), won 03-20 (500)      li     web
O4    created Q 03-10, still open                                li     web
O5    created N 03-15 (skips Q), lost 03-16 (timing)             li     web
O6    created Q 02-20, → N 03-01, won 03-05 (2000)               wang   fair
O7    created Q 03-02, won 03-03 (700) — a customer agent cannot see   other
====  =========================================================  =====  ======
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from guanxi.app import App
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interactions
from guanxi.services.staff import add_staff, grant_role
from guanxi_analytics.common import Period
from guanxi_analytics.pipeline.service import (
    funnel,
    loss_reasons,
    overall_conversion,
    sales_cycle,
    time_in_stage,
    win_rate,
)

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 1))
NOW = dt.datetime(2026, 4, 15, tzinfo=dt.UTC)


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"2026-{day}T00:00:00+00:00")


def opportunity(opp: int, owner: str, source: str, entries: list[tuple[str, str, str]],
                customer: int) -> list[dict[str, Any]]:
    """The log entries of one opportunity: ``(kind, day, stage or reason/amount)``."""
    rows = []
    stage = None
    for kind, day, value in entries:
        base = {"opportunity_id": opp, "pipeline": "default"}
        if kind == "created":
            stage = value
            payload = {**base, "name": f"O{opp}", "stage": value, "amount": "0",
                       "owner": owner, "source": source}
        elif kind == "stage_changed":
            payload = {**base, "from_stage": stage, "to_stage": value, "probability": 50}
            stage = value
        elif kind == "opportunity_won":
            payload = {**base, "name": f"O{opp}", "stage": "won", "amount": value,
                       "owner": owner, "source": source}
        else:
            payload = {**base, "name": f"O{opp}", "stage": "lost", "amount": "0",
                       "owner": owner, "source": source, "reason": value}
        rows.append({"customer_id": customer, "kind": f"sales.{kind}".replace(
            "sales.created", "sales.opportunity_created"), "occurred_at": at(day),
            "direction": "internal", "payload": payload})
    return rows


def scenario(mine: int, hidden: int | None) -> list[dict[str, Any]]:
    """The log entries of the table above (O7 only with a ``hidden`` customer)."""
    return [
        *opportunity(1, "wang", "web", [("created", "03-02", "qualification"),
                                        ("stage_changed", "03-04", "needs_analysis"),
                                        ("stage_changed", "03-10", "proposal"),
                                        ("opportunity_won", "03-12", "1000")], mine),
        *opportunity(2, "wang", "fair", [("created", "03-03", "qualification"),
                                         ("stage_changed", "03-07", "needs_analysis"),
                                         ("opportunity_lost", "03-09", "price")], mine),
        *opportunity(3, "li", "web", [("created", "03-05", "qualification"),
                                      ("stage_changed", "03-06", "proposal"),
                                      ("opportunity_won", "03-20", "500")], mine),
        *opportunity(4, "li", "web", [("created", "03-10", "qualification")], mine),
        *opportunity(5, "li", "web", [("created", "03-15", "needs_analysis"),
                                      ("opportunity_lost", "03-16", "timing")], mine),
        *opportunity(6, "wang", "fair", [("created", "02-20", "qualification"),
                                         ("stage_changed", "03-01", "needs_analysis"),
                                         ("opportunity_won", "03-05", "2000")], mine),
        *([] if hidden is None else opportunity(
            7, "other", "web", [("created", "03-02", "qualification"),
                                ("opportunity_won", "03-03", "700")], hidden)),
    ]


@pytest.fixture
def app(make_analytics_app: Callable[..., App]) -> App:
    app = make_analytics_app(enable=["sales"], settings={"core": {"timezone": "UTC"}})
    with app.transaction(now=NOW) as uow:
        for name in ("agent", "other"):
            add_staff(uow, username=name, display_name=name)
            grant_role(uow, staff=name, role="agent")
        mine = add_customer(uow, name="张三", owner="agent").id
        hidden = add_customer(uow, name="王五", owner="other").id
        log_interactions(uow, scenario(mine, hidden))
    return app


def test_funnel_counts_reached_stages_cumulatively(app: App) -> None:
    with app.transaction(as_user="agent", now=NOW) as uow:
        steps = funnel(uow, MARCH)
        overall = overall_conversion(uow, MARCH)
    # Cohort created in March: O1–O5 (O6 was created in February). Furthest step:
    # O1 won, O2 N, O3 won, O4 Q, O5 N → reached Q 5, N 4 (O1 O2 O3 O5: O3 skipped N
    # but went further), P 2 (O1 O3), won 2. Entered: Q 4 (O5 started at N), N 3, P 2.
    assert [(s.stage, s.entered, s.reached, s.step_conversion, s.cumulative_conversion)
            for s in steps] == [
        ("qualification", 4, 5, None, 1.0),
        ("needs_analysis", 3, 4, 0.8, 0.8),   # 4/5
        ("proposal", 2, 2, 0.5, 0.4),         # 2/4, 2/5
        ("won", 2, 2, 1.0, 0.4),              # 2/2, 2/5
    ]
    assert overall == 0.4


def test_time_in_stage_from_consecutive_entries(app: App) -> None:
    with app.transaction(as_user="agent", now=NOW) as uow:
        rows = {r.stage: r for r in time_in_stage(uow, MARCH)}
    # Stays that ended in March — Q: O1 2, O2 4, O3 1, O6 9 (02-20 → 03-01): mean 16/4 = 4,
    # median (2+4)/2 = 3, max 9; O4 still in Q since 03-10: 22 days at 04-01.
    q = rows["qualification"]
    assert (q.stays, q.mean_days, q.median_days, q.max_days) == (4, 4.0, 3.0, 9.0)
    assert (q.open_now, q.open_mean_age_days) == (1, 22.0)
    # N: O1 6, O2 2, O5 1, O6 4 → mean 13/4 = 3.25, median (2+4)/2 = 3, max 6.
    n = rows["needs_analysis"]
    assert (n.stays, n.mean_days, n.median_days, n.max_days, n.open_now) == (
        4, 3.25, 3.0, 6.0, 0)
    # P: O1 2, O3 14 → mean 8, median 8.
    p = rows["proposal"]
    assert (p.stays, p.mean_days, p.median_days, p.max_days) == (2, 8.0, 8.0, 14.0)
    assert list(rows) == ["qualification", "needs_analysis", "proposal"]


def test_win_rate_by_owner_source_and_month(app: App) -> None:
    with app.transaction(as_user="agent", now=NOW) as uow:
        [total] = win_rate(uow, MARCH)
        owners = {r.group: (r.won, r.lost, r.win_rate, r.won_amount)
                  for r in win_rate(uow, MARCH, by="owner")}
        sources = {r.group: r.win_rate for r in win_rate(uow, MARCH, by="source")}
        months = win_rate(uow, Period(dt.date(2026, 2, 1), dt.date(2026, 4, 1)), by="month")
        reasons = [(r.reason, r.lost, r.share) for r in loss_reasons(uow, MARCH)]
    # Closed in March: won O1 O3 O6, lost O2 O5 → 3/5; won amounts 1000 + 500 + 2000.
    assert (total.won, total.lost, total.win_rate, total.won_amount) == (3, 2, 0.6, 3500.0)
    # wang: O1 O6 won, O2 lost → 2/3; li: O3 won, O5 lost → 1/2.
    assert owners == {"wang": (2, 1, 0.6667, 3000.0), "li": (1, 1, 0.5, 500.0)}
    assert sources == {"web": 0.6667, "fair": 0.5}  # web O1 O3 / O5; fair O6 / O2
    assert [(m.group, m.win_rate) for m in months] == [("2026-02", None), ("2026-03", 0.6)]
    assert reasons == [("price", 1, 0.5), ("timing", 1, 0.5)]


def test_sales_cycle_from_creation_to_win(app: App) -> None:
    with app.transaction(as_user="agent", now=NOW) as uow:
        [total] = sales_cycle(uow, MARCH)
        owners = {r.group: (r.won, r.mean_days, r.median_days)
                  for r in sales_cycle(uow, MARCH, by="owner")}
    # Won in March: O1 10 days, O3 15, O6 13 → mean 38/3 = 12.67, median 13.
    assert (total.won, total.mean_days, total.median_days, total.min_days, total.max_days) == (
        3, 12.67, 13.0, 10.0, 15.0)
    assert owners == {"wang": (2, 11.5, 11.5), "li": (1, 15.0, 15.0)}


def test_record_policies_hide_the_customers_a_user_cannot_see(app: App) -> None:
    with app.transaction(as_user="other", now=NOW) as uow:
        [theirs] = win_rate(uow, MARCH)
        steps = funnel(uow, MARCH)
    # "other" sees only O7: created Q 03-02, won 03-03 (1 day).
    assert (theirs.won, theirs.lost, theirs.won_amount) == (1, 0, 700.0)
    assert [(s.stage, s.reached) for s in steps] == [("qualification", 1), ("won", 1)]
    with app.transaction(now=NOW) as uow:
        [everyone] = win_rate(uow, MARCH)
    assert (everyone.won, everyone.lost) == (4, 2)


def test_analytics_alone_says_no_data(analytics_app: App) -> None:
    with analytics_app.transaction() as uow:
        assert funnel(uow, MARCH) == []
        assert time_in_stage(uow, MARCH) == []
        assert win_rate(uow, MARCH) == []
        assert sales_cycle(uow, MARCH) == []
        assert overall_conversion(uow, MARCH) is None


def test_kpis_and_report_sections(app: App) -> None:
    from guanxi_analytics.pipeline import html_sections, kpis

    found = {k.key: k for k in kpis()}
    with app.transaction(as_user="agent", now=NOW) as uow:
        values = {key: kpi.compute(uow, MARCH) for key, kpi in found.items()}
        sections = {s.key: s for s in html_sections(uow, MARCH)}
    # Win rate 3/5, cycle mean 38/3 days, won / created of March's cohort 2/5.
    assert values == {"pipeline.win_rate": 0.6, "pipeline.cycle_days": 12.67,
                      "pipeline.stage_conversion": 0.4}
    funnel_chart = sections["pipeline.funnel"].chart
    assert funnel_chart is not None and funnel_chart.kind == "funnel"
    assert funnel_chart.labels == ["qualification", "needs_analysis", "proposal", "won"]
    assert funnel_chart.series == {"opportunities": [5.0, 4.0, 2.0, 2.0]}
    stages = sections["pipeline.time_in_stage"].chart
    assert stages is not None and stages.series["median"] == [3.0, 3.0, 8.0]
    trend = sections["pipeline.win_rate"].chart
    assert trend is not None and (trend.kind, trend.labels, trend.series) == (
        "line", ["2026-03"], {"win rate": [60.0]})
    assert list(sections) == ["pipeline.funnel", "pipeline.time_in_stage", "pipeline.win_rate",
                              "pipeline.loss_reasons"]
