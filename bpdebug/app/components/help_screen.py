"""The help screen (?): what each panel shows and what each key does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
bpdebug: one training iteration of a neural network, one step at a time,
in the post's notation: forward [1..L], the cost J, backward [L..1], the update.

Panels
  Network strip  every layer with its size and activation (X n[0]×m → [l] g n[l] → J);
                 the current layer is highlighted; under it the iteration number,
                 the direction (forward / cost / backward / update) and the steps
                 of the iteration, the current one highlighted.
  Equations      the current step's equations: Z[l] = W[l]·A[l-1] + b[l], A[l] = g(Z[l]),
                 dZ[l] = dA[l] * g'(Z[l]), dW[l] = 1/m dZ[l]·A[l-1]ᵀ, db[l] = 1/m Σ dZ[l],
                 dA[l-1] = W[l]ᵀ·dZ[l], dZ[L] = A[L] − Y, the update W[l] := W[l] − α dW[l].
                 Under every operand and result: its concrete shape; beside the
                 result ✓ when it has the shape it must have, ✗ when not.
                 A shape mismatch turns it red: the equation, every operand with its
                 shape, the rule that broke, and the likely cause.
  Matrices       the current layer's W[l], b[l], Z[l], A[l], dZ[l], dW[l], db[l] and
                 A[l-1] (forward), Y (cost) or dA[l-1] (backward). Title: name, shape, ✓/✗.
                 Colour: blue negative, red positive, zero the background, purple NaN/Inf.
                 All entries of a matrix share one notation: fixed point with the same
                 decimals, or scientific (1.234e-5) when the range needs it; the largest
                 keep at least 4 significant figures, more when the panel has room.
                 nan, inf, -inf are spelled out; a value that rounds to zero reads 0.
                 • (in a column of its own, left of the number, which is also bold)
                 marks an entry that changed since the previous step; a gap always
                 separates two numbers. Only whole columns are drawn: … in the column
                 numbers says there are more on that side (shift+←/→ to see them).
                 The line under each: min, max, mean, std ([min, max] μ mean σ std when
                 narrow), and how many NaN / Inf, which are never dropped. A red outline marks
                 the matrix a mismatch is about. Tab focuses a matrix; up/down/page keys
                 and the mouse scroll it; shift+←/→ scroll it sideways.
  Cost J         J at the start of every iteration so far (log scale when it spans
                 decades), the current J and the iteration count.

Keys
  n  →  space     next step (refused, with the reason, past a shape mismatch)
  p  ←            previous step (back across the update into the previous iteration)
  f               run to the cost J
  e               run to the end of the iteration (after the update)
  1 … 9           jump to that layer's step in the current direction
  t               train scenario.iterations in the background; t or Esc stops it
  r               reset to iteration 0
  g               gradient check of the current iteration: dW, db against central differences
  w               watchpoints: stop where a NaN, an exploding or vanishing gradient,
                  dead ReLUs or a rising cost appear
  x               show or hide the decision boundary and the gradient norms
  m               write the iteration as Markdown (NAME-iteration-I.md, here) for a handout
  ctrl+p          command palette: every action by name
  ?               this help (Esc or ? closes it)
  q               quit
"""


def help_content() -> Content:
    """Plain text (W[l] is no markup), headings in bold."""
    lines = [Content.styled(line, "bold") if line and not line.startswith(" ") else Content(line)
             for line in HELP.splitlines()]
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark", "dismiss", "Close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100; max-width: 100%;
        height: auto; max-height: 100%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(help_content(), id="help")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).border_title = "help · Esc or ? closes"
