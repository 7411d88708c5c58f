"""The heat map's colour scale and number format, shared by anything that draws a matrix.

Diverging scale: negative entries blend towards blue, positive towards red, zero stays
the panel's own background, so a gradient that vanishes looks like empty space and one
that explodes looks like a wall of colour. NaN and ±Inf are never on the scale: they get
their own colour, because "how big" means nothing for them.
"""

from __future__ import annotations

import math
from functools import lru_cache

from rich.style import Style
from textual.color import Color

VALUE_WIDTH = 6
# One column before each number: a gap, or the changed mark right against it.  Four
# examples then fit a 30-column panel, so XOR's A[l] is seen whole at 120×36.
CELL_WIDTH = VALUE_WIDTH + 1
CHANGED_MARK = "•"

NEGATIVE = Color(40, 100, 230)
POSITIVE = Color(225, 50, 40)
NON_FINITE = Color(125, 0, 125)
# Quantising the scale keeps the number of distinct styles small (and cached), and a
# terminal cannot show finer steps than this anyway.
LEVELS = 32


def compact(value: float, width: int = VALUE_WIDTH) -> str:
    """The most precise of 1234, -0.123, -1e+04, nan, inf, -inf that fits in `width` characters."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    for digits in (4, 3, 2):
        text = f"{value:.{digits}g}"
        if len(text) <= width:
            return text
    mantissa, exponent = f"{value:.0e}".split("e")
    text = f"{mantissa}e{int(exponent)}"  # -2e308: no "+", no leading zeros
    if len(text) <= width:
        return text
    return "-ε" if value < 0 else "ε"  # below 1e-99 in size: nothing a glance could use


def stat(value: float) -> str:
    """A statistic in the subtitle: three significant figures are plenty for a glance."""
    return f"{value:.3g}"


def solid(color: Color) -> Color:
    """A colour as it is seen: a translucent one laid over black (the terminal's own)."""
    return color if color.a >= 1 else Color(0, 0, 0) + color


@lru_cache(maxsize=4096)
def cell_style(background: Color, level: int, changed: bool) -> Style:
    """The style of a finite cell: `level` in -LEVELS..LEVELS is its place on the scale."""
    towards = NEGATIVE if level < 0 else POSITIVE
    fill = background.blend(towards, abs(level) / LEVELS)
    return Style(
        bgcolor=fill.rich_color,
        color=fill.get_contrast_text(1.0).rich_color,
        bold=changed,
    )


NON_FINITE_STYLE = Style(bgcolor=NON_FINITE.rich_color, color="bright_white", bold=True)


def level(value: float, scale: float) -> int:
    """Where a finite value sits on the scale, scaled by the largest |finite value|."""
    if scale <= 0 or not math.isfinite(scale):
        return 0
    return max(-LEVELS, min(LEVELS, round(value / scale * LEVELS)))
