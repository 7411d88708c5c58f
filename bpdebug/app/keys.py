"""Every action of the debugger, once: its keys, its word in the footer, its name in the
command palette, its entry in the help, and when it applies.  The app's bindings, the
footer (through check_action), the command palette, the help screen and a README test
all read this table, so an action cannot be in one and missing from another.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

# When an action applies.  It is pressed on the debugger itself (a modal on top takes
# the keys), except where ``over`` names the screens it may also be pressed on.
ALWAYS = "always"
OPEN = "open"  # a scenario is open (while training too: the action itself says it is busy)
TRAINING = "training"  # only while training runs
CELL = "cell"  # a matrix panel has the focus (its cell cursor): dimmed in the footer otherwise

# The footer's lines: the stepping keys on the last line (at every width); the keys of
# the cells and the handout on a second line above it from SECOND_LINE columns, and
# beside the stepping keys from ONE_LINE, where they fit (compact, without the palette's
# hint until ROOMY).  Narrower, the help and the palette name them, and the start line
# names tab and enter.
STEPPING, CELLS = 1, 2
SECOND_LINE, ONE_LINE, ROOMY = 100, 120, 150

# How a key is shown: "→" for right.  Anything else is shown as Textual names it.
SHOWN = {"right": "→", "left": "←", "escape": "Esc", "question_mark": "?", "plus": "+",
         "equals_sign": "=", "shift+left": "shift+←", "shift+right": "shift+→"}


@dataclass(frozen=True)
class Key:
    """One action, or one of Textual's own keys the help explains (action None)."""

    action: str | None  # the App action with its arguments, as a binding writes it
    keys: tuple[str, ...]  # Textual's names; the first is the footer's
    title: str = ""  # in the command palette
    says: str = ""  # what it does, in the palette (its keys follow)
    help: str | None = None  # what it does, in the help; None: not listed there
    label: str = ""  # the footer's word; "" keeps it out of the footer
    when: str = OPEN
    over: tuple[str, ...] = ()  # screens (class names) it may be pressed on besides the debugger
    near: tuple[str, ...] = ()  # keys a focused matrix panel gets first (its cell cursor)
    term: str = ""  # the keys as the help writes them, where that is not each key in turn
    line: int = STEPPING  # the footer's line it is on

    @property
    def name(self) -> str:
        """The action without its arguments: "layer" for "layer(3)"."""
        return (self.action or "").split("(")[0]

    def shown(self) -> list[str]:
        return [SHOWN.get(key, key) for key in self.keys]

    def palette(self) -> str:
        """What the palette says of it: what it does, then its keys."""
        return f"{self.says} ({', '.join(self.shown())})"

    def help_term(self) -> str:
        return self.term or "  ".join(self.shown())

    def bindings(self) -> list[Binding]:
        return [Binding(key, self.action, self.label or self.title,
                        show=bool(self.label) and k == 0, priority=key not in self.near)
                for k, key in enumerate(self.keys)]


LAYERS = range(1, 10)

KEYS = [
    Key("step", ("n", "right", "space"), "Step forward", "do the next step",
        "next step (refused, with the reason, past a shape mismatch); → and ← move the cell "
        "cursor instead while a matrix panel has the focus", label="Next", near=("right",)),
    Key("back", ("p", "left"), "Step back", "undo one step, across the update if need be",
        "previous step (back across the update into the previous iteration)", label="Back",
        near=("left",)),
    Key("to_cost", ("f",), "Run to the cost", "step forward until the cost J",
        "run to the cost J", label="To J"),
    Key("to_end", ("e",), "Run to the end of the iteration",
        "step forward until after the update",
        "run to the end of the iteration (after the update)", label="End"),
    Key("train", ("t",), "Train", "train scenario.iterations in the background",
        "train scenario.iterations in the background; t or Esc stops it", label="Train"),
    Key("stop", ("escape",), "Stop training", "stop the training in the background",
        label="Stop", when=TRAINING),
    Key("reset", ("r",), "Reset", "back to iteration 0", "reset to iteration 0", label="Reset"),
    Key(None, ("ctrl+p",), help="command palette: every action by name"),
    Key("help", ("question_mark",), "Help", "what each panel and key means",
        "this help (Esc or ? closes it)", label="Help", when=ALWAYS, over=("PickerScreen",)),
    Key("quit", ("q",), "Quit bpdebug", "leave with exit code 0", "quit", label="Quit",
        when=ALWAYS, over=("HelpScreen", "PickerScreen")),
    Key("gradient_check", ("g",), "Gradient check", "compare dW, db with central differences",
        "gradient check of the current iteration: dW, db against central differences (a "
        "layer's dW and db once the backward pass has computed them)",
        label="Check"),
    Key("watch", ("w",), "Watchpoints", "stop stepping and training where a NaN, an exploding "
        "or vanishing gradient, dead ReLUs or a rising cost appear",
        "watchpoints: stop where a NaN, an exploding or vanishing gradient, dead ReLUs or a "
        "rising cost appear", label="Watch"),
    Key("teaching_panels", ("x",), "Teaching panels",
        "show or hide the decision boundary and the gradient norms",
        "show or hide the decision boundary and the gradient norms", label="Plots"),
    Key("transcript", ("m",), "Write a transcript", "the current iteration as Markdown for a "
        "handout, NAME-iteration-I.md in the working directory",
        "write the iteration as Markdown (NAME-iteration-I.md, here) for a handout",
        label="Handout", line=CELLS),
    Key("cells", ("tab",), "Matrix cells",
        "a cell cursor in the first matrix panel; again, the next panel",
        "a cell cursor in a matrix panel, then the next panel (shift+tab back); the arrows "
        "move it", label="Cells", line=CELLS),
    Key("explain", ("enter",), "Explain the cell",
        "write the cell under a matrix panel's cursor out as the post derives it",
        "explain the cell under the cursor; esc closes the explanation", label="Explain",
        when=CELL, near=("enter",), line=CELLS),
    Key("nudge", ("plus", "equals_sign"), "Nudge the entry",
        "nudge the W or b entry under a matrix panel's cursor by ε and set ΔJ/ε beside "
        "the gradient", "nudge the W or b entry under the cursor by ε (ΔJ/ε beside dW, db "
        "once the backward pass has computed them; J itself from the cost step on)", label="Nudge",
        when=CELL, near=("plus", "equals_sign"), term="+", line=CELLS),
    *[Key(f"layer({l})", (str(l),), f"Go to layer {l}",
          "that layer's step in the current direction",
          "jump to that layer's step in the current direction" if l == 1 else None,
          term="1 … 9") for l in LAYERS],
    Key("scroll_matrix(-1)", ("shift+left",), "Scroll the matrix left",
        "scroll the focused matrix panel to the left"),
    Key("scroll_matrix(1)", ("shift+right",), "Scroll the matrix right",
        "scroll the focused matrix panel to the right"),
]
ACTIONS = [key for key in KEYS if key.action is not None]
BY_NAME = {key.name: key for key in ACTIONS}  # the layer and scroll rows share a name
BINDINGS = [binding for key in ACTIONS for binding in key.bindings()]


def applies(name: str, engine_open: bool, training: bool) -> bool:
    """Whether the action ``name`` makes sense now, whatever screen is on top (a CELL
    action: see ``on_a_cell``)."""
    key = BY_NAME.get(name)
    if key is None or key.when == ALWAYS:
        return True
    if key.when == TRAINING:
        return training
    return engine_open


def on_a_cell(name: str) -> bool:
    """Whether the action works on the cell under a focused matrix panel's cursor."""
    key = BY_NAME.get(name)
    return key is not None and key.when == CELL


def line_of(name: str) -> int:
    """The footer's line the action's key is on (Textual's own keys: the stepping line)."""
    key = BY_NAME.get(name)
    return key.line if key is not None else STEPPING


def pressable(name: str, screen: str, on_debugger: bool) -> bool:
    """Whether the action's key is answered on this screen (class name): on the debugger,
    or on the screens the action names; a modal on top takes every other key."""
    key = BY_NAME.get(name)
    return key is None or on_debugger or screen in key.over
