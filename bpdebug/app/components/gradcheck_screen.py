"""GradCheckScreen: the gradient check of one iteration, in a modal (key g).

Every dW[l], db[l] is compared with central differences of J (gradcheck.check), and
each row is coloured by its band (good / look closer / suspicious / wrong, the words
--check prints), with the analytic and numeric values where they differ most. On a big
network this takes seconds, so it runs in a thread worker that reports progress;
Esc closes the screen and the next progress callback stops the check.

With a student's Comparison (teach/homework) the same check runs on the student's own
dW, db: the numbers a value mistake in their backpropagation gets wrong.
"""

from __future__ import annotations

import textwrap
import threading
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, WorkerState

from bpdebug.engine import gradcheck
from bpdebug.engine.names import from_key, is_parameter_gradient, parameters
from bpdebug.engine.shapes import fmt
from bpdebug.teach.report import fitted_gradcheck_table

BAND_STYLE = {
    gradcheck.GOOD: "green",
    gradcheck.CLOSER: "yellow",
    gradcheck.SUSPICIOUS: "dark_orange",
    gradcheck.WRONG: "bold red",
    gradcheck.NOT_FINITE: "magenta",  # as NaN and Inf are in the matrices
}
MEASURE = "relative error ‖a−n‖/(‖a‖+‖n‖):"
BANDS = "good ≤ 1e-7 < look closer ≤ 1e-4 < suspicious < 1e-2 ≤ wrong"


class Closed(Exception):
    """Raised from the progress callback once the screen has been closed."""


@dataclass(frozen=True)
class Job:
    """Everything gradcheck.check needs, gathered before the thread starts."""

    params: dict
    grads: dict
    forward: Callable[[dict], tuple]
    L: int
    seed: int
    unchecked: tuple[tuple[str, str], ...] = ()  # (name, why) of gradients with no usable value


class Progress(Message):
    """Entries checked so far; a newer one replaces an older one still in the queue."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done, self.total = done, total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, Progress)


def student_grads(comparison) -> tuple[dict, tuple[tuple[str, str], ...]]:
    """The student's dW[l], db[l] from a Comparison, and the ones that cannot be checked."""
    grads, unchecked = {}, []
    for entry in comparison.entries:
        name = from_key(entry.key)
        if not is_parameter_gradient(name):
            continue
        if entry.status in ("ok", "values"):
            grads[name] = np.asarray(entry.drawn, dtype=np.float64)  # the post's layout
        elif entry.status == "shape":
            unchecked.append((name, f"the student's is {fmt(np.shape(entry.actual))}, "
                                    f"W's shape is {fmt(np.shape(entry.reference))}"))
        else:
            unchecked.append((name, {"missing": "missing from the student's grads",
                                     "raised": "the student's code raised while computing it",
                                     "not run": "never computed: the student's code stopped before"}
                              .get(entry.status) or entry.describe()))  # "type": what it was
    return grads, tuple(unchecked)


def engine_job(engine, i: int) -> Job | str:
    """The engine's own gradients of iteration i, or why there are none.  Runs on the app
    thread: materialising an iteration changes the engine's caches; what it returns is
    safe for the worker."""
    inputs = engine.gradient_check_inputs(i)
    if inputs is None:
        return (f"iteration {i} stops at a shape mismatch or an error: the gradient check "
                "needs a whole iteration (fix the shapes first)")
    params, grads, cost = inputs
    network = engine.network
    unchecked = tuple((f"d{name}", "its shape differs from the parameter's")
                      for name in parameters(network.L, backward=True)
                      if np.shape(grads.get(f"d{name}")) != np.shape(params[name]))
    return Job(params, grads, cost, network.L, network.seed, unchecked)


def student_job(engine, comparison, i: int) -> Job:
    """The student's gradients of iteration i against the reference network's J.  Builds
    its own reference engine, so it may run in the worker thread."""
    from bpdebug.teach.homework.reference import right_engine
    reference = right_engine(engine.scenario)
    params = reference.parameters(i)
    grads, unchecked = student_grads(comparison)
    return Job(params, grads, reference.cost_function(i), reference.L,
               reference.network.seed, unchecked)


def result_lines(checks: list, unchecked=(), pending: Mapping[str, str] | None = None,
                 width: int | None = None) -> list[Content]:
    """The --check table, each row in its band's colour (a gradient not computed yet at
    the cursor dim, without its values), then what could not be checked.  Narrower than
    the whole table (``width``), a row's last columns go under it, dimmer, labelled."""
    pending = pending or {}
    out: list[Content] = []
    header, *rows = fitted_gradcheck_table(checks, pending, width)
    if checks:
        out += [Content.styled(line, "bold") for line in header]
    for check, (line, *under) in zip(checks, rows):
        style = "dim" if check.name in pending else BAND_STYLE.get(check.band, "")
        out.append(Content.styled(line, style))
        out += [Content.styled(line, style if style == "dim" else f"{style} dim".strip())
                for line in under]
    for name, why in unchecked:
        text = f"{name}: not checked: {why}"
        out += [Content.styled(line, "dim")
                for line in (textwrap.wrap(text, width, subsequent_indent="  ") if width else [text])]
    return out


def conclusion(checks: list, unchecked=(), pending: Mapping[str, str] | None = None) -> Content:
    """What the check concludes, in one line: which gradients are wrong, or that all check
    out; of the gradients the cursor has computed only (``pending``: the others)."""
    pending = pending or {}
    waiting = [c.name for c in checks if c.name in pending]
    checks = [c for c in checks if c.name not in pending]
    if waiting and not checks:
        first = waiting[0]
        return Content(f"nothing to compare yet: the backward pass computes {first} first, "
                       f"at {pending[first]}; step there and press g again")
    by_step: dict[str, list[str]] = {}
    for name in waiting:
        by_step.setdefault(pending[name], []).append(name)
    later = "".join(f"; {', '.join(names)} not computed yet: {step}"
                    for step, names in by_step.items())
    verdict = _concluded(checks, unchecked, so_far=bool(waiting))
    return Content.assemble(verdict, later) if later else verdict


def _concluded(checks: list, unchecked, so_far: bool) -> Content:
    wrong, unmeasurable = gradcheck.failures(checks)
    cannot = (f"cannot measure {', '.join(unmeasurable)}: the values are beyond float64 "
              "(not finite)")
    if wrong:
        return Content.assemble(("✗ ", "bold red"), f"gradient check failed for {', '.join(wrong)}: "
                                "the backward pass does not compute the derivative of J there",
                                f"; it {cannot}" if unmeasurable else "")
    if unmeasurable:
        return Content.assemble(("✗ ", "bold magenta"), f"the gradient check {cannot}")
    if not checks:
        return Content.styled("nothing could be checked", "bold red")
    if unchecked:
        return Content.assemble(("✓ ", "green"), "every gradient that could be checked checks out")
    if so_far:
        return Content.assemble(("✓ ", "green"), "every gradient computed so far checks out")
    return Content.assemble(("✓ ", "bold green"), "every gradient checks out")


class GradCheckScreen(ModalScreen[list | None]):
    """The gradient check of iteration `iteration` (default: the current one).

    ``comparison``: a student Comparison of that iteration; the student's dW, db are checked
    instead of the engine's.  ``pending``: the gradients the cursor has not computed yet,
    each with the step that computes it (Frame.pending); their numeric side is checked,
    their analytic values and verdicts are not shown.  Dismisses with the list of
    ParamCheck (None if closed early)."""

    BINDINGS = [Binding("escape,g,q", "close", "Close")]
    HOLDS_NOTICES = True  # read to a class: a toast waits until it closes (app.notify)

    DEFAULT_CSS = """
    GradCheckScreen {
        align: center middle;
        & > #gradcheck {
            width: 90%;
            max-width: 130;
            height: auto;
            max-height: 100%;
            padding: 0 1;
            border: thick $accent 60%;
            background: $surface;
        }
        & #gradcheck-title { text-style: bold; }
        & #gradcheck-bands, & #gradcheck-hint { color: $foreground 60%; }
        & ProgressBar { margin: 1 0 0 0; }
        & #gradcheck-verdict { margin-bottom: 1; }
        & #gradcheck-scroll { height: auto; max-height: 1fr; scrollbar-size: 1 1; }
        & #gradcheck-table { width: auto; text-wrap: nowrap; margin-bottom: 1; }
    }
    """

    def __init__(self, engine, iteration: int | None = None, comparison=None,
                 student_path: str | None = None, pending: Mapping[str, str] | None = None
                 ) -> None:
        super().__init__()
        self.pending = dict(pending or {})
        self.engine = engine
        self.iteration = engine.iteration if iteration is None else iteration
        self.comparison = comparison
        self.student_path = student_path
        self.worker: Worker | None = None
        self.checks: list | None = None
        self._unchecked: tuple = ()
        self._stopped = False
        self.finished = threading.Event()  # set when the worker's thread has returned

    def compose(self) -> ComposeResult:
        whose = (f"the student's gradients ({self.student_path or 'their file'})"
                 if self.comparison is not None else "the engine's gradients")
        # The verdict comes before the table, so a small terminal sees it without scrolling;
        # the table fits the dialog's width (_fit), and scrolls down.
        with Vertical(id="gradcheck"):
            yield Static(Content(f"gradient check · iteration {self.iteration} · {whose}"),
                         id="gradcheck-title")
            yield Static(Content(f"{MEASURE}  {BANDS}"), id="gradcheck-bands")
            yield ProgressBar(id="gradcheck-progress", show_eta=False)
            yield Static("", id="gradcheck-verdict")
            with ScrollableContainer(id="gradcheck-scroll"):
                yield Static(Content("checking…"), id="gradcheck-table")
            yield Static(Content("esc closes (and stops a check that is still running)"),
                         id="gradcheck-hint")

    def on_mount(self) -> None:
        # A vertical scrollbar takes a column from the table: fit it again.
        self.watch(self.query_one("#gradcheck-scroll"), "show_vertical_scrollbar",
                   lambda _: self._fit(), init=False)
        if self.comparison is not None:
            self.worker = self.run_check(lambda: student_job(self.engine, self.comparison,
                                                             self.iteration))
            return
        job = engine_job(self.engine, self.iteration)
        if isinstance(job, str):
            self.query_one("#gradcheck-progress", ProgressBar).display = False
            self.say(Content(job))
            return
        self.worker = self.run_check(lambda: job)

    def say(self, text: Content) -> None:
        """Why there is no table, where the verdict goes: a sentence wraps there, where
        the table's columns are kept whole."""
        self.query_one("#gradcheck-scroll").display = False
        self.query_one("#gradcheck-verdict", Static).update(text)

    @work(thread=True, exit_on_error=False, exclusive=True, group="gradcheck")
    def run_check(self, make_job: Callable[[], Job]) -> list | None:
        try:
            return self._check(make_job())
        finally:
            self.finished.set()

    def _check(self, job: Job) -> list | None:
        self._unchecked = job.unchecked

        def progress(done: int, total: int) -> None:
            if self._stopped:
                raise Closed
            self.post_message(Progress(done, total))

        try:
            return gradcheck.check(job.params, job.grads, job.forward, job.L, job.seed,
                                   progress=progress)
        except Closed:
            return None

    def on_progress(self, message: Progress) -> None:
        self.query_one("#gradcheck-progress", ProgressBar).update(total=message.total,
                                                                    progress=message.done)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.worker:
            return
        if event.state == WorkerState.ERROR:
            self.say(Content(f"the gradient check raised {event.worker.error!r}"))
        elif event.state == WorkerState.SUCCESS and event.worker.result is not None:
            self.show(event.worker.result)

    def show(self, checks: list) -> None:
        self.checks = checks
        bar = self.query_one("#gradcheck-progress", ProgressBar)
        bar.update(total=bar.total or 1, progress=bar.total or 1)
        self.query_one("#gradcheck-verdict", Static).update(
            conclusion(checks, self._unchecked, self.pending))
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The table as wide as the dialog: at 120 columns --check's rows, narrower a
        row's last columns under it, so no number is cut at the dialog's edge; the
        bands' scale on a line of its own rather than broken inside."""
        bands = f"{MEASURE}  {BANDS}"
        room = self.query_one("#gradcheck").content_region.width
        self.query_one("#gradcheck-bands", Static).update(
            Content(bands if len(bands) <= room or not room else f"{MEASURE}\n{BANDS}"))
        width = self.query_one("#gradcheck-scroll").scrollable_content_region.width
        if self.checks is not None:
            self.query_one("#gradcheck-table", Static).update(Content("\n").join(
                result_lines(self.checks, self._unchecked, self.pending, width or None)))

    def action_close(self) -> None:
        self._stopped = True  # the worker's next progress call stops the check
        if self.worker is not None:
            self.worker.cancel()
        self.dismiss(self.checks)
