"""The cost panel: this iteration's J as the headline once its cost step is done (before
it, the last J computed, labelled with its iteration), and J of every iteration the
cursor has computed as bars, the current iteration's bar marked; log-scaled when the
cost spans decades (bpdebug.engine.sparkline, the same rule --train prints with)."""

from __future__ import annotations


from textual.content import Content

from bpdebug.app.components import box, unchanged
from bpdebug.app.components.text_panel import TextPanel
from bpdebug.engine.frame import Frame
from bpdebug.engine.notation import plain
from bpdebug.engine.sparkline import BARS, bars, column_of, log_scale, shown

MARK_STYLE = "bold reverse yellow"
TEXT_LINES = 2


def fitting(options: list[Content], width: int) -> Content:
    """The first option that fits ``width`` (longest first), else the shortest."""
    return box.longest(options, width, options[-1])


def headline(frame: Frame, width: int = 80) -> Content:
    """This iteration's J once its cost step is done; before it, the last J computed, with
    its own iteration: the class can guess this one before it is worked out.  A narrow
    panel writes the iteration on a line of its own (J[i] would read as layer i)."""
    J = frame.shown_J
    if J is not None:
        i, last = frame.iteration, ()
    elif frame.last_cost is not None:
        (i, J), last = frame.last_cost, ((" (the last computed)", "dim"),)
    else:
        return fitting([Content.assemble("J ", ("comes at the cost step", "dim italic")),
                        Content.styled("J: not yet", "dim italic")], width)
    value = (plain(J), "bold")
    one_line = fitting([Content.assemble("J = ", value, f" at iteration {i}", *last),
                        Content.assemble("J = ", value, f" at iteration {i}")], width)
    if one_line.cell_length <= width:
        return one_line
    return Content("\n").join([Content.assemble("J = ", value), Content(f"at iteration {i}")])


def history_line(frame: Frame, width: int = 80) -> Content:
    """What the bars count: the costs of the iterations whose cost step is done."""
    costs = frame.costs
    if not costs:
        return Content("")
    n = len(costs)
    count = f"costs of {n} iteration{'s' if n != 1 else ''}"
    first = f" · J = {plain(costs[0], 4)} at iteration 0" if n > 1 else ""
    return Content.styled(fitting([Content(count + first), Content(count),
                                   Content(f"costs: {n} iteration{'s' if n != 1 else ''}"),
                                   Content(f"costs of {n} it."), Content(f"{n} it.")],
                                  width).plain, "dim")


def chart(history, current: int, width: int, height: int) -> list[Content]:
    """The bars, the column holding the current iteration marked; before the current
    iteration's cost step, the empty column where its bar will come (the class guesses
    it).  One cost is a full bar: the tallest so far."""
    n = len(history)
    if not n or width <= 0 or height <= 0:
        return []
    rows = bars(history, width, height) if n > 1 else [BARS[-1]] * height
    mark = column_of(current, n, width)
    if mark is None and current == n and n < width:  # its cost comes later in the step
        rows, mark = [row.ljust(n + 1) for row in rows], n
    out = []
    for row in rows:
        if mark is None or mark >= len(row):
            out.append(Content(row))
        else:
            cell = row[mark] if row[mark] != " " else "·"
            out.append(Content.assemble(row[:mark], (cell, MARK_STYLE), row[mark + 1:]))
    return out


class LossPanel(TextPanel):
    """J of the frame's iteration, and the history with that iteration marked."""

    DEFAULT_CSS = """
    LossPanel {
        height: 100%;
        border: round $foreground 30%;
        border-title-align: left;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("", *args, **kwargs)
        self._frame: Frame | None = None
        self._note = ""
        self._planned: tuple[int, int] | None = None  # the size the debugger gives it

    def on_mount(self) -> None:
        unchanged.titles(self, Content("cost J"))

    def show(self, frame: Frame, note: str = "", draw: bool = True) -> None:
        """This frame's cost; drawn now, or once ``place`` gives the size it will have."""
        self._frame, self._note = frame, note
        if draw:
            self._draw()

    def place(self, width: int, height: int) -> None:
        """Draw for the size the panel will have (its border and padding included)."""
        self._planned = (width, height)
        self._draw()

    def on_resize(self) -> None:
        if self._planned != tuple(self.outer_size):
            self._planned = None
            self._draw()

    def _draw(self) -> None:
        frame = self._frame
        if frame is None:
            return
        history = frame.costs  # only the costs the cursor has computed
        if self._planned is not None:  # border and padding: two lines, four columns
            width, height = max(0, self._planned[0] - 4), max(0, self._planned[1] - 2)
        else:
            width, height = self.content_region.size
        # Only what the columns show is read: a long training run costs no more to draw.
        log = log_scale(shown(history, max(width, 1)))
        title = "cost J (log scale)" if log else "cost J"
        unchanged.titles(self, Content(title))
        head = headline(frame, width)
        text = TEXT_LINES + head.plain.count("\n") + bool(self._note)
        lines = chart(history, frame.iteration, width, max(0, height - text))
        lines += [head, history_line(frame, width)]
        if self._note:
            lines.append(Content.styled(self._note, "bold yellow"))
        unchanged.update(self, Content("\n").join(lines), layout=False)  # sized by the debugger
