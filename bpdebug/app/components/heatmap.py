"""The heat map's colour scale, shared by anything that draws a matrix (numbers: bpdebug.engine.notation).

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

CHANGED_MARK = "•"

NEGATIVE = Color(40, 100, 230)
POSITIVE = Color(225, 50, 40)
NON_FINITE = Color(125, 0, 125)
# Quantising the scale keeps the number of distinct styles small (and cached), and a
# terminal cannot show finer steps than this anyway.
LEVELS = 32


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
