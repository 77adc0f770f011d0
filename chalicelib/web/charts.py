"""Bar charts of twelve monthly values as inline SVG, drawn on the server (no chart library, no
script). The pages' Content-Security-Policy forbids inline style, so the drawing uses SVG
presentation attributes (fill=, stroke=) only, never style=.

A chart is an image to assistive technology (`role="img"` named by its `<title>` and `<desc>`);
its numbers are also given as `rows` for the page's data table, which screen readers read
instead of the picture.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 20, 44  # room for the axes' labels
INK, MUTED, GRID, BAR = "#1b1b1b", "#4a4a4a", "#c8c8c8", "#8a1c1c"
NO_DATA = "chưa có số liệu"


@dataclass(frozen=True)
class Chart:
    id: str  # unique on the page: the SVG's title and desc ids derive from it
    title: str
    description: str
    rows: tuple[tuple[str, str], ...]  # (month as read, value as read) for the data table
    svg: str  # markup, every text in it escaped


def month_label(month: str) -> str:
    """ "2026-03" as read in a sentence: "tháng 3/2026"."""
    year, number = month.split("-")
    return f"tháng {int(number)}/{year}"


def number_vi(value: float) -> str:
    """A number as Vietnamese write it: decimal comma, at most two decimals, no trailing 0."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def value_text(value: float | None, unit: str) -> str:
    if value is None:
        return NO_DATA
    return f"{number_vi(value)} %" if unit == "%" else f"{number_vi(value)} {unit}"


def ceiling_of(values: Sequence[float | None], unit: str) -> float:
    """The top of the value axis: 100 for a rate; for another unit, a round number at or above
    the largest value (1 when there is none)."""
    if unit == "%":
        return 100.0
    largest = max((v for v in values if v is not None), default=0.0)
    if largest <= 0:
        return 1.0
    step = 10 ** math.floor(math.log10(largest))
    return float(math.ceil(largest / step) * step)


def bar_chart(
    chart_id: str, title: str, months: Sequence[str], values: Sequence[float | None], unit: str
) -> Chart:
    """A bar per month (oldest first), labelled with its value; a month without data (None)
    has no bar and says so, which is not the same as a bar of 0."""
    if len(months) != len(values):
        raise ValueError("one value per month")
    top = ceiling_of(values, unit)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(values), 1)
    shown = [(month_label(m), value_text(v, unit)) for m, v in zip(months, values, strict=True)]
    known = [v for v in values if v is not None]
    span = f"từ {month_label(months[0])} đến {month_label(months[-1])}" if months else ""
    description = (
        f"Biểu đồ cột, {len(values)} tháng {span}: "
        + "; ".join(f"{m}: {v}" for m, v in shown)
        + ("." if known else ". Chưa tháng nào có số liệu.")
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" id="{chart_id}">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    for fraction in (0.0, 0.25, 0.5, 0.75, 1.0):  # the value axis and its grid
        y = TOP + plot_h * (1 - fraction)
        tick = value_text(top * fraction, unit) if unit == "%" else number_vi(top * fraction)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{GRID if fraction else MUTED}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{MUTED}">{escape(tick)}</text>'
        )
    for index, (month, value) in enumerate(zip(months, values, strict=True)):
        middle = LEFT + slot * (index + 0.5)
        base = TOP + plot_h
        if value is None:
            parts.append(
                f'<text x="{middle:.1f}" y="{base - 4:.1f}" text-anchor="middle" '
                f'font-size="11" fill="{MUTED}">–</text>'
            )
        else:
            height = plot_h * min(max(value, 0.0), top) / top
            parts.append(
                f'<rect x="{middle - slot * 0.35:.1f}" y="{base - height:.1f}" '
                f'width="{slot * 0.7:.1f}" height="{height:.1f}" fill="{BAR}"/>'
            )
            parts.append(
                f'<text x="{middle:.1f}" y="{base - height - 4:.1f}" '
                f'text-anchor="middle" font-size="10" fill="{INK}">'
                f"{escape(number_vi(value))}</text>"
            )
        year, number = month.split("-")
        parts.append(
            f'<text x="{middle:.1f}" y="{base + 16:.1f}" text-anchor="middle" '
            f'font-size="11" fill="{INK}">Th{int(number)}</text>'
        )
        if index == 0 or number == "01":  # the year under its first month shown
            parts.append(
                f'<text x="{middle:.1f}" y="{base + 32:.1f}" text-anchor="middle" '
                f'font-size="11" fill="{MUTED}">{year}</text>'
            )
    parts.append("</svg>")
    return Chart(chart_id, title, description, tuple(shown), "".join(parts))
