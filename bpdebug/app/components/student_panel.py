"""StudentPanel: the student's matrices beside the reference's, step by step.

Teaching mode runs the student's hand-in in the API their course hands out
(teach/homework) and compares every entry it returns with the reference engine. This
panel names the API it recognised and shows, for the step on screen (forward [l],
cost, backward [l], update), that step's entries: each one's verdict, and the selected
one as two heat maps, reference on the left, student on the right (turned into the
post's layout). The first divergence of the whole run is always named at the top, with
the student's line that made the first wrong value and its likely cause; a crash in
the student's code is shown as their file, line, the entry being computed and the
shapes of the operands on that line.  The student's code runs in a child process;
while it runs the panel says so, and what it printed is in the scrollable "output" part.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from bpdebug.app.components.matrix_view import MatrixView
from bpdebug.engine.names import from_key, gradients, key, parameters, post
from bpdebug.engine.notation import format_together, notation, relative
from bpdebug.engine.shapes import fmt

MARK = {"ok": ("✓", "green"), "not run": ("·", "dim")}
FIRST = "◀ first divergence"
NO_STUDENT = "no student file: run with --impl FILE to compare your own backpropagation"
RUNNING = "running your code…"


def step_keys(kind: str, layer: int, L: int) -> list[str]:
    """The student's keys (names.key of the post's names) that a step computes."""
    if kind == "forward":
        computed = [post("Z", layer), post("A", layer)] if layer else ["A[0]"]
    elif kind == "cost":
        computed = [post("A", L), "J"]
    elif kind == "backward":
        computed = gradients(layer)
    else:  # the update uses every dW and db
        computed = ["d" + name for name in parameters(L, backward=True)]
    return [key(name) for name in computed]


def student_name(entry) -> str:
    """Where the student's code keeps it: grads["dW2"], caches[1][0][0], loss()[0]."""
    return entry.where or entry.key


def entries_of(comparison, keys: list[str]) -> list:
    by_key = {entry.key: entry for entry in comparison.entries}
    return [by_key[key] for key in keys if key in by_key]


def focus(comparison, keys: list[str]):
    """The entry to draw: this step's first wrong one, else its main result (dW, A)."""
    entries = entries_of(comparison, keys)
    if not entries:
        return comparison.first_divergence
    wrong = [e for e in entries if not e.ok and e.status != "not run"]
    if wrong:
        return wrong[0]
    main = next((e for e in entries if e.key.startswith(("dW", "A"))), None)
    return main or entries[0]


RUNNING = "running your code…"


def verdict(comparison, so_far: bool = False) -> Content:
    """The first divergence of the comparison, or that everything matches (so far: up to
    the step on screen)."""
    if comparison is None:
        return Content.styled(NO_STUDENT, "dim italic")
    first = comparison.first_divergence
    if first is not None:
        return Content.assemble(("✗ first divergence: ", "bold red"), first.describe())
    if comparison.crash is not None:
        if comparison.crash.cause != "raised":
            return Content.assemble(("✗ ", "bold red"), comparison.crash.summary())
        return Content.assemble(("✗ ", "bold red"), "the student's code raised (below)")
    helper = comparison.first_wrong_helper
    if helper is not None and not so_far:
        return Content.assemble(("✗ ", "bold red"), helper.describe())
    if so_far:
        return Content.assemble(("✓ ", "bold green"),
                                "so far every entry matches the reference")
    return Content.assemble(("✓ ", "bold green"), "every entry matches the reference")


def entry_line(entry, first, selected: bool) -> Content:
    mark, style = MARK.get(entry.status, ("✗", "bold red"))
    parts: list = [("▶ " if selected else "  "), (mark, style), " ",
                   (f"{entry.key:5}", "bold" if selected else ""), " ",
                   (f"{entry.status:8}", style), " ", (entry.equation, "dim")]
    if first is not None and entry.key == first.key:
        parts += ["  ", (FIRST, "bold red")]
    return Content.assemble(*parts)


def entry_lines(comparison, keys: list[str], selected: str | None) -> list[Content]:
    first = comparison.first_divergence
    return [entry_line(e, first, e.key == selected) for e in entries_of(comparison, keys)]


def finding_lines(comparison) -> list[Content]:
    """Where the first wrong value was made, its likely cause, and a wrong helper."""
    out = []
    finding, first = comparison.finding, comparison.first_divergence
    if finding is not None:
        out.append(Content.assemble(("first wrong value ", "bold red"), finding.quantity,
                                    (f" at {finding.at} in {finding.at.function}()", "bold")))
        if finding.at.source.strip():
            out.append(Content.styled("  " + finding.at.source.strip(), "dim"))
    cause = finding.cause if finding is not None and finding.cause else \
        first.cause if first is not None else ""
    if cause:
        out.append(Content.assemble(("likely: ", "bold yellow"), cause))
    helper = comparison.first_wrong_helper
    if helper is not None:
        out.append(Content.assemble(("✗ ", "bold red"), helper.describe()))
    return out


def crash_lines(crash) -> list[Content]:
    """Crash.lines() (file:line, the entry, operand shapes), then the traceback from the
    student's own frames on: bpdebug's frames above them are not the lesson."""
    out = [Content.styled(line, "bold red" if k == 0 else "") for k, line in enumerate(crash.lines())]
    tb = crash.traceback.rstrip().splitlines() if crash.cause == "raised" else []
    start = next((k for k, line in enumerate(tb) if crash.file and f'"{crash.file}"' in line), None)
    if start is not None:
        out += [Content("")] + [Content.styled(line, "dim") for line in tb[start:]]
    return out


def output_text(comparison) -> Content:
    """What the student's code printed (control codes already escaped), every kept line,
    and what was not run (IPython lines, statements that define nothing)."""
    from bpdebug.teach.homework.report import output_lines
    parts = []
    if comparison.skipped:
        parts.append(Content.styled("not run: " + "; ".join(comparison.skipped),
                                    "dim italic"))
    lines = output_lines(comparison, limit=None)
    if lines:
        parts.append(Content("\n".join(lines)))
    return Content("\n").join(parts)


def student_value(entry):
    """What the student produced, in the post's layout, when it can be drawn (None for
    missing / raised / not run)."""
    if entry.drawn is None or entry.status not in ("ok", "values", "shape"):
        return None
    return entry.drawn


class StudentPanel(Vertical, can_focus=True):
    """Student vs reference for the frame's step; `show(frame)`."""

    BINDINGS = [Binding("right_square_bracket", "cycle(1)", "Next entry", show=False),
                Binding("left_square_bracket", "cycle(-1)", "Previous entry", show=False)]

    DEFAULT_CSS = """
    StudentPanel {
        height: 1fr;
        border: round $foreground 30%;
        border-title-align: left;
        &:focus { border: round $accent; }
        & #student-verdict { height: auto; }
        & #student-api { height: auto; color: $text-muted; }
        & #student-entries { height: auto; margin-bottom: 1; }
        & #student-matrices { height: auto; }
        /* both halves stay in view, each as tall as its matrix (and its box) */
        & #student-matrices MatrixView { min-width: 12; width: auto; height: auto; }
        & #student-crash { height: auto; max-height: 14; overflow-y: auto; margin-top: 1; }
        & #student-output-box { height: auto; max-height: 8; border-top: solid $foreground 30%;
                                border-title-align: left; }
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None, disabled: bool = False) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.border_title = "your code vs the reference"
        self.comparison = None
        self.keys: list[str] = []
        self.selected: str | None = None

    def compose(self) -> ComposeResult:
        # Mounted only beside a student file, whose code starts running at once.
        # The verdict, then where it went wrong and why (the lesson), then the entries.
        yield Static(Content.styled(RUNNING, "bold yellow"), id="student-verdict")
        yield Static("", id="student-crash")
        yield Static("", id="student-api")
        yield Static("", id="student-entries")
        with Horizontal(id="student-matrices"):
            yield MatrixView(id="student-reference")
            yield MatrixView(id="student-actual")
        with VerticalScroll(id="student-output-box") as box:
            box.border_title = "output"
            yield Static("", id="student-output")

    def on_mount(self) -> None:
        self.query_one("#student-output-box").display = False
        self._ready = True
        if self._frame is not None:  # a frame given before the panel was mounted
            self.show(self._frame)

    _frame = None
    _ready = False  # mounted, with the children that draw

    def show(self, frame) -> None:
        """The comparisons up to the frame's step: only what the steps done so far compute."""
        self._frame = frame
        if not self._ready:
            return  # on_mount draws it
        step = frame.step
        kind, layer = (step.kind, step.layer) if step is not None else ("forward", 0)
        student = frame.student
        self._so_far = True
        if student is None or student.comparison is None:
            self._running = student is not None and student.running
            self.show_comparison(None, kind, layer, frame.network.L)
            return
        self._running = False
        whole = student.comparison
        partial = replace(whole, entries=student.entries,
                          crash=whole.crash if student.crash_shown else None)
        self._so_far = len(partial.entries) < len(whole.entries)
        self.show_comparison(partial, kind, layer, frame.network.L)

    _running = False
    _so_far = False

    def show_comparison(self, comparison, kind: str, layer: int, L: int,
                        key: str | None = None) -> None:
        """Student vs reference for step (kind, layer); `key` picks the entry to draw."""
        self.comparison = comparison
        self.keys = step_keys(kind, layer, L) if comparison is not None else []
        if comparison is not None and key is None:
            chosen = focus(comparison, self.keys)
            key = chosen.key if chosen is not None else None
        self.selected = key
        self._draw()

    def needed_width(self) -> int:
        """As wide as its lines of entries and its two matrices side by side, whole, with
        their titles and its own border: what the debugger gives its column."""
        lines = self.query_one("#student-entries", Static).content
        text = max((len(line) for line in str(lines).splitlines()), default=0)
        matrices = sum(view.needed_width() for view in self.query(MatrixView))
        return max(text, matrices) + 2

    def action_cycle(self, step: int) -> None:
        """Draw the next (or previous) entry of this step."""
        if self.comparison is None:
            return
        keys = [e.key for e in entries_of(self.comparison, self.keys)]
        if not keys:
            return
        at = keys.index(self.selected) if self.selected in keys else -step
        self.selected = keys[(at + step) % len(keys)]
        self._draw()

    def _draw(self) -> None:
        comparison = self.comparison
        iteration = self._frame.iteration if self._frame is not None else 0
        self.query_one("#student-verdict", Static).update(
            Content.styled(f"{RUNNING} (iteration {iteration}; q quits at once)", "bold yellow")
            if self._running and comparison is None else verdict(comparison, self._so_far))
        api = self.query_one("#student-api", Static)
        api.update(Content(f"API: {comparison.api.split(' (')[0]}")
                   if comparison is not None and comparison.api else "")
        entries = self.query_one("#student-entries", Static)
        crash = self.query_one("#student-crash", Static)
        reference = self.query_one("#student-reference", MatrixView)
        actual = self.query_one("#student-actual", MatrixView)
        output_box = self.query_one("#student-output-box")
        if comparison is None:
            api.update("")
            entries.update("")
            crash.display = False
            output_box.display = False
            reference.show("reference", None)
            actual.show("student", None)
            return
        lines = entry_lines(comparison, self.keys, self.selected)
        entries.update(Content("\n").join(lines) if lines else
                       Content.styled("this step computes nothing the student's code returns",
                                      "dim italic"))
        entry = next((e for e in comparison.entries if e.key == self.selected), None)
        if entry is None:
            reference.show("reference", None)
            actual.show("student", None)
        else:
            expected = None if entry.reference is None else np.shape(entry.reference)
            reference.show(f"reference {from_key(entry.key)}", entry.reference, expected)
            suffix = "" if entry.status in ("ok", "values", "shape") else f" ({entry.status})"
            footer = None
            if entry.status == "values" and entry.first_wrong is not None and \
                    np.ndim(entry.expected) == len(entry.first_wrong):
                at = entry.first_wrong
                pair = [np.asarray(entry.expected)[at], np.asarray(entry.actual)[at]]
                # in the reference cells' own notation, so "expected" reads as its cell;
                # with more figures only where that would write the two alike
                write = notation(entry.expected, whole=True)
                expected_value, got = (write(v) for v in pair)
                if expected_value == got:
                    expected_value, got = format_together(pair, figures=6)
                footer = Content.assemble(
                    (f"first wrong {at}: ", "bold red"),
                    f"expected {expected_value}, got {got}; "
                    f"max rel. error {relative(entry.max_relative_error)}")
            elif entry.status == "shape":
                footer = Content.assemble(
                    ("wrong shape: ", "bold red"),
                    f"expected {fmt(np.shape(entry.expected))}, got {fmt(np.shape(entry.actual))}")
            actual.show(f"student {student_name(entry)}{suffix}", student_value(entry),
                        expected, offending=not entry.ok, footer=footer)
        # Where it went wrong, once the cursor has reached it (nothing before its step).
        reached = not self._so_far or comparison.first_divergence is not None
        lines = crash_lines(comparison.crash) if comparison.crash is not None else \
            finding_lines(comparison) if reached else []
        crash.update(Content("\n").join(lines))
        crash.display = bool(lines)
        printed = bool(comparison.output or comparison.more_lines or comparison.skipped)
        if printed:
            self.query_one("#student-output", Static).update(output_text(comparison))
        output_box.display = printed  # nothing printed: no empty box to look at
