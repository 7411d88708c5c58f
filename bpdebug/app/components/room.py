"""How the debugger's screen is shared out, worked out before anything is drawn.

    strip (2 lines)
    equations | cost J   | extras       the top: as tall as the step's equations
    matrices             |              extras: plots, a student's code
    status (1 line)

The equations are all on screen, as wide as the widest step's (an explained element
never wraps its terms; beside teaching panels that leave less, as wide as this step's);
the cost panel takes the rest of the width, or hides when less than it needs is left.  The matrices take the height their rows need, and on a small
screen they give up rows first: only when even two rows of each panel would not fit
does the equation panel give up lines (it scrolls).  When the tallest step's equations
leave every step's matrices whole, the top keeps that height at every step, and a step
changes no size at all.  Free rows then go to the cost chart, and free columns to the
plots, which show on their own once they fit beside every panel whole.  The teaching
panels' column is as wide as they ask, up to half the screen, and as tall as the top
and the matrices together.

Pure arithmetic on what each part asks for, so the debugger can size every panel in
the key's action, in one layout pass, and a test can check it without a screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

CHROME = 3  # the strip's two lines and the status line
COST_WIDTH = 20  # the cost panel's least width: "J = 0.724146 · …" and its border
COST_HEIGHT = 4  # its border, J and the history line
GRID_LEAST = 5  # one row of panels: a border, the column numbers and two rows
TOP_SHARE = 0.5  # a cost chart grows to at most this share of the height
PLOTS_WIDTH = 40  # the gradient norms' bars need this much to be read
EXTRAS_SHARE = 0.5  # the teaching panels' column takes at most this share of the width


@dataclass(frozen=True)
class Asks:
    """What every part of the screen asks for."""

    width: int
    height: int  # the debugger's: the screen less the footer
    equations_width: int  # the widest step's longest line (or the story's), padding, border
    equations_now: int  # this step's longest line, padding, border
    equations_height: Callable[[int], int]  # this step's lines at a width (long ones wrap)
    stepping_height: int  # the tallest step's lines of the iteration, border included
    matrices_width: int  # every panel of the widest step whole
    # the tallest step's panels at a width, as tall as their matrices (rows wrapped so
    # that panels are whole where that is possible)
    matrices_height: Callable[[int], int]
    extras_width: int = 0  # the teaching panels' column; 0 when there is none
    chart: bool = False  # a cost history worth a taller chart


@dataclass(frozen=True)
class Room:
    """What every part gets."""

    top: int  # the height of the equations and the cost panel
    equations: int  # the equations' width
    cost: int  # the cost panel's width; 0 when it does not fit
    extras: int  # the teaching panels' column; 0 when there is none
    grid: tuple[int, int]  # the matrices: width, height


def share_out(asks: Asks) -> Room:
    width, height = max(0, asks.width), max(0, asks.height)
    available = max(0, height - CHROME)
    extras = min(asks.extras_width, int(width * EXTRAS_SHARE)) if asks.extras_width else 0
    main = width - extras
    # The widest step's width at every step, when it fits beside the teaching panels;
    # else this step's, and the teaching panels give way to it if they must.
    equations = asks.equations_width if asks.equations_width <= main else \
        min(width, asks.equations_now)
    if equations > main:
        extras, main = width - equations, equations
    cost = main - equations
    if cost < COST_WIDTH:
        equations, cost = main, 0
    current = asks.equations_height(equations)
    tallest = max(current, asks.stepping_height)
    matrices = asks.matrices_height(main)
    # The tallest step's height at every step when that costs no matrix a row.
    wanted = tallest if tallest + matrices <= available else current
    grid_least = min(matrices, GRID_LEAST)
    top = min(max(wanted, COST_HEIGHT if cost else 0), max(0, available - grid_least))
    free = available - top - matrices
    if free > 0 and asks.chart and cost:
        top += min(free, max(0, int(available * TOP_SHARE) - top))
    return Room(top, equations, cost, extras, (main, available - top))


def plots_fit(asks: Asks) -> bool:
    """Whether the plots fit beside every matrix panel of every step whole, and the
    tallest step's equations above them, without x."""
    main = asks.width - PLOTS_WIDTH
    return (main > 0 and asks.height - CHROME - asks.stepping_height >= asks.matrices_height(main)
            and asks.height - CHROME >= 2 * GRID_LEAST)


def plots_width(asks: Asks) -> int:
    """The plots' column: what the matrices of the widest step leave, and never less than
    the bars need."""
    return max(PLOTS_WIDTH, asks.width - asks.matrices_width)
