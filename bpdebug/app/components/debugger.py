"""The debugger's screen area: the strip on top, equations and cost beside each other,
the matrices below, a status line.  It only draws what the engine says; the app moves
the engine.

Extra panels (decision boundary, gradient norms, a student's code ...) go into the
right-hand column with ``add_panel``; it stays hidden while empty.  After every move of
the cursor each one is redrawn: with the ``update`` given to add_panel, else with its
own ``update_from(engine)``.
"""

from __future__ import annotations

import traceback
from typing import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from bpdebug.engine import Engine
from bpdebug.shapes import fmt
from bpdebug.app.components import unchanged
from bpdebug.app.components.equation_panel import EquationPanel
from bpdebug.app.components.loss_panel import LossPanel
from bpdebug.app.components.matrix_grid import MatrixGrid
from bpdebug.app.components.network_strip import NetworkStrip


def summary(engine: Engine) -> Content:
    """The status line when nothing more urgent is to be said."""
    record = engine.current
    if record is None:
        return Content("at the start: n takes the first step, t trains, ? explains")
    if record.mismatch is not None:
        return Content.styled(engine.blocked or "shape mismatch", "bold red")
    if record.error is not None:
        return Content.styled(engine.blocked or "error", "bold red")
    parts = [f"{c.result.name} {fmt(c.result.shape)}{' ✓' if c.ok else ' ✗'}"
             for c in record.computed if c.result is not None]
    step = record.index % engine.S + 1
    return Content(f"{record.step.label}, step {step}/{engine.S}: " + "  ".join(parts))


class Debugger(Vertical):
    """Every panel of one scenario's debugger."""

    DEFAULT_CSS = """
    Debugger { height: 1fr; }
    """

    def __init__(self, engine: Engine, **kwargs) -> None:
        super().__init__(**kwargs)
        self.engine = engine
        self._updates: dict[Widget, Callable[[Engine], None] | None] = {}

    def compose(self) -> ComposeResult:
        yield NetworkStrip(id="strip")
        with Horizontal(id="top"):
            with VerticalScroll(id="equations-scroll"):
                yield EquationPanel(id="equations")
            yield LossPanel(id="loss")
        with Horizontal(id="body"):
            yield MatrixGrid(id="matrices")
            yield Vertical(id="extras")
        yield Static("", id="status")

    def on_mount(self) -> None:
        self.show()

    @property
    def extras(self) -> Vertical:
        return self.query_one("#extras", Vertical)

    def add_panel(self, panel: Widget, update: Callable[[Engine], None] | None = None) -> None:
        """Mount a teaching panel in the right-hand column and show the column."""
        self._updates[panel] = update or getattr(panel, "update_from", None)
        self.extras.mount(panel)
        self.extras.add_class("has-panels")
        self.call_after_refresh(self._show_extra, panel)

    def remove_panel(self, panel: Widget) -> None:
        self._updates.pop(panel, None)
        panel.remove()
        if not self._updates:
            self.extras.remove_class("has-panels")

    def _show_extra(self, panel: Widget) -> None:
        update = self._updates.get(panel)
        if callable(update) and panel.is_mounted:
            update(self.engine)

    def show(self, layer: int | None = None, status: Content | str | None = None) -> None:
        """Redraw every panel from the engine; a panel that raises shows the error instead."""
        engine = self.engine
        record = engine.current
        self.set_class(record is not None and not record.ok, "-blocked")
        draws = [lambda: self.query_one(NetworkStrip).show(engine),
                 lambda: self.query_one(EquationPanel).show(engine),
                 lambda: self.query_one(MatrixGrid).show(engine, layer),
                 lambda: self.show_loss()]
        draws += [lambda panel=panel: self._show_extra(panel) for panel in self.extras.children]
        failed = None
        for draw in draws:
            try:
                draw()
            except Exception as error:  # noqa: BLE001 - a view bug is shown, never a traceback
                failed = error
                self.query_one(EquationPanel).show_error(
                    f"internal error while drawing: {type(error).__name__}",
                    traceback.format_exc(limit=-4))
        if failed is None:
            self.say(status if status is not None else summary(engine))
        else:
            self.say(Content.styled(f"internal error: {failed}", "bold red"))

    def show_loss(self, note: str = "") -> None:
        engine = self.engine
        record = engine.current
        iteration = record.iteration if record is not None else engine.iteration
        self.query_one(LossPanel).show(engine.loss_history, iteration, note)

    def say(self, text: Content | str) -> None:
        status = self.query_one("#status", Static)
        content = text if isinstance(text, Content) else Content(text)
        unchanged.update(status, content, layout=False)  # always one line
