"""The matrix panels: the quantities of the step on screen, as heat maps, in rows.

    W[l]   b[l]   Z[l]   A[l]
    dW[l]  db[l]  dZ[l]  dA[l-1]

Each gradient sits under the quantity whose shape it must have (dW[l] under W[l]).
The last panel follows the step: going forward it shows the input A[l-1] the step
multiplies, at the cost Y, going backward dA[l-1].  A mismatch whose culprit has no
panel of its own takes that place, outlined.  On a wide screen, backward [l] adds the
row that produced what it starts from: W[l+1], dZ[l+1] and dA[l] (at the output, A[L]
and Y).  The update shows every layer's W, b, dW and db, a row a layer, scrolling.

Every panel is as big as its matrix needs, up to what the screen can give: the
rows share the height, the panels of a row its width, by need.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.containers import Horizontal, VerticalScroll
from textual.strip import Strip

from bpdebug.app.components.matrix_view import AT_LEAST, FEWER, MatrixView
from bpdebug.engine import plan
from bpdebug.engine.frame import Frame
from bpdebug.engine.names import post
from bpdebug.engine.names import split as split_name
from bpdebug.engine.shapes import fmt

WIDE = 160  # columns from which backward steps show the row that produced dA[l]
MIN_ROW = 5  # border, column header and two rows
MIN_WIDTH = 12
NOTE_WIDTH = 20  # a panel with nothing in it yet: "not computed yet"
SCROLLBAR = 1


def panel_names(kind: str | None, l: int, offender: str | None = None, L: int | None = None,
                wide: bool = False) -> list[list[str]]:
    """The names shown for a step of this kind at layer l, as rows of panels."""
    if kind == plan.UPDATE and L is not None:
        return [[post(q, k) for q in ("W", "b", "dW", "db")] for k in range(1, L + 1)]
    last = {plan.FORWARD: post("A", l - 1), plan.COST: "Y", None: post("A", l - 1)}.get(
        kind, post("dA", l - 1))
    rows = [[post(q, l) for q in ("W", "b", "Z", "A")],
            [post("dW", l), post("db", l), post("dZ", l), last]]
    if wide and kind == plan.BACKWARD and L is not None:
        rows.append([post("W", l + 1), post("dZ", l + 1), post("dA", l)] if l < L
                    else [post("A", L), "Y"])
    if offender is not None and all(offender not in row for row in rows):
        rows[1][-1] = offender
    return rows


def with_operands(rows: list[list[str]], target: str, feeds: dict, values) -> list[list[str]]:
    """The rows, with the operands of an explained element that have no panel put in place
    of the last panels that are neither it nor another operand: the eye sees row times
    column."""
    shown = {name for row in rows for name in row}
    missing = [name for name, cells in feeds.items()
               if name not in shown and cells and cells[0] and name in values]
    rows = [list(row) for row in rows]
    keep = set(feeds) | {target}
    slots = [(r, c) for r in range(len(rows) - 1, -1, -1)
             for c in range(len(rows[r]) - 1, -1, -1) if rows[r][c] not in keep]
    for name, (r, c) in zip(missing, slots):
        rows[r][c] = name
    return rows


# Matrices with a column per example: the ones a class compares column by column.
PER_EXAMPLE = {"Z", "A", "dZ", "dA", "Y"}


@dataclass(frozen=True)
class Need:
    """What a panel asks for: ``width`` and ``height`` to show its matrix whole (and its
    title), ``least`` to show three columns, the least worth having."""

    width: int
    height: int
    least: int
    per_example: bool = False
    empty: bool = False
    one: int = MIN_WIDTH  # one whole column: less and the panel shows no number at all


def need(view: MatrixView, name: str, value) -> Need:
    """What the panel showing this value asks for, once ``view.show`` has been given it."""
    if view.grid_shape is None:
        return Need(NOTE_WIDTH, 3, MIN_WIDTH, empty=True)
    rows, columns = view.grid_shape
    title = len(name) + len(fmt(np.shape(value))) + 5  # "dW[1] 3×2 ✓" and the corners
    least = 2 + view.content_width(AT_LEAST, FEWER)
    return Need(max(title, 2 + view.content_width()), 2 + 1 + rows, least,
                split_name(name)[0] in PER_EXAMPLE,
                one=max(MIN_WIDTH, 2 + view.content_width(1, FEWER) + 1))


def widths(total: int, needs: list[Need]) -> list[int]:
    """A row's width, panel by panel.  First every panel gets the least worth having
    (three columns; when even that does not fit, the matrices with a column per example
    keep theirs and the others give way), then what is left goes towards each one's
    whole matrix, then in proportion to size."""
    least = [n.least for n in needs]
    if sum(least) > total:
        others = [k for k, n in enumerate(needs) if not n.per_example]
        keep = sum(n.least for n in needs if n.per_example)
        # Each other panel keeps one whole column (a panel with no number says nothing),
        # and what is left goes towards their three.
        ones = [min(needs[k].one, least[k]) for k in others]
        room = total - keep - sum(ones)
        more = share(max(0, room), [least[k] - one for k, one in zip(others, ones)], 0,
                     spare=False)
        for k, one, extra in zip(others, ones, more):
            least[k] = one + min(extra, least[k] - one)
        if room < 0 or sum(least) > total:  # not even that: all give way, to a column each
            floor = min(min(n.one for n in needs), total // len(needs))
            return share(total, [n.least for n in needs], floor, spare=False)
        return least
    more = share(total - sum(least), [n.width - l for n, l in zip(needs, least)], 0,
                 spare=False)
    given = [l + m for l, m in zip(least, more)]
    left = total - sum(given)
    full = [n.width for n in needs if not n.empty]
    if left > 0 and full:
        claims = sum(full)
        extra = [0 if n.empty else left * n.width // claims for n in needs]
        biggest = max(range(len(needs)), key=lambda k: 0 if needs[k].empty else needs[k].width)
        extra[biggest] += left - sum(extra)
        given = [g + e for g, e in zip(given, extra)]
    return given


def share(total: int, needs: list[int], floor: int, spare: bool = True) -> list[int]:
    """Split ``total`` among claims: a claim below the fair share gets what it needs, the
    others split what is left evenly; nobody gets less than ``floor``.  With ``spare``,
    what is left once every claim is met is shared in proportion to the claims, so
    bigger matrices grow (their cells widen); without, it is left for others."""
    n = len(needs)
    if n == 0:
        return []
    sizes = [0] * n
    open_ = list(range(n))
    left = total
    while open_:
        fair = left // len(open_)
        small = [k for k in open_ if needs[k] <= fair]
        if not small:
            for k in open_:
                sizes[k] = max(floor, fair)
            break
        for k in small:
            sizes[k] = max(floor, needs[k])
            left -= sizes[k]
            open_.remove(k)
    left = total - sum(sizes)
    if spare and left > 0 and not open_:
        claims = sum(needs) or 1
        extra = [left * need_ // claims for need_ in needs]
        extra[max(range(n), key=lambda k: needs[k])] += left - sum(extra)
        sizes = [size + more for size, more in zip(sizes, extra)]
    return sizes


class Panel(MatrixView):
    """A MatrixView that skips a redraw of what it already shows and never ends the session."""

    _shown: tuple | None = None  # what show() was last given

    def show(self, name, value, expected=None, previous=None, offending=False) -> None:
        # Records share their arrays, so the very same objects mean the very same picture.
        shown = (name, value, expected, previous, offending)
        if self._shown is not None and all(
                a is b or (type(a) in (str, tuple, bool) and a == b)
                for a, b in zip(shown, self._shown)):
            return
        self._shown = shown
        super().show(name, value, expected=expected, previous=previous, offending=offending)

    def render_line(self, y: int) -> Strip:
        # A drawing bug must not end the session: the panel says so instead.
        try:
            return super().render_line(y)
        except Exception as error:  # noqa: BLE001
            text = f"cannot draw: {type(error).__name__}: {error}" if y == 0 else ""
            return Strip([Segment(text, Style(color="red"))]).adjust_cell_length(self.size.width)


class MatrixGrid(VerticalScroll):
    """Rows of MatrixViews for the step on screen; only the cells on screen are drawn."""

    DEFAULT_CSS = """
    MatrixGrid {
        height: 1fr;
        scrollbar-size-vertical: 1;
        & > Horizontal { height: auto; width: 100%; }
        & MatrixView { min-width: 0; min-height: 0; }
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.shown_layer = 1  # the layer shown; the update and training keep the last one
        self.rows: list[list[str]] = panel_names(None, 1)
        self._needs: list[list[Need]] = []

    @property
    def views(self) -> list[MatrixView]:
        return [view for view in self.query(Panel) if view.display]

    def _rows(self, width: int) -> tuple[list[list[int]], list[int]]:
        """The panels' widths, row by row, and the height each row wants at them."""
        sizes = [widths(width, needs) for needs in self._needs]
        # A panel narrower than its matrix gets a horizontal scrollbar: a line more.
        wanted = [max(n.height + (w < n.width) for n, w in zip(needs, row))
                  for needs, row in zip(self._needs, sizes)]
        return sizes, wanted

    def plan(self, width: int, height: int) -> tuple[list[list[int]], list[int]]:
        """The panels' widths, row by row, and the rows' heights, for this much room."""
        sizes, wanted = self._rows(width)
        return sizes, share(height, wanted, MIN_ROW, spare=False)

    def needed_height(self, width: int | None = None) -> int:
        """The height every row needs at this width (the grid's own by default)."""
        return sum(self._rows(width or self.size.width)[1])

    def show(self, frame: Frame, layer: int | None = None, explained: str | None = None,
             feeds: Mapping[str, tuple] = MappingProxyType({})) -> None:
        """The frame's matrices; with an element ``explained``, the cells that feed it
        (``feeds``, by quantity) underlined, their panels brought on screen."""
        network = frame.network
        if layer is not None:
            self.shown_layer = max(1, min(network.L, layer))
        elif frame.layer is not None:
            self.shown_layer = frame.layer
        record = frame.record
        offender = record.mismatch.offender if record is not None and record.mismatch else None
        kind = frame.step.kind if frame.step is not None else None
        wide = self.app.size.width >= WIDE if self.is_attached else False
        self.rows = panel_names(kind, self.shown_layer, offender, network.L, wide)
        if feeds:
            self.rows = with_operands(self.rows, explained, feeds, frame.values)
        self._ensure(self.rows)
        self._needs = []
        for row, names in zip(self.children, self.rows):
            needs = []
            for view, name in zip(row.children, names):
                value = frame.values.get(name)
                view.show(name, value, expected=frame.expected.get(name),
                          previous=frame.before.get(name), offending=name == offender)
                view.highlight(feeds.get(name))
                needs.append(need(view, name, value))
            self._needs.append(needs)
        self._fit()

    def _ensure(self, rows: list[list[str]]) -> None:
        """As many rows and panels as these names need; the rest hidden, kept for later."""
        existing = list(self.children)
        for k, names in enumerate(rows):
            if k < len(existing):
                row = existing[k]
                row.display = True
                for j in range(len(row.children), len(names)):
                    row.mount(Panel(id=f"matrix-{k}-{j}"))
            else:
                row = Horizontal()
                self.mount(row)  # attached at once: its panels can be mounted right away
                row.mount(*(Panel(id=f"matrix-{k}-{j}") for j in range(len(names))))
        for k, (row, names) in enumerate(zip(self.children, rows)):
            for j, panel in enumerate(row.children):
                panel.display = j < len(names)
        for row in existing[len(rows):]:
            row.display = False

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Give each row the height it needs and each panel its share of the width."""
        width, height = self.size
        if not width or not self._needs:
            return
        widths, heights = self.plan(width, height)
        if sum(heights) > height:  # more rows than fit: each its floor, and scroll
            widths, heights = self.plan(width - SCROLLBAR, height)
        for row, row_widths, h in zip(self.children, widths, heights):
            row.styles.height = h
            for view, w in zip(row.children, row_widths):
                view.styles.width = w
