"""The help screen (?): what each panel shows and what each key does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from bpdebug.app.keys import KEYS as ALL_KEYS

# The help, as what it is: an introduction, then each panel and each key with what it
# does.  The screen lays it out at any width: a term in its own column, its text wrapped
# beside it.
INTRO = ("bpdebug: one training iteration of a neural network, one step at a time, in the "
         "post's notation: forward [1..L], the cost J, backward [L..1], the update.")
PANELS = [
    ('Network strip',
     'every layer with its size and activation (X n[0]×m → [l] g n[l] → J); the '
     'current layer is highlighted; under it the iteration number, the direction '
     '(forward / cost / backward / update) and the steps of the iteration, the '
     'current one highlighted.'),
    ('Equations',
     "the current step's equations: Z[l] = W[l]·A[l-1] + b[l], A[l] = g(Z[l]), dZ[l] "
     "= dA[l] * g'(Z[l]), dW[l] = 1/m dZ[l]·A[l-1]ᵀ, db[l] = 1/m Σ dZ[l], dA[l-1] = "
     'W[l]ᵀ·dZ[l], dZ[L] = A[L] − Y, the update W[l] := W[l] − α dW[l]. Under every '
     'operand and result: its concrete shape; beside the result ✓ when it has the '
     'shape it must have, ✗ when not. A shape mismatch turns it red: the equation, '
     'every operand with its shape, the rule that broke, and the likely cause.'),
    ('Matrices',
     "the current layer's W[l], b[l], Z[l], A[l], dZ[l], dW[l], db[l] and A[l-1] "
     "(forward), Y (cost) or dA[l-1] (backward); each panel as big as its matrix "
     "needs. On a wide screen, backward [l] also shows what produced dA[l]: W[l+1], "
     "dZ[l+1] (at the output, Y); the update shows every layer's W, b, dW "
     "and db. Title: name, shape, ✓/✗; a red outline marks the matrix a mismatch is "
     "about. Colour: blue negative, red positive, zero the background, purple NaN/Inf."),
    ('Numbers',
     'all entries of a matrix share one notation: fixed point with the same decimals, '
     'or scientific (1.234e-5) when the range needs it; the largest keeps 4 significant '
     'figures, and the notation stays while the range does, so an entry reads the '
     'same at every step where it has not changed, with the explain panel open or '
     'closed. A narrow panel gives up whole figures, the same ones at every step. '
     'nan, inf, -inf are spelled '
     'out; a value that rounds to zero reads 0. • (in a column of its own, left of '
     'the number, which is also bold) marks an entry that changed since the previous '
     'step; a gap always separates two numbers. Only whole columns are drawn: … in '
     'the column numbers says there are more on that side (shift+←/→ to see them).'),
    ('Under each',
     '[min, max] μ mean σ std, in the notation of the cells, and how many NaN / Inf, '
     'which are never dropped.'),
    ('Cell cursor',
     'the first tab puts a cell cursor in a matrix panel, [ ] around the cell, its row '
     'and column numbers reversed; the arrows then move it, tab goes to the next panel; '
     'page keys and the mouse scroll; shift+←/→ scroll sideways.'),
    ('Explain',
     'enter on a cell writes it out as the post derives it, in index notation with '
     "every term's number: Z[l]_{j,i} = Σ_k W[l]_{j,k} A[l-1]_{k,i} + b[l]_j, "
     'dW[l]_{j,k} = 1/m Σ_i dZ[l]_{j,i} A[l-1]_{k,i}, ... (long sums: the first and '
     'last terms and how many more). The cells that feed it are underlined in their '
     'panels. + on an entry of W or b nudges it by ε and sets ΔJ/ε beside the '
     'gradient: nothing changes.'),
    ('Cost J',
     'J of the iteration on screen once its cost step is done (before it, the last J '
     'computed, with its iteration: the class can guess this one first), and J of every '
     "iteration computed so far as bars, this iteration's marked (log scale when the "
     'cost spans decades). No panel shows a value before the step that computes it.'),
    ('Plots (x)',
     'the gradient norms as log bars (norm, log scale, under them) and, for one or two '
     'input features, the decision boundary over x1 and x2 (their ranges on the axes).'),
]
# Each key with what it does, from the one table of keys (keys.py), in its order.
KEYS = [(key.help_term(), key.help) for key in ALL_KEYS if key.help is not None]


class HelpScreen(ModalScreen[None]):
    HOLDS_NOTICES = True  # read aloud to a class: a toast waits until it closes (app.notify)
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
    HelpScreen .heading { text-style: bold; margin-top: 1; }
    HelpScreen .entry { height: auto; }
    HelpScreen .term { width: auto; padding: 0 2; }
    HelpScreen .text { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Content(INTRO))
            for heading, entries in (("Panels", PANELS), ("Keys", KEYS)):
                yield Static(heading, classes="heading")
                width = max(len(term) for term, _ in entries)
                for term, text in entries:
                    with Horizontal(classes="entry"):  # the text wraps beside its term
                        yield Static(Content(term.ljust(width)), classes="term")
                        yield Static(Content(text), classes="text")

    def text(self) -> str:
        """Everything the help says, as plain text."""
        return "\n".join(str(widget.content) for widget in self.query(Static))

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).border_title = "help · Esc or ? closes"
