"""DecisionBoundary: what the current parameters predict over the input plane.

For two input features (n[0] = 2) the network's forward pass is evaluated on a grid
the size of the widget, two grid rows per terminal line (`▀` with the upper cell as
foreground and the lower as background), each cell coloured by the class it predicts
and shaded by how sure the network is; the data points sit on top, one glyph per class.
For one input feature the prediction is drawn as a curve over the data instead (the
sine regression). Anything else gets a one-line note.

The maths is bpdebug/boundary.py, on the engine's side of the wall (the engine's own
forward pass over a grid); this file only draws what it computes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.content import Content
from textual.strip import Strip
from textual.widget import Widget

from bpdebug.app.components import unchanged
from bpdebug.app.components.box import whole_words
from bpdebug.app.components.heatmap import NEGATIVE, NON_FINITE, POSITIVE, solid
from bpdebug.engine import plan
from bpdebug.engine.boundary import (boundary, bounds_of, centres, curve_rows, labels_of,
                                     point_cells, predict, threshold)
from bpdebug.engine.frame import Frame, Network
from bpdebug.engine.notation import plain

# Class 0 and 1 take the heat map's blue and red, so "y = 1" reads as "positive" everywhere.
PALETTE = (NEGATIVE, POSITIVE, Color(60, 170, 80), Color(230, 160, 30), Color(150, 80, 200),
           Color(30, 180, 190), Color(200, 90, 150), Color(150, 150, 150))
GLYPHS = "○●▲■◆▼+×"
CURVE = Color(240, 200, 60)
AXIS = Style(dim=True)


# ---- drawing -----------------------------------------------------------------------

@dataclass(frozen=True)
class Picture:
    strips: list[Strip]
    what: str  # the title after the iteration: "decision boundary" or "prediction"
    legend: Content | None


def class_colour(k: int) -> Color:
    return NON_FINITE if k < 0 else PALETTE[k % len(PALETTE)]


def glyph_style(k: int, background: Color) -> Style:
    # A light tint of the class colour: it stands out on a dark region of either class,
    # and a point on the other class's colour (misclassified) is easy to spot.
    tint = class_colour(k).blend(Color(255, 255, 255), 0.55)
    return Style(color=tint.rich_color, bgcolor=background.rich_color, bold=True)


def draw_boundary(classes: np.ndarray, confidence: np.ndarray, points: dict[tuple[int, int], int],
                  background: Color) -> list[Strip]:
    """Two grid rows per line: `▀` is the upper cell's colour on the lower cell's.  A run
    of cells alike is one segment, and each pair of colours one Style, made once."""
    rows, columns = classes.shape
    # eight shades are all a glance can tell apart
    shades = np.rint(np.nan_to_num(np.asarray(confidence, dtype=np.float64)) * 8).astype(int)
    kinds = np.asarray(classes).astype(int)
    fills: dict[tuple[int, int], Color] = {}
    styles: dict[tuple, Style] = {}

    def fill(key: tuple[int, int]) -> Color:
        if key not in fills:
            fills[key] = background.blend(class_colour(key[0]), 0.2 + 0.6 * key[1] / 8)
        return fills[key]

    def half_blocks(upper: tuple[int, int], lower: tuple[int, int]) -> Style:
        if (upper, lower) not in styles:
            styles[upper, lower] = Style(color=fill(upper).rich_color, bgcolor=fill(lower).rich_color)
        return styles[upper, lower]

    strips = []
    for line in range(rows // 2):
        top = list(zip(kinds[2 * line].tolist(), shades[2 * line].tolist()))
        bottom = list(zip(kinds[2 * line + 1].tolist(), shades[2 * line + 1].tolist()))
        segments, run, c = [], 0, 0
        while c < columns:
            k = points.get((line, c))
            if k is not None:
                upper, lower = fill(top[c]), fill(bottom[c])
                segments.append(Segment(GLYPHS[k % len(GLYPHS)],
                                        glyph_style(k, lower.blend(upper, 0.5))))
                c += 1
                continue
            run = c + 1
            while run < columns and top[run] == top[c] and bottom[run] == bottom[c] \
                    and (line, run) not in points:
                run += 1
            segments.append(Segment("▀" * (run - c), half_blocks(top[c], bottom[c])))
            c = run
        strips.append(Strip(segments, columns))
    return strips


def draw_curve(covered: list[set[int]], points: dict[tuple[int, int], int], lines: int,
               base: Style) -> list[Strip]:
    curve = base + Style(color=CURVE.rich_color)
    dot = base + Style(dim=True)
    strips = []
    for line in range(lines):
        segments = []
        for c, rows in enumerate(covered):
            upper, lower = 2 * line in rows, 2 * line + 1 in rows
            if upper or lower:
                segments.append(Segment("█" if upper and lower else "▀" if upper else "▄", curve))
            else:
                segments.append(Segment("•" if (line, c) in points else " ", dot))
        strips.append(Strip(segments, len(covered)).simplify())
    return strips


def with_axes(draw, bounds: tuple[float, float, float, float], names: tuple[str, str],
              columns: int, lines: int, base: Style) -> list[Strip]:
    """The plot ``draw(columns, lines)`` makes, with its axes labelled: the vertical axis's
    name and range in a gutter on the left, the horizontal axis's under the plot.  Too
    small for that, the plot alone."""
    x0, x1, y0, y1 = (plain(v, 2) for v in bounds)
    gutter = max(len(y0), len(y1), len(names[1])) + 1
    width, height = columns - gutter, lines - 1
    if width < max(8, len(x0) + len(x1) + len(names[0]) + 2) or height < 3:
        return draw(columns, lines)
    style = base + AXIS
    beside = {0: y1, height // 2: names[1], height - 1: y0}
    strips = [Strip([Segment(beside.get(r, "").rjust(gutter - 1) + " ", style),
                     *(strip if strip.cell_length == width
                       else strip.adjust_cell_length(width, base))], gutter + width)
              for r, strip in enumerate(draw(width, height))]
    middle = names[0].center(width - len(x0) - len(x1))
    strips.append(Strip([Segment(" " * gutter + x0 + middle + x1, style)]))
    return strips


def note(text: str) -> Picture:
    return Picture([Strip([Segment(text, Style(dim=True, italic=True))])], "decision boundary",
                   None)


def picture(network: Network, params: dict, columns: int, lines: int,
            background: Color, base: Style = Style(), axes: bool = True) -> Picture:
    """Everything the widget shows, for these parameters at this size (the plot alone
    without ``axes``)."""
    activations = list(network.activations)
    n0, nL = network.sizes[0], network.sizes[-1]
    if columns < 2 or lines < 1:
        return note("")
    if n0 not in (1, 2):
        return note(f"the decision boundary needs 1 or 2 input features; n[0] = {n0}")
    try:
        X, Y = network.X, network.Y
        if n0 == 2:
            return _plane(X, Y, params, activations, columns, lines, background, base, axes)
        if nL != 1:
            return note(f"one input feature and n[L] = {nL} outputs: no single curve to draw")
        return _curve(X, Y, params, activations, columns, lines, base, axes)
    except (ValueError, KeyError, IndexError) as error:  # a wrong explicit W[l], say
        return note(f"cannot evaluate the network: {error}")


def _plane(X, Y, params, activations, columns, lines, background, base, axes) -> Picture:
    bounds = bounds_of(X)
    cut = threshold(activations[-1], Y)
    labels = labels_of(Y, activations[-1]) if Y.shape[1] == X.shape[1] else np.zeros(X.shape[1], int)

    def draw(width: int, height: int) -> list[Strip]:
        classes, confidence = boundary(params, activations, bounds, width, 2 * height, cut)
        points = point_cells(X, labels, bounds, width, height)
        return draw_boundary(classes, confidence, points, background)

    k = 2 if Y.shape[0] == 1 else Y.shape[0]
    legend: list = []
    for c in range(k):
        name = f"y={c}" if k == 2 else f"class {c}"
        tint = class_colour(c).blend(Color(255, 255, 255), 0.55)
        legend += [(GLYPHS[c % len(GLYPHS)], f"bold {tint.hex} on {class_colour(c).hex}"), f" {name}  "]
    return Picture(with_axes(draw, bounds, ("x1", "x2"), columns, lines, base) if axes
                   else draw(columns, lines),
                   "decision boundary", Content.assemble(*legend).rstrip())


def _curve(X, Y, params, activations, columns, lines, base, axes) -> Picture:
    bounds = bounds_of(np.vstack([X[0], Y[0]]))
    x0, x1, y0, y1 = bounds

    def draw(width: int, height: int) -> list[Strip]:
        prediction = predict(params, activations, centres(x0, x1, width).reshape(1, -1))[0]
        covered = curve_rows(prediction, y0, y1, 2 * height)
        points = point_cells(np.vstack([X[0], Y[0]]), np.zeros(X.shape[1], int), bounds,
                             width, height)
        return draw_curve(covered, points, height, base)

    legend = Content.assemble(("▀", CURVE.hex), " A[L]  • data")
    strips = with_axes(draw, bounds, ("x", "y"), columns, lines, base) if axes \
        else draw(columns, lines)
    return Picture(strips, "prediction", legend)


class DecisionBoundary(Widget):
    """The decision boundary of the frame's parameters over the data; `show(frame)`."""

    DEFAULT_CSS = """
    DecisionBoundary {
        width: 1fr;
        height: 1fr;
        min-height: 4;
        border: round $foreground 30%;
        border-title-align: left;
        border-subtitle-align: right;
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None, disabled: bool = False) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._source: tuple | None = None  # (network, params, when) last shown
        self._strips: list[Strip] = []
        self._picture: Picture | None = None
        self._fitted: tuple | None = None  # (width, its lines, a blank line)

    def show(self, frame: Frame) -> None:
        """Redraw for the frame's parameters (one forward pass over the grid)."""
        params = frame.parameters()
        # After the update the parameters are those the next iteration starts from.  The
        # iteration comes first in the title: a narrow panel gives up the words after it.
        updated = frame.step is not None and frame.step.kind == plan.UPDATE
        when = f"after iteration {frame.iteration}" if updated else \
            f"iteration {frame.iteration}"
        if self._source is not None and self._source[0] is frame.network and all(
                self._source[1].get(k) is v for k, v in params.items()):
            self._source = (*self._source[:2], when)  # the very same picture, relabelled
            self._title()
            return
        self.show_picture(frame.network, params, when)

    def show_picture(self, network: Network, params: dict, when: str = "iteration 0") -> None:
        self._source = (network, params, when)
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _title(self) -> None:
        if self._picture is not None:
            unchanged.titles(self, whole_words(f"{self._source[2]} · {self._picture.what}",
                                               self.outer_size.width))

    def _draw(self) -> None:
        if self._source is None:
            self._strips = note("no network yet").strips
        else:
            network, params, _ = self._source
            width, height = self.content_region.size
            self._picture = picture(network, params, width, height,
                                    solid(self.background_colors[1]), self.rich_style)
            self._strips = self._picture.strips
            self._title()
            unchanged.titles(self, subtitle=self._picture.legend)
        self._fitted = None
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._fitted = None

    def render_line(self, y: int) -> Strip:
        # Each line fitted to the width once per picture (a style lookup walks the DOM).
        width = self.content_region.width
        if self._fitted is None or self._fitted[0] != width:
            base = self.rich_style
            self._fitted = (width, [strip.adjust_cell_length(width, base)
                                    for strip in self._strips], Strip.blank(width, base))
        _, lines, blank = self._fitted
        return lines[y] if y < len(lines) else blank
