"""The HTML report: sections gathered from the areas, rendered into one page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import pytest

import guanxi
import guanxi_analytics.churn
from guanxi.app import App, UnitOfWork
from guanxi.errors import ConfigError, ValidationError
from guanxi_analytics.common import Period
from guanxi_analytics.report.service import gather_sections, render_report
from guanxi_analytics.sections import Chart, ReportSection, Table
from tests.analytics.report_support import EVIL, every_kind, serve

NOW = dt.datetime(2026, 3, 15, 4, 0, tzinfo=dt.UTC)  # 12:00 in Asia/Shanghai
PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 4, 1))


def render(app: App, wanted: tuple[str, ...] = ()) -> str:
    with app.transaction(now=NOW) as uow:
        return render_report(uow, PERIOD, wanted).html


def test_every_section_is_rendered_with_header_contents_and_formula(
    analytics_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve(monkeypatch, every_kind())
    html = render(analytics_app)
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    # The header: the edition, the period, when (local time) and for whom.
    assert "Generic CRM" in html and "2026-01-01 – 2026-03-31" in html
    assert "2026-03-15 12:00 CST" in html and ">system<" in html
    # The contents link every section, in area order; each has its anchor.
    anchors = re.findall(r'<li><a href="#([^"]+)">', html)
    assert anchors == ["s-value-tiers", "s-value-mix", "s-value-quadrants", "s-churn-trend",
                       "s-churn-cohorts", "s-loyalty-nps", "s-pipeline-funnel"]
    for anchor in anchors:
        assert f'id="{anchor}"' in html
    # Grouped under their areas' headings, numbered through the report.
    assert re.findall(r'<h2 class="area" id="[^"]+">([^<]+)</h2>', html) == [
        "客户价值", "流失与保持", "满意度与忠诚度", "销售周期"]
    assert '<ol start="4">' in html and "<h3>7. Sales funnel<span" in html
    # One SVG per charted section (6), each with its accessible title.
    assert html.count("<svg ") == 6
    for kind in ("bar", "stacked_bar", "line", "heatmap", "funnel", "scatter"):
        assert f'class="chart chart-{kind}"' in html
    assert "<title>Cohort retention 留存矩阵</title>" in html
    assert "tier by margin percentile [S004:983]" in html
    # The empty section says what is missing instead of drawing an empty chart.
    nps = html[html.index('id="s-loyalty-nps"'):html.index('id="s-pipeline-funnel"')]
    assert "no survey answers in the period" in nps and "<svg" not in nps
    # Self-contained: nothing is fetched from anywhere.
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)
    assert "@import" not in html and "url(" not in html


def test_labels_are_escaped_everywhere(analytics_app: App,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    serve(monkeypatch, [*every_kind(), ReportSection(
        key="value.evil", title=EVIL, summary=EVIL, formula=EVIL,
        table=Table([EVIL], [[EVIL]]))])
    html = render(analytics_app)
    # The only <script> in the page is the report's own self-check.
    assert html.count("<script") == 1
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_tables_format_money_ratios_and_thousands(analytics_app: App,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    serve(monkeypatch, [ReportSection(
        key="value.numbers", title="Numbers",
        table=Table(["name", "orders", "revenue", "conversion rate", "avg days", "留存率",
                     "win %", "cost"],
                    [["a", 1234567, Decimal("1234567.891"), 0.12345, 2.5, 0.5, 52.7,
                      "4794.00"],
                     ["b", 0, Decimal("-5"), 1.0, 1234.0, None, 100, "12.5"]]))])
    html = render(analytics_app)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert cells == ["a", "1,234,567", "¥1,234,567.89", "12.3%", "2.5", "50.0%", "52.7%",
                     "4,794.00",
                     "b", "0", "-¥5.00", "100.0%", "1,234", "—", "100%", "12.5"]
    assert '<td class="num">1,234,567</td>' in html and "<td>a</td>" in html
    # Number columns are right-aligned, their headers too; text columns are not.
    assert '<th scope="col" class="num">orders</th>' in html
    assert '<th scope="col" class="num">cost</th>' in html  # amounts passed as text
    assert '<th scope="col">name</th>' in html
    # Without a chart the table is open; with one it is folded under the chart.
    assert '<details class="data" open>' in html
    # The download link carries the whole table as CSV, plain values, in the page.
    href = re.search(r'download="value.numbers.csv" href="([^"]+)"', html)
    assert href is not None and href.group(1).startswith("data:text/csv;charset=utf-8,")
    assert unquote(href.group(1).split(",", 1)[1]).splitlines() == [
        "\ufeffname,orders,revenue,conversion rate,avg days,留存率,win %,cost",
        "a,1234567,1234567.891,0.12345,2.5,0.5,52.7,4794.00",
        "b,0,-5,1.0,1234.0,,100,12.5"]


def test_long_tables_are_cut_and_say_so(make_analytics_app: Callable[..., App],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_analytics_app(settings={"analytics": {"report": {"max_table_rows": 3}}})
    serve(monkeypatch, [ReportSection(key="value.long", title="Long",
                                      table=Table(["n"], [[i] for i in range(10)]))])
    html = render(app)
    assert html.count("<tr><td") == 3 and "显示前 3 行，共 10 行" in html
    href = re.search(r'download="value.long.csv" href="data:[^,]*,([^"]+)"', html)
    assert href is not None and len(unquote(href.group(1)).splitlines()) == 11  # all 10


def test_the_section_option_picks_areas_and_keys(analytics_app: App,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    serve(monkeypatch, every_kind())
    with analytics_app.transaction(now=NOW) as uow:
        keys = [s.key for s in gather_sections(uow, PERIOD, ["value.mix"])]
        assert keys == ["value.mix"]
        keys = [s.key for s in gather_sections(uow, PERIOD, ["value"])]
        assert keys == ["value.tiers", "value.mix", "value.quadrants"]
        with pytest.raises(ValidationError, match="section.*'value.nope'.*value.tiers"):
            gather_sections(uow, PERIOD, ["value.nope"])
        with pytest.raises(ValidationError, match="section.*'sales' names no analytics area"):
            gather_sections(uow, PERIOD, ["sales"])


def test_only_the_areas_asked_for_are_computed(analytics_app: App,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    serve(monkeypatch, every_kind())
    asked: list[str] = []

    def churn_sections(uow: UnitOfWork, period: Period) -> list[ReportSection]:
        asked.append("churn")
        return []

    monkeypatch.setattr(guanxi_analytics.churn, "html_sections", churn_sections, raising=False)
    with analytics_app.transaction(now=NOW) as uow:
        gather_sections(uow, PERIOD, ["value.tiers"])
        assert asked == []
        gather_sections(uow, PERIOD, [])
        assert asked == ["churn"]


def test_an_area_that_cannot_compute_says_why(analytics_app: App,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def too_few(uow: UnitOfWork, period: Period) -> list[ReportSection]:
        raise ValidationError("purchases", "2 repeat buyers, at least 10 are needed to fit")

    serve(monkeypatch, too_few)
    html = render(analytics_app)
    assert ("无法计算: field &#39;purchases&#39;: 2 repeat buyers, at least 10 are needed to "
            "fit") in html
    assert 'data-key="value.unavailable"' in html


def test_no_sections_gives_a_page_that_says_so(analytics_app: App,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    serve(monkeypatch, [])
    html = render(analytics_app)
    assert "没有可显示的分析部分。" in html and "<svg" not in html


def test_english_editions_get_english_words(make_analytics_app: Callable[..., App],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_analytics_app(settings={"core": {"language": "en", "currency": "USD"}})
    serve(monkeypatch, every_kind())
    html = render(app)
    assert "Customer analytics report" in html and "How it is computed:" in html
    assert '<html lang="en">' in html and "$123,456.50" in html


def test_duplicate_keys_get_distinct_anchors(analytics_app: App,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    twice = ReportSection(key="value.same", title="Same", summary="x")
    serve(monkeypatch, [twice, twice])
    html = render(analytics_app)
    assert 'id="s-value-same"' in html and 'id="s-value-same-2"' in html


def test_an_edition_template_overrides_the_plugins(analytics_app: App, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "edition-templates" / "analytics"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text(
        "<p>{{ title }}|{% for s in sections %}{{ s.key }};{% endfor %}</p>", encoding="utf-8")
    # The edition's folder is searched first (App.templates); the same place here.
    analytics_app.registry.template_dirs.insert(0, folder.parent)
    serve(monkeypatch, every_kind()[:2])
    assert render(analytics_app) == "<p>客户分析报告|value.tiers;value.mix;</p>"


def test_charts_survive_odd_data(analytics_app: App,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    odd = [
        ReportSection(key="value.none", title="odd 1", chart=Chart("bar")),
        ReportSection(key="value.gaps", title="odd 2", chart=Chart(
            "line", labels=["a", "b"], series={"s": [float("nan"), float("inf")]})),
        ReportSection(key="value.short", title="odd 3", chart=Chart(
            "bar", labels=["a", "b", "c"], series={"s": [1]})),
        ReportSection(key="value.funnel0", title="odd 4", chart=Chart(
            "funnel", labels=["a", "b"], series={"n": [0, 0]})),
        ReportSection(key="value.scatter0", title="odd 5", chart=Chart("scatter")),
    ]
    serve(monkeypatch, odd)
    html = render(analytics_app)
    assert html.count("<svg ") == 5
    assert "nan" not in html.lower() and "inf" not in html.lower()
    assert html.count('class="chart chart-empty"') == 3  # no bars, only NaN, no points


def test_settings_choose_the_title_the_sections_and_the_template(
    make_analytics_app: Callable[..., App], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_analytics_app(settings={"analytics": {"report": {
        "title": "华东区客户分析", "sections": ["churn", "value.mix"]}}})
    serve(monkeypatch, every_kind())
    html = render(app)
    assert "<h1>华东区客户分析</h1>" in html
    assert re.findall(r'data-key="([^"]+)"', html) == [
        "value.mix", "churn.trend", "churn.cohorts"]
    assert 'data-key="loyalty.nps"' in render(app, ("loyalty",))  # --section wins
    missing = make_analytics_app(settings={"analytics": {"report": {
        "template": "analytics/nope.html"}}})
    with pytest.raises(ConfigError, match="template: no template 'analytics/nope.html'"):
        render(missing)


class Ward:
    """Another plugin adding its own sections through ``analytics_report_sections``."""

    plugin = guanxi.Plugin(name="ward", version="1.0")
    short = False

    @staticmethod
    @guanxi.hookimpl(optionalhook=True)
    def analytics_report_sections(uow, period):  # type: ignore[no-untyped-def]
        if Ward.short:
            raise ValidationError("encounters", "fewer than 10 encounters in the period")
        return [ReportSection(
            key="ward.revisits", title="复诊率 by department", heading="复诊与随访",
            summary=f"{period.start} – {period.end}",
            chart=Chart("bar", labels=["内科", "外科"], series={"复诊率": [0.6, 0.2]},
                        unit="ratio"),
            table=Table(["department", "revisit rate"], [["内科", 0.6], ["外科", 0.2]]))]


def test_another_plugin_adds_sections_under_its_own_heading(
    make_analytics_app: Callable[..., App], monkeypatch: pytest.MonkeyPatch
) -> None:
    serve(monkeypatch, every_kind())
    Ward.short = False
    app = make_analytics_app(plugins=[Ward], enable=["ward"])
    html = render(app)
    # After the analytics areas, under the heading the plugin gave.
    assert re.findall(r'<h2 class="area" id="[^"]+">([^<]+)</h2>', html)[-1] == "复诊与随访"
    assert re.findall(r'<li><a href="#([^"]+)">', html)[-1] == "s-ward-revisits"
    assert "2026-01-01 – 2026-04-01" in html and "<title>复诊率 by department</title>" in html
    with app.transaction(now=NOW) as uow:
        assert [s.key for s in gather_sections(uow, PERIOD, ["ward"])] == ["ward.revisits"]
        assert [s.key for s in gather_sections(uow, PERIOD, ["value.mix"])] == ["value.mix"]
    # A plugin that cannot compute gives one section saying why; the report is still made.
    Ward.short = True
    html = render(app)
    assert "fewer than 10 encounters in the period" in html and "s-value-tiers" in html


class Clinic:
    """A second contributor: its sections follow the first plugin loaded."""

    plugin = guanxi.Plugin(name="clinic", version="1.0")

    @staticmethod
    @guanxi.hookimpl(optionalhook=True)
    def analytics_report_sections(uow, period):  # type: ignore[no-untyped-def]
        return [ReportSection(key="clinic.visits", title="visits", heading="门诊",
                              empty="no visits")]


def test_contributed_sections_follow_the_plugins_load_order(
    make_analytics_app: Callable[..., App], monkeypatch: pytest.MonkeyPatch
) -> None:
    serve(monkeypatch, every_kind())
    Ward.short = False
    app = make_analytics_app(plugins=[Ward, Clinic], enable=["ward", "clinic"])
    with app.transaction(now=NOW) as uow:
        keys = [s.key for s in gather_sections(uow, PERIOD)]
        loaded = [name for name in app.plugins if name in ("ward", "clinic")]
    assert [k for k in keys if k.split(".")[0] in ("ward", "clinic")] == [
        f"{name}.{'revisits' if name == 'ward' else 'visits'}" for name in loaded]
