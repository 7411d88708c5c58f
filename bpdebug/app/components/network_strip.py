"""The network strip: every layer with its size and activation, and the iteration's
steps as a timeline, the current one highlighted.

    X 2×4 → [1] relu 3 → [2] sigmoid 1 → J
    iteration 0 · backward   [1] [2] J [2] [1] update
"""

from __future__ import annotations

from textual.content import Content

from bpdebug.app.components import unchanged
from bpdebug.app.components.text_panel import TextPanel
from bpdebug.app.components.equation_panel import DIRECTION_STYLE
from bpdebug.engine import plan
from bpdebug.engine.frame import Frame

CURRENT = "reverse bold"
DONE = ""
AHEAD = "dim"


def _short(step: plan.Step) -> str:
    if step.kind == plan.FORWARD:
        return f"→{step.layer}"
    if step.kind == plan.BACKWARD:
        return f"←{step.layer}"
    return "J" if step.kind == plan.COST else "update"


class NetworkStrip(TextPanel):
    """Two lines: the layers (current one highlighted) and the iteration's timeline."""

    DEFAULT_CSS = """
    NetworkStrip {
        height: 2;
        padding: 0 1;
        background: $boost;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lines: tuple[Content, Content] = (Content(""), Content(""))

    def note(self, text: str = "") -> None:
        """A note after the timeline (training progress) without asking the engine again."""
        top, second = self._lines
        if text:
            second = Content.assemble(second, "   ", (text, "bold yellow"))
        unchanged.update(self, Content("\n").join([top, second]),
                         layout=False)  # always two lines: no layout needed

    def show(self, frame: Frame) -> None:
        network = frame.network
        step = frame.step
        # The layer a step is about: the cost is the output layer's, the update everyone's.
        layer = None if step is None else (step.layer if step.kind != plan.UPDATE else -1)
        pieces: list = []
        for k, (text, l) in enumerate(network.line()):
            if k:
                pieces.append((" → ", "dim"))
            on = (step is not None and ((step.kind == plan.COST and l == 0)
                                        or (step.kind in (plan.FORWARD, plan.BACKWARD)
                                            and l == layer)
                                        or (layer == -1 and l not in (None, 0))))
            pieces.append((text, CURRENT if on else ""))
        pieces.append((f"   loss {network.loss} · α {network.learning_rate}", "dim"))
        top = Content.assemble(*pieces)

        direction = step.kind if step is not None else ("training" if frame.training else "start")
        second: list = [(f"iteration {frame.iteration}", "bold"), " · ",
                        (f"{direction:<8}", DIRECTION_STYLE.get(direction, "bold")), "  "]
        done = frame.k
        for k, s in enumerate(network.steps):
            style = CURRENT if k == done else (DONE if k < done else AHEAD)
            if k == done and not frame.ok:
                style = "reverse bold red"
            second += [(f" {_short(s)} ", style)]
        self._lines = (top, Content.assemble(*second))
        training = frame.training
        self.note(f"training {training.done}/{training.total} · t or Esc stops" if training else "")
