"""The report's inline SVG charts and number formats, checked against hand-computed
geometry and text (no application needed)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from guanxi_analytics.report.charts import Style, render_chart
from guanxi_analytics.report.formatting import (
    cell,
    is_numeric,
    money,
    number,
    percent,
    ratio_kind,
    tick_text,
    value_text,
)
from guanxi_analytics.report.shapes import heat_colour
from guanxi_analytics.report.svg import nice_step, nice_ticks, wrap
from guanxi_analytics.sections import Chart
from tests.analytics.report_support import EVIL, every_kind

SVG = "{http://www.w3.org/2000/svg}"


def draw(chart: Chart, **style: object) -> str:
    out = render_chart(chart, Style(title="t", **style))  # type: ignore[arg-type]
    ET.fromstring(out)  # well-formed XML whatever the labels hold
    return out


def rects(out: str) -> list[dict[str, str]]:
    """The data rectangles (those with a tooltip), in drawing order."""
    root = ET.fromstring(out)
    return [r.attrib for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]


@pytest.mark.parametrize(("low", "high", "zero", "ticks"), [
    (0, 11, False, [0, 2, 4, 6, 8, 10, 12]),      # 11/6 = 1.83 → step 2
    (-3, 7, True, [-4, -2, 0, 2, 4, 6, 8]),       # 10/6 = 1.67 → 2; -3 → -4, 7 → 8
    (0.12, 0.47, False, [0.1, 0.2, 0.3, 0.4, 0.5]),  # 0.35/6 = 0.058 → 0.1
    (0, 0, True, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),   # all zeros: 0..1, 1/6 → 0.2
    (5, 5, True, [0, 1, 2, 3, 4, 5]),             # one value, from zero: 5/6 → 1
    (5, 5, False, [2, 3, 4, 5, 6, 7, 8]),         # one value alone: 2.5..7.5 → step 1
])
def test_ticks_step_by_one_two_five(low: float, high: float, zero: bool,
                                    ticks: list[float]) -> None:
    assert nice_ticks(low, high, include_zero=zero) == ticks
    assert nice_ticks(0, 1, include_zero=True, integer=True) == [0, 1]  # counts: no 0.2
    assert nice_step(1234, 5) == 500  # 246.8 → 5 × 100


def test_number_formats() -> None:
    assert money(Decimal("-1234.5")) == "-¥1,234.50"
    assert money(Decimal("7"), "EUR") == "€7.00" and money(1, "XYZ") == "XYZ 1.00"
    assert percent(0.1234) == "12.3%" and number(1234.5) == "1,234.5"
    assert number(2.0) == "2" and number(1234567) == "1,234,567"
    assert cell(float("nan")) == "—" and cell(None) == "—" and cell(True) == "yes"
    assert cell(0.5, ratio="fraction") == "50.0%" and cell(0.5) == "0.5"
    assert cell(52.7, ratio="points") == "52.7%" and cell(40, ratio="points") == "40%"
    assert ratio_kind("win rate %") == "points" and ratio_kind("P(alive)") == "fraction"
    assert ratio_kind("留存率") == "fraction" and ratio_kind("revenue") is None
    assert cell("4794.00") == "4,794.00" and cell("2026") == "2026"  # str(Decimal) amounts
    assert is_numeric("52.7%") and is_numeric("¥1,000") and not is_numeric("2026-01")
    assert tick_text(120000, 20000, "") == "120k" and tick_text(2.5e6, 5e5, "") == "2.5M"
    assert tick_text(0.25, 0.05, "%") == "25%"     # a 5-point step needs no decimals
    assert tick_text(0.025, 0.005, "%") == "2.5%"  # a half-point step needs one
    assert value_text(3.5, "days") == "3.5 days" and value_text(12, "CNY") == "¥12.00"


def test_bars_rise_from_zero_and_negatives_hang_below() -> None:
    out = draw(Chart("bar", labels=["a", "b"], series={"n": [3, -1]}))
    # Ticks -1..3 step 1; the plot runs from y=20 (3; 8 px margin and 12 px for the value
    # over the bar) to y=260 (-1): 60 px a unit, zero at 200. The 3 bar: y 20, height
    # 180; the -1 bar: y 200, height 60.
    a, b = rects(out)
    assert (a["y"], a["height"]) == ("20", "180")
    assert (b["y"], b["height"]) == ("200", "60")
    assert "<title>a: 3</title>" in out and "<title>b: -1</title>" in out
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bar"' in out


def test_grouped_bars_have_a_legend_and_one_colour_per_series() -> None:
    out = draw(Chart("bar", labels=["x"], series={"2025": [1], "2026": [2]}))
    first, second = rects(out)
    assert first["fill"] != second["fill"]
    assert ">2025</text>" in out and ">2026</text>" in out
    assert "<title>x · 2026: 2</title>" in out


def test_all_zero_and_single_bars_still_have_an_axis() -> None:
    out = draw(Chart("bar", labels=["only"], series={"n": [0]}))
    [bar] = rects(out)
    assert bar["height"] == "0"
    # All zeros: an axis 0..1; whole numbers (counts) tick by whole steps.
    assert re.findall(r'text-anchor="end">([^<]+)</text>', out) == ["0", "1"]
    half = draw(Chart("bar", labels=["only"], series={"n": [0.5]}))
    assert re.findall(r'text-anchor="end">([^<]+)</text>', half) == [
        "0.0", "0.1", "0.2", "0.3", "0.4", "0.5"]


def test_stacks_go_up_for_positives_and_down_for_negatives() -> None:
    out = draw(Chart("stacked_bar", labels=["m"], series={"a": [2], "b": [3], "c": [-1]}))
    # Range -1..5, step 1 over 240 px: 40 px a unit. b (2 → 5) reaches the plot's top;
    # a (0 → 2) starts 3 units below it; c (0 → -1) hangs from zero, 5 units below.
    a, b, c = rects(out)
    top, unit = float(b["y"]), 240 / 6
    assert (float(b["height"]), float(a["height"]), float(c["height"])) == pytest.approx(
        (3 * unit, 2 * unit, unit), abs=0.05)
    assert float(a["y"]) == pytest.approx(top + 3 * unit, abs=0.05)
    assert float(c["y"]) == pytest.approx(top + 5 * unit, abs=0.05)
    assert top == 46  # under the legend (one row, 20 px, a 14 px gap, 12 px for totals)
    assert ">4</text>" in out  # the net total 2 + 3 - 1 written above the bar


def test_lines_break_at_gaps_and_keep_lonely_points() -> None:
    out = draw(Chart("line", labels=["1", "2", "3", "4"], series={"s": [100, None, 30, 40]},
                     unit="%"))
    paths = re.findall(r'<path d="([^"]+)"', out)
    assert len(paths) == 1 and paths[0].count("L") == 1  # only 3 → 4 is a line
    assert out.count("<circle") == 3  # the first point is a dot on its own
    assert "<title>1 · s: 100.0%</title>" in out  # "%": percentage points


def test_percent_charts_take_points_or_fractions() -> None:
    points = draw(Chart("bar", labels=["a"], series={"r": [52.5]}, unit="%"))
    ratio = draw(Chart("bar", labels=["a"], series={"r": [0.525]}, unit="ratio"))
    lorenz = draw(Chart("bar", labels=["a"], series={"r": [0.525]}, unit="%"))
    for out in (points, ratio, lorenz):  # 0.525 under "%" can only be a fraction
        assert "<title>a: 52.5%</title>" in out and ">60%</text>" in out  # ticks 0..60%


def test_heatmap_colours_cells_writes_values_and_leaves_gaps_grey() -> None:
    out = draw(Chart("heatmap", labels=["2026-01", "2026-02"], columns=["M0", "M1"],
                     series={"2026-01": [100, 25], "2026-02": [50, None]}, unit="%"))
    root = ET.fromstring(out)
    fills = {r.find(f"{SVG}title").text: r.attrib["fill"]  # type: ignore[union-attr]
             for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None}
    assert fills["2026-01 · M0: 100.0%"] == "#084594"   # the highest: darkest blue
    assert fills["2026-01 · M1: 25.0%"] == "#f7fbff"    # the lowest: lightest
    # 50% is a third of the way from 25% to 100%: (247,251,255) + ((8,69,148) -
    # (247,251,255)) / 3 = (167.3, 190.3, 219.3) → #a7bedb.
    assert fills["2026-02 · M0: 50.0%"] == "#a7bedb"
    assert out.count('fill="#f3f4f6"') == 1             # the cohort not that old yet
    assert 'fill="#ffffff" text-anchor="middle">100.0%</text>' in out  # white on dark
    assert ">25.0%</text>" in out and ">100.0%</text>" in out  # the scale's two ends


def test_funnel_narrows_with_counts_and_step_conversion() -> None:
    out = draw(Chart("funnel", labels=["lead", "qualified", "won"],
                     series={"n": [200, 50, 10]}))
    widths = [float(r["width"]) for r in rects(out)]
    assert widths[0] / widths[1] == pytest.approx(4, rel=1e-2)   # 200 / 50
    assert widths[0] / widths[2] == pytest.approx(20, rel=1e-2)  # 200 / 10
    assert "50 · 25.0% of first" in out and "↓ 25.0% from previous" in out
    assert "10 · 5.0% of first" in out and "↓ 20.0% from previous" in out  # 10 / 50
    none_after_zero = draw(Chart("funnel", labels=["a", "b", "c"], series={"n": [10, 0, 0]}))
    assert "↓ 0.0% from previous" in none_after_zero and "↓ — from previous" in none_after_zero


def test_scatter_has_groups_axes_cuts_and_thins_many_points() -> None:
    out = draw(Chart("scatter", points=[(10, 2, "keep"), (80, 30, "grow"), (40, 12.5, "keep")],
                     x_label="revenue", y_label="cost", x_cut=50, y_cut=10))
    assert out.count('class="cut"') == 2
    assert ">revenue</text>" in out and ">cost</text>" in out
    root = ET.fromstring(out)
    fills = [c.attrib["fill"] for c in root.iter(f"{SVG}circle")]
    assert fills[0] == fills[2] != fills[1]  # colour by group
    many = draw(Chart("scatter", points=[(i, i, "g") for i in range(25)]), max_points=10)
    assert many.count("<circle") == 10 and "10 of 25" in many


def test_every_label_is_escaped_in_every_kind() -> None:
    for section in every_kind():
        if section.chart is not None:
            out = draw(section.chart)
            assert "<script" not in out
    bar = draw(every_kind()[0].chart)  # type: ignore[arg-type]
    assert "&lt;script&gt;" in bar
    assert draw(Chart("line", labels=[EVIL], series={EVIL: [1]})).count("<script") == 0


def test_nothing_to_draw_gives_a_small_placeholder() -> None:
    for chart in (Chart("bar"), Chart("heatmap", labels=["a"]), Chart("scatter"),
                  Chart("line", labels=["a"], series={"s": [None]}),
                  Chart("pie", labels=["a"], series={"s": [1]})):  # type: ignore[arg-type]
        out = draw(chart)
        assert 'class="chart chart-empty"' in out and "<rect" not in out


def test_status_series_get_the_colours_they_name() -> None:
    out = draw(Chart("stacked_bar", labels=["2026-01"],
                     series={"green": [3], "amber": [1], "red": [2], "no data": [0]}))
    assert [r["fill"] for r in rects(out)] == ["#2E9D5B", "#E6A700", "#D1453B"]
    other = draw(Chart("bar", labels=["x"], series={"actual": [1], "target": [2]}))
    assert [r["fill"] for r in rects(other)] == ["#0072B2", "#9CA3AF"]


def test_many_labels_are_thinned_and_empty_stacks_get_no_total() -> None:
    weeks = [f"2026-W{n:02d}" for n in range(1, 53)]
    out = draw(Chart("line", labels=weeks, series={"s": list(range(52))}))
    written = re.findall(r'text-anchor="middle">(2026-W\d\d)</text>', out)
    # Ticks 0..60 need a 26.4 px margin (12 + "60" at 2 × 7.2), so 52 slots share
    # 720 - 26.4 - 12 = 681.6 px: 13.11 px each. A label is 8 × 7.2 = 57.6 px, plus 8 px
    # of space: ceil(65.6 / 13.11) = 6, every 6th label.
    assert written == weeks[::6]
    stacked = draw(Chart("stacked_bar", labels=["a", "b"], series={"x": [0, 2], "y": [0, 1]},
                         unit="alerts"))
    assert ">3 alerts</text>" in stacked and ">0 alerts</text>" not in stacked


def test_values_are_written_on_bars_only_when_they_fit() -> None:
    wide = draw(Chart("bar", labels=["a", "b"], series={"n": [1, 2]}, unit="CNY"))
    assert ">¥2.00</text>" in wide
    narrow = draw(Chart("bar", labels=[f"c{i}" for i in range(6)],
                        series={s: [123456.78] * 6 for s in ("x", "y", "z")}, unit="CNY"))
    assert ">¥123,456.78</text>" not in narrow and "<title>c0 · x: ¥123,456.78" in narrow


def test_a_few_long_names_wrap_onto_two_lines() -> None:
    assert wrap("学习与成长 learning and growth", 140) == ["学习与成长 learning", "and growth"]
    # 12 px CJK characters in 100 px: 8 a line.
    assert wrap("客户亲密度很高的一类客户群体", 100) == ["客户亲密度很高的", "一类客户群体"]
    out = draw(Chart("bar", labels=["学习与成长 learning and growth", "内部流程 internal process",
                                    "客户 customer", "财务 financial"],
                     series={"attainment": [100, 70.3, 93.7, 100]}, unit="%"))
    # Slots of 166.8 px: "学习与成长 learning and" (153.6 px) fits the first line.
    assert ">学习与成长 learning and</tspan>" in out and ">growth</tspan>" in out
    # English words too long for a line are slanted instead of cut in the middle.
    rfm = draw(Chart("bar", labels=["champions", "potential_loyalist", "at_risk", "lost"] * 3,
                     series={"n": [1] * 12}))
    assert "<tspan" not in rfm and "rotate(-35" in rfm
    assert wrap("need_attention", 70) == ["need_", "attention"]  # 9 × 7.2 = 64.8 px


def test_negative_cells_and_points_and_a_single_point() -> None:
    # Both signs: red below zero, white at zero, blue above. -50 is half-way to the most
    # negative (-100): (255,255,255) + ((178,24,43) - (255,255,255)) / 2 = (216.5, 139.5,
    # 149) → (216, 140, 149) after rounding half to even → #d88c95.
    assert heat_colour(-100, -100, 100) == (178, 24, 43)
    assert heat_colour(0, -100, 100) == (255, 255, 255)
    assert heat_colour(-50, -100, 100) == (216, 140, 149)
    assert heat_colour(100, -100, 100) == (8, 69, 148)
    out = draw(Chart("heatmap", labels=["a"], columns=["x", "y"], series={"a": [-100, 100]}))
    assert 'fill="#b2182b"' in out and 'fill="#084594"' in out
    scatter = draw(Chart("scatter", points=[(-5, -2, "g"), (5, 3, "g")], x_cut=0, y_cut=0))
    # x: -5..5 padded 4% of the span each way → -5.4..5.4; 10.8 / 6 = 1.8 → step 2: -6..6.
    assert ">-6</text>" in scatter and ">6</text>" in scatter
    one = draw(Chart("line", labels=["only"], series={"s": [7]}))
    assert "<path" not in one and one.count("<circle") == 1
