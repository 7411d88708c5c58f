"""BpdebugApp: the keys, the command palette and the training thread around the engine.

The app is a thin view: it moves the engine, asks it for the Frame of the new cursor
position (bpdebug.engine.frame) and hands that to the debugger; every number and shape on screen
comes from that one frame.
It never crashes: an exception in a step, a drawing or the training thread is shown
inside the app (a notification, the status line, the equation panel), never a traceback.
"""

from __future__ import annotations

import asyncio
import functools
import signal
import threading
import time
import traceback

from textual import events, work
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.driver import Driver
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState, get_current_worker

from bpdebug.app import blas
from bpdebug.app.commands import DebuggerCommands
from bpdebug.app.keys import (BINDINGS, CELLS, ONE_LINE, ROOMY, SECOND_LINE, STEPPING, applies,
                               on_a_cell, pressable)
from bpdebug.app.components.debugger import Debugger
from bpdebug.app.components.explain_panel import ExplainPanel
from bpdebug.app.components.help_screen import HelpScreen
from bpdebug.app.components.key_footer import KeyFooter
from bpdebug.app.components.matrix_view import MatrixPanes
from bpdebug.app.components.picker import PickerScreen
from bpdebug.app.messages import ScenarioChosen, StudentCompared, TrainingProgress
from bpdebug.engine import plan, training
from bpdebug.engine.cursor import Engine
from bpdebug.engine.frame import Frame, with_student
from bpdebug.engine.names import gradient, parameters
from bpdebug.engine.notation import plain
from bpdebug.engine.training import TrainResult

PROGRESS_INTERVAL = 0.1  # seconds: the training thread posts at most 10 updates a second
UI_WAIT = 0.25  # seconds the training thread waits at most for a key's frame

SCROLL_COLUMNS = 4  # shift+← and shift+→ scroll a matrix panel this many columns
PLOTS = ("teaching-boundary", "teaching-norms")  # the panels x shows and hides


class DebuggerScreen(Screen):
    """The debugger's screen.  Nothing on it has the focus until tab puts a cell cursor in
    a matrix panel, where it shows: the arrows step until then (the dialogs on top focus
    their first widget, as Textual's screens do)."""

    AUTO_FOCUS = ""

    def on_screen_resume(self) -> None:
        self.app.release_notices()  # held while a screen the teacher reads was on top


def answering(driver: type[Driver]) -> type[Driver]:
    """The terminal's (or the browser's) driver, telling the app of a key from the thread
    that reads it: the app's own loop may be busy painting a training frame, and the
    training thread would keep the interpreter meanwhile."""

    class Answering(driver):
        def process_message(self, message) -> None:
            if isinstance(message, events.Key):
                self._app.key_read()
            super().process_message(message)

    Answering.__name__ = Answering.__qualname__ = f"Answering{driver.__name__}"
    return Answering


def shows_errors(action):
    """An exception inside an action becomes a notification and a red status line."""
    @functools.wraps(action)
    def wrapper(self: "BpdebugApp", *args, **kwargs):
        try:
            return action(self, *args, **kwargs)
        except Exception as error:  # noqa: BLE001 - never a traceback
            self.report_error(f"{action.__name__.removeprefix('action_')}", error)
    return wrapper


class BpdebugApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "bpdebug"
    COMMANDS = App.COMMANDS | {DebuggerCommands}
    # Every key is in keys.py, with the footer's word, the palette's name and the help's
    # text; a focused matrix panel gets the arrows, enter and + first (its cell cursor).
    BINDINGS = BINDINGS

    def __init__(self, scenario=None, student=None) -> None:
        super().__init__()
        # Before the first frame's forward pass: the UI's thread keeps a core (blas.py).
        blas.one_thread()
        self.scenario = scenario
        self.student = student  # for the teaching panels: compared with the reference
        self.engine: Engine | None = None
        self.training = False
        self._stop = threading.Event()
        # Cleared from a key press until the frame that answers it: the training thread
        # (and its BLAS threads) wait meanwhile, so a key never queues behind NumPy.
        self._ui_free = threading.Event()
        self._ui_free.set()
        self.trainer: Worker | None = None  # the training thread's worker, once t is pressed
        self._writing: int | None = None  # the iteration whose handout a thread is writing
        self.handout_done = threading.Event()  # set once a handout is written (or failed)
        self._plots_chosen = False  # x was pressed: the plots no longer follow the size
        self.students = None  # student_runner.StudentRunner: the student's code, per iteration
        self._held: list[dict] = []  # notices that wait for the screen being read to close
        if student is not None:
            from bpdebug.app.student_runner import StudentRunner
            self.students = StudentRunner(self, scenario, student)

    # ---- notices -----------------------------------------------------------------

    def notify(self, message: str, **how) -> None:
        """A toast, which waits while a screen the teacher reads is open (the help, the
        gradient check: HOLDS_NOTICES), so that it is never drawn over the text being
        read; it shows, for its whole time, once the debugger is back on top.  The status
        line says the same meanwhile, under the screen."""
        try:
            reading = getattr(self.screen_stack[-1], "HOLDS_NOTICES", False)
        except IndexError:  # no screen yet
            reading = False
        if reading:
            self._held.append(dict(how, message=message))
        else:
            super().notify(message, **how)

    def release_notices(self) -> None:
        held, self._held = self._held, []
        for notice in held:
            self.notify(**notice)

    # ---- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self.scenario is not None:
            try:
                self.engine = Engine(self.scenario)
            except Exception as error:  # noqa: BLE001 - shown in the app
                yield Static(Content.styled(
                    f"cannot start {getattr(self.scenario, 'name', 'the scenario')}: "
                    f"{type(error).__name__}: {error}", "bold red"), id="waiting")
            else:
                yield Debugger(self.frame(), id="debugger")
        else:
            yield Static("", id="waiting")
        with Vertical(id="keys"):  # the stepping keys on the bottom line
            yield KeyFooter(CELLS, id="cell-keys")
            yield KeyFooter(STEPPING, id="step-keys")

    def get_default_screen(self) -> Screen:
        return DebuggerScreen(id="_default")

    def on_resize(self, event: events.Resize) -> None:
        # Every stepping key fits at 80 columns: tighter spacing, the palette still on
        # ctrl+p; the keys of the cells get their own line from SECOND_LINE columns and
        # join the stepping keys from ONE_LINE (keys.py).
        width = event.size.width
        one = width >= ONE_LINE
        two = SECOND_LINE <= width < ONE_LINE
        for footer in self.query(Footer):
            footer.compact = width < (ROOMY if one else 110)
            footer.show_command_palette = width >= 90 and (not one or width >= ROOMY)
        self.query_one("#step-keys", KeyFooter).hold(*((STEPPING, CELLS) if one else (STEPPING,)))
        self.query_one("#cell-keys").display = two
        self.set_class(two, "-two-key-lines")  # a toast keeps clear of both, and the status
        self._plots_if_roomy()

    def _plots_if_roomy(self) -> None:
        """The plots (gradient norms, decision boundary) show on their own once they fit
        beside every matrix panel whole, until x says otherwise: a teacher should see
        more, not more empty space."""
        if self._plots_chosen or self.engine is None or not self.query("#debugger"):
            return
        roomy = self.debugger.plots_fit(PLOTS)
        if roomy != bool(self._plots()):
            self._toggle_plots()

    def on_mount(self) -> None:
        if self.scenario is None:
            self.push_screen(PickerScreen())
        if self.engine is not None:
            self.sub_title = self.engine.scenario.title
            self.call_after_refresh(self._plots_if_roomy)
            if self.student is not None:
                try:
                    self._mount_student()
                except Exception as error:  # noqa: BLE001
                    self.report_error("the student panel", error)

    def on_scenario_chosen(self, message: ScenarioChosen) -> None:
        try:
            engine = Engine(message.scenario)
        except Exception as error:  # noqa: BLE001 - shown in the picker, which stays open
            if isinstance(self.screen, PickerScreen):
                self.screen.show_error(f"cannot start: {type(error).__name__}: {error}")
            return
        self._open(message.scenario, engine)

    @shows_errors
    def _open(self, scenario, engine: Engine) -> None:
        self.scenario, self.engine = scenario, engine
        self.sub_title = engine.scenario.title
        for old in self.query("#waiting, #debugger"):
            old.remove()
        self.mount(Debugger(self.frame(), id="debugger"), before=self.query_one("#keys"))
        self.pop_screen()
        self.call_after_refresh(self._plots_if_roomy)

    @property
    def debugger(self) -> Debugger:
        return self.query_one(Debugger)

    def add_panel(self, panel) -> None:
        """Hook for the teaching panels: mount one in the right-hand column; it is given
        every frame with its ``show(frame)``."""
        self.debugger.add_panel(panel)

    # ---- frames ------------------------------------------------------------------

    def frame(self) -> Frame:
        """The engine's frame for the cursor, with the student's comparison up to it."""
        frame = self.engine.frame()
        if self.students is None:
            return frame
        i = frame.iteration
        return with_student(frame, self.students.comparison(i),
                            running=self.students.pending(i) and not self.training)

    def show(self, layer: int | None = None, status: Content | str | None = None) -> Frame:
        """Draw the frame of the cursor, now (and run the student's code on its iteration
        if it has not run there: drawn again when it is ready)."""
        frame = self.frame()
        self.debugger.show(frame, layer=layer, status=status)
        if self.students is not None and not self.training:
            self.students.want(frame.iteration)
        return frame

    # ---- teaching panels ---------------------------------------------------------

    def _mount_student(self) -> None:
        from bpdebug.app.components.student_panel import StudentPanel
        self.add_panel(StudentPanel(id="student"))
        self.students.want(0)  # the student's code starts now, in its child, on iteration 0

    def on_student_compared(self, message: StudentCompared) -> None:
        if self.students.received(message) and not self.training:
            self.show()

    @shows_errors
    def action_teaching_panels(self) -> None:
        """Show or hide the decision boundary and the gradient norms on the right (at any
        time: while training they follow the frames the training posts)."""
        self._plots_chosen = True
        self._toggle_plots()

    def _plots(self) -> list:
        return [p for p in self.debugger.panels if p.id in PLOTS]

    def _toggle_plots(self) -> None:
        debugger = self.debugger
        shown = self._plots()
        if shown:
            for panel in shown:
                debugger.remove_panel(panel)
            return
        from bpdebug.app.components.decision_boundary import DecisionBoundary
        from bpdebug.app.components.gradient_norms import GradientNorms
        debugger.add_panel(GradientNorms(id="teaching-norms"))
        if debugger.frame.network.sizes[0] in (1, 2):  # a plane or a line to draw it over
            debugger.add_panel(DecisionBoundary(id="teaching-boundary"))

    # ---- which keys apply --------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Whether a key answers now (keys.py): typing q into the command palette must not
        quit, and keys under a modal belong to the modal."""
        screen = self.screen
        if not (pressable(action, type(screen).__name__, screen is self.screen_stack[0])
                and applies(action, self.engine is not None, self.training)):
            return False
        if on_a_cell(action) and not isinstance(self.focused, MatrixPanes):
            return None  # enter and + are dimmed in the footer until tab gives a cell
        return True

    # ---- stepping ----------------------------------------------------------------

    def _refuse_while_busy(self) -> bool:
        if self.training:
            # The status line, not a toast: mounting a toast costs a frame the trainer slows.
            self.debugger.say(Content.styled(
                "training in the background: t or Esc stops it, then step", "bold yellow"))
            return True
        if self._writing is not None:  # the handout reads the engine: it stays where it is
            self.debugger.say(Content.styled(
                f"writing the handout of iteration {self._writing}: a moment", "bold yellow"))
            return True
        return False

    def _alert(self, text: str, title: str, label: str, severity: str) -> None:
        """A toast, and the status line that stays once it is gone."""
        self.notify(text, title=title, severity=severity)
        colour = "bold red" if severity == "error" else "bold yellow"
        self.debugger.say(Content.styled(f"{label}: {text}", colour))

    def _refuse_if_blocked(self) -> bool:
        blocked = self.engine.blocked
        if blocked:
            self._alert(blocked, "cannot step forward", "blocked", "error")
        return bool(blocked)

    def _after_move(self) -> None:
        alert = self.show().alert
        if alert:
            self._alert(alert, "watchpoint", "watchpoint", "warning")

    @shows_errors
    def action_step(self) -> None:
        if self._refuse_while_busy() or self._refuse_if_blocked():
            return
        self.engine.next()
        self._after_move()

    @shows_errors
    def action_back(self) -> None:
        if self._refuse_while_busy():
            return
        if self.engine.position == 0:
            self.notify("already at the start of iteration 0")
            return
        self.engine.back()
        self.show()

    def action_to_cost(self) -> None:
        self._run_to(plan.COST)

    def action_to_end(self) -> None:
        self._run_to(plan.UPDATE)

    @shows_errors
    def _run_to(self, kind: str) -> None:
        """Step until a step of this kind, a mismatch or a watchpoint, whichever is first."""
        if self._refuse_while_busy() or self._refuse_if_blocked():
            return
        self.engine.run_to(kind)
        self._after_move()

    @shows_errors
    def action_reset(self) -> None:
        if self._refuse_while_busy():
            return
        self.engine.reset()
        self.show(layer=1, status="reset to the start of iteration 0")

    @shows_errors
    def action_layer(self, l: int) -> None:
        """Jump to layer l's step in the current direction, in the current iteration."""
        if self._refuse_while_busy():
            return
        engine = self.engine
        if not 1 <= l <= engine.L:
            self.notify(f"there is no layer {l}: the network has layers 1 to {engine.L}",
                        severity="warning")
            return
        frame = self.debugger.frame
        step = frame.step
        kind = plan.FORWARD if step is None or step.kind == plan.FORWARD else plan.BACKWARD
        iteration = frame.iteration
        k = next(k for k, s in enumerate(engine.steps) if s.kind == kind and s.layer == l)
        target = iteration * engine.S + k + 1
        engine.goto(target)
        if engine.position != target:
            self.notify(engine.blocked or f"stopped before {kind} [{l}]", severity="error")
        self._after_move()

    @shows_errors
    def action_scroll_matrix(self, direction: int) -> None:
        focused = self.focused
        if isinstance(focused, MatrixPanes):
            focused.scroll_pane(focused.current, columns=direction * SCROLL_COLUMNS)

    @shows_errors
    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    @shows_errors
    def action_gradient_check(self) -> None:
        """The gradient check of the current iteration, in its own screen (a thread)."""
        if self._refuse_while_busy():
            return
        from bpdebug.app.components.gradcheck_screen import GradCheckScreen
        frame = self.debugger.frame
        iteration = frame.iteration
        # With --impl, the student's own dW and db are checked (once their code has run).
        comparison = self.students.comparison(iteration) if self.students is not None else None
        # Nothing before its step: a dW[l] the cursor has not computed shows no value.
        pending = frame.pending(gradient(name) for name in parameters(self.engine.L))
        self.push_screen(GradCheckScreen(self.engine, iteration, comparison=comparison,
                                         student_path=getattr(self.student, "__file__", None),
                                         pending=pending))

    @shows_errors
    def action_watch(self) -> None:
        """Switch watchpoints on and off; stepping and training stop where one fires."""
        if self._refuse_while_busy():
            return
        from bpdebug.app.components.watch_screen import WatchScreen

        def changed(watch) -> None:
            active = [line.split(None, 1)[1] for line in self.engine.watch.describe()
                      if line.startswith("on")]
            self.debugger.say("watchpoints: " + ("; ".join(active) if active else "none"))

        self.push_screen(WatchScreen(self.engine), changed)

    @shows_errors
    def action_transcript(self) -> None:
        """The current iteration as Markdown, for a handout (the same text as --transcript):
        in the working directory, or as a download when served to a browser (--serve).
        Written in a thread (its gradient check takes seconds on a large network); the
        engine stays where it is meanwhile."""
        if self._refuse_while_busy():
            return
        i = self.debugger.frame.iteration
        self._writing = i
        self.handout_done.clear()
        self.debugger.say(f"writing the handout of iteration {i}…")
        self._handout(i)

    @work(thread=True, group="handout", exit_on_error=False)
    def _handout(self, i: int) -> tuple[int, str]:
        from bpdebug.teach.transcript import transcript
        return i, transcript(self.engine, i)

    def _handout_done(self, event: Worker.StateChanged) -> None:
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        self._writing = None
        if event.state == WorkerState.ERROR:
            self.report_error("the handout", event.worker.error)
        elif event.state == WorkerState.SUCCESS:
            self._deliver_handout(*event.worker.result)
        self.handout_done.set()

    @shows_errors
    def _deliver_handout(self, i: int, text: str) -> None:
        name = f"{self.engine.scenario.name}-iteration-{i}.md"
        if self.is_web:  # the server's disk is not the student's: the browser downloads it
            import io
            self.deliver_text(io.StringIO(text), save_filename=name,
                              mime_type="text/markdown", encoding="utf-8")
            self.debugger.say(f"sent iteration {i} as Markdown to the browser: {name}")
            self.notify(f"downloading {name}", title="transcript")
            return
        from pathlib import Path

        from bpdebug.teach.export import atomic_write
        path = Path.cwd() / name
        atomic_write(path, text.encode())
        self.debugger.say(f"wrote iteration {i} as Markdown to {path}")
        self.notify(f"wrote {path.name}", title="transcript")

    # ---- one element at a time ----------------------------------------------------

    @shows_errors
    def action_cells(self) -> None:
        """tab: a cell cursor in the first matrix panel; in a panel, the next panel (after
        the last one the next widget, or the first panel again when there is none)."""
        focused = self.focused
        if not isinstance(focused, MatrixPanes):
            self.debugger.grid.focus()  # it puts the cursor in its first panel
            return
        current = focused.current
        focused.action_cycle(1)
        if self.focused is focused and focused.current is current and focused.panes:
            focused.focus_pane(focused.panes[0])

    @shows_errors
    def action_explain(self) -> None:
        """Write the element under the cell cursor out as the post derives it."""
        self._on_cell(ExplainPanel.explain)

    @shows_errors
    def action_nudge(self) -> None:
        """Nudge the W or b entry under the cell cursor by ε; nothing changes."""
        self._on_cell(ExplainPanel.nudge)

    def _on_cell(self, act) -> None:
        """Explain or nudge the cell under the cursor (the overlay's explain or nudge),
        unless training or a handout is under way."""
        if self._refuse_while_busy():
            return
        debugger = self.debugger
        act(debugger.explained, self.engine, debugger.frame, self.focused)
        self.show()

    def on_matrix_panes_cursor_moved(self, message: MatrixPanes.CursorMoved) -> None:
        if self.debugger.explained.close():  # the explained cell is no longer the one pointed at
            self.show()

    async def action_quit(self) -> None:
        self._stop.set()
        self._ui_free.set()
        if self.students is not None:  # the student's child must not outlive the app
            self.students.stop()
        self.exit(return_code=0)

    # ---- training in the background ----------------------------------------------

    @shows_errors
    def action_train(self) -> None:
        if self.training:
            self.action_stop()
            return
        if self._refuse_while_busy():  # a handout is being written
            return
        n = self.engine.scenario.iterations
        if n <= 0:
            self.notify("this scenario asks for 0 iterations", severity="warning")
            return
        self.training = True
        self._stop.clear()
        self.debugger.say(f"training {n} iterations in the background: t or Esc stops")
        self.refresh_bindings()
        self.trainer = self._train(n)

    def on_key(self, event: events.Key) -> None:
        # Esc, when it stops nothing, closes an explained element (not a footer key of its
        # own: "esc Stop" shows only while training).
        if event.key == "escape" and not self.training and self.screen is self.screen_stack[0] \
                and self.query("#debugger") and self.debugger.explained.close():
            self.show()
            event.stop()

    def action_stop(self) -> None:
        if self.training:
            self._stop.set()
            self._ui_free.set()
            self.debugger.say("stopping…")

    @work(thread=True, exclusive=True, group="train", exit_on_error=False)
    def _train(self, n: int) -> TrainResult:
        worker = get_current_worker()
        engine = self.engine
        start = engine.iteration
        last = [0.0]

        def progress(done: int) -> None:
            self._ui_free.wait(UI_WAIT)
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL:
                last[0] = now
                # A frozen frame: parameters are never modified in place, so it stays true.
                self.post_message(TrainingProgress(engine.training_frame(start + done, done, n)))

        return engine.train(n, progress, lambda: self._stop.is_set() or worker.is_cancelled)

    def get_driver_class(self):
        return answering(super().get_driver_class())

    def key_read(self) -> None:
        """The driver's thread has read a key: the training thread waits from now on, so
        that the frame being painted ends sooner and the key comes next (on_event lets
        it go again once the key's own frame is drawn)."""
        if self.training:
            self._ui_free.clear()

    async def on_event(self, event: events.Event) -> None:
        if self.training and isinstance(event, events.Key):
            self._ui_free.clear()
        if isinstance(event, events.Key):
            self.call_after_refresh(self._ui_free.set)
        await super().on_event(event)

    def on_training_progress(self, message: TrainingProgress) -> None:
        if not self.training:
            return
        try:
            training = message.frame.training
            self.debugger.show(message.frame, note=f"training {training.done}/{training.total}",
                               keep_status=True)
        except Exception as error:  # noqa: BLE001
            self.report_error("training progress", error)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "student":
            self._compared(event)
            return
        if event.worker.group == "handout":
            self._handout_done(event)
            return
        if event.worker.group != "train" or event.state not in (
                WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        self.training = False
        self.refresh_bindings()
        try:
            if event.state == WorkerState.ERROR:
                self.show()
                self.report_error("training", event.worker.error)
                return
            if event.state == WorkerState.CANCELLED:
                self.show(status="training cancelled")
                return
            # After the frame that answers the key that stopped it (Esc): that frame first,
            # then the whole screen of the iteration reached.
            self.call_after_refresh(self._trained, event.worker.result)
        except Exception as error:  # noqa: BLE001
            self.report_error("after training", error)

    def _compared(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.students.failed()
            self.report_error("the student's code", event.worker.error)

    @shows_errors
    def _trained(self, result: TrainResult) -> None:
        frame = self.show()
        # The J of the iteration on screen: the last one trained, as --train N prints it.
        J = frame.shown_J
        cost = f"J = {plain(J)} at iteration {frame.iteration}" if J is not None else ""
        record = result.record
        outcome = result.outcome
        if outcome == training.FAILED:
            text = f"training stopped at iteration {record.iteration}, {record.step.label}"
            self.debugger.say(Content.styled(text, "bold red"))
            self.notify(text, severity="error")
        elif outcome == training.WATCHPOINT:
            text = f"watchpoint at iteration {record.iteration}, {record.step.label}: {result.alert}"
            self.debugger.say(Content.styled(text, "bold yellow"))
            self.notify(text, severity="warning")
        else:
            done = "training stopped after" if outcome == training.STOPPED else "trained"
            text = f"{done} {result.done} iterations; {cost}"
            self.debugger.say(text)
            self.notify(text)

    # ---- errors --------------------------------------------------------------------

    def report_error(self, where: str, error: BaseException | None) -> None:
        text = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
        self.notify(text, title=f"error in {where}", severity="error")
        try:
            debugger = self.debugger
        except Exception:  # noqa: BLE001 - no debugger yet (picker): the toast says it
            return
        details = "".join(traceback.format_exception(error, limit=-4)) if error else text
        debugger.show_error(f"error in {where}", details)
        debugger.say(Content.styled(f"error in {where}: {text}", "bold red"))


def run(scenario, student=None) -> int:
    """Open the debugger on a scenario (None: the picker first); the exit code.

    SIGTERM and SIGHUP end the app as q does, so Textual restores the terminal (main
    screen, mouse tracking off, cooked mode), then the exit code is 128 + the signal,
    as a shell reports a process the signal ended: 143 and 129."""
    app = BpdebugApp(scenario, student=student)

    def ask_to_exit(signum, frame) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # before the event loop runs or after it ends: nothing to restore
            raise SystemExit(128 + signum) from None
        # A handler may interrupt the loop anywhere: schedule the exit, do not run it here.
        loop.call_soon_threadsafe(stop_and_exit, 128 + signum)

    def stop_and_exit(code: int) -> None:
        app._stop.set()  # as q does: a training thread stops at its next iteration
        app._ui_free.set()
        app.exit(return_code=code)

    handled = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s]
    previous = {s: signal.signal(s, ask_to_exit) for s in handled}
    try:
        app.run()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if app.students is not None:  # however the app ended, no child outlives it
            app.students.stop()
    return app.return_code or 0
