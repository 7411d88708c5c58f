"""GradientNorms: ‖dW[l]‖ and ‖db[l]‖ for every layer, as log-scaled bars.

A vanishing gradient is many orders of magnitude smaller than a healthy one, so the
bars are logarithmic (1e-8 .. 1e2 by default): each decade is the same length, and
the deep-sigmoid network's dW[1] shows up as a stub beside dW[6]. A layer whose ‖dW‖
crosses a watch threshold (gradient_norm_above / _below) is drawn in red, the way
the watchpoint would judge it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from textual.content import Content
from textual.widgets import Static

from bpdebug.app.components import unchanged
from bpdebug.app.components.box import whole_words
from bpdebug.engine.frame import Frame
from bpdebug.engine.names import post
from bpdebug.engine.notation import notation, plain
from bpdebug.engine.watch import Watch

LOW, HIGH = 1e-8, 1e2
EIGHTHS = " ▏▎▍▌▋▊▉"
PENDING = "pending"  # the backward pass has not reached this layer yet
TITLE = "gradient norms ‖dW[l]‖ ‖db[l]‖"
AXIS = "norm, log scale"  # under the bars: what their length is


@dataclass(frozen=True)
class LayerNorm:
    layer: int
    dW: float | None  # None: not computed yet in this iteration
    db: float | None


def norm(value) -> float | None:
    if value is None:
        return None
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    with np.errstate(all="ignore"):
        return float(np.linalg.norm(array.ravel()))


def layer_norms(env: dict, L: int) -> list[LayerNorm]:
    """‖dW[l]‖, ‖db[l]‖ (Frobenius) for l = 1..L, None where env has no such entry."""
    return [LayerNorm(l, norm(env.get(post("dW", l))), norm(env.get(post("db", l))))
            for l in range(1, L + 1)]


def fraction(value: float, low: float = LOW, high: float = HIGH) -> float:
    """Where a norm sits on the log scale, 0 (at or below `low`) to 1 (at or above `high`)."""
    if math.isnan(value):
        return 0.0
    if value <= low:
        return 0.0
    if value >= high:
        return 1.0
    return (math.log10(value) - math.log10(low)) / (math.log10(high) - math.log10(low))


def bar(value: float, width: int, low: float = LOW, high: float = HIGH) -> str:
    """A bar `width` cells wide, in eighths of a cell, padded with spaces."""
    if width <= 0:
        return ""
    eighths = round(fraction(value, low, high) * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (EIGHTHS[part] if part and full < width else "")
    return text.ljust(width)


def outside(value: float | None, watch) -> str | None:
    """Which watch threshold this ‖dW‖ crosses: "above", "below" or None."""
    if value is None or watch is None:
        return None
    if watch.gradient_norm_above is not None and value > watch.gradient_norm_above:
        return "above"
    if watch.gradient_norm_below is not None and value < watch.gradient_norm_below:
        return "below"
    return None


def scale_line(width: int, low: float = LOW, high: float = HIGH) -> str:
    """The decades under the bars: 1e-8, 1e-3, 1e2 at their places."""
    line = [" "] * width
    lo, hi = math.floor(math.log10(low)), math.ceil(math.log10(high))
    step = max(1, (hi - lo) // max(1, width // 8))
    for decade in range(lo, hi + 1, step):
        text = f"1e{decade}"
        at = round(fraction(10.0 ** decade, low, high) * (width - 1))
        at = min(at, width - len(text))
        if at >= 0 and all(c == " " for c in line[max(0, at - 1):at + len(text)]):
            line[at:at + len(text)] = text
    return "".join(line)


def lines(norms: list[LayerNorm], watch, width: int, low: float = LOW,
          high: float = HIGH) -> list[Content]:
    """One line per dW and db: name, bar, number, and why it is red if it is."""
    # one notation for every norm shown, scientific: a norm is read by its decade
    write = notation([v for e in norms for v in (e.dW, e.db) if v is not None], 2, scientific=True)
    label_width, number_width = 7, max(8, write.width)
    bar_width = max(4, width - label_width - number_width - 12)
    out = [Content.assemble(" " * label_width, (scale_line(bar_width, low, high), "dim"))]
    for entry in norms:
        for which, value in (("dW", entry.dW), ("db", entry.db)):
            name = f"{which}[{entry.layer}]".ljust(label_width)
            if value is None:
                out.append(Content.assemble((name, "dim"), (" " * bar_width, "dim"),
                                            (" " + PENDING, "dim italic")))
                continue
            crossed = outside(value, watch) if which == "dW" else None
            style = ("bold red" if crossed else
                     "magenta" if not math.isfinite(value) else
                     "$warning" if value < 1e-6 else "$success")
            parts: list = [name, (bar(value, bar_width, low, high), style),
                           " ", (write(value).rjust(number_width), "bold" if crossed else "")]
            if crossed:
                limit = watch.gradient_norm_above if crossed == "above" else watch.gradient_norm_below
                parts.append((f" {'>' if crossed == 'above' else '<'} {plain(limit)}", "bold red"))
            out.append(Content.assemble(*parts))
    out.append(Content.assemble(" " * label_width, (AXIS.center(bar_width).rstrip(), "dim")))
    return out


class GradientNorms(Static):
    """‖dW[l]‖ and ‖db[l]‖ of the current iteration as log bars; `show(frame)`."""

    DEFAULT_CSS = """
    GradientNorms {
        width: 1fr;
        height: auto;
        border: round $foreground 30%;
        border-title-align: left;
        padding: 0 1;
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None, disabled: bool = False) -> None:
        super().__init__("", name=name, id=id, classes=classes, disabled=disabled)
        self._norms: list[LayerNorm] = []
        self._watch = None

    def show(self, frame: Frame) -> None:
        """The frame's dW, db (pending until the backward pass reaches them)."""
        self.show_norms(layer_norms(frame.values, frame.network.L), frame.watch)

    def show_norms(self, norms: list[LayerNorm], watch: Watch | None = None) -> None:
        self._norms, self._watch = norms, watch
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = self.content_region.width or 60
        unchanged.titles(self, whole_words(TITLE, self.outer_size.width or width))
        body = Content("\n").join(lines(self._norms, self._watch, width)) if self._norms \
            else Content.styled("no layers yet", "dim italic")
        # Its height is its lines (height: auto): a layout pass only when their number changes.
        old = self.content
        same_height = isinstance(old, Content) and old.plain.count("\n") == body.plain.count("\n")
        unchanged.update(self, body, layout=not same_height)
