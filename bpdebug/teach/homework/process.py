"""Start and watch the child process that runs a student's code (child.py).

A fresh interpreter through subprocess, not multiprocessing: fork would copy the app's
threads and terminal state into the child, and spawn would send results back as pickles;
a plain ``python -m bpdebug.teach.homework.child`` gives a clean interpreter whose file
descriptors we choose (stdin /dev/null, fd 1 and 2 into one pipe), its own session (no
controlling terminal, so it cannot draw on ours or receive our Ctrl-C) and one process
group to kill, and it sends back only files we read with allow_pickle=False.

Everything here is bounded: each call of the student's code has its time limit, the
start of the interpreter has STARTUP seconds, and `kill_all()` ends every child at once
(the app's q, an interrupted grading run).
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

STARTUP = 60.0  # seconds for Python and NumPy to start in the child, on a busy machine
GRACE = 0.5  # seconds after the limit for the child's watchdog to write where it was
HOLDS_THE_GIL = GRACE / 2  # after the limit: faulthandler writes it, if the watchdog could not
KEEP = 256 << 10  # bytes of the student's output kept; the rest is only counted

_live: set["ChildProcess"] = set()
_lock = threading.Lock()


@dataclass
class Outcome:
    """How the child ended, as plain facts; run.py turns them into a verdict."""

    returncode: int | None = None
    phase: str | None = None  # the last phase the child announced: "import", a call, "done"
    timed_out: bool = False
    cancelled: bool = False
    exit_call: dict | None = None  # {"exit": code, "file", "line", "source"} from os._exit
    internal: str | None = None  # bpdebug's own child failed
    output: bytes = b""
    more_lines: int = 0  # lines of output beyond the KEEP bytes
    where: str = ""  # faulthandler's traceback (timeout, fatal signal)
    statuses: list[dict] = field(default_factory=list)


class ChildProcess:
    def __init__(self, job_dir: Path, timeout: float,
                 stop: threading.Event | None = None) -> None:
        self.job_dir = job_dir
        self.timeout = timeout
        self.outcome = Outcome()
        self._cancel = threading.Event()  # kill(): this child only
        # Set by whoever owns it (the app quitting, a grading run interrupted), then
        # kill_all(): a child not yet started never starts, one running is killed.
        self._stop = stop
        self.process: subprocess.Popen | None = None

    def kill(self) -> None:
        """End the child and everything it started, now (any thread)."""
        self._cancel.set()
        self._end()

    def cancelled(self) -> bool:
        return self._cancel.is_set() or (self._stop is not None and self._stop.is_set())

    def _end(self) -> None:
        process = self.process
        if process is not None and process.returncode is None:  # not reaped: the id is ours
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def run(self, status_fd_name: str = "status_fd") -> Outcome:
        read_end, write_end = os.pipe()
        job_file = self.job_dir / "job.json"
        job = json.loads(job_file.read_text())
        job[status_fd_name] = write_end
        job_file.write_text(json.dumps(job))
        package_parent = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1",
                   # One BLAS thread: a class is graded in parallel, one child per core.
                   OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   PYTHONPATH=os.pathsep.join(filter(None, [package_parent,
                                                            os.environ.get("PYTHONPATH")])))
        env.pop("PYTHONSTARTUP", None)
        with _lock:
            if self.cancelled():
                os.close(read_end), os.close(write_end)
                self.outcome.cancelled = True
                return self.outcome
            try:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "bpdebug.teach.homework.child", str(self.job_dir)],
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    pass_fds=(write_end,), cwd=self.job_dir, env=env, start_new_session=True)
            finally:
                os.close(write_end)
            _live.add(self)
        try:
            self._watch(read_end)
        finally:
            os.close(read_end)
            self._end()  # whatever the student started is ended with the child
            self.process.wait()
            self.process.stdout.close()
            with _lock:
                _live.discard(self)
        outcome = self.outcome
        outcome.returncode = self.process.returncode
        outcome.cancelled = self.cancelled() and outcome.phase != "done"
        where = self.job_dir / "where.txt"
        if where.is_file():
            outcome.where = where.read_text(errors="replace")[-20000:]
        return outcome

    def _watch(self, status_fd: int) -> None:
        process, outcome = self.process, self.outcome
        out_fd = process.stdout.fileno()
        os.set_blocking(out_fd, False)
        os.set_blocking(status_fd, False)
        selector = selectors.DefaultSelector()
        selector.register(out_fd, selectors.EVENT_READ, "out")
        selector.register(status_fd, selectors.EVENT_READ, "status")
        pidfd = None
        if hasattr(os, "pidfd_open"):
            try:
                pidfd = os.pidfd_open(process.pid)
                selector.register(pidfd, selectors.EVENT_READ, "exit")
            except OSError:
                pidfd = None
        pending = b""
        deadline = time.monotonic() + STARTUP
        try:
            while True:
                if self.cancelled():
                    break
                wait = max(0.0, deadline - time.monotonic())
                if pidfd is None:
                    wait = min(wait, 0.2)  # no pidfd: look at the process now and then
                for key, _ in selector.select(wait):
                    if key.data == "out":
                        self._read_output(selector, out_fd)
                    elif key.data == "status":
                        data = _read(status_fd)
                        if not data:
                            selector.unregister(status_fd)
                            continue
                        pending += data
                        *lines, pending = pending.split(b"\n")
                        for line in lines:
                            deadline = self._status(line, deadline)
                if process.poll() is not None:
                    break
                if time.monotonic() >= deadline:
                    outcome.timed_out = _calling(outcome.phase)
                    if not outcome.timed_out:
                        outcome.internal = (f"the child process did not start within "
                                            f"{STARTUP:g} s" if outcome.phase is None
                                            else "the child process did not finish writing")
                    break
        finally:
            self._end()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            # Whatever is left in the pipes (a grandchild in its own session may hold
            # them open: read what is there, never wait for an end of file).
            try:
                for line in (pending + (_read(status_fd, drain=True) or b"")).split(b"\n"):
                    self._status(line, deadline)
                self._read_output(selector, out_fd, drain=True)
            except OSError:
                pass
            selector.close()
            if pidfd is not None:
                os.close(pidfd)

    def _status(self, line: bytes, deadline: float) -> float:
        if not line.strip():
            return deadline
        try:
            message = json.loads(line)
        except ValueError:
            return deadline
        if not isinstance(message, dict):
            return deadline
        self.outcome.statuses.append(message)
        if "phase" in message:
            self.outcome.phase = message["phase"]
            limit = self.timeout + GRACE if _calling(message["phase"]) else STARTUP
            return time.monotonic() + limit
        if "exit" in message:
            self.outcome.exit_call = message
        if "internal" in message:
            self.outcome.internal = str(message["internal"])
        return deadline

    def _read_output(self, selector, fd: int, drain: bool = False) -> None:
        outcome = self.outcome
        while True:
            data = _read(fd)
            if not data:
                if data == b"" and fd in selector.get_map():
                    selector.unregister(fd)
                return
            room = KEEP - len(outcome.output)
            if room > 0:
                outcome.output += data[:room]
                data = data[room:]
            outcome.more_lines += data.count(b"\n")
            if not drain:
                return


def _read(fd: int, drain: bool = False) -> bytes | None:
    """What a non-blocking pipe holds: b"" at its end, None when it is empty for now."""
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return b"".join(chunks) if chunks else None
        except OSError:
            return b"".join(chunks)
        if not data:
            return b"".join(chunks)
        chunks.append(data)
        if not drain:
            return data


def _calling(phase: str | None) -> bool:
    """The child is running the student's code (importing it, or one of its calls)."""
    return phase is not None and phase != "done"


def kill_all() -> None:
    """End every child still running (the app's q, an interrupted grading run)."""
    with _lock:
        live = list(_live)
    for child in live:
        child.kill()
