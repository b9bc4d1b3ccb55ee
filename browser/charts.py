"""Server-rendered SVG charts: no script, no library, nothing fetched.

Every point is a `<circle>` carrying its series, year and value as data attributes (and a
`<title>` tooltip), so the stored numbers can be read back from the page.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from markupsafe import Markup, escape

from models.export import format_number
from models.types import Number

COLOURS: Final = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a")
_LEFT: Final = 48
_RIGHT: Final = 16
_TOP: Final = 28
_BOTTOM: Final = 28


@dataclass(frozen=True, slots=True)
class Series:
    name: str  # an identifier: the `data-series` of its points
    label: str  # for the legend
    points: tuple[tuple[int, Number | None], ...]  # (year, value); None: not printed


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^k not below `value` (1 for 0): the top of the y axis."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    steps = (step * magnitude for step in (1, 2, 5, 10))
    return float(next(step for step in steps if step >= value))


def text_width(text: str, size: int) -> float:
    """Roughly how wide `text` is drawn: CJK glyphs are square, Latin ones about half as wide."""
    return sum(size if unicodedata.east_asian_width(char) in "WF" else size * 0.6 for char in text)


def line_chart(series: Sequence[Series], *, title: str, width: int = 640, height: int = 240) -> str:
    """One line per series over the years any of them covers; a gap where a value is missing."""
    years = sorted({year for s in series for year, _ in s.points})
    values = [v for s in series for _, v in s.points if v is not None]
    top = nice_ceiling(max(values, default=0))
    plot_w = width - _LEFT - _RIGHT
    plot_h = height - _TOP - _BOTTOM

    def x(year: int) -> float:
        if len(years) < 2:
            return _LEFT + plot_w / 2
        return _LEFT + plot_w * (year - years[0]) / (years[-1] - years[0])

    def y(value: float) -> float:
        return _TOP + plot_h * (1 - value / top)

    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        tick = top * fraction
        parts.append(
            f'<line class="grid" x1="{_LEFT}" x2="{width - _RIGHT}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}" stroke="#ddd"/>'
            f'<text x="{_LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{format_number(int(tick) if float(tick).is_integer() else tick)}</text>"
        )
    for year in years:
        parts.append(
            f'<text class="year" x="{x(year):.1f}" y="{height - 8}" text-anchor="middle" '
            f'font-size="11">{year}</text>'
        )
    legend_x: float = _LEFT
    for index, s in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        # Values above the first series' points, below the next ones', so that close lines'
        # labels do not print over each other.
        label_dy = -8 if index % 2 == 0 else 16
        # A line joins consecutive years only: a missing year is a gap, never an interpolation.
        segment: list[str] = []
        segments: list[list[str]] = [segment]
        previous: int | None = None
        for year, value in sorted(s.points):
            if value is None or (previous is not None and year != previous + 1):
                segment = []
                segments.append(segment)
            if value is not None:
                segment.append(f"{x(year):.1f},{y(value):.1f}")
            previous = year
        for points in segments:
            if len(points) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                    f'points="{" ".join(points)}"/>'
                )
        for year, value in sorted(s.points):
            if value is None:
                continue
            shown = format_number(value)
            parts.append(
                f'<circle class="point" data-series="{escape(s.name)}" data-year="{year}" '
                f'data-value="{shown}" cx="{x(year):.1f}" cy="{y(value):.1f}" r="4" '
                f'fill="{colour}"><title>{escape(s.label)} {year}: {shown}</title></circle>'
                f'<text class="value" x="{x(year):.1f}" y="{y(value) + label_dy:.1f}" '
                f'text-anchor="middle" font-size="11" fill="{colour}">{shown}</text>'
            )
        parts.append(
            f'<text class="legend" x="{legend_x:.0f}" y="14" font-size="12" '
            f'fill="{colour}">■ {escape(s.label)}</text>'
        )
        legend_x += text_width(f"■ {s.label}", 12) + 16
    if not values:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="13">'
            "no figures stored</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped or a number)
