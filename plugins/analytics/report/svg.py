"""SVG building blocks for the report's charts: escaping, scales, ticks, axes, legend.

Every piece of text that reaches the markup (labels, series names, units, titles) goes
through :func:`esc`, so a customer or campaign called ``<script>…`` is drawn as text.
Charts use a fixed ``viewBox`` and scale with the page (CSS ``width: 100%``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import escape

from guanxi_analytics.report.formatting import finite, tick_text

WIDTH = 720
FONT = 12  # px, the labels' size; titles are not drawn inside the SVG (the HTML has them)

# Okabe–Ito's colour-blind-safe palette first, then a few more distinct hues.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
           "#F0E442", "#000000", "#8C564B", "#7F7F7F", "#17BECF", "#BCBD22")
# Series whose name says what they are get the colour people expect: a traffic-light
# status, NPS groups, won and lost, a target drawn in grey beside the actual.
SEMANTIC = {"green": "#2E9D5B", "amber": "#E6A700", "yellow": "#E6A700", "red": "#D1453B",
            "no data": "#9CA3AF", "promoters": "#2E9D5B", "passives": "#E6A700",
            "detractors": "#D1453B", "won": "#2E9D5B", "lost": "#D1453B",
            "target": "#9CA3AF", "绿": "#2E9D5B", "黄": "#E6A700", "红": "#D1453B"}
AXIS = "#6b7280"
GRID = "#e5e7eb"


def esc(text: object) -> str:
    """Text made safe for SVG/HTML content and double- or single-quoted attributes."""
    return str(escape(str(text)))


def colour(index: int) -> str:
    """The palette colour of series ``index`` (cycling)."""
    return PALETTE[index % len(PALETTE)]


def series_colours(names: Sequence[str]) -> list[str]:
    """One colour per series: by meaning for the names of :data:`SEMANTIC`, else the
    palette in order."""
    return [SEMANTIC.get(str(name).strip().lower(), colour(i)) for i, name in enumerate(names)]


def text_width(text: str, size: float = FONT) -> float:
    """Roughly how wide ``text`` is drawn: CJK characters are square, Latin ones narrow."""
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return (wide * 1.0 + (len(text) - wide) * 0.6) * size


def clip(text: str, width: float, size: float = FONT) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` (the full text stays in a
    ``<title>`` tooltip where the caller adds one)."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


_BREAKS = re.compile(r"[ _/-]")


def wrap(text_: str, width: float, lines: int = 2, size: float = FONT) -> list[str]:
    """``text_`` broken into at most ``lines`` lines of ``width``: after a space, ``_``,
    ``-`` or ``/`` when the line has one (English), anywhere otherwise (Chinese); the last
    line clipped."""
    out: list[str] = []
    rest = text_.strip()
    while rest and len(out) < lines - 1:
        if text_width(rest, size) <= width:
            break
        cut = 1
        while cut < len(rest) and text_width(rest[: cut + 1], size) <= width:
            cut += 1
        breaks = [m.end() for m in _BREAKS.finditer(rest[: cut + 1])]
        if breaks and breaks[-1] > 1:
            cut = breaks[-1]
        out.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        out.append(clip(rest, width, size))
    return out


def wraps_well(label: str, width: float, size: float = FONT) -> bool:
    """Whether ``label`` wraps onto two lines without cutting a word: every word fits a
    line (Chinese text breaks anywhere, so it always does) and nothing is clipped."""
    words = [w for w in _BREAKS.split(label) if w]
    if any(text_width(w, size) > width and not any(ord(c) >= 0x2E80 for c in w)
           for w in words):
        return False
    return not wrap(label, width, size=size)[-1].endswith("…")


def fmt(value: float) -> str:
    """A coordinate with at most one decimal (keeps the file small)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_step(span: float, max_ticks: int = 6) -> float:
    """The 1-2-5 step (…, 0.5, 1, 2, 5, 10, …) giving at most ``max_ticks`` intervals."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(1, max_ticks)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power * (1 + 1e-9):
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def nice_ticks(low: float, high: float, max_ticks: int = 6,
               *, include_zero: bool = False, integer: bool = False) -> list[float]:
    """Ticks covering ``[low, high]`` at a 1-2-5 step, the ends rounded outwards; a
    step of at least 1 for ``integer`` data (counts).

    Equal ends (one value, all zeros) get a unit range around them, so an axis always
    has a height.
    """
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    if high < low:
        low, high = high, low
    if high == low:
        if low == 0:
            high = 1.0
        else:
            pad = abs(low) * 0.5
            low, high = (0.0, high + pad) if low > 0 and include_zero else (low - pad, high + pad)
    step = nice_step(high - low, max_ticks)
    if integer:
        step = max(step, 1.0)
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    count = round((last - first) / step)
    # Round away binary noise (0.30000000000000004 → 0.3).
    digits = max(0, -math.floor(math.log10(step)) + 1)
    return [round(first + i * step, digits) for i in range(count + 1)]


def values_of(series: Iterable[Sequence[float | None]]) -> list[float]:
    """Every finite value in the series (None, NaN and infinities left out)."""
    return [v for values in series for raw in values if (v := finite(raw)) is not None]


@dataclass(frozen=True)
class Scale:
    """A linear map from data ``[low, high]`` to pixels ``[start, end]``."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = self.high - self.low or 1.0
        return self.start + (value - self.low) / span * (self.end - self.start)


def svg_open(height: float, title: str, description: str = "", *, kind: str) -> str:
    """The opening ``<svg>`` with its accessible ``<title>`` and ``<desc>``."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{esc(kind)}" '
        f'viewBox="0 0 {WIDTH} {fmt(height)}" width="{WIDTH}" height="{fmt(height)}" '
        f'role="img" preserveAspectRatio="xMidYMin meet">',
        f"<title>{esc(title)}</title>",
    ]
    if description:
        parts.append(f"<desc>{esc(description)}</desc>")
    return "".join(parts)


def text(x: float, y: float, content: str, *, anchor: str = "start", size: float = FONT,
         fill: str = "#374151", extra: str = "") -> str:
    """A ``<text>`` element, its content escaped."""
    return (f'<text x="{fmt(x)}" y="{fmt(y)}" font-size="{fmt(size)}" fill="{fill}" '
            f'text-anchor="{anchor}"{extra}>{esc(content)}</text>')


def tooltip(content: str) -> str:
    """A native tooltip (a ``<title>`` child) for the element it is put in."""
    return f"<title>{esc(content)}</title>"


def value_axis(ticks: Sequence[float], scale: Scale, left: float, right: float,
               unit: str) -> str:
    """Horizontal grid lines with the value ticks at the left (a vertical value axis)."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    parts = []
    for tick in ticks:
        y = scale(tick)
        stroke = AXIS if tick == 0 else GRID
        parts.append(f'<line x1="{fmt(left)}" x2="{fmt(right)}" y1="{fmt(y)}" y2="{fmt(y)}" '
                     f'stroke="{stroke}" stroke-width="1"/>')
        parts.append(text(left - 6, y + 4, tick_text(tick, step, unit), anchor="end"))
    return "".join(parts)


def tick_label_width(ticks: Sequence[float], unit: str) -> float:
    """The widest value tick label, to size the left margin."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    return max((text_width(tick_text(t, step, unit)) for t in ticks), default=0.0)


def category_labels(labels: Sequence[str], centres: Sequence[float], slot: float,
                    y: float) -> tuple[str, float]:
    """Category labels under an axis, and the height they take.

    Straight when they fit their slot. When they do not and there are many (a time
    axis of weeks), every k-th label is written straight; otherwise (a few long names)
    they are slanted and clipped, every one written unless the slots are too narrow even
    for that. The full text is always in a tooltip.
    """
    widest = max((text_width(label) for label in labels), default=0.0)
    parts = []
    if widest <= slot - 4:
        for label, x in zip(labels, centres, strict=False):
            parts.append(text(x, y + FONT + 2, label, anchor="middle"))
        return "".join(parts), FONT + 8
    every = math.ceil((widest + 8) / slot)
    if len(labels) > 12 and every <= max(4, len(labels) // 6):
        for index, (label, x) in enumerate(zip(labels, centres, strict=False)):
            if index % every == 0:
                parts.append(text(x, y + FONT + 2, label, anchor="middle"))
        return "".join(parts), FONT + 8
    if slot >= 48 and all(wraps_well(label, slot - 6) for label in labels):
        # A few long names: two lines each under the slot.
        for label, x in zip(labels, centres, strict=False):
            lines = wrap(label, slot - 6)
            full = tooltip(label) if "".join(lines).replace(" ", "") != label.replace(
                " ", "") else ""
            spans = "".join(
                f'<tspan x="{fmt(x)}" dy="{0 if i == 0 else FONT + 2}">{esc(line)}</tspan>'
                for i, line in enumerate(lines))
            parts.append(f'<text x="{fmt(x)}" y="{fmt(y + FONT + 2)}" font-size="{FONT}" '
                         f'fill="#374151" text-anchor="middle">{full}{spans}</text>')
        return "".join(parts), 2 * (FONT + 2) + 8
    room = 110.0
    every = max(1, math.ceil((FONT + 3) / slot))
    for index, (label, x) in enumerate(zip(labels, centres, strict=False)):
        if index % every:
            continue
        shown = clip(label, room)
        parts.append(
            f'<text x="{fmt(x)}" y="{fmt(y + FONT)}" font-size="{FONT}" fill="#374151" '
            f'text-anchor="end" transform="rotate(-35 {fmt(x)} {fmt(y + FONT)})">'
            f"{tooltip(label)}{esc(shown)}</text>")
    return "".join(parts), min(widest, room) * 0.6 + FONT + 10


def legend(names: Sequence[str], x: float, y: float, width: float,
           colours: Sequence[str] | None = None) -> tuple[str, float]:
    """Coloured keys in rows from ``(x, y)``; returns the markup and its height."""
    if not names:
        return "", 0.0
    colours = list(colours) if colours is not None else series_colours(names)
    parts, cx, cy = [], x, y
    for index, name in enumerate(names):
        shown = clip(name, 260)
        item = 16 + text_width(shown) + 18
        if cx > x and cx + item > x + width:
            cx, cy = x, cy + FONT + 8
        parts.append(f'<rect x="{fmt(cx)}" y="{fmt(cy)}" width="10" height="10" rx="2" '
                     f'fill="{colours[index]}"/>')
        full = tooltip(name) if shown != name else ""
        parts.append(f'<text x="{fmt(cx + 14)}" y="{fmt(cy + 9.5)}" font-size="{FONT}" '
                     f'fill="#374151">{full}{esc(shown)}</text>')
        cx += item
    return '<g class="legend">' + "".join(parts) + "</g>", (cy - y) + FONT + 8
