"""MatrixView: one named matrix (W[1], dZ[2], J, ...) as a diverging heat map.

A 784×256 W[1] is 200 000 numbers; the screen shows a few hundred. Like toolong's log
view, this is a ScrollView that draws only the lines on screen, each from a small LRU
cache of rendered rows that a new show() invalidates. Everything NumPy can do in bulk
(the stats, the changed mask) is done once per show(), never per frame.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.color import Color
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from bpdebug.shapes import Shape, fmt
from bpdebug.app.components.heatmap import (
    CELL_WIDTH,
    CHANGED_MARK,
    NON_FINITE_STYLE,
    cell_style,
    compact,
    level,
    solid,
    stat,
)

NOT_COMPUTED = "not computed yet"
HEADER_LINES = 1  # the column indices, pinned above the rows


def as_floats(value: Any) -> np.ndarray:
    """A float64 copy: the engine may update its arrays in place while we still show them."""
    array = np.asarray(value)
    if np.iscomplexobj(array):
        array = array.real
    return np.array(array, dtype=np.float64)


def as_grid(array: np.ndarray) -> np.ndarray:
    """Rows × columns as drawn: a scalar is 1×1, a 1-D array one row, more dims fold into columns."""
    if array.ndim <= 1:
        return array.reshape(1, array.size)
    return array.reshape(array.shape[0], math.prod(array.shape[1:]))


def stats(array: np.ndarray) -> tuple[str, float]:
    """The subtitle, from finite entries only, and the colour scale (largest |finite value|)."""
    finite = np.isfinite(array)
    n_nan = int(np.count_nonzero(np.isnan(array)))
    n_inf = array.size - int(np.count_nonzero(finite)) - n_nan
    values = array if n_nan + n_inf == 0 else array[finite]
    if values.size:
        with np.errstate(all="ignore"):  # the mean or std of huge values may overflow to inf
            low, high = float(values.min()), float(values.max())
            text = (f"min {stat(low)} max {stat(high)} "
                    f"mean {stat(float(values.mean()))} std {stat(float(values.std()))}")
        scale = max(abs(low), abs(high))
    else:
        text, scale = "no finite values", 0.0
    if n_nan or n_inf:  # first, so that a narrow panel never cuts them off
        counts = " ".join(f"{name} {n}" for name, n in (("nan", n_nan), ("inf", n_inf)) if n)
        return f"{counts} · {text}", scale
    return f"{text} nan/inf 0", scale


def changed_mask(current: np.ndarray, previous: Any) -> np.ndarray | None:
    """Which entries differ from the previous step; NaN that stays NaN has not changed."""
    if previous is None:
        return None
    try:
        before = as_floats(previous)
    except (TypeError, ValueError, OverflowError):
        return None
    if before.shape != current.shape:
        return None
    with np.errstate(invalid="ignore"):
        differs = np.not_equal(current, before) & ~(np.isnan(current) & np.isnan(before))
    return as_grid(differs) if differs.any() else None


def title(name: str, shape: Shape | None, expected: Shape | None) -> Content:
    """dW[2] 1×3 ✓: the name, the shape as the post writes it, and whether it is the right one."""
    if shape is None:
        return Content(name)
    parts: list[str | tuple[str, str]] = [name, " ", fmt(shape)]
    if len(shape) == 1:
        parts.append(" 1-D")
    if expected is not None:
        parts.append(" ✓" if tuple(shape) == tuple(expected) else (" ✗", "bold red"))
    return Content.assemble(*parts)


class MatrixView(ScrollView, can_focus=True):
    """One named matrix as a heat map; only the cells on screen are ever drawn."""

    DEFAULT_CSS = """
    MatrixView {
        width: 1fr;
        height: 1fr;
        min-width: 24;
        min-height: 5;
        border: round $foreground 30%;
        border-title-align: left;
        border-subtitle-align: left;
        border-subtitle-color: $foreground 70%;
        scrollbar-size: 1 1;  /* thin bars: every column counts in a 30-column panel */
        &:focus { border: round $accent; }
        &.offending, &.offending:focus { border: heavy red; }
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None, disabled: bool = False) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._grid: np.ndarray | None = None  # rows × columns as drawn, or None with a note
        self._changed: np.ndarray | None = None
        self._note = NOT_COMPUTED
        self._scale = 0.0
        self._gutter = 0
        self._version = 0
        self._colour_cache: tuple[Style, Color] | None = None
        self._lines: LRUCache[tuple[int, int, int, int, Color], Strip] = LRUCache(1024)

    def show(self, name: str, value: np.ndarray | float | None, expected: Shape | None = None,
             previous: np.ndarray | float | None = None, offending: bool = False) -> None:
        """Show `value` as `name`; mark entries that differ from `previous`; outline if `offending`."""
        old_shape = None if self._grid is None else self._grid.shape
        self._version += 1
        self._lines.clear()
        self._grid = self._changed = None
        self._scale, shape, subtitle = 0.0, None, ""
        self.set_class(offending, "offending")
        if value is None:
            self._note = NOT_COMPUTED
        else:
            try:
                array = as_floats(value)
            except (TypeError, ValueError, OverflowError) as error:
                self._note = f"cannot show: {error}"
            else:
                shape = array.shape
                if array.size == 0:
                    self._note = f"empty: {fmt(shape)}"
                else:
                    self._grid = as_grid(array)
                    self._changed = changed_mask(array, previous)
                    subtitle, self._scale = stats(array)
        self.border_title = title(name, shape, expected)
        self.border_subtitle = Content(subtitle) if subtitle else None
        if self._grid is None:
            self.virtual_size = Size(len(self._note), 1)
        else:
            rows, columns = self._grid.shape
            self._gutter = len(str(rows - 1)) + 1
            self.virtual_size = Size(self._gutter + columns * CELL_WIDTH, rows + HEADER_LINES)
        if self.is_mounted and old_shape != (None if self._grid is None else self._grid.shape):
            self.scroll_to(0, 0, animate=False)  # another matrix: its corner, not the old offset
        self.refresh()

    def _colours(self) -> tuple[Style, Color]:
        """The panel's own style and background: each walks every ancestor, so they are
        worked out once, not once a line, until the CSS changes."""
        if self._colour_cache is None:
            self._colour_cache = (self.rich_style, solid(self.background_colors[1]))
        return self._colour_cache

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._colour_cache = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base, background = self._colours()
        if self._grid is None:
            text = self._note if y == 0 else ""
            return Strip([Segment(text, base + Style(dim=True, italic=True))]).adjust_cell_length(width, base)
        scroll_x, scroll_y = self.scroll_offset
        row = -1 if y < HEADER_LINES else y + scroll_y - HEADER_LINES
        if row >= self._grid.shape[0]:
            return Strip.blank(width, base)
        key = (row, scroll_x, width, self._version, background)
        line = self._lines.get(key)
        if line is None:
            line = self._render_row(row, scroll_x, width, base, background)
            self._lines.set(key, line)
        return line

    def _render_row(self, row: int, scroll_x: int, width: int, base: Style, background: Color) -> Strip:
        """One matrix row (or the column header when row is -1), cut to what is on screen."""
        assert self._grid is not None
        dim = base + Style(dim=True)
        gutter = " " * self._gutter if row < 0 else f"{row:>{self._gutter - 1}} "
        view = max(0, width - self._gutter)
        first = scroll_x // CELL_WIDTH
        last = min(self._grid.shape[1], -(-(scroll_x + view) // CELL_WIDTH))
        if row < 0:
            segments = [Segment(f"{column:>{CELL_WIDTH}}", dim) for column in range(first, last)]
        else:
            values = self._grid[row, first:last].tolist()
            marks = ([False] * len(values) if self._changed is None
                     else self._changed[row, first:last].tolist())
            segments = []
            for value, changed in zip(values, marks):
                text = ((CHANGED_MARK if changed else "") + compact(value)).rjust(CELL_WIDTH)
                style = (cell_style(background, level(value, self._scale), changed)
                         if math.isfinite(value) else NON_FINITE_STYLE)
                segments.append(Segment(text, style))
        offset = scroll_x - first * CELL_WIDTH
        cells = Strip(segments, max(0, last - first) * CELL_WIDTH).crop(offset, offset + view)
        return Strip.join([Strip([Segment(gutter, dim)]), cells]).adjust_cell_length(width, base)
