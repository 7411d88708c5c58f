"""MatrixView: one named matrix (W[1], dZ[2], J, ...) as a diverging heat map.

A 784×256 W[1] is 200 000 numbers; the screen shows a few hundred. Like toolong's log
view, this is a ScrollView that draws only the lines on screen, each from a small LRU
cache of rendered rows that a new show() invalidates. Everything NumPy can do in bulk
(the stats, the changed mask, the notation) is done once per show(), never per frame.

Numbers follow bpdebug.engine.notation: one notation for the whole matrix, so columns align.
Only whole columns are drawn: a column that does not fit is left out, and an ellipsis
in the column header (plus the scrollbar) says on which side there is more.  When the
panel is wide enough for every column with more figures, it shows more figures.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.color import Color
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from bpdebug.app.components.heatmap import (
    CHANGED_MARK,
    NON_FINITE_STYLE,
    cell_style,
    level,
    solid,
)
from bpdebug.engine.notation import FIGURES, Notation, notation
from bpdebug.engine.shapes import Shape, fmt

NOT_COMPUTED = "not computed yet"
NOT_YET = "not yet"  # the same, in a narrow panel
HEADER_LINES = 1  # the column indices, pinned above the rows
MORE = "…"
WIDER = (6, 5)  # figures to try, most first, when every column fits with them
FEWER = 3  # figures when a narrow panel (80×24) could not show three columns with FIGURES
AT_LEAST = 3  # columns a narrow panel shows, with fewer figures, rather than fewer columns
STAT_FIGURES = 3  # a footer is for a glance


def note_for(note: str, width: int) -> str:
    """A note that fits: "not computed yet", else "not yet"; any other cut with "…"."""
    if len(note) <= width:
        return note
    if note == NOT_COMPUTED and width >= len(NOT_YET):
        return NOT_YET
    return note[:max(0, width - 1)] + MORE if width > 0 else ""


def as_floats(value: Any) -> np.ndarray:
    """Float64 values that cannot change under the panel: the engine's own arrays are
    frozen (read-only) and taken as they are; anything else is copied."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            array = np.asarray(value)
        except Warning as warning:  # ragged rows: NumPy < 1.24 warns where later ones raise
            raise ValueError(str(warning).split(".")[0]) from None
    if np.iscomplexobj(array):
        array = array.real
    if array.dtype == np.float64 and not array.flags.writeable:
        return array  # a 784×256 matrix is not copied on every step
    return np.array(array, dtype=np.float64)


def as_grid(array: np.ndarray) -> np.ndarray:
    """Rows × columns as drawn: a scalar is 1×1, a 1-D array one row, more dims fold into columns."""
    if array.ndim <= 1:
        return array.reshape(1, array.size)
    return array.reshape(array.shape[0], math.prod(array.shape[1:]))


@dataclass(frozen=True)
class Stats:
    """What the footer says: NaN and ±inf counted apart, the rest from finite entries only."""

    n_nan: int
    n_inf: int
    values: tuple[float, float, float, float] | None  # min, max, mean, std; None: no finite entry

    @property
    def scale(self) -> float:
        """The colour scale: the largest |finite value|."""
        return 0.0 if self.values is None else max(abs(self.values[0]), abs(self.values[1]))


def stats(array: np.ndarray) -> Stats:
    finite = np.isfinite(array)
    n_nan = int(np.count_nonzero(np.isnan(array)))
    n_inf = array.size - int(np.count_nonzero(finite)) - n_nan
    values = array if n_nan + n_inf == 0 else array[finite]
    if not values.size:
        return Stats(n_nan, n_inf, None)
    low, high = float(values.min()), float(values.max())
    # in units of the largest |value|: the mean and std of 1e200s would overflow to inf
    scale = max(abs(low), abs(high)) or 1.0
    with np.errstate(all="ignore"):
        unit = values / scale
        return Stats(n_nan, n_inf, (low, high, float(unit.mean()) * scale, float(unit.std()) * scale))


def footers(summary: Stats) -> list[str]:
    """The footer from longest to shortest: each drops whole numbers, never part of one,
    and every one keeps the NaN / inf counts when there are any."""
    counts = " ".join(f"{name} {n}" for name, n in (("nan", summary.n_nan), ("inf", summary.n_inf)) if n)
    if summary.values is None:
        texts = ["no finite values", ""]
    else:
        low, high, mean, std = (notation(summary.values, STAT_FIGURES)(v) for v in summary.values)
        texts = [f"min {low} max {high} mean {mean} std {std}",
                 f"[{low}, {high}] μ {mean} σ {std}", f"[{low}, {high}] μ {mean}",
                 f"[{low}, {high}]", ""]
    if counts:  # first, so that they are the last thing a narrow panel gives up
        return [f"{counts} · {text}" if text else counts for text in texts]
    return [f"{text} nan/inf 0" for text in texts[:2]] + texts


def fit_footer(summary: Stats, room: int) -> str:
    """The longest footer that fits `room` characters (the counts even when they do not)."""
    options = footers(summary)
    return next((text for text in options if len(text) <= room), options[-1])


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


def titles(name: str, shape: Shape | None, expected: Shape | None) -> list[Content]:
    """dW[2] 1×3 ✓: the name, the shape as the post writes it, and whether it is the right
    one; then shorter, for a narrow panel: the name and its ✓ or ✗, then the name alone."""
    if shape is None:
        return [Content(name)]
    full = Content.assemble(name, " ", fmt(shape), " 1-D" if len(shape) == 1 else "")
    if expected is None:
        return [full, Content(name)]
    mark = Content.styled("✓") if tuple(shape) == tuple(expected) else Content.styled("✗", "bold red")
    return [Content.assemble(full, " ", mark), Content.assemble(name, " ", mark),
            Content.assemble(name, mark), Content(name)]


CURSOR = Style(reverse=True, bold=True)
CURSOR_LABEL = Style(reverse=True, bold=True)
FEEDS = Style(underline=True, bold=True)


class MatrixView(ScrollView, can_focus=True):
    """One named matrix as a heat map; only the cells on screen are ever drawn."""

    # In a focused panel the arrows move a cell cursor (the app's own arrows step only
    # when no panel has the focus); the page keys still scroll.
    BINDINGS = [Binding("up", "move(-1, 0)", "Up", show=False),
                Binding("down", "move(1, 0)", "Down", show=False),
                Binding("left", "move(0, -1)", "Left", show=False),
                Binding("right", "move(0, 1)", "Right", show=False)]

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
        self.matrix_name = ""  # the quantity shown, as the post names it
        self.cursor: tuple[int, int] | None = None  # the cell cursor (row, column)
        self.highlighted: frozenset[tuple[int, int]] = frozenset()
        self._grid: np.ndarray | None = None  # rows × columns as drawn, or None with a note
        self._changed: np.ndarray | None = None
        self._note = NOT_COMPUTED
        self._titles: list[Content] = []  # longest first: see titles()
        self._stats: Stats | None = None
        self._footer: Content | None = None
        self._notations: dict[int, Notation] = {}  # by figures, worked out when first asked
        self._notation = Notation(False, 0)
        self._figures = FIGURES
        self._cell = 2
        self._gutter = 0
        self._version = 0
        self._colour_cache: tuple[Style, Color] | None = None
        self._lines: LRUCache[tuple[int, int, int, int, Color], Strip] = LRUCache(1024)

    def show(self, name: str, value: np.ndarray | float | None, expected: Shape | None = None,
             previous: np.ndarray | float | None = None, offending: bool = False,
             footer: Content | None = None) -> None:
        """Show `value` as `name`; mark entries that differ from `previous`; outline if `offending`.

        `footer` replaces the stats line (the student panel's "first wrong ..." verdict)."""
        old_shape = None if self._grid is None else self._grid.shape
        self._grid = self._changed = self._stats = None
        self._notations = {}
        self._footer = footer
        shape = None
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
                    self._stats = stats(array)
        self._titles = titles(name, shape, expected)
        self._fit_title()
        self.matrix_name = name
        if self.cursor is not None:
            if self._grid is None:
                self.cursor = None
            else:
                rows, columns = self._grid.shape
                self.cursor = (min(self.cursor[0], rows - 1), min(self.cursor[1], columns - 1))
        self._layout()
        if self.is_mounted and old_shape != (None if self._grid is None else self._grid.shape):
            self.scroll_to(0, 0, animate=False)  # another matrix: its corner, not the old offset

    @property
    def figures(self) -> int:
        """Significant figures the largest entry keeps at the panel's present width."""
        return self._figures

    @property
    def notation(self) -> Notation:
        """How every entry is written at the panel's present width."""
        return self._notation

    @property
    def cell_width(self) -> int:
        """One column on screen: a gap, the changed-mark column (when any changed), the number."""
        return self._cell

    @property
    def grid_shape(self) -> tuple[int, int] | None:
        """Rows × columns as drawn, or None when the panel shows a note."""
        return None if self._grid is None else self._grid.shape

    def content_width(self, columns: int | None = None, figures: int = FIGURES) -> int:
        """Columns of screen the row labels and ``columns`` matrix columns (all of them by
        default) take with these figures: what a panel needs to show them whole."""
        if self._grid is None:
            return len(self._note)
        total = self._grid.shape[1]
        shown = total if columns is None else min(columns, total)
        gutter = len(str(self._grid.shape[0] - 1)) + 1
        more = len(MORE) + 1 if shown < total else 0  # " …": there is more to the right
        return gutter + shown * self._cell_for(self._notation_for(figures)) + more

    def _notation_for(self, figures: int) -> Notation:
        if figures not in self._notations:
            assert self._grid is not None
            self._notations[figures] = notation(self._grid, figures)
        return self._notations[figures]

    def _cell_for(self, shape: Notation) -> int:
        assert self._grid is not None
        index = len(str(self._grid.shape[1] - 1))  # the header's column numbers fit too
        return 1 + max(index, shape.width + (self._changed is not None))

    def _layout(self) -> None:
        """Choose the figures for the present width, then size the canvas and the footer."""
        self._version += 1
        self._lines.clear()
        self._figures = FIGURES
        if self._grid is None:
            self.virtual_size = Size(len(self._note), 1)
            self._fit_title()
            self.border_subtitle = self._footer
            self.refresh()
            return
        rows, columns = self._grid.shape
        self._gutter = len(str(rows - 1)) + 1
        self._notation = self._notation_for(FIGURES)
        self._cell = self._cell_for(self._notation)
        width = self.size.width
        if rows + HEADER_LINES > self.size.height:  # the vertical scrollbar takes its share
            width -= self.styles.scrollbar_size_vertical
        least = min(AT_LEAST, columns)
        if 0 < width < self._gutter + least * self._cell:
            fewer = self._notation_for(FEWER)  # a small terminal: columns before figures
            if self._cell_for(fewer) < self._cell:
                self._figures, self._notation = FEWER, fewer
                self._cell = self._cell_for(fewer)
        elif width > 0 and self._gutter + columns * self._cell <= width:
            for figures in WIDER:  # more figures never make a cell narrower
                wider = self._notation_for(figures)
                if self._gutter + columns * self._cell_for(wider) <= width:
                    self._figures, self._notation = figures, wider
                    self._cell = self._cell_for(wider)
                    break
        self.virtual_size = Size(self._gutter + columns * self._cell, rows + HEADER_LINES)
        # A matrix that fits has no horizontal scrollbar, not even an empty track (Textual
        # can keep one it showed while the figures were still being chosen).
        overflow = "auto" if width <= 0 or self.virtual_size.width > width else "hidden"
        if self.styles.overflow_x != overflow:
            self.styles.overflow_x = overflow
        self._fit_title()
        assert self._stats is not None
        # the border keeps "╰─ " and " ─╯" around its text: 6 columns
        room = self.outer_size.width - 6 if self.outer_size.width else 1 << 30
        self.border_subtitle = (self._footer if self._footer is not None
                                else Content(fit_footer(self._stats, room)) or None)
        self.refresh()

    def on_resize(self) -> None:
        self._layout()

    def _fit_title(self) -> None:
        """The longest title the border has room for: a cut one would lose the ✓ or ✗."""
        room = self.outer_size.width - 6 if self.outer_size.width else 1 << 30  # "╭─ " " ─╮"
        if not self._titles:
            return
        fits = [t for t in self._titles if t.cell_length <= room]
        self.border_title = fits[0] if fits else self._titles[-1]

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
        width = self.scrollable_size.width  # without the scrollbars
        base, background = self._colours()
        if self._grid is None:
            text = note_for(self._note, width) if y == 0 else ""
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

    def visible_columns(self, scroll_x: int, width: int) -> range:
        """The columns drawn whole: from the first that starts at or after the scroll offset,
        as many as fit, keeping two columns for " …" when more follow."""
        assert self._grid is not None
        columns, cell = self._grid.shape[1], self._cell
        first = min(columns, -(-scroll_x // cell))
        view = max(0, width - self._gutter)
        count = min(columns - first, view // cell)
        if first + count < columns and view - count * cell < len(MORE) + 1:
            count = max(0, count - 1)
        return range(first, first + count)

    def _render_row(self, row: int, scroll_x: int, width: int, base: Style, background: Color) -> Strip:
        """One matrix row (or the column header when row is -1): whole cells only.  The cell
        cursor is a box, [ and ] in the gaps on either side of its number, with its row and
        column labels reversed; the cells that feed an explained element are underlined."""
        assert self._grid is not None
        dim = base + Style(dim=True)
        label = base + CURSOR_LABEL
        shown = self.visible_columns(scroll_x, width)
        cell, value_width = self._cell, self._cell - 1
        at_row, at_column = self.cursor if self.cursor is not None and self.has_focus else (-2, -2)
        if row < 0:
            gutter = (MORE if shown.start > 0 else " ").ljust(self._gutter)
            segments = [Segment(gutter, dim)]
            segments += [Segment(f"{column:>{cell}}", label if column == at_column else dim)
                         for column in shown]
            if shown.stop < self._grid.shape[1]:
                segments.append(Segment(" " + MORE, dim))
            return Strip(segments).adjust_cell_length(width, base)
        segments = [Segment(f"{row:>{self._gutter - 1}}", label if row == at_row else dim),
                    Segment(" ", dim)]
        values = self._grid[row, shown.start:shown.stop].tolist()
        marks = ([False] * len(values) if self._changed is None
                 else self._changed[row, shown.start:shown.stop].tolist())
        write = self._notation
        for column, value, changed in zip(shown, values, marks):
            text = ((CHANGED_MARK if changed else "") + write(value)).rjust(value_width)
            style = (cell_style(background, level(value, self._stats.scale), changed)
                     if math.isfinite(value) else NON_FINITE_STYLE)
            if (row, column) in self.highlighted:
                style = style + FEEDS
            gap = " "
            if row == at_row and column == at_column:
                gap, style = "[", style + CURSOR
            elif row == at_row and column == at_column + 1 and at_column in shown:
                gap = "]"
            segments += [Segment(gap, base + CURSOR if gap != " " else base), Segment(text, style)]
        if row == at_row and shown.stop == at_column + 1:
            segments.append(Segment("]", base + CURSOR))
        return Strip(segments).adjust_cell_length(width, base)

    # ---- the cell cursor -------------------------------------------------------------

    def action_move(self, rows: int, columns: int) -> None:
        """Move the cell cursor (arrow keys), keeping it on screen."""
        if self._grid is None:
            return
        top, left = self.cursor if self.cursor is not None else (0, 0)
        height, width = self._grid.shape
        self.cursor = (max(0, min(height - 1, top + rows)), max(0, min(width - 1, left + columns)))
        self._keep_cursor_in_view()
        self.post_message(self.CursorMoved(self, self.cursor))

    def _keep_cursor_in_view(self) -> None:
        if self.cursor is None or self._grid is None:
            return
        row, column = self.cursor
        view = max(1, self.scrollable_content_region.width - self._gutter - len(MORE) - 1)
        x = column * self._cell
        scroll_x = self.scroll_offset.x
        if x < scroll_x:
            scroll_x = x
        elif x + self._cell > scroll_x + view:
            scroll_x = x + self._cell - view
        rows = max(1, self.scrollable_content_region.height - HEADER_LINES)
        scroll_y = min(max(self.scroll_offset.y, row - rows + 1), row)
        self.scroll_to(scroll_x, scroll_y, animate=False)
        self._version += 1
        self._lines.clear()
        self.refresh()

    def highlight(self, cells) -> None:
        """Underline these (row, column) cells: what feeds an explained element."""
        cells = frozenset(tuple(c) for c in (cells or ()))
        if cells != self.highlighted:
            self.highlighted = cells
            self._version += 1
            self._lines.clear()
            self.refresh()

    class CursorMoved(Message):
        """The cell cursor of a matrix panel moved (an explanation of another cell is stale)."""

        def __init__(self, view: "MatrixView", cursor: tuple[int, int]) -> None:
            super().__init__()
            self.view, self.cursor = view, cursor

    def on_focus(self) -> None:
        if self.cursor is None and self._grid is not None:
            self.cursor = (0, 0)
        self._version += 1
        self._lines.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._version += 1
        self._lines.clear()
        self.refresh()
