"""The matrix panels: the quantities of the step on screen, as heat maps, in rows.

    W[l]   b[l]   Z[l]   A[l]
    dW[l]  db[l]  dZ[l]  dA[l-1]

Each gradient sits under the quantity whose shape it must have (dW[l] under W[l]).
The last panel follows the step: going forward it shows the input A[l-1] the step
multiplies, at the cost Y, going backward dA[l-1].  A mismatch whose culprit has no
panel of its own takes that place, outlined.  On a wide screen, backward [l] adds the
row that produced what it starts from: W[l+1], dZ[l+1] and dA[l] (at the output, Y,
beside which the first row's A[L] makes dZ[L] = A[L] − Y).  The update shows every layer's W, b, dW and db, a row a layer.

One widget draws them all (matrix_view.MatrixPanes), so a step that changes their
sizes needs no layout pass of Textual's: the grid places its panes itself.  Every
panel is as big as its matrix needs, up to what the screen can give: the rows share
the height, the panels of a row its width, by need, the step's own results first.
Rows of panels that do not fit even at their least are below the last one shown, and
a line says so; tab reaches them.

A panel narrow enough to give up figures gives them up for its quantity at every step
of this width (``held``): W[1] squeezed beside Z[1] and A[1] going forward keeps the
same figures at the update, where it has more room, so an entry that has not changed
reads the same text at every step.  The first time the grid has a width, it lays out
every step of the iteration (``rehearse``) as that step will show it: what the step
has not computed yet as "not computed yet", what it has but the frame on screen not yet
as zeros of its shape (which keep room for the numbers they will hold), at the height
the grid has at the step with the tallest equations (a shorter grid wraps fewer rows of
panels, and so gives each panel less width).  The panes then show those figures and no
other at this width: one squeezed more than the rehearsal foresaw shows fewer columns,
never fewer figures, so an entry reads the same from the first step on.  An explained
element gives the grid another width (its panel is wider than the equations, and the
teaching panels give way to it): the panes keep the figures held at the grid's width
while stepping, so an entry reads the same with the panel open or closed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np
from rich.segment import Segment
from textual.geometry import Region, Size
from textual.strip import Strip

from bpdebug.app.components.matrix_pane import AT_LEAST, FEWER, FRAME_LINES, MatrixPane
from bpdebug.app.components.matrix_view import MatrixPanes
from bpdebug.engine import plan
from bpdebug.engine.frame import Frame
from bpdebug.engine.names import post
from bpdebug.engine.names import split as split_name
from bpdebug.engine.notation import FIGURES
from bpdebug.engine.shapes import fmt

WIDE = 160  # columns from which backward steps show the row that produced dA[l]
MIN_ROW = FRAME_LINES + 2  # border, column header and two rows
NOTE_WIDTH = 20  # a panel with nothing in it yet: "not computed yet"


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
        # at the output, Y: A[L] is in the first row already, once is enough
        rows.append([post("W", l + 1), post("dZ", l + 1), post("dA", l)] if l < L else ["Y"])
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
TYPICAL = 8  # a cell from its shape alone: a gap, the changed mark, "-0.1234"


def typical_width(name: str, shape) -> int:
    """A panel's width for every column, judged from its shape alone."""
    if not shape:
        return len(name) + 2 * 3 + 8
    rows, columns = shape[0], max(1, int(math.prod(shape[1:])))
    cell = 1 + max(len(str(columns - 1)), TYPICAL - 1)
    return max(2 + len(str(rows - 1)) + columns * cell, len(name) + len(fmt(shape)) + 4 + 6)


def every_step(frame: Frame, wide: bool) -> tuple[int, Callable[[int], int]]:
    """The widest row of panels of any step of the iteration, every panel whole, and the
    tallest grid at a width (rows wrapped to keep panels whole), judged from the shapes:
    what stepping through the iteration needs."""
    network = frame.network
    steps = []
    for step in network.steps:
        rows = panel_names(step.kind, step.layer or 1, None, network.L, wide)
        steps.append([[Need(0, (), typical_width(name, frame.expected.get(name)),
                            FRAME_LINES + max(1, (frame.expected.get(name) or (1,))[0]))
                       for name in row] for row in rows])
    widest = max(sum(n.whole for n in row) for rows in steps for row in rows)

    @lru_cache(maxsize=16)
    def tallest(width: int) -> int:
        return max(sum(row_height(row) for row in wrapped(rows, width)) for rows in steps)

    return widest, tallest


def row_height(row: list[Need]) -> int:
    return max((n.height for n in row), default=FRAME_LINES)


def wrapped(rows: list[list[Need]], width: int, height: int | None = None) -> list[list[Need]]:
    """The rows as placed: each as given, unless its panels cannot all be whole in the
    width and there is room below: then those that do not fit go to a row of their own
    under it, in order, so the first ones keep their places (dW under W), and every
    panel of the two rows has more of the width.  Every row is split once before any is
    split again: where the height runs out, rows of four that each split in two keep
    more figures than one row split into three beside a row of four (backward [1] of a
    3-2-1 network at 120×36 held Z[1] to 2 figures, 0.1 0.6 0 0.6, beside tanh(Z[1]) =
    -0.05)."""
    placed = [list(row) for row in rows]
    splits = [0] * len(placed)  # how often each row has been split off its first row
    while True:
        # the rows split least first; of those the ones with the step's own results,
        # then from the top
        for i, row in sorted(enumerate(placed),
                             key=lambda ir: (splits[ir[0]], min(n.first for n in ir[1]))):
            if len(row) < 2 or sum(n.whole for n in row) <= width:
                continue
            n, used = 0, 0
            while n < len(row) and used + row[n].whole <= width:
                used += row[n].whole
                n += 1
            first, rest = row[:max(1, n)], row[max(1, n):]
            if height is not None:  # the rows must fit, each keeping two of its rows at least
                least = sum(min(row_height(r), MIN_ROW) for r in placed) - \
                    min(row_height(row), MIN_ROW) + min(row_height(first), MIN_ROW) + \
                    min(row_height(rest), MIN_ROW)
                if least > height:
                    continue
            placed[i:i + 1] = [first, rest]
            splits[i:i + 1] = [splits[i] + 1] * 2
            break
        else:
            return placed


@dataclass(frozen=True)
class Need:
    """What a panel asks of its row's width: ``steps``, the widths that show more and
    more of it (LADDER: three columns with fewer figures, three with four, its whole
    title, every column), each raised in turn for every panel of the row; ``whole``
    shows every column; ``first`` orders the panels at each step (the step's own results
    first, then the gradients and the matrices with a column per example)."""

    floor: int
    steps: tuple[int, ...]
    whole: int
    height: int
    first: int = 2
    columns: Callable[[int], int] = lambda width: 0  # how many columns a width shows
    more: Callable[[int], int | None] = lambda width: None  # the width for one more column


def need(pane: MatrixPane, computed: frozenset[str] = frozenset()) -> Need:
    """What this pane asks for, once it has been shown its value."""
    name = pane.matrix_name
    rank = 0 if name in computed else 1 if (name.startswith("d") or
                                            split_name(name)[0] in PER_EXAMPLE) else 2
    shortest, title = pane.title_width(shortest=True), pane.title_width()
    if pane.grid_shape is None:
        width = max(pane.content_width() + 2, shortest)
        return Need(min(width, NOTE_WIDTH), (width, title), max(width, title), FRAME_LINES, rank)
    fewest = FEWER[-1]
    floor = max(shortest, pane.width_for(1, fewest))
    whole = pane.width_for(None, FIGURES)
    steps = [title if columns == "title" else pane.width_for(columns, figures)
             for columns, figures in LADDER]
    return Need(floor, tuple(steps), max(whole, title), pane.height_for(), rank,
                pane.columns_at, pane.wider_for_more)


# The steps every panel of a row climbs together, one at a time: a column at a time up
# to three at the fewest figures, then more figures, the whole title, every column
# (None).
LADDER = ((2, FEWER[-1]), (AT_LEAST, FEWER[-1]), *((AT_LEAST, f) for f in FEWER[-2::-1]),
          (AT_LEAST, FIGURES), ("title", None), (None, FIGURES))


def widths(total: int, needs: list[Need]) -> list[int]:
    """A row's width, panel by panel.  Every panel gets its floor, then each step of
    every panel's ladder in turn (three columns before four figures before every column),
    the step's own results first; what is left goes to the panels still cut, towards
    their whole matrix, a column at a time and then in proportion."""
    if not needs:
        return []
    given = [n.floor for n in needs]
    if sum(given) > total:  # not even the floors: all give way alike
        return share(total, given, [1] * len(needs))
    order = sorted(range(len(needs)), key=lambda k: needs[k].first)
    for level in range(max(len(n.steps) for n in needs)):
        for k in order:
            steps = needs[k].steps
            want = steps[level] if level < len(steps) else 0
            if want > given[k] and sum(given) - given[k] + want <= total:
                given[k] = want
    left = total - sum(given)
    while left > 0:  # a column more to the cut panel showing fewest, while one fits
        cut = sorted((needs[k].columns(given[k]), needs[k].first, k) for k in order
                     if given[k] < needs[k].whole)
        grown = None
        for _, _, k in cut:
            wider = needs[k].more(given[k])
            if wider is not None and wider - given[k] <= left:
                grown = (k, wider - given[k])
                break
        if grown is None:
            break
        given[grown[0]] += grown[1]
        left -= grown[1]
    if left > 0:  # what is left widens the panels still cut, in proportion
        room = [max(0, n.whole - g) for n, g in zip(needs, given)]
        for k, extra in enumerate(share(left, room, [0] * len(needs))):
            given[k] += min(extra, room[k])
    return given


def share(total: int, needs: list[int], floors: list[int]) -> list[int]:
    """Split ``total`` among claims: a claim below the fair share gets what it needs, the
    others split what is left evenly; each gets at least its floor.  What is left once
    every claim is met is not given out."""
    n = len(needs)
    sizes = [0] * n
    open_ = list(range(n))
    left = total
    while open_:
        fair = left // len(open_)
        small = [k for k in open_ if needs[k] <= fair]
        if not small:
            rest = left - fair * len(open_)
            for k in open_:
                sizes[k] = max(floors[k], fair + (1 if rest > 0 else 0))
                rest -= 1
            break
        for k in small:
            sizes[k] = max(floors[k], needs[k])
            left -= sizes[k]
            open_.remove(k)
    return sizes


def heights(total: int, wanted: list[int]) -> tuple[list[int], int]:
    """The rows' heights, and how many rows fit: each row as tall as its matrices when
    they all fit; else the rows share the height by need, each keeping two of its rows;
    else the first rows at that, and a line to say there are more."""
    if sum(wanted) <= total:
        return list(wanted), len(wanted)
    floors = [min(w, MIN_ROW) for w in wanted]
    if sum(floors) <= total:
        return share(total, wanted, floors), len(wanted)
    room, fit = total - 1, 0  # a line says what is below
    while fit < len(floors) and sum(floors[:fit + 1]) <= room:
        fit += 1
    return floors[:fit], fit


def steady_pane(keeps_figures: bool = True) -> MatrixPane:
    """A pane as wide at every step, showing the figures its grid holds its quantity to
    (a rehearsal's chooses them)."""
    pane = MatrixPane()
    pane.steady = True
    pane.keeps_figures = keeps_figures
    return pane


def not_yet(steps, k: int) -> frozenset[str]:
    """What step k shows as "not computed yet": the results of the steps after it in
    the iteration, but for the parameters (the update's results, there from the start)."""
    later = {e.target for step in steps[k + 1:] if step.kind != plan.UPDATE
             for e in step.equations}
    return frozenset(later - {e.target for step in steps[:k + 1] for e in step.equations})


class MatrixGrid(MatrixPanes):
    """Rows of matrix panes for the step on screen, drawn as one widget."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.shown_layer = 1  # the layer shown; the update and training keep the last one
        self.rows: list[list[str]] = panel_names(None, 1)
        self.first_row = 0  # the first row of panes shown when they do not all fit
        self._pool: dict[tuple[int, int], MatrixPane] = {}
        self._grid: list[list[MatrixPane]] = []
        self._needs: list[list[Need]] = []
        self._asked: dict[MatrixPane, tuple[bool, Need]] = {}  # each pane's Need, while it shows the same
        self._planned: Size | None = None
        self._more: str = ""  # the line under the rows when not all fit
        self._more_y = -1
        self._arranged: list[list[tuple[MatrixPane, Need]]] = []  # the rows as placed
        # the figures each quantity shows while the grid is this wide at stepping, the
        # fewest any step of the rehearsal gave it: (width, name) -> figures
        self.held: dict[tuple[int, str], int] = {}
        self._rehearsed: set[int] = set()  # the widths every step has been laid out at
        self._stepping: Size | None = None  # its size while stepping, at its shortest step
        self._frame: Frame | None = None  # the frame shown, and what its step computed
        self._computed: frozenset[str] = frozenset()

    @property
    def views(self) -> list[MatrixPane]:
        """The panes on screen."""
        return list(self.panes)

    @property
    def every_pane(self) -> list[MatrixPane]:
        """Every pane of the step, on screen or in a row of panels below or above it."""
        return [pane for row in self._arranged for pane, _ in row]

    def region_of(self, pane: MatrixPane) -> Region:
        """Where a pane is on the screen."""
        return self.places[pane].translate(self.content_region.offset)

    def show(self, frame: Frame, layer: int | None = None, explained: str | None = None,
             feeds: Mapping[str, tuple] = MappingProxyType({}), placed: bool = True) -> None:
        """The step's panels, placed for the grid's size (not `placed`: the caller places
        them, once it knows the size the grid will have when the frame is drawn).  With an
        element ``explained``, the cells that feed it (``feeds``, by quantity) underlined,
        their panels on screen."""
        network = frame.network
        if layer is not None:
            self.shown_layer = max(1, min(network.L, layer))
        elif frame.layer is not None:
            self.shown_layer = frame.layer
        record = frame.record
        offender = record.mismatch.offender if record is not None and record.mismatch else None
        kind = frame.step.kind if frame.step is not None else None
        size = self.size
        wide = (self.app.size.width if self.is_attached else size.width) >= WIDE
        held = (self._stepping or size).width  # the figures held while stepping
        rows = panel_names(kind, self.shown_layer, offender, network.L, wide)
        if feeds:
            rows = with_operands(rows, explained, feeds, frame.values)
        if rows != self.rows:
            # another set of panels: from the first row, or the one a mismatch blames
            self.first_row = next((k for k, names in enumerate(rows) if offender in names), 0)
        self.rows = rows
        computed = frozenset(c.result.name for c in record.computed
                             if c.result is not None) if record is not None else frozenset()
        self._frame, self._computed = frame, computed
        self._grid, self._needs = [], []
        for k, names in enumerate(rows):
            panes = [self._pool.setdefault((k, j), steady_pane()) for j in range(len(names))]
            needs = []
            for pane, name in zip(panes, names):
                changed = pane.show(name, frame.values.get(name),
                                    expected=frame.expected.get(name),
                                    previous=frame.before.get(name), offending=name == offender)
                changed |= pane.hold_figures(self.held.get((held, name), FIGURES))
                if pane.highlight(feeds.get(name)) or changed:
                    self.redraw(pane)
                first = name in computed
                kept = self._asked.get(pane)
                if changed or kept is None or kept[0] != first:  # else it asks what it asked
                    kept = self._asked[pane] = (first, need(pane, computed))
                needs.append(kept[1])
            self._grid.append(panes)
            self._needs.append(needs)
        if placed:
            self.place(size)

    def rehearse(self, frame: Frame, width: int, height: int, wide: bool) -> None:
        """Hold each quantity to the fewest figures any step of the iteration gives it at
        this width: every step's panels laid out as show() and place() would, from the
        frame's values; "not computed yet" for what the step has not computed, zeros of
        the right shape for what it has but the frame not yet."""
        network = frame.network
        zeros: dict[tuple, np.ndarray] = {}  # one per shape: its facts are worked out once
        for k, step in enumerate(network.steps):
            rows = panel_names(step.kind, step.layer or 1, None, network.L, wide)
            later = not_yet(network.steps, k)
            placed = []
            for names in rows:
                panes = []
                for name in names:
                    value, shape = frame.values.get(name), frame.expected.get(name)
                    if value is None and shape is None:
                        continue
                    if name in later:
                        value = None
                    elif value is None:
                        value = zeros.get(shape)
                        if value is None:
                            value = zeros[shape] = np.zeros(shape)
                    pane = steady_pane(keeps_figures=False)
                    pane.show(name, value, expected=shape)
                    pane.hold_figures(self.held.get((width, name), FIGURES))
                    panes.append(pane)
                computed = frozenset(equation.target for equation in step.equations)
                placed.append([(pane, need(pane, computed)) for pane in panes])
            pane_of = {id(n): pane for row in placed for pane, n in row}
            for row in wrapped([[n for _, n in row] for row in placed], width, height):
                for n, w in zip(row, widths(width, row)):
                    pane_of[id(n)].resize(w, n.height)
                    self._hold(width, pane_of[id(n)])

    def _hold(self, width: int, pane: MatrixPane) -> None:
        """What a pane placed at this width gave up, its quantity gives up at every step."""
        if pane.grid_shape is not None:
            key = (width, pane.matrix_name)
            self.held[key] = min(self.held.get(key, FIGURES), pane.figures)

    def needed_height(self, width: int | None = None) -> int:
        """The height every row wants at this width (the grid's own by default), rows
        wrapped where that keeps panels whole."""
        width = width if width is not None else self.size.width
        return sum(row_height(row) for row in wrapped(self._needs, width))

    def on_resize(self) -> None:
        if self._planned != self.size:
            self.place(self.size)

    def place(self, size: Size, stepping: Size | None = None) -> None:
        """Give each row its height and each panel its share of the width.  `stepping`
        is the grid's size while stepping (its width with no element explained), at the
        step with the tallest equations (its own size by default): the rehearsal lays
        every step out at it, as a grid that wraps fewer rows of panels gives each panel
        less width, and the panes show the figures it holds them to."""
        self._planned = size
        if stepping is not None:
            self._stepping = stepping
        width, height = size
        if not width or not height:
            self.arrange([])
            return
        at = self._stepping or size
        held = at.width
        if self._frame is not None and held not in self._rehearsed:
            self._rehearsed.add(held)
            wide = (self.app.size.width if self.is_attached else held) >= WIDE
            self.rehearse(self._frame, held, at.height, wide)
        for panes, needs in zip(self._grid, self._needs):  # held to fewer since they asked
            for k, pane in enumerate(panes):
                if pane.hold_figures(self.held.get((held, pane.matrix_name), FIGURES)):
                    needs[k] = need(pane, self._computed)
                    self._asked[pane] = (pane.matrix_name in self._computed, needs[k])
        pane_of = {id(n): pane for panes, needs in zip(self._grid, self._needs)
                   for pane, n in zip(panes, needs)}
        self._arranged = [[(pane_of[id(n)], n) for n in row]
                          for row in wrapped(self._needs, width, height)]
        wanted = [row_height([n for _, n in row]) for row in self._arranged]
        self.first_row = max(0, min(self.first_row, len(wanted) - 1))
        row_heights, fit = heights(height, wanted[self.first_row:])
        places = []
        y = 0
        for k in range(self.first_row, self.first_row + fit):
            row_height_ = row_heights[k - self.first_row]
            x = 0
            row = self._arranged[k]
            for (pane, _), w in zip(row, widths(width, [n for _, n in row])):
                places.append((pane, Region(x, y, w, row_height_)))
                x += w
            y += row_height_
        hidden = [[pane.matrix_name for pane, _ in row] for k, row in enumerate(self._arranged)
                  if not self.first_row <= k < self.first_row + fit]
        more = ""
        if hidden:
            below = len(self._arranged) - self.first_row - fit
            above = self.first_row
            parts = [f"{n} more row{'s' if n != 1 else ''} of panels {where}"
                     for n, where in ((above, "above"), (below, "below")) if n]
            more = "… " + " and ".join(parts) + ": " + " ".join(hidden[-1 if below else 0]) + \
                   " · tab reaches them"
        if more != self._more or (hidden and y != self._more_y):
            self._more, self._more_y = more, y
            self._forget(Region(0, 0, width, height))
        self.arrange(places)

    def show_pane(self, pane: MatrixPane) -> None:
        """Scroll the rows of panes so that this one shows."""
        row = next((k for k, row in enumerate(self._arranged)
                    if any(p is pane for p, _ in row)), None)
        if row is None or pane in self.places:
            return
        self.first_row = row
        self.place(self._planned or self.size)

    def action_cycle(self, step: int) -> None:
        """tab: the next pane, across the rows of panes not on screen too."""
        every = self.every_pane
        if self.current is None or self.current not in every:
            super().action_cycle(step)
            return
        at = every.index(self.current) + step
        if 0 <= at < len(every):
            self.focus_pane(every[at])
        else:
            self.screen.focus_next() if step > 0 else self.screen.focus_previous()

    def _make_line(self, y: int, width: int) -> Strip:
        if self._more and y == self._more_y:
            text = self._more[:width].ljust(width)
            return Strip([Segment(text, self.palette.note)], width)
        return super()._make_line(y, width)
