"""The matrix panels: the current layer's quantities as heat maps, two rows of four.

    W[l]   b[l]   Z[l]   A[l]
    dW[l]  db[l]  dZ[l]  dA[l-1]

Each gradient sits under the quantity whose shape it must have (dW[l] under W[l]).

The last panel follows the step: going forward it shows the input A[l-1] the step
multiplies, at the cost Y, going backward dA[l-1].  A mismatch whose culprit has no
panel of its own takes that place, outlined.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.containers import Grid
from textual.strip import Strip

from bpdebug import plan
from bpdebug.engine import Engine, Record, expected_shapes
from bpdebug.app.components.matrix_view import MatrixView

PANELS = 8


def panel_names(kind: str | None, l: int, offender: str | None = None) -> list[str]:
    last = {plan.FORWARD: f"A[{l - 1}]", plan.COST: "Y", None: f"A[{l - 1}]"}.get(
        kind, f"dA[{l - 1}]")
    names = [f"W[{l}]", f"b[{l}]", f"Z[{l}]", f"A[{l}]",
             f"dW[{l}]", f"db[{l}]", f"dZ[{l}]", last]
    if offender is not None and offender not in names:
        names[-1] = offender
    return names


def starting_env(engine: Engine) -> dict:
    """What exists before the first step: the parameters and the first batch."""
    X, Y = engine.batches(0)
    return {**engine.parameters(0), "A[0]": X, "Y": Y}


class Panel(MatrixView):
    """A MatrixView that skips a redraw of what it already shows and never ends the session."""

    _shown: tuple | None = None  # what show() was last given

    def show(self, name, value, expected=None, previous=None, offending=False) -> None:
        # Records share their arrays, so the very same objects mean the very same picture:
        # nothing to redraw (W[l] through the forward pass, panels not computed yet).
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


class MatrixGrid(Grid):
    """Eight MatrixViews for one layer; only the cells on screen are ever drawn."""

    DEFAULT_CSS = """
    MatrixGrid {
        grid-size: 4 2;
        grid-columns: 1fr 18 1fr 1fr;  /* b[l] and db[l] are always one column */
        grid-gutter: 0;
        height: 1fr;
        min-height: 10;
    }
    MatrixGrid.-narrow { grid-columns: 2fr 1fr 2fr 2fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.shown_layer = 1  # the layer shown; the update step keeps the last one
        self.names: list[str] = panel_names(None, 1)

    def compose(self) -> ComposeResult:
        for k in range(PANELS):
            yield Panel(id=f"matrix-{k}")

    def on_resize(self) -> None:
        self.set_class(self.size.width < 72, "-narrow")  # no fixed 18 columns out of 40

    @property
    def views(self) -> list[MatrixView]:
        return list(self.query(MatrixView))

    def show(self, engine: Engine, layer: int | None = None) -> None:
        record = engine.current
        if layer is not None:
            self.shown_layer = max(1, min(engine.L, layer))
        elif record is not None and record.step.kind != plan.UPDATE:
            self.shown_layer = record.step.layer
        offender = record.mismatch.offender if record is not None and record.mismatch else None
        kind = record.step.kind if record is not None else None
        self.names = panel_names(kind, self.shown_layer, offender)
        if record is None:
            env = starting_env(engine)
            expected = expected_shapes(engine.sizes, engine.batches.m_of(0))
            before: dict = {}
        else:
            env, expected = record.env, record.expected
            previous = engine.previous
            before = previous.env if previous is not None else {}
        for view, name in zip(self.views, self.names):
            view.show(name, env.get(name), expected=expected.get(name),
                      previous=before.get(name), offending=name == offender)

    def show_params(self, params: dict, record: Record | None) -> None:
        """Live W[l], b[l] while training; the other panels keep their last step."""
        expected = record.expected if record is not None else {}
        for view, name in zip(self.views, self.names):
            if name in params:
                view.show(name, params[name], expected=expected.get(name))
    