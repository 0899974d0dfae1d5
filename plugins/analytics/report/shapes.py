"""The charts that are not category charts: heatmap, funnel and scatter (inline SVG).

See :mod:`guanxi_analytics.report.charts` for the conventions (escaping, gaps, titles).
"""

from __future__ import annotations

from guanxi_analytics.report import svg
from guanxi_analytics.report.charts import Style, placeholder
from guanxi_analytics.report.formatting import DASH, finite, percent, tick_text
from guanxi_analytics.sections import Chart

# Sequential blues for one-signed data; a diverging red–white–blue when values cross 0.
LIGHT, DARK = (247, 251, 255), (8, 69, 148)
NEGATIVE = (178, 24, 43)
WHITE = (255, 255, 255)
HEAT_ROW = 24.0
LEGEND_STEPS = 10


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    t = min(1.0, max(0.0, t))
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t),
            round(a[2] + (b[2] - a[2]) * t))


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def heat_colour(value: float, low: float, high: float) -> tuple[int, int, int]:
    """The cell colour of ``value``: light to dark blue over ``[low, high]``, or red
    through white to blue around zero when the data have both signs."""
    if low < 0 < high:
        return _mix(WHITE, NEGATIVE, value / low) if value < 0 else _mix(WHITE, DARK,
                                                                          value / high)
    span = high - low
    return _mix(LIGHT, DARK, (value - low) / span if span else 1.0)


def _ink(rgb: tuple[int, int, int]) -> str:
    """Black or white text, whichever reads on the cell (relative luminance)."""
    luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    return "#111827" if luminance > 140 else "#ffffff"


def heatmap(chart: Chart, style: Style) -> str:
    """A matrix (rows = ``labels``, columns = ``columns``, ``series[row]`` = the row's
    values): each cell coloured on one scale and its value written in it; empty cells
    (None — a cohort not yet that old) left grey. A key of the scale below."""
    rows = [str(label) for label in chart.labels]
    columns = [str(c) for c in chart.columns]
    if not rows or not columns:
        return placeholder(style)
    matrix = []
    for label in chart.labels:
        raw = list(chart.series.get(label, chart.series.get(str(label), ())))[: len(columns)]
        cells = [finite(v) for v in raw]
        matrix.append(cells + [None] * (len(columns) - len(cells)))
    values = svg.values_of(matrix)
    if not values:
        return placeholder(style)
    low, high = min(values), max(values)
    left = 12 + min(160.0, max(svg.text_width(r) for r in rows)) + 8
    top = 12 + (svg.FONT + 8 if chart.x_label else 0)
    head = svg.FONT + 10
    cell_w = (svg.WIDTH - left - 12) / len(columns)
    font = 11 if cell_w >= 44 else 9
    parts = []
    if chart.x_label:
        parts.append(svg.text(left + (svg.WIDTH - left - 12) / 2, 12 + svg.FONT,
                              chart.x_label, anchor="middle", fill=svg.AXIS))
    for j, column in enumerate(columns):
        parts.append(svg.text(left + cell_w * (j + 0.5), top + svg.FONT,
                              svg.clip(column, cell_w - 2, font), anchor="middle", size=font))
    y0 = top + head
    for i, (label, cells) in enumerate(zip(rows, matrix, strict=True)):
        y = y0 + i * HEAT_ROW
        parts.append(svg.text(left - 8, y + HEAT_ROW / 2 + 4, svg.clip(label, left - 20),
                              anchor="end"))
        for j, value in enumerate(cells):
            x = left + j * cell_w
            if value is None:
                parts.append(f'<rect x="{svg.fmt(x)}" y="{svg.fmt(y)}" '
                             f'width="{svg.fmt(cell_w)}" height="{HEAT_ROW}" fill="#f3f4f6" '
                             f'stroke="#fff"/>')
                continue
            rgb = heat_colour(value, low, high)
            shown = style.value(value, chart.unit)
            if chart.unit == "%" and cell_w < 44:
                shown = percent(value, 0)
            tip = f"{label} · {columns[j]}: {style.value(value, chart.unit)}"
            parts.append(f'<rect x="{svg.fmt(x)}" y="{svg.fmt(y)}" width="{svg.fmt(cell_w)}" '
                         f'height="{HEAT_ROW}" fill="{_hex(rgb)}" stroke="#fff">'
                         f"{svg.tooltip(tip)}</rect>")
            if svg.text_width(shown, font) <= cell_w - 2:
                parts.append(svg.text(x + cell_w / 2, y + HEAT_ROW / 2 + font / 3, shown,
                                      anchor="middle", size=font, fill=_ink(rgb)))
    key_y = y0 + len(rows) * HEAT_ROW + 14
    parts.append(_heat_key(chart, style, low, high, left, key_y))
    if chart.y_label:
        parts.append(svg.text(12, y0 - 6, chart.y_label, fill=svg.AXIS))
    height = key_y + 34
    description = f"heatmap: {len(rows)} rows × {len(columns)} columns"
    return svg.svg_open(height, style.title, description, kind="heatmap") + "".join(parts) \
        + "</svg>"


def _heat_key(chart: Chart, style: Style, low: float, high: float, x: float,
              y: float) -> str:
    """The colour scale: ten swatches from the lowest to the highest value."""
    width = min(240.0, svg.WIDTH - x - 12)
    step = width / LEGEND_STEPS
    parts = []
    for k in range(LEGEND_STEPS):
        value = low + (high - low) * (k + 0.5) / LEGEND_STEPS
        parts.append(f'<rect x="{svg.fmt(x + k * step)}" y="{svg.fmt(y)}" '
                     f'width="{svg.fmt(step)}" height="10" '
                     f'fill="{_hex(heat_colour(value, low, high))}"/>')
    parts.append(svg.text(x, y + 24, style.value(low, chart.unit), size=10))
    parts.append(svg.text(x + width, y + 24, style.value(high, chart.unit), anchor="end",
                          size=10))
    return '<g class="scale">' + "".join(parts) + "</g>"


FUNNEL_ROW = 38.0


def funnel(chart: Chart, style: Style) -> str:
    """Stages top to bottom as centred bars narrowing with their count, joined by
    trapezoids; beside each: the count, its share of the first stage and the step
    conversion from the stage before (— when that stage had none)."""
    stages = [str(label) for label in chart.labels]
    first_series = next(iter(chart.series.values()), ())
    raw = [finite(v) for v in list(first_series)[: len(stages)]]
    counts = [max(0.0, v) if v is not None else None for v in raw]
    counts += [None] * (len(stages) - len(counts))
    if not stages or all(c is None for c in counts):
        return placeholder(style)
    name_w = min(170.0, max(svg.text_width(s) for s in stages)) + 16
    info_w = 250.0
    bar_area = svg.WIDTH - name_w - info_w - 12
    centre = name_w + bar_area / 2
    biggest = max((c for c in counts if c is not None), default=0.0) or 1.0
    head = 14.0
    parts = []
    widths = [max(2.0, (c or 0.0) / biggest * bar_area) for c in counts]
    first = counts[0]
    for i, (stage, count) in enumerate(zip(stages, counts, strict=True)):
        y = head + i * FUNNEL_ROW
        bar_h = FUNNEL_ROW - 12
        if i + 1 < len(stages):  # the neck to the next stage
            w1, w2 = widths[i], widths[i + 1]
            points = (f"{svg.fmt(centre - w1 / 2)},{svg.fmt(y + bar_h)} "
                      f"{svg.fmt(centre + w1 / 2)},{svg.fmt(y + bar_h)} "
                      f"{svg.fmt(centre + w2 / 2)},{svg.fmt(y + FUNNEL_ROW)} "
                      f"{svg.fmt(centre - w2 / 2)},{svg.fmt(y + FUNNEL_ROW)}")
            parts.append(f'<polygon points="{points}" fill="{svg.colour(0)}" '
                         f'fill-opacity="0.18"/>')
        share = percent(count / first) if count is not None and first else DASH
        previous = counts[i - 1] if i else None
        step = (percent(count / previous) if count is not None and previous else DASH)
        tip = f"{stage}: {style.value(count, chart.unit)}"
        parts.append(f'<rect x="{svg.fmt(centre - widths[i] / 2)}" y="{svg.fmt(y)}" '
                     f'width="{svg.fmt(widths[i])}" height="{svg.fmt(bar_h)}" rx="3" '
                     f'fill="{svg.colour(0)}">{svg.tooltip(tip)}</rect>')
        parts.append(svg.text(name_w - 8, y + bar_h / 2 + 4, svg.clip(stage, name_w - 16),
                              anchor="end"))
        info = f"{style.value(count, chart.unit)} · {share} {style.word('of_first')}"
        parts.append(svg.text(name_w + bar_area + 12, y + bar_h / 2 - 1, info))
        if i:
            parts.append(svg.text(name_w + bar_area + 12, y + bar_h / 2 + 12,
                                  f"↓ {step} {style.word('from_previous')}", size=10,
                                  fill=svg.AXIS))
    height = head + len(stages) * FUNNEL_ROW + 4
    description = f"funnel: {len(stages)} stages"
    return svg.svg_open(height, style.title, description, kind="funnel") + "".join(parts) \
        + "</svg>"


SCATTER_HEIGHT = 300.0


def _padded(values: list[float]) -> tuple[float, float]:
    """The range of ``values`` widened by 4% each way (a point on the edge of the plot
    is not cut in half), without crossing zero for one-signed data."""
    low, high = min(values), max(values)
    pad = (high - low) * 0.04
    padded_low = low - pad if low < 0 or low - pad >= 0 else 0.0
    padded_high = high + pad if high > 0 or high + pad <= 0 else 0.0
    return padded_low, padded_high


def scatter(chart: Chart, style: Style) -> str:
    """Points coloured by group with a legend, both axes on 1-2-5 ticks with their
    names, and the quadrant cut lines (dashed) when ``x_cut``/``y_cut`` are given. More
    than ``max_points`` points are thinned evenly (the description says how many)."""
    points = [(x, y, str(g)) for px, py, g in chart.points
              if (x := finite(px)) is not None and (y := finite(py)) is not None]
    if not points:
        return placeholder(style)
    total = len(points)
    if total > style.max_points:
        stride = total / style.max_points
        points = [points[int(k * stride)] for k in range(style.max_points)]
    groups = list(dict.fromkeys(g for _, _, g in points))
    xs = [p[0] for p in points] + ([c] if (c := finite(chart.x_cut)) is not None else [])
    ys = [p[1] for p in points] + ([c] if (c := finite(chart.y_cut)) is not None else [])
    x_ticks = svg.nice_ticks(*_padded(xs))
    y_ticks = svg.nice_ticks(*_padded(ys))
    head, top = "", 10.0
    if len(groups) > 1:
        head, used = svg.legend(groups, 12, 8, svg.WIDTH - 24)
        top = used + 16
    left = 12 + svg.tick_label_width(y_ticks, "") + (20 if chart.y_label else 0)
    right = svg.WIDTH - 16
    bottom = top + SCATTER_HEIGHT
    sx = svg.Scale(x_ticks[0], x_ticks[-1], left, right)
    sy = svg.Scale(y_ticks[0], y_ticks[-1], bottom, top)
    parts = [head, svg.value_axis(y_ticks, sy, left, right, "")]
    x_step = x_ticks[1] - x_ticks[0] if len(x_ticks) > 1 else 1.0
    for tick in x_ticks:
        x = sx(tick)
        parts.append(f'<line x1="{svg.fmt(x)}" x2="{svg.fmt(x)}" y1="{svg.fmt(top)}" '
                     f'y2="{svg.fmt(bottom)}" stroke="{svg.GRID}"/>')
        parts.append(svg.text(x, bottom + svg.FONT + 4, tick_text(tick, x_step, ""),
                              anchor="middle"))
    for cut, vertical in ((finite(chart.x_cut), True), (finite(chart.y_cut), False)):
        if cut is None:
            continue
        if vertical:
            line = (f'x1="{svg.fmt(sx(cut))}" x2="{svg.fmt(sx(cut))}" y1="{svg.fmt(top)}" '
                    f'y2="{svg.fmt(bottom)}"')
        else:
            line = (f'x1="{svg.fmt(left)}" x2="{svg.fmt(right)}" y1="{svg.fmt(sy(cut))}" '
                    f'y2="{svg.fmt(sy(cut))}"')
        parts.append(f'<line class="cut" {line} stroke="#374151" stroke-width="1.2" '
                     f'stroke-dasharray="6 4"/>')
    colours = dict(zip(groups, svg.series_colours(groups), strict=True))
    radius = 4 if len(points) <= 500 else 2.5
    tips = len(points) <= 2000  # a tooltip per point, while the file stays small
    for x, y, group in points:
        tip = svg.tooltip(f"{group}: {chart.x_label or 'x'} {x:,.2f}, "
                          f"{chart.y_label or 'y'} {y:,.2f}") if tips else ""
        parts.append(f'<circle cx="{svg.fmt(sx(x))}" cy="{svg.fmt(sy(y))}" r="{radius}" '
                     f'fill="{colours[group]}" fill-opacity="0.75">{tip}</circle>')
    if chart.x_label:
        parts.append(svg.text((left + right) / 2, bottom + 2 * svg.FONT + 10, chart.x_label,
                              anchor="middle", fill=svg.AXIS))
    if chart.y_label:
        y = (top + bottom) / 2
        parts.append(f'<text x="14" y="{svg.fmt(y)}" font-size="{svg.FONT}" '
                     f'fill="{svg.AXIS}" text-anchor="middle" '
                     f'transform="rotate(-90 14 {svg.fmt(y)})">{svg.esc(chart.y_label)}</text>')
    height = bottom + 2 * svg.FONT + 20
    description = f"scatter: {len(points)} of {total} {style.word('shown')}"
    return svg.svg_open(height, style.title, description, kind="scatter") + "".join(parts) \
        + "</svg>"
