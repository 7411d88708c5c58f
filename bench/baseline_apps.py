"""The baselines for step latency: what Textual needs at the least to repaint a whole
screen of changed numbers (the yardstick), and two references.

* ``LinesApp`` (``python -m bench.app_child lines``): the yardstick of the targets.  One
  widget fills the screen with a heat map of numbers, 8-cell columns on coloured
  backgrounds, every cell changing on `n`, through Textual's Line API: its
  ``render_line(y)`` returns a Strip of Segments whose Styles are made once, as
  toolong's log view draws its lines.  A step changes most of bpdebug's screen, so
  this is the floor a step can be held to.
* ``LabelApp`` (``python -m bench.app_child label``): one Label on an otherwise empty
  screen; `n` changes its text.  The least a Textual app can do for a key: a reference
  line, not a target (it repaints one line where a step repaints the screen).
* ``ScreenApp`` (``python -m bench.app_child screen``): the same heat map as LinesApp,
  as a Static holding Content: what the same screen costs through Textual's visual
  pipeline instead of the Line API.  A reference line.

Both bind `n` (and `q`) with priority, as bpdebug does, and the harness runs them
exactly as it runs bpdebug: the same child, hooks, pty size and key."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.strip import Strip
from textual.widget import Widget
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
CELL = 8


def value(step: int, row: int, column: int) -> float:
    """The number shown at (row, column) after `step` presses: every one changes on `n`."""
    return ((step * 37 + row * 11 + column * 7) % 2001 - 1000) / 997


def shade(value: float) -> int:
    return int((value + 1.01) * 3.4) % len(BACKGROUNDS)


class HeatLines(Widget):
    """The heat map through the Line API: one Strip a line, Styles made once."""

    STYLES = [Style.parse(f"on {colour}") for colour in BACKGROUNDS]

    def __init__(self) -> None:
        super().__init__()
        self.steps = 0

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        styles, steps = self.STYLES, self.steps
        segments = []
        for column in range(width // CELL):
            number = value(steps, y, column)
            segments.append(Segment(f"{number:{CELL}.4f}", styles[shade(number)]))
        return Strip(segments, width // CELL * CELL).extend_cell_length(width)


class LinesApp(Stepper):
    CSS = "HeatLines { width: 1fr; height: 1fr; }"

    def __init__(self) -> None:
        super().__init__()
        self.lines = HeatLines()

    def compose(self) -> ComposeResult:
        yield self.lines

    def draw(self) -> None:
        self.lines.steps = self.steps
        self.lines.refresh()



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
            for column in range(width // CELL):
                number = value(self.steps, row, column)
                cells.append((f"{number:{CELL}.4f}", f"on {BACKGROUNDS[shade(number)]}"))
            lines.append(Content.assemble(*cells))
        return Content("\n").join(lines)


if __name__ == "__main__":
    LabelApp().run()
