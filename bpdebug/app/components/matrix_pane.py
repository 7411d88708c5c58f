"""MatrixPane: one named matrix (W[1], dZ[2], J, ...) as a diverging heat map in its own
box, drawn line by line as Segments.  Not a widget: a MatrixView holds one, the
MatrixGrid draws a step's eight to eleven side by side in one widget.

A 784×256 W[1] is 200 000 numbers; the screen shows a few hundred, and only those are
ever written.  Everything NumPy does in bulk (the stats, the changed mask, the
notation) is array_facts', worked out once per array.

Numbers follow bpdebug.engine.notation: one notation for the whole matrix, so columns
align, its decimals decided by the range of its values (the decade of the largest),
so an entry reads the same at every step where it is unchanged.  The largest entry
keeps four figures however wide the panel; a narrow one gives up whole figures before
columns, down to three columns, and its grid may hold it to fewer still
(``most_figures``: the fewest another step of the iteration gives that quantity; the
grid's panes ``keeps_figures``: exactly those, whatever their width), so the same entry
reads the same from step to step.  Only whole columns and rows are
drawn, and there are no scrollbars: "…" marks the side where there is more, in the
border (the header line's left or right edge for columns, the corner's neighbour
above or below the row labels for rows), and a panel scrolled away from its corner
says in its footer which rows and columns it shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.content import Content
from textual.strip import Strip

from bpdebug.app.components import box
from bpdebug.app.components.array_facts import Facts, Stats, facts
from bpdebug.app.components.heatmap import CHANGED_MARK, NON_FINITE_STYLE, cell_style, level
from bpdebug.engine.notation import FIGURES, Notation, plain
from bpdebug.engine.shapes import Shape, fmt

NOT_COMPUTED = "not computed yet"
NOT_YET = "not yet"  # the same, in a narrow panel
HEADER_LINES = 1  # the column indices, above the rows
FRAME_LINES = 2 + HEADER_LINES  # the border's two lines and the header
MORE = box.MORE
FEWER = (3, 2)  # figures a narrow panel tries, in turn, to show three columns
AT_LEAST = 3  # columns a narrow panel shows, with fewer figures, rather than fewer columns


def note_for(note: str, width: int) -> str:
    """A note that fits: "not computed yet", else "not yet"; any other cut with "…"."""
    if len(note) <= width:
        return note
    if note == NOT_COMPUTED and width >= len(NOT_YET):
        return NOT_YET
    return note[:max(0, width - 1)] + MORE if width > 0 else ""


@lru_cache(maxsize=256)
def footers(summary: Stats, write: Notation) -> list[str]:
    """The footer from longest to shortest, in one style everywhere: [min, max] μ mean
    σ std, written in the cells' own notation (`write`), so min and max read as the
    cells that hold them.  Each drops whole numbers, never part of one, and every one
    keeps the NaN / inf counts when there are any."""
    counts = " ".join(f"{name} {n}" for name, n in (("nan", summary.n_nan), ("inf", summary.n_inf)) if n)
    if summary.values is None:
        texts = ["no finite values", ""]
    else:
        low, high, mean, std = (write(v) for v in summary.values)
        # Whole-number cells (X, Y) have no decimals to give a mean: Y = 1 0 1 0 1 has
        # mean 0.6, not "1".
        whole = not write.scientific and write.decimals == 0
        mean, std = (plain(v, 3) if whole and v != round(v) else write(v)
                     for v in summary.values[2:])
        texts = [f"[{low}, {high}] μ {mean} σ {std}", f"[{low}, {high}] μ {mean}",
                 f"[{low}, {high}]", ""]
    if counts:  # first, so that they are the last thing a narrow panel gives up
        return [f"{counts} · {text}" if text else counts for text in texts]
    return [f"{texts[0]} nan/inf 0"] + texts


def fit_footer(summary: Stats, write: Notation, room: int) -> str:
    """The longest footer that fits `room` characters (the counts even when they do not)."""
    options = footers(summary, write)
    return box.longest(options, room, options[-1])


@lru_cache(maxsize=512)
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


def spans(first: int, last: int) -> str:
    return f"{first}" if first == last else f"{first}–{last}"


@dataclass(frozen=True)
class Palette:
    """The Styles a pane draws with, made once by its widget (and again when the theme
    changes)."""

    base: Style  # text on the panel's background
    background: Color  # the panel's background, solid: the heat map blends from it
    border: Style
    focused: Style  # the border of the panel with the focus
    offending: Style  # the border of the quantity a mismatch blames
    footer: Style
    label: Style  # row and column numbers
    note: Style  # "not computed yet"

    @property
    def cursor(self) -> Style:
        return self.base + CURSOR


CURSOR = Style(reverse=True, bold=True)
FEEDS = Style(underline=True, bold=True)


class MatrixPane:
    """One matrix in a box of a given size: what it shows, where it is scrolled, and its
    lines.  ``show`` gives it a value, ``resize`` its size; ``line(y)`` draws."""

    host = None  # the MatrixView that draws it

    def __init__(self) -> None:
        self.matrix_name = ""  # the quantity shown, as the post names it
        self.offending = False
        self.cursor: tuple[int, int] | None = None  # the cell cursor (row, column)
        self.focused = False  # the widget has the focus on this pane: border and cursor show
        self.highlighted: frozenset[tuple[int, int]] = frozenset()
        self.width = self.height = 0  # the box, borders included
        self.first_row = self.first_column = 0  # the scroll position, in rows and columns
        self._facts: Facts | None = None
        self._before: Facts | None = None
        self._changed: np.ndarray | None = None
        self._note = NOT_COMPUTED
        self._titles: list[Content] = [Content("")]
        self._expected: Shape | None = None
        self._footer: Content | None = None
        self._shown: tuple | None = None  # what show() was last given
        self._figures = FIGURES
        self.most_figures = FIGURES  # what the grid holds this quantity to (see module)
        self.steady = False  # as wide at every step: the grid's panes (see _cell_for)
        # the figures are most_figures at any width (the grid's panes: their grid has
        # worked out the fewest any step gives them, and a squeezed pane shows fewer
        # columns, never fewer figures than at the step before)
        self.keeps_figures = False
        self._notation = Notation(False, 0)
        self._cell = 2
        self._stale = True  # the figures are chosen again before the next line is drawn
        self._gutter = self._index = 1  # the widths of the last row's and column's numbers
        self._lines: dict[int, list[Segment]] = {}  # by y, until anything changes

    # ---- what it shows -------------------------------------------------------------

    def show(self, name: str, value, expected: Shape | None = None, previous=None,
             offending: bool = False, footer: Content | None = None) -> bool:
        """Show `value` as `name`; mark entries that differ from `previous`; outline if
        `offending`.  `footer` replaces the stats (the student panel's verdict).  Returns
        whether anything on screen changes."""
        shown = (name, value, expected, previous, offending, footer)
        if self._shown is not None and all(a is b or (type(a) in (str, tuple, bool) and a == b)
                                           for a, b in zip(shown, self._shown)):
            return False  # records share their arrays: the same objects, the same picture
        self._shown = shown
        old_shape = self.grid_shape
        self._facts = self._before = self._changed = None
        self._footer = footer
        self._expected = expected
        self.offending = offending
        shape = None
        if value is None:
            self._note = NOT_COMPUTED
        else:
            try:
                found = facts(value)
            except (TypeError, ValueError, OverflowError) as error:
                self._note = f"cannot show: {error}"
            else:
                shape = found.shape
                if found.array.size == 0:
                    self._note = f"empty: {fmt(shape)}"
                else:
                    self._facts = found
                    rows, columns = found.grid.shape
                    self._gutter, self._index = len(str(rows - 1)), len(str(columns - 1))
                    try:
                        self._before = facts(previous) if previous is not None else None
                    except (TypeError, ValueError, OverflowError):
                        self._before = None
                    self._changed = found.changed(self._before)
        self._titles = titles(name, shape, expected)
        self.matrix_name = name
        if self.grid_shape != old_shape:
            self.first_row = self.first_column = 0  # another matrix: its corner
        if self.cursor is not None:
            if self._facts is None:
                self.cursor = None
            else:
                rows, columns = self.grid_shape
                self.cursor = (min(self.cursor[0], rows - 1), min(self.cursor[1], columns - 1))
        self._restale()
        return True

    @property
    def grid_shape(self) -> tuple[int, int] | None:
        """Rows × columns as drawn, or None when the pane shows a note."""
        return None if self._facts is None else self._facts.grid.shape

    @property
    def figures(self) -> int:
        """Significant figures the largest entry keeps at the pane's present width."""
        self._fresh()
        return self._figures

    @property
    def notation(self) -> Notation:
        """How every entry is written at the pane's present width."""
        self._fresh()
        return self._notation

    @property
    def border_title(self) -> Content:
        """The longest title that fits (all of it before the pane has a size): a cut one
        would lose the ✓ or ✗."""
        if not self.width:
            return self._titles[0]
        return box.fit(self._titles, self.width) or self._titles[-1]

    @property
    def border_subtitle(self) -> str | Content:
        """The footer: where the pane is scrolled to, if it is, then the stats that fit."""
        room = max(0, self.width - 2 * box.FRAME)
        if self._footer is not None:
            return self._footer
        if self._facts is None:
            return ""
        where = self._position(room)
        left = room - len(where) - (3 if where else 0)
        stats = fit_footer(self._facts.stats, self.notation, left) if left > 0 else ""
        if len(stats) > left:  # the NaN / inf counts go last of all, after the position
            where, stats = "", fit_footer(self._facts.stats, self.notation, room)
        return " · ".join(part for part in (where, stats) if part)

    def _position(self, room: int) -> str:
        """Which rows and columns show, once scrolled away from the corner."""
        if self._facts is None or (self.first_row == 0 and self.first_column == 0):
            return ""
        rows, columns = self.rows_shown(), self.columns_shown()
        total_rows, total_columns = self.grid_shape
        r = spans(rows.start, rows.stop - 1) if rows else "-"
        c = spans(columns.start, columns.stop - 1) if columns else "-"
        for text in (f"rows {r} of {total_rows}, columns {c} of {total_columns}",
                     f"rows {r}, columns {c}", f"r {r} c {c}"):
            if len(text) <= room:
                return text
        return ""

    # ---- sizes ---------------------------------------------------------------------

    def _cell_for(self, shape: Notation, figures: int) -> int:
        # the header's column numbers fit too; the changed mark has a column of its own
        if not self.steady:
            return 1 + max(self._index, shape.width + (self._changed is not None))
        # A steady pane keeps the mark's column when nothing changed, so it is as wide
        # at every step; and a matrix of zeros (b before the first update) keeps room
        # for the numbers it will hold: -0.0 and the figures.  At the fewest figures,
        # three columns come first: the mark's column only when something changed.
        fewest = figures <= FEWER[-1]
        number = shape.width + (self._changed is not None if fewest else 1)
        summary = self._facts.stats if self._facts is not None else None
        if summary is not None and summary.scale == 0:
            number = max(number, figures + (4 if fewest else 5))
        return 1 + max(self._index, number)

    def content_width(self, columns: int | None = None, figures: int = FIGURES) -> int:
        """Columns of screen the row labels and ``columns`` matrix columns (all of them by
        default) take with these figures (no more than ``most_figures``), inside the border."""
        if self._facts is None:
            return len(self._note)
        total = self._facts.grid.shape[1]
        shown = total if columns is None else min(columns, total)
        figures = min(figures, self.most_figures)
        return self._gutter + shown * self._cell_for(self._facts.notation(figures), figures)

    def width_for(self, columns: int | None = None, figures: int = FIGURES) -> int:
        """The box's width for ``columns`` columns (all by default) at these figures."""
        return 2 + self.content_width(columns, figures)

    def title_width(self, shortest: bool = False) -> int:
        """The box's width for its whole title, or for its shortest that keeps the ✓ or ✗."""
        title = self._titles[min(2, len(self._titles) - 1)] if shortest else self._titles[0]
        return title.cell_length + 2 * box.FRAME

    def height_for(self) -> int:
        """The box's height for every row."""
        return FRAME_LINES + (self.grid_shape[0] if self._facts is not None else 0)

    def hold_figures(self, most: int) -> bool:
        """Show no more than `most` figures (the grid's, for this quantity); whether that
        changes anything."""
        most = max(FEWER[-1], min(FIGURES, most))
        if most == self.most_figures:
            return False
        self.most_figures = most
        self._restale()
        return True

    def resize(self, width: int, height: int) -> None:
        if (width, height) != (self.width, self.height):
            self.width, self.height = width, height
            self._restale()

    def _restale(self) -> None:
        self._stale = True
        self._lines.clear()

    def _fresh(self) -> None:
        if self._stale:
            self._stale = False
            self._layout()

    def _layout(self) -> None:
        """Choose the figures for the present width; keep the scroll position in range."""
        self._lines.clear()
        self._figures = FIGURES
        if self._facts is None:
            return
        rows, columns = self._facts.grid.shape
        self._figures, self._notation = self._choose(self.width)
        self._cell = self._cell_for(self._notation, self._figures)
        self.first_row = max(0, min(self.first_row, rows - self._row_room()))
        self.first_column = max(0, min(self.first_column, columns - self._column_room()))

    def _choose(self, width: int) -> tuple[int, Notation]:
        """The figures and notation for a box this wide: four figures (or the fewer the
        grid holds it to), fewer when three columns would not fit (columns before
        figures).  Never more: the same entry reads the same in a wide panel."""
        assert self._facts is not None
        columns = self._facts.grid.shape[1]
        room = width - 2 - self._gutter
        most = self.most_figures
        chosen = (most, self._facts.notation(most))
        least = min(AT_LEAST, columns)
        if not self.keeps_figures and 0 < width and room < least * self._cell_for(chosen[1], most):
            for figures in (f for f in FEWER if f < most):  # a small terminal: columns first
                chosen = (figures, self._facts.notation(figures))
                if room >= least * self._cell_for(chosen[1], figures):
                    break
        return chosen

    def columns_at(self, width: int) -> int:
        """How many columns a box this wide shows."""
        if self._facts is None:
            return 0
        cell = self._cell_for(*reversed(self._choose(width)))
        return min(self._facts.grid.shape[1], max(0, (width - 2 - self._gutter) // cell))

    def wider_for_more(self, width: int) -> int | None:
        """The least width above `width` that shows one more column; None when every
        column shows."""
        if self._facts is None:
            return None
        shown = self.columns_at(width)
        if shown >= self._facts.grid.shape[1]:
            return None
        # one more column at the cell the next width's figures give; the figures only
        # change where three columns or all of them start to fit, so a few tries do
        candidate = width + 1
        for _ in range(8):
            if self.columns_at(candidate) > shown:
                return candidate
            cell = self._cell_for(*reversed(self._choose(candidate)))
            candidate = max(candidate + 1, 2 + self._gutter + (shown + 1) * cell)
        return None

    def _row_room(self) -> int:
        return max(0, self.height - FRAME_LINES)

    def _column_room(self) -> int:
        if self._facts is None:
            return 0
        # the cursor takes no column: its "]" goes in the next cell's gap, after the last
        # column where there is room, else in the border
        return max(0, (self.width - 2 - self._gutter) // self._cell)

    def rows_shown(self) -> range:
        return self._on_screen(0)

    def columns_shown(self) -> range:
        return self._on_screen(1)

    def _on_screen(self, axis: int) -> range:
        """The rows (axis 0) or columns (1) on screen, from the first scrolled to."""
        self._fresh()
        if self._facts is None:
            return range(0)
        first, room = ((self.first_row, self._row_room()) if axis == 0
                       else (self.first_column, self._column_room()))
        return range(first, min(self._facts.grid.shape[axis], first + room))

    # ---- scrolling and the cell cursor ---------------------------------------------

    def scroll(self, rows: int = 0, columns: int = 0) -> bool:
        """Move the view by whole rows and columns; whether it moved."""
        self._fresh()
        if self._facts is None:
            return False
        total_rows, total_columns = self._facts.grid.shape
        row = max(0, min(self.first_row + rows, total_rows - self._row_room()))
        column = max(0, min(self.first_column + columns, total_columns - self._column_room()))
        if (row, column) == (self.first_row, self.first_column):
            return False
        self.first_row, self.first_column = row, column
        self._lines.clear()
        return True

    def page(self) -> int:
        """Rows a page key moves."""
        self._fresh()
        return max(1, self._row_room() - 1)

    def move(self, rows: int, columns: int) -> bool:
        """Move the cell cursor, keeping it on screen; whether it moved."""
        self._fresh()
        if self._facts is None:
            return False
        top, left = self.cursor if self.cursor is not None else (0, 0)
        height, width = self._facts.grid.shape
        cursor = (max(0, min(height - 1, top + rows)), max(0, min(width - 1, left + columns)))
        moved = cursor != self.cursor
        self.cursor = cursor
        self.keep_cursor_in_view()
        self._lines.clear()
        return moved

    def keep_cursor_in_view(self) -> None:
        self._fresh()
        if self.cursor is None or self._facts is None:
            return
        row, column = self.cursor
        rows, columns = max(1, self._row_room()), max(1, self._column_room())
        self.first_row = min(max(self.first_row, row - rows + 1), row)
        self.first_column = min(max(self.first_column, column - columns + 1), column)
        self._lines.clear()

    def set_focus(self, focused: bool) -> None:
        if focused and self.cursor is None and self._facts is not None:
            self.cursor = (0, 0)
        self.focused = focused
        self._restale()
        self.keep_cursor_in_view()

    def highlight(self, cells) -> bool:
        """Underline these (row, column) cells: what feeds an explained element."""
        cells = frozenset(tuple(c) for c in (cells or ()))
        if cells == self.highlighted:
            return False
        self.highlighted = cells
        self._lines.clear()
        return True

    def focus(self) -> None:
        """Give this pane the keys, and its widget the focus."""
        self.host.focus_pane(self)

    # ---- drawing -------------------------------------------------------------------

    def restyle(self) -> None:
        """The Styles changed (the theme): every line is made again."""
        self._lines.clear()

    def render_line(self, y: int) -> Strip:
        """Line y inside the border (0 is the column numbers), as a Strip."""
        line = self.line(y + 1, self.host.palette)[1:-1] if 0 <= y < self.height - 2 else []
        return Strip(line, max(0, self.width - 2))

    def line(self, y: int, palette: Palette) -> list[Segment]:
        """Line y of the box (0 is the top border), exactly ``width`` cells wide."""
        self._fresh()
        found = self._lines.get(y)
        if found is None:
            found = self._lines[y] = self._line(y, palette)
        return found

    def _line(self, y: int, palette: Palette) -> list[Segment]:
        width = self.width
        glyphs = box.HEAVY if self.offending else box.ROUND
        border = (palette.offending if self.offending else
                  palette.focused if self.focused else palette.border)
        rows = self.rows_shown()
        total_rows = self.grid_shape[0] if self._facts is not None else 0
        if y == 0:
            return box.edge(width, glyphs.top_left, glyphs.top_right, glyphs.horizontal, border,
                            box.fit(self._titles, width), palette.base,
                            MORE if self.first_row > 0 and self._facts is not None else None)
        if y == self.height - 1:
            footer = self.border_subtitle
            footer = footer if isinstance(footer, Content) else Content(footer)
            return box.edge(width, glyphs.bottom_left, glyphs.bottom_right, glyphs.horizontal,
                            border, footer if footer.cell_length else None, palette.footer,
                            MORE if rows.stop < total_rows else None)
        inner = width - 2
        if inner <= 0:
            return [Segment(glyphs.vertical * width, border)]
        left = right = Segment(glyphs.vertical, border)
        if self._facts is None:
            text = note_for(self._note, inner) if y == 1 else ""
            body = [Segment(text.ljust(inner), palette.note if text else palette.base)]
            return [left, *body, right]
        columns = self.columns_shown()
        if y == 1:
            if columns.start > 0:
                left = Segment(MORE, border)
            if columns.stop < self._facts.grid.shape[1]:
                right = Segment(MORE, border)
            body = self._header(columns, palette, inner)
        else:
            row = rows.start + y - 1 - HEADER_LINES
            if row >= rows.stop:
                return [left, Segment(" " * inner, palette.base), right]
            body = self._row(row, columns, palette, inner)
            if (self.focused and self.cursor == (row, columns.stop - 1)
                    and self._gutter + len(columns) * self._cell >= inner):
                right = Segment("]", palette.cursor)  # no room inside: the border closes it
        return [left, *body, right]

    def _header(self, shown: range, palette: Palette, inner: int) -> list[Segment]:
        cell = self._cell
        at_column = self.cursor[1] if self.cursor is not None and self.focused else -2
        if at_column in shown:  # the cursor's column number reversed
            before = "".join(f"{c:>{cell}}" for c in range(shown.start, at_column))
            after = "".join(f"{c:>{cell}}" for c in range(at_column + 1, shown.stop))
            out = [Segment(" " * self._gutter + before, palette.label),
                   Segment(f"{at_column:>{cell}}", palette.cursor), Segment(after, palette.label)]
        else:
            out = [Segment(" " * self._gutter + "".join(f"{c:>{cell}}" for c in shown),
                           palette.label)]
        used = self._gutter + len(shown) * cell
        if used < inner:
            out.append(Segment(" " * (inner - used), palette.base))
        return [segment for segment in out if segment.text]

    def _row(self, row: int, shown: range, palette: Palette, inner: int) -> list[Segment]:
        """One matrix row: whole cells only, each on its colour, the gap before its number
        included (a space's colour is its background alone, so a row is one Segment per
        colour, not two per cell).  The cell cursor is a box, [ and ] in the gaps on either
        side of its number (the last column's "]" in the border when the box has no room
        inside), with its row and column labels reversed; the cells that feed
        an explained element are underlined."""
        assert self._facts is not None
        base, background = palette.base, palette.background
        at_row, at_column = self.cursor if self.cursor is not None and self.focused else (-2, -2)
        label = palette.cursor if row == at_row else palette.label
        values = self._facts.grid[row, shown.start:shown.stop].tolist()
        marks = ([False] * len(values) if self._changed is None
                 else self._changed[row, shown.start:shown.stop].tolist())
        write, scale, cell = self._notation, self._facts.stats.scale, self._cell
        highlighted = self.highlighted
        out = [Segment(f"{row:>{self._gutter}}", label)]
        texts: list[str] = []  # the cells so far of one style, joined into one Segment
        last = None
        for column, value, changed in zip(shown, values, marks):
            text = ((CHANGED_MARK if changed else "") + write(value)).rjust(cell)
            style = (cell_style(background, level(value, scale), changed)
                     if math.isfinite(value) else NON_FINITE_STYLE)
            if highlighted and (row, column) in highlighted:
                style = style + FEEDS
            if row == at_row and (column == at_column or
                                  (column == at_column + 1 and at_column in shown)):
                if texts:
                    out.append(Segment("".join(texts), last))
                bracket = "[" if column == at_column else "]"
                out.append(Segment(bracket, palette.cursor))
                texts, last = [text[1:]], style + CURSOR if column == at_column else style
                continue
            if style is not last and texts:
                out.append(Segment("".join(texts), last))
                texts = []
            texts.append(text)
            last = style
        if texts:
            out.append(Segment("".join(texts), last))
        used = self._gutter + len(shown) * cell
        if row == at_row and shown and shown.stop == at_column + 1 and used < inner:
            out.append(Segment("]", palette.cursor))
            used += 1
        if used < inner:
            out.append(Segment(" " * (inner - used), base))
        return out

