"""The CLV area on small histories: the summary from the log (worked out by hand), the
stored per-customer figures against the formulas, bad input, record policies, privacy,
the job, reports, KPIs and report sections."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi.privacy import erase_customer, export_personal_data
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interactions
from guanxi.services.staff import add_staff, grant_role
from guanxi_analytics import clv as area
from guanxi_analytics.clv import fitting
from guanxi_analytics.clv.models import CustomerClv, ModelFit
from guanxi_analytics.clv.service import (
    MONTH_DAYS,
    customer_rows,
    fit_models,
    latest_fit,
)
from guanxi_analytics.clv.summary import day_number, purchase_days, summarise, utc_offsets
from guanxi_analytics.common import Period
from tests.analytics.clv_support import small_base

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL, OBS = dt.date(2025, 9, 30), dt.date(2025, 12, 31)
PERIOD = Period(dt.date(2025, 1, 1), dt.date(2026, 1, 1))


def at(text: str, tz: dt.tzinfo = SHANGHAI) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=tz)


def count(app: App, model: type) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_summary_counts_local_days_merges_a_day_and_applies_corrections(
    analytics_app: App,
) -> None:
    app = analytics_app
    with app.transaction() as uow:
        a = add_customer(uow, name="甲").id
        b = add_customer(uow, name="乙").id
        rows = log_interactions(uow, [
            # A: two purchases on 5 January (one day, 150), 19 January (30), 2 February (60).
            {"customer_id": a, "kind": "core.purchase", "occurred_at": at("2026-01-05 10:00"),
             "revenue": Decimal("100")},
            {"customer_id": a, "kind": "core.purchase", "occurred_at": at("2026-01-05 20:00"),
             "revenue": Decimal("50")},
            {"customer_id": a, "kind": "core.purchase", "occurred_at": at("2026-01-19 12:00"),
             "revenue": Decimal("30")},
            {"customer_id": a, "kind": "core.purchase", "occurred_at": at("2026-02-02 12:00"),
             "revenue": Decimal("60")},
            {"customer_id": a, "kind": "core.note", "occurred_at": at("2026-02-03 12:00"),
             "payload": {"text": "回访"}},
            # After the end of calibration: a holdout purchase, not in the summary.
            {"customer_id": a, "kind": "core.purchase", "occurred_at": at("2026-03-02 12:00"),
             "revenue": Decimal("10")},
            # B: 09:00 on 5 January and 00:30 on 6 January in Shanghai — the same UTC day
            # (5 January, 16:30 UTC) but two local days.
            {"customer_id": b, "kind": "core.purchase", "occurred_at": at("2026-01-05 09:00"),
             "revenue": Decimal("20")},
            {"customer_id": b, "kind": "core.purchase", "occurred_at": at("2026-01-06 00:30"),
             "revenue": Decimal("40")},
        ])
        # A refund of 20 on the 2 February purchase, logged on 10 February: its day's
        # revenue becomes 40, and it is no purchase day of its own.
        log_interactions(uow, [{"customer_id": a, "kind": "core.purchase",
                                "occurred_at": at("2026-02-10 12:00"),
                                "revenue": Decimal("-20"), "corrects_id": rows[3].id}])
    with app.transaction() as uow:
        days = purchase_days(uow, ["core.purchase", "sales.order"], dt.date(2026, 2, 28),
                             SHANGHAI)
    start = day_number(dt.date(2026, 1, 5))
    assert [(c, d - start, r) for c, d, r in zip(days.customer, days.day, days.revenue,
                                                  strict=True)] == [
        (a, 0, 150.0), (a, 14, 30.0), (a, 28, 40.0), (b, 0, 20.0), (b, 1, 40.0)]
    summary = summarise(days, dt.date(2026, 2, 28), 7.0)
    # A: x = 2 repeat days, t_x = 28 days = 4 weeks, T = 5 Jan → 28 Feb = 54 days,
    #    m̄ = (30 + 40) / 2 = 35.  B: x = 1, t_x = 1/7, T = 54/7, m̄ = 40.
    assert summary.customer_id.tolist() == [a, b]
    assert summary.x.tolist() == [2, 1]
    assert summary.t_x.tolist() == pytest.approx([4, 1 / 7])
    assert summary.T.tolist() == pytest.approx([54 / 7, 54 / 7])
    assert summary.m.tolist() == pytest.approx([35, 40])


def test_local_days_follow_daylight_saving(make_analytics_app: Callable[..., App]) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # Summer time began at 01:00 UTC on 29 March 2026 (UTC+1 → UTC+2).
    offsets = utc_offsets(berlin, at("2026-03-01 00:00", dt.UTC), at("2026-04-30 00:00", dt.UTC))
    assert [o for _, o in offsets] == [3600, 7200]
    assert offsets[1][0] == int(at("2026-03-29 01:00", dt.UTC).timestamp())
    app = make_analytics_app(settings={"core": {"timezone": "Europe/Berlin"}})
    with app.transaction() as uow:
        c = add_customer(uow, name="Anna").id
        log_interactions(uow, [
            {"customer_id": c, "kind": "core.purchase", "revenue": Decimal(v),
             "occurred_at": at(t, dt.UTC)} for t, v in (
                ("2026-03-28 23:30", "1"),  # 00:30 on 29 March (UTC+1)
                ("2026-03-29 21:30", "2"),  # 23:30 on 29 March (UTC+2): the same day
                ("2026-03-29 22:30", "4"),  # 00:30 on 30 March (UTC+2)
            )])
    with app.transaction() as uow:
        days = purchase_days(uow, ["core.purchase"], dt.date(2026, 4, 30), berlin)
    assert [(day_number(dt.date(2026, 3, 29)) - d, r) for d, r in zip(
        days.day, days.revenue, strict=True)] == [(0, 3.0), (-1, 4.0)]


def _settings(**clv: object) -> dict:
    return {"analytics": {"clv": {"horizon_months": 6, "margin": 0.4,
                                  "monthly_discount_rate": 0.02, **clv}}}


def test_every_customer_is_scored_with_the_formulas(
    make_analytics_app: Callable[..., App],
) -> None:
    app = make_analytics_app(settings=_settings())
    ids = small_base(app)
    with app.transaction() as uow:
        fit = fit_models(uow, calibration_end=CAL, observation_end=OBS)
        params, fit_id = dict(fit.params), fit.id
        rows = {r.customer_id: r for r in uow.session.execute(select(CustomerClv)).scalars()}
    assert (fit.customers, len(rows), count(app, ModelFit)) == (60, 60, 1)
    assert {r.fit_id for r in rows.values()} == {fit_id}
    bg = fitting.BgNbd(params["r"], params["alpha"], params["a"], params["b"])
    gg = fitting.GammaGamma(params["p"], params["q"], params["gamma"])
    month = MONTH_DAYS / 7  # 4.348 weeks
    for row in rows.values():
        x, t_x, T = (fitting.np.array([v]) for v in (row.frequency, row.recency, row.age))
        assert row.p_alive == pytest.approx(fitting.p_alive(bg, x, t_x, T)[0], rel=1e-9)
        assert row.expected_purchases == pytest.approx(
            fitting.expected_purchases(bg, 6 * month, x, t_x, T)[0], rel=1e-9)
        # CLV = 0.4 × E[M] × Σ_{k=1..6} (E[Y(k months)] − E[Y(k − 1 months)]) / 1.02^k.
        m = float(row.monetary) if row.monetary is not None else 0.0
        spend = (gg.p * (gg.gamma + m * row.frequency) / (gg.p * row.frequency + gg.q - 1))
        steps = [fitting.expected_purchases(bg, k * month, x, t_x, T)[0] for k in range(7)]
        value = sum((steps[k] - steps[k - 1]) / 1.02 ** k for k in range(1, 7))
        assert float(row.clv) == pytest.approx(0.4 * spend * value, abs=0.006)
        assert 0 <= row.p_alive <= 1 and math.isfinite(row.expected_purchases)
    # The customers with one purchase day only are certainly alive.
    assert all(r.p_alive == 1 for r in rows.values() if r.frequency == 0)
    # Refitting replaces the rows rather than adding to them.
    with app.transaction() as uow:
        again = fit_models(uow, calibration_end=CAL, observation_end=OBS)
        assert again.params["r"] == pytest.approx(params["r"])
    assert (count(app, ModelFit), count(app, CustomerClv)) == (2, 60)
    assert set(ids.values()) == set(rows)


@pytest.mark.parametrize("kwargs, field, words", [
    ({"calibration_end": dt.date(2024, 12, 31)}, "calibration_end",
     "2024-12-31 is before the first purchase"),
    ({"calibration_end": dt.date(2026, 1, 15), "observation_end": dt.date(2026, 1, 31)},
     "calibration_end", "2026-01-15 is after the last purchase"),
    ({"observation_end": dt.date(2099, 1, 1)}, "observation_end", "is after today"),
    ({"calibration_end": CAL, "observation_end": dt.date(2024, 6, 30)}, "purchases",
     "no purchases (core.purchase, sales.order) on or before 2024-06-30"),
])
def test_dates_outside_the_data_are_refused(
    analytics_app: App, kwargs: dict, field: str, words: str,
) -> None:
    small_base(analytics_app, customers=25)
    with analytics_app.transaction() as uow, pytest.raises(ValidationError) as caught:
        fit_models(uow, **kwargs)
    assert caught.value.field == field and words in str(caught.value)
    assert (count(analytics_app, ModelFit), count(analytics_app, CustomerClv)) == (0, 0)


def test_too_few_customers_or_repeat_buyers_name_the_number_needed(
    make_analytics_app: Callable[..., App],
) -> None:
    app = make_analytics_app(settings=_settings(min_customers=30, min_repeat_buyers=65))
    with app.transaction() as uow, pytest.raises(ValidationError) as caught:
        fit_models(uow)
    assert "no purchases" in str(caught.value) and "at least 30" in str(caught.value)
    small_base(app, customers=20)
    with app.transaction() as uow, pytest.raises(ValidationError) as caught:
        fit_models(uow, calibration_end=CAL, observation_end=OBS)
    assert str(caught.value).endswith(
        "20 customers with a purchase in the calibration period; the CLV models need at "
        "least 30")
    small_base(app, customers=40, seed=6)  # 60 now: fewer than 65 can have repeated
    with app.transaction() as uow, pytest.raises(ValidationError) as caught:
        fit_models(uow, calibration_end=CAL, observation_end=OBS)
    assert "the CLV models need at least 65" in str(caught.value)
    assert "repeat purchase" in str(caught.value)
    assert count(app, ModelFit) == 0


def _policies_world(app: App) -> dict[str, int]:
    with app.transaction() as uow:
        for name in ("agent", "other"):
            add_staff(uow, username=name, display_name=name)
            grant_role(uow, staff=name, role="agent")
    owners = {f"C{n:02d}": ("agent" if n % 3 == 0 else "other") for n in range(1, 61)}
    ids = small_base(app, owners=owners)
    with app.transaction() as uow:
        fit_models(uow, calibration_end=CAL, observation_end=OBS)
    return {name: ids[name] for name in owners if owners[name] == "agent"}


def test_record_policies_apply_to_the_listing_kpis_and_sections(analytics_app: App) -> None:
    app = analytics_app
    mine = _policies_world(app)
    with app.transaction() as uow:
        everyone = customer_rows(uow, limit=None)
        kpis = {k.key: k.compute(uow, PERIOD) for k in area.kpis()}
    with app.transaction(as_user="agent") as uow:
        seen = customer_rows(uow, limit=None)
        agent_kpis = {k.key: k.compute(uow, PERIOD) for k in area.kpis()}
        sections = area.html_sections(uow, PERIOD)
        fit = latest_fit(uow)
    assert len(everyone) == 60
    assert {r["customer_id"] for r in seen} == set(mine.values()) and len(seen) == 20
    agent_clv = [float(r["clv"]) for r in everyone if r["customer_id"] in mine.values()]
    assert agent_kpis["clv.mean_clv"] == pytest.approx(sum(agent_clv) / 20, abs=0.01)
    assert kpis["clv.mean_clv"] == pytest.approx(
        sum(float(r["clv"]) for r in everyone) / 60, abs=0.01)
    deciles = sections[0].table
    assert sections[0].key == "clv.distribution" and sum(r[1] for r in deciles.rows) == 20
    assert fit is not None  # the fit holds no customer data: every analyst sees it


def test_listing_orders_filters_and_refuses_unknown_options(analytics_app: App) -> None:
    small_base(analytics_app)
    with analytics_app.transaction() as uow:
        fit_models(uow, calibration_end=CAL, observation_end=OBS)
        by_clv = customer_rows(uow, limit=5)
        at_risk = customer_rows(uow, order="p_alive", ascending=True, alive_below=0.5,
                                limit=None)
        with pytest.raises(ValidationError, match="unknown order 'value'"):
            customer_rows(uow, order="value")
        with pytest.raises(ValidationError, match="alive_below"):
            customer_rows(uow, alive_below=1.5)
    assert [r["clv"] for r in by_clv] == sorted((r["clv"] for r in by_clv), reverse=True)
    assert len(by_clv) == 5 and by_clv[0]["customer"].startswith("CDNOW C")
    assert at_risk and all(r["p_alive"] < 0.5 for r in at_risk)
    assert [r["p_alive"] for r in at_risk] == sorted(r["p_alive"] for r in at_risk)


def test_personal_data_export_and_erasure(analytics_app: App) -> None:
    ids = small_base(analytics_app)
    with analytics_app.transaction() as uow:
        fit_models(uow, calibration_end=CAL, observation_end=OBS)
    with analytics_app.transaction() as uow:
        exported = export_personal_data(uow, ids["C01"])
    mine = exported["plugins"]["analytics"]["analytics_clv"]
    assert set(mine) >= {"p_alive", "clv", "expected_purchases", "frequency"}
    with analytics_app.transaction() as uow:
        erase_customer(uow, ids["C01"], reason="本人要求删除")
    with analytics_app.transaction() as uow:
        assert customer_rows(uow, customer_id=ids["C01"]) == []
        assert area.personal_data(uow, ids["C01"]) == {}
    assert count(analytics_app, CustomerClv) == 59


def test_the_job_refits_and_nothing_is_there_before_any_data(analytics_app: App) -> None:
    app = analytics_app
    with app.transaction() as uow:
        # No data: KPIs say "no data", the sections say what is missing, the demo skips.
        assert {k.key: k.compute(uow, PERIOD) for k in area.kpis()} == {
            "clv.mean_clv": None, "clv.share_alive": None}
        assert all(s.empty and s.chart is None for s in area.html_sections(uow, PERIOD))
        area.demo_data(uow, None, [])  # type: ignore[arg-type]
        assert latest_fit(uow) is None
    jobs: dict[str, Callable] = {}
    area.register_jobs(lambda name, func, **kw: jobs.setdefault(name, func))
    with app.transaction() as uow:  # nothing to fit yet: the job waits for next week
        jobs["analytics.clv_fit"](uow, at("2026-01-05 03:00"))
    assert count(app, ModelFit) == 0
    small_base(app)
    for _ in range(2):
        with app.transaction() as uow:
            jobs["analytics.clv_fit"](uow, at("2026-01-05 03:00"))
    # Observed to 5 January 2026, calibrated to 5 October 2025 (3 months of holdout).
    with app.transaction() as uow:
        fit = latest_fit(uow)
        assert fit is not None
        assert (fit.observation_end, fit.calibration_end) == (
            dt.date(2026, 1, 5), dt.date(2025, 10, 5))
        assert fit.holdout["length"] == pytest.approx(92 / 7, abs=1e-4)
        sections = area.html_sections(uow, PERIOD)
    assert (count(app, ModelFit), count(app, CustomerClv)) == (2, 60)
    assert [s.key for s in sections] == ["clv.distribution", "clv.holdout", "clv.p_alive"]
    assert [s.chart.kind for s in sections if s.chart] == ["bar", "line", "bar"]
    assert sum(sections[2].chart.series["customers"]) == 60
    labels = sections[1].chart.labels
    assert labels[-1] == "2026-01-05" and len(labels) == len(
        sections[1].chart.series["predicted"])
