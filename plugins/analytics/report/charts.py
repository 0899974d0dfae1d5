"""Charts as inline SVG, drawn in Python from a :class:`~guanxi_analytics.sections.Chart`.

:func:`render_chart` dispatches on the chart's kind: the category charts (bar, stacked
bar, line) are here; heatmap, funnel and scatter are in
:mod:`guanxi_analytics.report.shapes`. No JavaScript, no fonts, no network: each chart
is one ``<svg>`` element with an accessible ``<title>``, native tooltips (``<title>``
children) and every label escaped.

Data are read leniently, so one odd area never breaks the whole report: a series
shorter than its labels is padded with gaps, a longer one cut; None, NaN and infinities
are gaps; an all-zero or one-bar chart still gets an axis with a height.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from guanxi_analytics.report import svg
from guanxi_analytics.report.formatting import finite, value_text
from guanxi_analytics.sections import Chart

PLOT_HEIGHT = 240.0
VALUE_LABELS_UP_TO = 24  # bars in a chart that still get their value written on them
VALUE_ROOM = 12.0  # px above a bar chart's plot for the value over the tallest bar

ENGLISH = {"no_data": "no data to draw", "of_first": "of first",
           "from_previous": "from previous", "shown": "points shown",
           "total": "total"}


@dataclass(frozen=True)
class Style:
    """What a chart needs besides its data: its title, the currency, the words."""

    title: str
    currency: str = "CNY"
    words: Mapping[str, str] = field(default_factory=lambda: ENGLISH)
    max_points: int = 5000

    def word(self, key: str) -> str:
        """A fixed word in the report's language."""
        return self.words.get(key, ENGLISH[key])

    def value(self, value: float | None, unit: str) -> str:
        """A data value as tooltip/label text."""
        return value_text(value, unit, self.currency)


def render_chart(chart: Chart, style: Style) -> str:
    """``chart`` as one ``<svg>`` element (markup, every label escaped)."""
    from guanxi_analytics.report import shapes

    draw = {
        "bar": bar_chart,
        "stacked_bar": stacked_bar_chart,
        "line": line_chart,
        "heatmap": shapes.heatmap,
        "funnel": shapes.funnel,
        "scatter": shapes.scatter,
    }.get(chart.kind)
    if draw is None:
        return placeholder(style, f"unknown chart kind {chart.kind!r}")
    return draw(normalise(chart), style)


def normalise(chart: Chart) -> Chart:
    """The chart with percentages as fractions, which is what the drawing code reads.

    ``unit="ratio"`` holds fractions (0.25); ``unit="%"`` holds percentage points
    (25.0) — unless every value lies between -1 and 1 and some have decimals, which can
    only be fractions (a Lorenz curve), so those are read as fractions too.
    """
    if chart.unit == "ratio":
        return replace(chart, unit="%")
    if chart.unit != "%" or chart.kind == "scatter":
        return chart
    values = svg.values_of(chart.series.values())
    if values and all(-1 <= v <= 1 for v in values) and not all(
            v.is_integer() for v in values):
        return chart
    return replace(chart, series={
        name: [None if (v := finite(raw)) is None else v / 100 for raw in row]
        for name, row in chart.series.items()})


def placeholder(style: Style, message: str | None = None) -> str:
    """A small chart saying there is nothing to draw (keeps the layout and the title)."""
    message = message or style.word("no_data")
    return (svg.svg_open(48, style.title, message, kind="empty")
            + svg.text(svg.WIDTH / 2, 28, message, anchor="middle", fill=svg.AXIS)
            + "</svg>")


def aligned(chart: Chart) -> dict[str, list[float | None]]:
    """Each series with exactly one finite value or None per label."""
    size = len(chart.labels)
    out: dict[str, list[float | None]] = {}
    for name, values in chart.series.items():
        row = [finite(v) for v in list(values)[:size]]
        out[str(name)] = row + [None] * (size - len(row))
    return out


@dataclass(frozen=True)
class Frame:
    """The plot area of a category chart and the pieces around it."""

    left: float
    top: float
    width: float
    height: float
    slot: float  # the width each label gets
    value: svg.Scale
    ticks: list[float]

    def centre(self, index: int) -> float:
        """The x of the middle of label ``index``."""
        return self.left + self.slot * (index + 0.5)


def _frame(chart: Chart, low: float, high: float, *, top: float,
           include_zero: bool = True) -> Frame:
    values = svg.values_of(chart.series.values())
    counts = chart.unit != "%" and all(v.is_integer() for v in values)
    ticks = svg.nice_ticks(low, high, include_zero=include_zero, integer=counts)
    left = 12 + svg.tick_label_width(ticks, chart.unit) + (20 if chart.y_label else 0)
    width = svg.WIDTH - left - 12
    slot = width / max(1, len(chart.labels))
    scale = svg.Scale(ticks[0], ticks[-1], top + PLOT_HEIGHT, top)
    return Frame(left, top, width, PLOT_HEIGHT, slot, scale, ticks)


def _header(names: Sequence[str]) -> tuple[str, float]:
    """The legend above the plot when there is more than one series."""
    if len(names) < 2:
        return "", 8.0
    markup, height = svg.legend(names, 12, 8, svg.WIDTH - 24, svg.series_colours(names))
    return markup, height + 14


def _axes(chart: Chart, frame: Frame) -> tuple[str, float]:
    """Value axis, category labels and axis titles; returns markup and the height used
    below the plot."""
    parts = [svg.value_axis(frame.ticks, frame.value, frame.left, frame.left + frame.width,
                            chart.unit)]
    bottom = frame.top + frame.height
    labels, used = svg.category_labels([str(x) for x in chart.labels],
                                       [frame.centre(i) for i in range(len(chart.labels))],
                                       frame.slot, bottom)
    parts.append(labels)
    if chart.x_label:
        parts.append(svg.text(frame.left + frame.width / 2, bottom + used + svg.FONT + 4,
                              chart.x_label, anchor="middle", fill=svg.AXIS))
        used += svg.FONT + 10
    if chart.y_label:
        y = frame.top + frame.height / 2
        parts.append(f'<text x="14" y="{svg.fmt(y)}" font-size="{svg.FONT}" '
                     f'fill="{svg.AXIS}" text-anchor="middle" '
                     f'transform="rotate(-90 14 {svg.fmt(y)})">{svg.esc(chart.y_label)}</text>')
    return "".join(parts), used


def _finish(chart: Chart, style: Style, frame: Frame, head: str, body: str,
            kind: str) -> str:
    axes, below = _axes(chart, frame)
    height = frame.top + frame.height + below + 8
    description = f"{kind}: {len(chart.labels)} × {len(chart.series)}"
    return (svg.svg_open(height, style.title, description, kind=kind) + head + axes + body
            + "</svg>")


def bar_chart(chart: Chart, style: Style) -> str:
    """Vertical bars from zero (below it for negatives), grouped when several series."""
    series = aligned(chart)
    values = svg.values_of(series.values())
    if not chart.labels or not series:
        return placeholder(style)
    head, top = _header(list(series))
    # Room above the plot for the value written over the tallest bar.
    frame = _frame(chart, min(values, default=0.0), max(values, default=0.0),
                   top=top + VALUE_ROOM)
    zero = frame.value(0.0)
    group = frame.slot * 0.8
    width = group / len(series)
    colours = svg.series_colours(list(series))
    # A value is written on its bar when there are few bars and the text fits above it.
    room = frame.slot * 0.95 if len(series) == 1 else width + 2
    show_values = len(chart.labels) * len(series) <= VALUE_LABELS_UP_TO and all(
        svg.text_width(style.value(v, chart.unit), 10) <= room for v in values)
    parts = []
    for index, label in enumerate(chart.labels):
        x0 = frame.centre(index) - group / 2
        for number, (name, row) in enumerate(series.items()):
            value = row[index]
            if value is None:
                continue
            y = frame.value(value)
            x = x0 + number * width
            tip = f"{label} · {name}: {style.value(value, chart.unit)}" if len(series) > 1 \
                else f"{label}: {style.value(value, chart.unit)}"
            parts.append(
                f'<rect x="{svg.fmt(x + 1)}" y="{svg.fmt(min(y, zero))}" '
                f'width="{svg.fmt(max(width - 2, 1))}" height="{svg.fmt(abs(zero - y))}" '
                f'fill="{colours[number]}">{svg.tooltip(tip)}</rect>')
            if show_values:
                above = y - 4 if value >= 0 else y + svg.FONT
                parts.append(svg.text(x + width / 2, above, style.value(value, chart.unit),
                                      anchor="middle", size=10))
    return _finish(chart, style, frame, head, "".join(parts), "bar")


def stacked_bar_chart(chart: Chart, style: Style) -> str:
    """One bar per label, its series stacked (positives up, negatives down), the net
    total written above."""
    series = aligned(chart)
    if not chart.labels or not series:
        return placeholder(style)
    ups = [sum(v for row in series.values() if (v := row[i]) is not None and v > 0)
           for i in range(len(chart.labels))]
    downs = [sum(v for row in series.values() if (v := row[i]) is not None and v < 0)
             for i in range(len(chart.labels))]
    head, top = _header(list(series))
    frame = _frame(chart, min(downs, default=0.0), max(ups, default=0.0),
                   top=top + VALUE_ROOM)
    width = frame.slot * 0.6
    colours = svg.series_colours(list(series))
    totals = [u + d for u, d in zip(ups, downs, strict=True)]
    show_totals = len(chart.labels) <= VALUE_LABELS_UP_TO and all(
        svg.text_width(style.value(t, chart.unit), 10) <= frame.slot * 0.95 for t in totals)
    parts = []
    for index, label in enumerate(chart.labels):
        x = frame.centre(index) - width / 2
        up = down = 0.0
        for number, (name, row) in enumerate(series.items()):
            value = row[index]
            if value is None or value == 0:
                continue
            base = up if value > 0 else down
            end = base + value
            y1, y2 = frame.value(base), frame.value(end)
            if value > 0:
                up = end
            else:
                down = end
            tip = f"{label} · {name}: {style.value(value, chart.unit)}"
            parts.append(
                f'<rect x="{svg.fmt(x)}" y="{svg.fmt(min(y1, y2))}" width="{svg.fmt(width)}" '
                f'height="{svg.fmt(abs(y2 - y1))}" fill="{colours[number]}" '
                f'stroke="#fff" stroke-width="0.5">{svg.tooltip(tip)}</rect>')
        if show_totals and (up or down):  # nothing written over an empty bar
            parts.append(svg.text(frame.centre(index), frame.value(up) - 4,
                                  style.value(up + down, chart.unit), anchor="middle",
                                  size=10))
    return _finish(chart, style, frame, head, "".join(parts), "stacked_bar")


def line_chart(chart: Chart, style: Style) -> str:
    """One line per series through the label centres; a None breaks the line (a lone
    point between gaps is still drawn as a dot)."""
    series = aligned(chart)
    values = svg.values_of(series.values())
    if not chart.labels or not values:
        return placeholder(style)
    low, high = min(values), max(values)
    # Counts and rates read honestly from zero, unless the data sit far above it.
    include_zero = low <= 0 or low <= high * 0.5
    head, top = _header(list(series))
    frame = _frame(chart, low, high, top=top, include_zero=include_zero)
    dots = len(chart.labels) <= 60
    parts = []
    colours = svg.series_colours(list(series))
    for number, (name, row) in enumerate(series.items()):
        colour = colours[number]
        runs: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(row):
            if value is None:
                runs.append([])
                continue
            runs[-1].append((frame.centre(index), frame.value(value)))
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{'M' if i == 0 else 'L'}{svg.fmt(x)},{svg.fmt(y)}"
                                for i, (x, y) in enumerate(run))
                parts.append(f'<path d="{path}" fill="none" stroke="{colour}" '
                             f'stroke-width="2" stroke-linejoin="round"/>')
        for index, value in enumerate(row):
            lonely = value is not None and (index == 0 or row[index - 1] is None) and (
                index == len(row) - 1 or row[index + 1] is None)
            if value is None or not (dots or lonely):
                continue
            tip = f"{chart.labels[index]} · {name}: {style.value(value, chart.unit)}"
            parts.append(f'<circle cx="{svg.fmt(frame.centre(index))}" '
                         f'cy="{svg.fmt(frame.value(value))}" r="3" fill="{colour}">'
                         f"{svg.tooltip(tip)}</circle>")
    return _finish(chart, style, frame, head, "".join(parts), "line")
