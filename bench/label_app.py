"""The baselines for step latency: the least a Textual app can do for a key, and
what Textual needs to redraw a whole screen.

* ``LabelApp`` (``python -m bench.app_child label``): one Label on an otherwise empty
  screen; `n` changes its text.  This is the yardstick of the targets.
* ``ScreenApp`` (``python -m bench.app_child screen``): one Static that fills the
  screen with a heat map of numbers, 8-cell columns on coloured backgrounds, all of
  which change on `n`.  Not a target: it says how much of bpdebug's time is Textual
  repainting a screen whose every cell changed, as a step's matrices do.

Both bind `n` (and `q`) with priority, as bpdebug does, and the harness runs them
exactly as it runs bpdebug: the same child, hooks, pty size and key."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Label, Static

class Stepper(App):
    """`n` counts a step and redraws, `q` quits: both with priority, as in bpdebug."""

    BINDINGS = [
        Binding("n", "step", "Next", priority=True),
        Binding("q", "quit", "Quit", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.steps = 0

    def action_step(self) -> None:
        self.steps += 1
        self.draw()

    def draw(self) -> None:
        raise NotImplementedError


class LabelApp(Stepper):
    def __init__(self) -> None:
        super().__init__()
        self.label = Label("step 0")

    def compose(self) -> ComposeResult:
        yield self.label

    def draw(self) -> None:
        self.label.update(f"step {self.steps}")


BACKGROUNDS = ["#3b4cc0", "#6f92f3", "#aac7fd", "#dddddd", "#f7b89c", "#e7745b", "#b40426"]


class ScreenApp(Stepper):
    CSS = "Static { width: 1fr; height: 1fr; }"

    def __init__(self) -> None:
        super().__init__()
        self.body = Static("")

    def compose(self) -> ComposeResult:
        yield self.body

    def on_resize(self) -> None:
        self.draw()

    def draw(self) -> None:
        self.body.update(self.heat_map())

    def heat_map(self) -> Content:
        width, height = self.size
        lines = []
        for row in range(height):
            cells = []
            for column in range(width // 8):
                value = ((self.steps * 37 + row * 11 + column * 7) % 2001 - 1000) / 997
                cells.append((f"{value:8.4f}",
                              f"on {BACKGROUNDS[int((value + 1.01) * 3.4) % len(BACKGROUNDS)]}"))
            lines.append(Content.assemble(*cells))
        return Content("\n").join(lines)


if __name__ == "__main__":
    LabelApp().run()
