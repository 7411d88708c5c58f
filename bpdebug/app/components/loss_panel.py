"""The loss panel: J at the start of every iteration so far, as a sparkline, with the
current cost; log-scaled when the cost spans decades, so a slow tail still shows."""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Sparkline, Static

DECADES = 100  # max/min above this: the sparkline shows log10 J


def scaled(history: list[float]) -> tuple[list[float], bool]:
    """What the sparkline draws, and whether it is log10 J.  A NaN or an Inf (a run that
    diverged) is drawn as the highest bar: the sparkline cannot draw it, and it is the top."""
    finite = [v for v in history if math.isfinite(v)]
    if not finite:
        return [0.0] * len(history), False
    low, high = min(finite), max(finite)
    log = low > 0 and high / low > DECADES
    top = math.log10(high) if log else high
    out = [(math.log10(v) if log else v) if math.isfinite(v) else top for v in history]
    return out, log


class LossPanel(Vertical):
    """Sparkline of engine.loss_history, with J and the iteration count under it."""

    DEFAULT_CSS = """
    LossPanel {
        height: 100%;
        border: round $foreground 30%;
        border-title-align: left;
        padding: 0 1;
        Sparkline { height: 1fr; min-height: 1; }
        #loss-text { height: 3; text-wrap: nowrap; text-overflow: ellipsis; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Sparkline([], summary_function=max, id="loss-sparkline")
        yield Static("", id="loss-text")

    def on_mount(self) -> None:
        self.border_title = "cost J"

    _shown: tuple = ()

    def show(self, history: list[float], iteration: int, note: str = "") -> None:
        # The history only grows: its length and last value say whether it changed.
        shown = (len(history), history[-1] if history else None, iteration, note)
        if shown == self._shown:
            return
        self._shown = shown
        data, log = scaled(list(history))
        # One cost is no curve yet: a single bar would fill the whole panel.
        self.query_one(Sparkline).data = data if len(data) > 1 else []
        self.border_title = Content("cost J (log scale)" if log else "cost J")
        cost = f"{history[-1]:.6g}" if history else "not computed yet"
        first = f" from {history[0]:.4g}" if len(history) > 1 else ""
        lines = [Content.assemble("J = ", (cost, "bold"), (first, "dim")),
                 Content(f"iteration {iteration} · {len(history)} cost{'s' if len(history) != 1 else ''}")]
        lines.append(Content.styled(note, "bold yellow"))
        # Always three lines: no layout needed, which matters ten times a second in training.
        self.query_one("#loss-text", Static).update(Content("\n").join(lines), layout=False)
