"""The warm process behind `bpdebug --serve`: it imports NumPy, Textual and the app once,
reads the scenario once, and forks one session per browser tab.  A session then starts
in a fraction of the time a fresh interpreter takes (most of that time is imports), and
shares the pages it does not change with its siblings.

    python -m bpdebug.cli.forkserver CONTROL_FD SERVER_PID MAX_MEMORY MAX_FILE_SIZE [SCENARIO]

serve.py starts it with the web driver's environment and one BLAS thread (a forked child
inherits no threads, so none may exist when it forks; here none ever do).  The two talk
over CONTROL_FD, a SOCK_SEQPACKET socket, one JSON message each way per event:

    server -> here   {"columns": C, "rows": R} with three descriptors: the session's
                     stdin, stdout and stderr (the pipes the web server speaks through)
    here -> server   {"started": PID}                          per request, in order
                     {"ended": PID, "status": "exit 0" | "SIGKILL"}   when one ends

A session is in its own process group (its id is its pid), so that serve.py can end it
and anything it started in one kill.  Nothing outlives the server: this process dies
with it (PR_SET_PDEATHSIG), each session dies with this process, and when the control
socket closes this process kills every session it still has before it exits.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import socket
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """SIGKILL when the parent ends; if it already has, end now."""
    if sys.platform.startswith("linux"):
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def kill_session(pid: int) -> None:
    """End a session and whatever it started, now: its process group, which bears its
    id (it may have ended already)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def warm(scenario_path: str | None, max_memory: int, max_file_size: int):
    """Everything a session needs that can be done once: imports, the scenario read."""
    import numpy  # noqa: F401 - imported here so that every session has it for nothing
    import textual.drivers.web_driver  # noqa: F401 - the driver TEXTUAL_DRIVER names

    import bpdebug.app.app  # noqa: F401
    from bpdebug.scenario import load

    scenario = load(scenario_path, max_memory=max_memory,
                    max_file_size=max_file_size) if scenario_path else None
    gc.collect()
    gc.freeze()  # what is imported now stays shared: no collection touches its pages
    return scenario


def session(scenario, columns: int, rows: int, fds: list[int], parent: int) -> None:
    """In the forked child: become the tab's session and never return."""
    code = 1
    try:
        os.setpgid(0, 0)
        die_with_parent(parent)
        for number in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.closerange(3, _max_fd())
        os.environ["COLUMNS"], os.environ["ROWS"] = str(columns), str(rows)
        from bpdebug.app.app import run
        code = run(scenario)
    except BaseException:  # noqa: BLE001 - a session's failure shows in its own stderr
        import traceback
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - its pipe is already gone
                pass
        os._exit(code)


def _max_fd() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (OSError, ValueError):
        return 1024


def _status(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return signal.Signals(number).name
        except ValueError:
            return f"signal {number}"
    return f"exit {os.waitstatus_to_exitcode(status)}"


def serve(control: socket.socket, scenario) -> None:
    """Fork a session per request until the control socket closes."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake select
    live: set[int] = set()

    def send(message: dict) -> None:
        control.send(json.dumps(message).encode())

    me = os.getpid()
    try:
        while True:
            readable, _, _ = select.select([control, wake_r], [], [])
            if wake_r in readable:
                os.read(wake_r, 4096)
                while live:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                    if pid == 0:
                        break
                    live.discard(pid)
                    send({"ended": pid, "status": _status(status)})
            if control in readable:
                data, fds, _, _ = socket.recv_fds(control, 4096, 3)
                if not data:
                    return
                request = json.loads(data)
                if len(fds) != 3:
                    for fd in fds:
                        os.close(fd)
                    send({"refused": "a session needs three descriptors"})
                    continue
                pid = os.fork()
                if pid == 0:
                    control.close()
                    session(scenario, int(request["columns"]), int(request["rows"]), fds, me)
                try:
                    os.setpgid(pid, pid)  # as the child does: whichever runs first
                except OSError:  # the child got there first, or has already ended
                    pass
                for fd in fds:
                    os.close(fd)
                live.add(pid)
                send({"started": pid})
    finally:
        for pid in live:  # the server is gone: so are its sessions
            kill_session(pid)


def main() -> None:
    control_fd, parent, max_memory, max_file_size = (int(a) for a in sys.argv[1:5])
    scenario_path = sys.argv[5] if len(sys.argv) > 5 else None
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops us, not the terminal
    control = socket.socket(fileno=control_fd)
    scenario = warm(scenario_path, max_memory, max_file_size)
    try:
        serve(control, scenario)
    except (BrokenPipeError, ConnectionResetError):
        pass


if __name__ == "__main__":
    main()
