"""A student's hand-in beside the debugger: for each iteration the cursor reaches, their
code runs once, in its child process (a worker thread waits on it), and the comparison
comes back to the app as a StudentCompared message.  One run at a time: moving to
another iteration kills the run no longer wanted; quitting kills every child."""

from __future__ import annotations

import threading
from functools import partial

from bpdebug.app.messages import StudentCompared
from bpdebug.teach.homework import process
from bpdebug.teach.homework.compare import Comparison
from bpdebug.teach.homework.run import Submission, run


class StudentRunner:
    def __init__(self, app, scenario, submission: Submission) -> None:
        self.app, self.scenario, self.submission = app, scenario, submission
        self.comparisons: dict[int, Comparison] = {}
        self.running: int | None = None  # the iteration whose run is under way
        self.worker = None  # its Textual worker
        self.child = None  # its child process (process.ChildProcess)
        self._stop = threading.Event()  # set on quit: no child starts after it

    def comparison(self, i: int) -> Comparison | None:
        return self.comparisons.get(i)

    def pending(self, i: int) -> bool:
        """Iteration i has no comparison yet (one is running, or about to)."""
        return i not in self.comparisons and not self._stop.is_set()

    def want(self, i: int) -> None:
        """Run the student's code on iteration i, unless it ran or is running."""
        if i in self.comparisons or self.running == i or self._stop.is_set():
            return
        if self.child is not None:
            self.child.kill()  # another iteration's run is no longer wanted
        self.running = i
        self.worker = self.app.run_worker(partial(self._run, i), thread=True, group="student",
                                          exit_on_error=False)

    def _run(self, i: int) -> None:
        """In the worker thread: never raises for the student (every ending is in the
        Comparison); what bpdebug itself raises is the worker's error."""
        def started(child) -> None:
            self.child = child
        comparison = run(self.scenario, self.submission, i, started=started, stop=self._stop)
        self.app.post_message(StudentCompared(i, comparison))

    def received(self, message: StudentCompared) -> bool:
        """Keep a comparison that came back; False when it was cancelled."""
        if self.running == message.iteration:
            self.running = None
        crash = message.comparison.crash
        if crash is not None and crash.cause == "cancelled":
            return False  # killed for another iteration, or on the way out
        self.comparisons[message.iteration] = message.comparison
        return True

    def failed(self) -> None:
        self.running = None

    def stop(self) -> None:
        """No child outlives the app."""
        self._stop.set()
        process.kill_all()
