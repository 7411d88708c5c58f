"""The debugger's screen area: the strip on top, equations and cost beside each other,
the matrices below, a status line.  It draws one Frame (bpdebug.engine.frame) at a time, and
nothing else: every panel shows the same moment.  The app moves the engine and hands
over the frame for the new position.

Extra panels (decision boundary, gradient norms, a student's code ...) go into the
right-hand column with ``add_panel``; it stays hidden while empty.  Each one has
``show(frame)``, as every panel has, and is given every frame, including one it gets
before it is mounted (it draws that one once it is).

Every panel is sized in the same call that gives it the frame (room.py shares the
screen out), for the room it will have when the frame is drawn: a step is one layout
pass at most, and none when no panel's size changed, so it is painted in one frame.
"""

from __future__ import annotations

import dataclasses
import gc
import traceback

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

from bpdebug.app.components import unchanged
from bpdebug.app.components.equation_panel import EquationPanel, preview_lines, step_title
from bpdebug.app.components.explain_panel import ExplainPanel
from bpdebug.app.components.loss_panel import LossPanel
from bpdebug.app.components.matrix_grid import WIDE, MatrixGrid, every_step
from bpdebug.app.components.network_strip import NetworkStrip
from bpdebug.app.components.steady import SteadyHorizontal, SteadyScroll, SteadyVertical
from bpdebug.app.components.text_panel import TextPanel
from bpdebug.app.components.room import Asks, plots_fit, plots_width, share_out
from bpdebug.engine.frame import Frame
from bpdebug.engine.shapes import fmt


def summary(frame: Frame) -> Content:
    """The status line when nothing more urgent is to be said."""
    record = frame.record
    if frame.training is not None:
        return Content(f"training: iteration {frame.iteration} · t or Esc stops")
    if record is None:
        return Content("at the start: n steps, t trains, tab then enter explains a cell, ? helps")
    if record.mismatch is not None:
        return Content.styled(frame.blocked or "shape mismatch", "bold red")
    if record.error is not None:
        return Content.styled(frame.blocked or "error", "bold red")
    parts = [f"{c.result.name} {fmt(c.result.shape)}{' ✓' if c.ok else ' ✗'}"
             for c in record.computed if c.result is not None]
    return Content(f"{record.step.label}, step {frame.k + 1}/{frame.network.S}: "
                   + "  ".join(parts))


class Debugger(Vertical):
    """Every panel of one scenario's debugger, drawn from one frame."""

    DEFAULT_CSS = """
    Debugger { height: 1fr; }
    """

    def __init__(self, frame: Frame, **kwargs) -> None:
        super().__init__(**kwargs)
        self.frame = frame
        self._layer: int | None = 1
        self.panels: list[Widget] = []  # the teaching panels in the right-hand column
        self._iterations: dict[bool, tuple] = {}  # what _iteration worked out, for a story or not

    def compose(self) -> ComposeResult:
        self.strip, self.equations = NetworkStrip(id="strip"), EquationPanel(id="equations")
        self.explained = ExplainPanel(id="explain")  # enter and +, in the equations' place
        self.loss, self.grid = LossPanel(id="loss"), MatrixGrid(id="matrices")
        self.status = TextPanel("", id="status")
        scroll = SteadyScroll(id="equations-scroll")
        # Not in the focus chain: tab goes straight to a matrix panel, where a cursor shows.
        scroll.can_focus = False
        yield self.strip
        with SteadyHorizontal(id="body"):
            with SteadyVertical(id="main"):
                with SteadyHorizontal(id="top"):
                    with scroll:
                        yield self.equations
                        yield self.explained
                    yield self.loss
                yield self.grid
            # The teaching panels' column is as tall as the equations and the matrices
            # together: a step that moves the line between those leaves it as it is.
            yield SteadyVertical(id="extras")
        yield self.status

    def on_mount(self) -> None:
        waiting = [panel for panel in self.panels if not panel.is_attached]
        if waiting:  # added before the column was mounted
            self.extras.mount(*waiting)
        self.show(self.frame, layer=self._layer)
        # Everything made so far (Textual, NumPy, the engine, the first screen) lives as
        # long as the app: out of the collector's way, a full collection that lands in a
        # step scans only what was made since (80-135 ms before, well under 1 ms after,
        # measured on xor and mnist-size after ten steps).  Not under a test's Pilot,
        # where the apps of a whole test session would never be collected.
        if not self.app.is_headless:
            self.call_after_refresh(gc.freeze)

    @property
    def extras(self) -> Vertical:
        return self.query_one("#extras", Vertical)

    def add_panel(self, panel: Widget) -> None:
        """Mount a teaching panel in the right-hand column (once it is mounted itself),
        show the column, and give the panel the frame on screen (it draws it once
        mounted)."""
        self.panels.append(panel)
        if self.extras.is_attached:
            self.extras.mount(panel)
        self.extras.add_class("has-panels")
        self._draw(lambda: panel.show(self.frame))
        self._refit()

    def remove_panel(self, panel: Widget) -> None:
        self.panels.remove(panel)
        panel.remove()
        if not self.panels:
            self.extras.remove_class("has-panels")
        self._refit()

    def _refit(self) -> None:
        """A column that comes or goes takes or gives width: every panel sized again, now
        and once the column is laid out (x at 120×36 left the matrices drawn at their old
        width under the plots)."""
        if self.is_attached:
            self._fit()
            self.call_after_refresh(self._fit)

    def show(self, frame: Frame, layer: int | None = None,
             status: Content | str | None = None, note: str = "",
             keep_status: bool = False) -> None:
        """Draw every panel from this frame; a panel that raises shows the error instead."""
        self.frame = frame
        self.set_class(not frame.ok, "-blocked")
        explained = self.explained
        draws = [lambda: self.strip.show(frame),
                 lambda: explained.show(frame),  # first: the frame of another moment closes it
                 lambda: self.equations.show(frame),
                 # placed by _fit, once every panel's size is known
                 lambda: self.grid.show(frame, layer, *explained.feeds(), placed=False),
                 lambda: self.loss.show(frame, note, draw=False)]
        draws += [lambda panel=panel: panel.show(frame) for panel in self.panels]
        failed = None
        for draw in draws:
            failed = self._draw(draw) or failed
        self.equations.display = not explained.display
        if failed is None:
            if not keep_status:  # a training frame leaves what was last said (a refusal)
                self.say(status if status is not None else summary(frame))
        else:
            self.say(Content.styled(f"internal error: {failed}", "bold red"))
        self._fit()

    def _draw(self, draw) -> Exception | None:
        try:
            draw()
        except Exception as error:  # noqa: BLE001 - a view bug is shown, never a traceback
            self.show_error(f"internal error while drawing: {type(error).__name__}",
                            traceback.format_exc(limit=-4))
            return error
        return None

    def show_error(self, title: str, text: str) -> None:
        """An exception, shown where the equations are (an explanation gives way to it)."""
        self.explained.close()
        self.explained.display = False
        self.equations.display = True
        self.equations.show_error(title, text)

    def say(self, text: Content | str) -> None:
        content = text if isinstance(text, Content) else Content(text)
        unchanged.update(self.status, content, layout=False)  # always one line

    def on_resize(self) -> None:
        self._fit()

    def _story(self, explaining: bool | None = None) -> bool:
        """Whether the equation panel tells more than the step's equations (a mismatch,
        an error, an explained element): its own content decides its size then."""
        explaining = self.explained.display if explaining is None else explaining
        return not self.frame.ok or explaining

    @property
    def top_panel(self):
        """The panel in the top left: an explained element in the equations' place."""
        return self.explained if self.explained.display else self.equations

    def asks(self, extras: bool = True, explaining: bool | None = None) -> Asks:
        """What each part of the screen asks for: this step's equations, and the widest
        and tallest of every step of the iteration, so that stepping keeps what it can;
        or a story's (a mismatch, an explained element) as it is.  ``explaining=False``:
        what they would ask with the explained element closed."""
        width, height = self.size
        explaining = self.explained.display if explaining is None else explaining
        equations = self.explained if explaining else self.equations
        frame = self.frame
        stepping_width, stepping_lines, matrices_width, matrices_height = \
            self._iteration(self._story(explaining))

        def equations_height(w: int) -> int:
            inner = max(1, w - 4)  # the border and the padding are not the text's
            return equations.get_content_height(Size(inner, height), Size(width, height),
                                                inner) + 2

        grid = self.grid

        def matrices(w: int) -> int:
            return max(matrices_height(w), grid.needed_height(w))

        now = equations.needed_width()
        asks = Asks(width, height, max(stepping_width, now), now,
                    equations_height, stepping_lines + 2 if stepping_lines else 0,
                    matrices_width, matrices,
                    # from iteration 1 a second cost comes: the whole iteration keeps its size
                    chart=frame.iteration >= 1)
        if extras and self.panels:
            plots = plots_width(asks)
            wants = [panel.needed_width() if hasattr(panel, "needed_width") else plots
                     for panel in self.panels]
            asks = dataclasses.replace(asks, extras_width=max(wants))
        return asks

    def _iteration(self, story: bool) -> tuple:
        """The widest and tallest equations and matrices of any step of the iteration
        (none for a story), worked out once per network, shapes and width."""
        frame = self.frame
        wide = self.size.width >= WIDE
        key = (frame.network, tuple(frame.expected.items()), len(str(frame.iteration)), wide)
        kept = self._iterations.get(story)
        if kept is None or kept[0] != key:
            equations = (0, 0) if story else stepping(frame)
            kept = self._iterations[story] = (key, (*equations, *every_step(frame, wide)))
        return kept[1]

    def plots_fit(self, plots: tuple[str, ...]) -> bool:
        """Whether the plots fit beside every matrix panel of every step whole, in a
        column of their own (the app shows them on their own): not beside another
        teaching panel (a student's code), which has the column."""
        others = [panel for panel in self.panels if panel.id not in plots]
        return bool(self.size.height) and not others and plots_fit(self.asks(extras=False))

    def _fit(self) -> None:
        """Every panel sized for the step, in the step's action: a size set to what it
        already is costs nothing, and a new one is one layout pass (steady.py)."""
        if not self.size.height:
            self.grid.place(self.grid.size)  # nothing to share out yet: its own size
            return
        if self.explained.display:  # a long sum is written whole where half the screen holds it
            self.explained.fit(max(4, (self.size.height - 3) // 2 - 2))
        asks = self.asks()
        room = share_out(asks)
        self.query_one("#top").styles.height = room.top
        self.query_one("#equations-scroll").styles.width = room.equations
        self.top_panel.styles.height = max(room.top, asks.equations_height(room.equations))
        self.loss.display = room.cost > 0
        if self.panels:
            self.extras.styles.width = room.extras
        # An explained element takes another width, and gives the grid another: its
        # quantities keep the figures they have while stepping at this screen's size.
        stepping = self.asks(explaining=False) if self.explained.display else asks
        self.grid.place(Size(*room.grid), stepping=stepping_grid(stepping))
        self.loss.place(room.cost, room.top)


def stepping_grid(asks: Asks) -> Size:
    """The grid's width while stepping, and its height at the step with the tallest
    equations, where it is shortest (the equations' height moves no width)."""
    tallest = asks.stepping_height
    return Size(*share_out(dataclasses.replace(
        asks, equations_height=lambda w: max(asks.equations_height(w), tallest))).grid)


def stepping(frame: Frame) -> tuple[int, int]:
    """The equation panel's width and lines for the widest and the tallest step of the
    iteration, from the shapes everything must have: stepping keeps its size."""
    network = frame.network
    width = lines = 0
    for k, step in enumerate(network.steps):
        body = preview_lines(step, frame.expected)
        lines = max(lines, len(body))
        width = max(width, max((line.cell_length for line in body), default=0) + len("  ✓"))
        after = network.steps[(k + 1) % network.S].label
        titles = (step_title(step, frame.iteration + 1).cell_length,
                  len(f"next: {after} of iteration {frame.iteration + 1}"))
        width = max(width, max(titles) + 2)  # a border title keeps "─ " and " ─" around it
    return width + 4, lines  # the border and the padding
