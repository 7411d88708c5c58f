"""DecisionBoundary: what the current parameters predict over the input plane.

For two input features (n[0] = 2) the network's forward pass is evaluated on a grid
the size of the widget, two grid rows per terminal line (`▀` with the upper cell as
foreground and the lower as background), each cell coloured by the class it predicts
and shaded by how sure the network is; the data points sit on top, one glyph per class.
For one input feature the prediction is drawn as a curve over the data instead (the
sine regression). Anything else gets a one-line note.

The maths is plain NumPy over the engine's parameters (A[l] = g(W[l]·A[l-1] + b[l]),
the post's forward pass), in pure functions the tests call without Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.content import Content
from textual.strip import Strip
from textual.widget import Widget

from bpdebug import plan
from bpdebug.activations import ACTIVATIONS
from bpdebug.frame import Frame, Network
from bpdebug.app.components.heatmap import NEGATIVE, NON_FINITE, POSITIVE, solid

# Class 0 and 1 take the heat map's blue and red, so "y = 1" reads as "positive" everywhere.
PALETTE = (NEGATIVE, POSITIVE, Color(60, 170, 80), Color(230, 160, 30), Color(150, 80, 200),
           Color(30, 180, 190), Color(200, 90, 150), Color(150, 150, 150))
GLYPHS = "○●▲■◆▼+×"
CURVE = Color(240, 200, 60)
MARGIN = 0.1  # of the data's range, on every side
Bounds = tuple[float, float, float, float]  # x1 from, x1 to, x2 from, x2 to


# ---- the maths ---------------------------------------------------------------------

def predict(params: dict, activations: Sequence[str], X: np.ndarray) -> np.ndarray:
    """A[L] for the columns of X (features × points): the forward pass, nothing else."""
    A = X
    with np.errstate(all="ignore"):
        for l, g in enumerate(activations, start=1):
            A = ACTIVATIONS[g].g(np.asarray(params[f"W[{l}]"]) @ A + np.asarray(params[f"b[{l}]"]))
    return np.asarray(A, dtype=np.float64)


def threshold(activation: str, Y: np.ndarray) -> float:
    """Where one output unit splits the classes: 0.5 for a sigmoid's P(y = 1), else the
    middle of the targets' range (a tanh output trained on ±1, say)."""
    if activation == "sigmoid" or Y.size == 0:
        return 0.5
    return float(np.min(Y) + np.max(Y)) / 2


def classify(AL: np.ndarray, activation: str, cut: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Each column's class (-1 where the output is not finite) and the confidence in 0..1.

    One output unit: class 1 above the cut, confidence |P − cut| scaled to reach 1 at the
    ends. Several (softmax): the argmax, confidence from 1/k (a guess) to 1 (certain)."""
    AL = np.atleast_2d(AL)
    finite = np.all(np.isfinite(AL), axis=0)
    with np.errstate(all="ignore"):
        if AL.shape[0] == 1:
            p = AL[0]
            classes = (p > cut).astype(int)
            if activation == "sigmoid":
                confidence = np.abs(p - cut) / max(cut, 1 - cut)
            else:
                spread = float(np.nanmax(np.abs(p - cut))) if finite.any() else 0.0
                confidence = np.abs(p - cut) / spread if spread > 0 else np.zeros_like(p)
        else:
            k = AL.shape[0]
            classes = np.argmax(np.where(np.isfinite(AL), AL, -np.inf), axis=0)
            confidence = (np.max(AL, axis=0) - 1 / k) / (1 - 1 / k)
    confidence = np.clip(np.where(finite, confidence, 0.0), 0.0, 1.0)
    return np.where(finite, classes, -1), confidence


def bounds_of(X: np.ndarray) -> Bounds:
    """The first two features' range with a margin; a flat feature gets ±1."""
    out = []
    for row in X[:2]:
        finite = row[np.isfinite(row)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
        if high - low < 1e-12:
            low, high = low - 1, high + 1
        pad = (high - low) * MARGIN
        out += [low - pad, high + pad]
    return tuple(out)  # type: ignore[return-value]


def centres(low: float, high: float, n: int) -> np.ndarray:
    """The middles of n equal cells from low to high."""
    return low + (np.arange(n) + 0.5) * (high - low) / n


def grid(bounds: Bounds, columns: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """x1 across, x2 up: row 0 is the top of the screen, so the largest x2."""
    x0, x1, y0, y1 = bounds
    return centres(x0, x1, columns), centres(y0, y1, rows)[::-1]


def boundary(params: dict, activations: Sequence[str], bounds: Bounds, columns: int, rows: int,
             cut: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """The predicted class and confidence of every grid cell, rows × columns."""
    xs, ys = grid(bounds, columns, rows)
    gx, gy = np.meshgrid(xs, ys)
    AL = predict(params, activations, np.vstack([gx.ravel(), gy.ravel()]))
    classes, confidence = classify(AL, activations[-1], cut)
    return classes.reshape(rows, columns), confidence.reshape(rows, columns)


def cell_of(values: np.ndarray, low: float, high: float, n: int, flip: bool = False) -> np.ndarray:
    """Which of n cells from low to high each value falls in (-1 outside)."""
    with np.errstate(all="ignore"):
        index = np.floor((values - low) / (high - low) * n)
    # Clipped before the cast: a diverged network puts points at ±1e300, past any int.
    index = np.where(np.isfinite(index), np.clip(index, -1, n), -1).astype(int)
    index = np.where((index >= 0) & (index < n), index, -1)
    return np.where(index >= 0, n - 1 - index, -1) if flip else index


def point_cells(X: np.ndarray, labels: np.ndarray, bounds: Bounds, columns: int,
                lines: int) -> dict[tuple[int, int], int]:
    """(line, column) → the class most of the examples in that terminal cell belong to."""
    x0, x1, y0, y1 = bounds
    cols = cell_of(X[0], x0, x1, columns)
    rows = cell_of(X[1], y0, y1, lines, flip=True)
    counts: dict[tuple[int, int], dict[int, int]] = {}
    for r, c, k in zip(rows.tolist(), cols.tolist(), labels.tolist()):
        if r >= 0 and c >= 0:
            seen = counts.setdefault((r, c), {})
            seen[k] = seen.get(k, 0) + 1
    return {cell: max(seen, key=seen.get) for cell, seen in counts.items()}


def labels_of(Y: np.ndarray, activation: str) -> np.ndarray:
    if Y.shape[0] == 1:
        return (Y[0] > threshold(activation, Y)).astype(int)
    return np.argmax(Y, axis=0)


def curve_rows(prediction: np.ndarray, low: float, high: float, rows: int) -> list[set[int]]:
    """The grid rows the curve covers in each column, joined to its neighbours halfway so a
    steep stretch stays one connected line."""
    index = cell_of(prediction, low, high, rows, flip=True)
    out: list[set[int]] = []
    for c, r in enumerate(index.tolist()):
        if r < 0:
            out.append(set())
            continue
        reach = [r]
        for n in (c - 1, c + 1):
            if 0 <= n < len(index) and index[n] >= 0:
                reach.append((r + int(index[n])) // 2)
        out.append(set(range(min(reach), max(reach) + 1)))
    return out


# ---- drawing -----------------------------------------------------------------------

@dataclass(frozen=True)
class Picture:
    strips: list[Strip]
    title: Content
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
    """Two grid rows per line: `▀` is the upper cell's colour on the lower cell's."""
    rows, columns = classes.shape
    fills: dict[tuple[int, int], Color] = {}

    def fill(k: int, c: float) -> Color:
        key = (k, round(c * 8))  # eight shades are all a glance can tell apart
        if key not in fills:
            fills[key] = background.blend(class_colour(k), 0.2 + 0.6 * key[1] / 8)
        return fills[key]

    strips = []
    for line in range(rows // 2):
        segments = []
        for c in range(columns):
            upper = fill(int(classes[2 * line, c]), float(confidence[2 * line, c]))
            lower = fill(int(classes[2 * line + 1, c]), float(confidence[2 * line + 1, c]))
            k = points.get((line, c))
            if k is None:
                segments.append(Segment("▀", Style(color=upper.rich_color, bgcolor=lower.rich_color)))
            else:
                segments.append(Segment(GLYPHS[k % len(GLYPHS)], glyph_style(k, lower.blend(upper, 0.5))))
        strips.append(Strip(segments, columns).simplify())
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


def note(text: str) -> Picture:
    return Picture([Strip([Segment(text, Style(dim=True, italic=True))])],
                   Content("decision boundary"), None)


def picture(network: Network, params: dict, iteration: int, columns: int, lines: int,
            background: Color, base: Style = Style()) -> Picture:
    """Everything the widget shows, for these parameters at this size."""
    activations = list(network.activations)
    n0, nL = network.sizes[0], network.sizes[-1]
    if columns < 2 or lines < 1:
        return note("")
    if n0 not in (1, 2):
        return note(f"the decision boundary needs 1 or 2 input features; n[0] = {n0}")
    try:
        X, Y = network.X, network.Y
        if n0 == 2:
            return _plane(X, Y, params, activations, iteration, columns, lines, background)
        if nL != 1:
            return note(f"one input feature and n[L] = {nL} outputs: no single curve to draw")
        return _curve(X, Y, params, activations, iteration, columns, lines, base)
    except (ValueError, KeyError, IndexError) as error:  # a wrong explicit W[l], say
        return note(f"cannot evaluate the network: {error}")


def _plane(X, Y, params, activations, iteration, columns, lines, background) -> Picture:
    bounds = bounds_of(X)
    cut = threshold(activations[-1], Y)
    classes, confidence = boundary(params, activations, bounds, columns, 2 * lines, cut)
    labels = labels_of(Y, activations[-1]) if Y.shape[1] == X.shape[1] else np.zeros(X.shape[1], int)
    points = point_cells(X, labels, bounds, columns, lines)
    k = 2 if Y.shape[0] == 1 else Y.shape[0]
    legend: list = []
    for c in range(k):
        name = f"y={c}" if k == 2 else f"class {c}"
        tint = class_colour(c).blend(Color(255, 255, 255), 0.55)
        legend += [(GLYPHS[c % len(GLYPHS)], f"bold {tint.hex} on {class_colour(c).hex}"), f" {name}  "]
    x0, x1, y0, y1 = bounds
    title = Content(f"decision boundary · iteration {iteration} · "
                    f"x1 {x0:.2g}..{x1:.2g}, x2 {y0:.2g}..{y1:.2g}")
    return Picture(draw_boundary(classes, confidence, points, background), title,
                   Content.assemble(*legend).rstrip())


def _curve(X, Y, params, activations, iteration, columns, lines, base) -> Picture:
    x0, x1, y0, y1 = bounds_of(np.vstack([X[0], Y[0]]))
    xs = centres(x0, x1, columns)
    prediction = predict(params, activations, xs.reshape(1, -1))[0]
    covered = curve_rows(prediction, y0, y1, 2 * lines)
    points = point_cells(np.vstack([X[0], Y[0]]), np.zeros(X.shape[1], int), (x0, x1, y0, y1),
                         columns, lines)
    title = Content(f"prediction · iteration {iteration} · x {x0:.2g}..{x1:.2g}, y {y0:.2g}..{y1:.2g}")
    legend = Content.assemble(("▀", CURVE.hex), " A[L]  • data")
    return Picture(draw_curve(covered, points, lines, base), title, legend)


class DecisionBoundary(Widget):
    """The decision boundary of the frame's parameters over the data; `show_frame(frame)`."""

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
        self._source: tuple | None = None  # (network, params, iteration) last shown
        self._strips: list[Strip] = []

    def show_frame(self, frame: Frame) -> None:
        """Redraw for the frame's parameters (one forward pass over the grid)."""
        params = frame.parameters()
        if self._source is not None and self._source[0] is frame.network and all(
                self._source[1].get(k) is v for k, v in params.items()):
            return  # the very same arrays: the very same picture
        # After the update the parameters are those the next iteration starts from.
        updated = frame.step is not None and frame.step.kind == plan.UPDATE
        self.show(frame.network, params, frame.iteration + updated)

    def show(self, network: Network, params: dict, iteration: int = 0) -> None:
        self._source = (network, params, iteration)
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if self._source is None:
            self._strips = note("no network yet").strips
        else:
            network, params, iteration = self._source
            width, height = self.size
            shown = picture(network, params, iteration, width, height,
                            solid(self.background_colors[1]), self.rich_style)
            self._strips = shown.strips
            self.border_title = shown.title
            self.border_subtitle = shown.legend
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y < len(self._strips):
            return self._strips[y].adjust_cell_length(width, self.rich_style)
        return Strip.blank(width, self.rich_style)
