"""The debugger's screen area: the strip on top, equations and cost beside each other,
the matrices below, a status line.  It draws one Frame (bpdebug.engine.frame) at a time, and
nothing else: every panel shows the same moment.  The app moves the engine and hands
over the frame for the new position.

Extra panels (decision boundary, gradient norms, a student's code ...) go into the
right-hand column with ``add_panel``; it stays hidden while empty.  Each one has
``show(frame)``, as every panel has, and is given every frame, including one it gets
before it is mounted (it draws that one once it is).

Sizes follow the content: the equation panel is as wide and as tall as its lines, the
matrix rows as tall as their matrices, and what is left goes to the cost chart.
"""

from __future__ import annotations

import traceback

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Size
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from bpdebug.app.components import unchanged
from bpdebug.app.components.equation_panel import EquationPanel
from bpdebug.app.components.explain_panel import ExplainPanel
from bpdebug.app.components.loss_panel import LossPanel
from bpdebug.app.components.matrix_grid import MatrixGrid
from bpdebug.app.components.network_strip import NetworkStrip
from bpdebug.engine.frame import Frame
from bpdebug.engine.shapes import fmt

TOP_MIN = 6  # the cost panel: a chart line, J and the history line inside a border
LOSS_MIN_WIDTH = 24
TOP_SHARE, TOP_SHARE_BLOCKED = 0.45, 0.6  # of the height: a mismatch's story gets more


def summary(frame: Frame) -> Content:
    """The status line when nothing more urgent is to be said."""
    record = frame.record
    if frame.training is not None:
        return Content(f"training: iteration {frame.iteration} · t or Esc stops")
    if record is None:
        return Content("at the start: n takes the first step, t trains, ? explains")
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

    def compose(self) -> ComposeResult:
        yield NetworkStrip(id="strip")
        with Horizontal(id="top"):
            with VerticalScroll(id="equations-scroll"):
                yield EquationPanel(id="equations")
                yield ExplainPanel(id="explain")
            yield LossPanel(id="loss")
        with Horizontal(id="body"):
            yield MatrixGrid(id="matrices")
            yield Vertical(id="extras")
        yield Static("", id="status")

    def on_mount(self) -> None:
        self.show(self.frame, layer=self._layer)

    @property
    def extras(self) -> Vertical:
        return self.query_one("#extras", Vertical)

    def add_panel(self, panel: Widget) -> None:
        """Mount a teaching panel in the right-hand column, show the column, and give the
        panel the frame on screen (it draws it once mounted)."""
        self.panels.append(panel)
        self.extras.mount(panel)
        self.extras.add_class("has-panels")
        self._draw(lambda: panel.show(self.frame))

    def remove_panel(self, panel: Widget) -> None:
        self.panels.remove(panel)
        panel.remove()
        if not self.panels:
            self.extras.remove_class("has-panels")

    def show(self, frame: Frame, layer: int | None = None,
             status: Content | str | None = None, note: str = "",
             keep_status: bool = False) -> None:
        """Draw every panel from this frame; a panel that raises shows the error instead."""
        self.frame = frame
        self.set_class(not frame.ok, "-blocked")
        explained = self.explained
        draws = [lambda: self.query_one(NetworkStrip).show(frame),
                 lambda: explained.show(frame),  # first: the frame of another moment closes it
                 lambda: self.query_one(EquationPanel).show(frame),
                 lambda: self.query_one(MatrixGrid).show(frame, layer, *explained.feeds()),
                 lambda: self.query_one(LossPanel).show(frame, note)]
        draws += [lambda panel=panel: panel.show(frame) for panel in self.panels]
        failed = None
        for draw in draws:
            failed = self._draw(draw) or failed
        self.query_one(EquationPanel).display = not explained.display
        if failed is None:
            if not keep_status:  # a training frame leaves what was last said (a refusal)
                self.say(status if status is not None else summary(frame))
        else:
            self.say(Content.styled(f"internal error: {failed}", "bold red"))
        self._fit()

    @property
    def explained(self) -> ExplainPanel:
        return self.query_one(ExplainPanel)

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
        explained = self.explained
        explained.close()
        explained.display = False
        equations = self.query_one(EquationPanel)
        equations.display = True
        equations.show_error(title, text)

    def say(self, text: Content | str) -> None:
        status = self.query_one("#status", Static)
        content = text if isinstance(text, Content) else Content(text)
        unchanged.update(status, content, layout=False)  # always one line

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The equations as wide and tall as their lines; the matrices the height their
        rows need; what is left to the cost chart, up to a share of the screen."""
        width, height = self.size
        if not height:
            return
        explained = self.explained
        available = height - 3  # the strip's two lines and the status line
        story = self.has_class("-blocked") or explained.story
        cap = max(TOP_MIN, int(available * (TOP_SHARE_BLOCKED if story else TOP_SHARE)))
        explained.fit(cap - 2)  # its border: a long sum is written whole where it fits
        equations = explained if explained.display else self.query_one(EquationPanel)
        scroll = self.query_one("#equations-scroll")
        scroll_width = max(20, min(equations.needed_width() + 1, width - LOSS_MIN_WIDTH))
        scroll.styles.width = scroll_width
        # The lines the equations take at that width, a long line of a story wrapped: the
        # scrollbar's column, the border and the padding are not the text's.
        inner = max(1, scroll_width - 1 - 4)
        lines = equations.get_content_height(Size(inner, height), Size(width, height), inner)
        grid = self.query_one(MatrixGrid)
        grid_width = width - (self.extras.outer_size.width if self.panels else 0)
        matrices = grid.needed_height(grid_width)
        want = lines + 2
        # The equations as tall as their lines when the matrices leave room; else up to a
        # share of the screen (more for a mismatch's story or an explained element), the
        # matrices taking the rest; the matrices first on a small screen otherwise.
        if story or height >= 30:
            top = min(want, max(cap, available - matrices))
        else:
            top = min(want, cap, max(TOP_MIN, available - matrices))
        top = max(TOP_MIN, top)
        if top + matrices < available and len(self.frame.loss_history) > 1:
            top = min(max(cap, top), available - matrices)  # a taller cost chart
        self.query_one("#top").styles.height = top
