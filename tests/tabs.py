"""Browser tabs without a browser: textual-serve's page protocol spoken over aiohttp, as
textual.js speaks it (static/js/textual.js): the websocket opens on /ws?width=W&height=H
(the size the page guessed), then sends ["resize", {width, height}] with the terminal's
fitted size and a ["ping", ...]; keys go as ["stdin", text]; binary messages are the
terminal's output.  Shared by tests/test_serve.py and bench/serve_bench.py, with a
`bpdebug --serve` run as a teacher runs it (served()) whose log lines can be waited on.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
HANG_GUARD = 120.0  # seconds before a wait gives up: a hang guard, never a delay

# Escape sequences, so that the text a frame paints can be searched.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[P\]][^\x1b\x07]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
FIRST_SCREEN = "n Next"  # the footer: the app has drawn its first screen
STEPPED = "step 1/"  # the status line after the first n


def text(data: bytes) -> str:
    return _ESCAPES.sub(b"", data).decode("utf-8", errors="replace")


class Served:
    """A `bpdebug --serve` process and what it has printed so far."""

    def __init__(self, process: subprocess.Popen, url: str) -> None:
        self.process, self.url = process, url
        self.lines: list[str] = []
        self._said = threading.Condition()

    def _drain(self) -> None:
        for line in self.process.stdout:
            with self._said:
                self.lines.append(line.rstrip("\n"))
                self._said.notify_all()
        with self._said:
            self.lines.append(None)  # the end of its output
            self._said.notify_all()

    def wait_line(self, wanted: Callable[[str], bool], start: int = 0) -> str:
        """The first line from `start` on for which wanted(line); waits for it."""
        with self._said:
            index = start
            while True:
                while index < len(self.lines):
                    line = self.lines[index]
                    if line is None:
                        raise AssertionError("bpdebug --serve ended without saying it:\n"
                                             + "\n".join(l for l in self.lines if l))
                    if wanted(line):
                        return line
                    index += 1
                if not self._said.wait(HANG_GUARD):
                    raise AssertionError("no such line:\n" + "\n".join(self.lines))

    def descendants(self) -> set[int]:
        """Every process started under the server (the warm process, the sessions)."""
        return descendants(self.process.pid)

    def stop(self, how: int = signal.SIGTERM) -> int:
        self.process.send_signal(how)
        return self.process.wait(timeout=HANG_GUARD)


@contextmanager
def served(*args: str) -> Iterator[Served]:
    """`bpdebug --serve ARGS` on a free port of 127.0.0.1, once it says it is serving.
    Stopped at the end if the test has not stopped it."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bpdebug", "--serve", *args, "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        text=True, encoding="utf-8", errors="replace")
    server = Served(process, f"http://127.0.0.1:{port}/")
    threading.Thread(target=server._drain, daemon=True).start()
    try:
        server.wait_line(lambda line: line.startswith("bpdebug: serving"))
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=HANG_GUARD)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(root: int) -> set[int]:
    """The processes below `root`, from /proc (Linux)."""
    children = _children()
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def children(parent: int) -> set[int]:
    return set(_children().get(parent, []))


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    return children


def logged_pid(line: str) -> int:
    """The session's pid in a log line: "session 3 from 127.0.0.1 (pid 4242): …"."""
    return int(re.search(r"\(pid (\d+)\)", line).group(1))


def cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace").split("\0")
    except OSError:
        return []


def forked_for(server: int) -> set[int]:
    """Every process on this machine that is `server`'s warm process or a session forked
    from it, wherever it was re-parented to: their command line names the server's pid
    (forkserver.py's argv)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            argv = cmdline(int(entry))
            if "bpdebug.cli.forkserver" in argv:
                at = argv.index("bpdebug.cli.forkserver")
                if argv[at + 2:at + 3] == [str(server)] and alive(int(entry)):
                    found.add(int(entry))
    return found


def warm_process(server: int) -> int:
    """The warm process of a running server (its child)."""
    [warm] = [pid for pid in children(server) if "bpdebug.cli.forkserver" in cmdline(pid)]
    return warm


def alive(pid: int) -> bool:
    """Running or not yet reaped by anyone (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pid: int, bound: float = HANG_GUARD) -> bool:
    """Wait (on the kernel, through a pidfd) until pid has ended; False if it has not
    within the hang guard."""
    try:
        fd = os.pidfd_open(pid)
    except (OSError, AttributeError):
        return not alive(pid)
    try:
        select.select([fd], [], [], bound)
    finally:
        os.close(fd)
    return not alive(pid)


class Tab:
    """One browser tab on a served page."""

    def __init__(self, http, url: str, width: int = 120, height: int = 36) -> None:
        self.http, self.url, self.width, self.height = http, url, width, height
        self.data = b""  # everything the terminal has been sent
        self.ws = None
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason = ""
        self.opened_at = 0.0
        self._new = asyncio.Event()
        self._reader: asyncio.Task | None = None

    async def open(self, guess: tuple[int, int] | None = None) -> "Tab":
        """Load the page and connect as textual.js does: the query carries the page's
        first guess of the size (default: a few rows fewer than the fitted terminal, as
        a browser's first guess is), then the fitted size is sent."""
        import aiohttp

        self.opened_at = time.monotonic()
        async with self.http.get(self.url) as page:
            self.page_status, self.page = page.status, await page.text()
        width, height = guess or (self.width, self.height - 5)
        self.ws = await self.http.ws_connect(f"{self.url.replace('http', 'ws', 1)}ws?"
                                             f"width={width}&height={height}")
        self._reader = asyncio.create_task(self._read(aiohttp.WSMsgType))
        await self.send("resize", {"width": self.width, "height": self.height})
        await self.send("ping", str(int(time.time() * 1000)))
        return self

    async def _read(self, kinds) -> None:
        try:
            while True:
                message = await self.ws.receive()
                if message.type == kinds.BINARY:
                    self.data += message.data
                    self._new.set()
                elif message.type == kinds.CLOSE:  # the server's reason is in .extra
                    self.close_reason = message.extra or ""
                    break
                elif message.type in (kinds.CLOSING, kinds.CLOSED, kinds.ERROR):
                    break
        finally:
            self.close_code = self.ws.close_code
            self.closed.set()
            self._new.set()

    async def send(self, kind: str, *payload) -> None:
        await self.ws.send_str(json.dumps([kind, *payload]))

    async def press(self, key: str) -> None:
        await self.send("stdin", key)

    async def shows(self, needle: str, since: int = 0) -> str:
        """Wait until the output after byte `since` paints `needle`; the text painted
        (each new message is searched with a margin before it, not everything again)."""
        looked = since
        while True:
            painted = text(self.data[max(since, looked - 4096):])
            looked = len(self.data)
            if needle in painted:
                return painted
            if self.closed.is_set():
                raise AssertionError(f"the tab closed ({self.close_code} {self.close_reason!r}) "
                                     f"before showing {needle!r}")
            self._new.clear()
            await asyncio.wait_for(self._new.wait(), HANG_GUARD)

    async def drawn(self) -> None:
        """Wait until the first screen is painted at this tab's size: the footer's keys
        on its last row (Textual places each row with ESC[row;1H)."""
        footer = re.compile(rb"\x1b\[%d;1H(?:\x1b\[[0-9;]*m)* ?n ?(?:\x1b\[[0-9;]*m)* ?Next"
                            % self.height)  # a narrow footer drops the spaces
        looked = 0
        while not footer.search(self.data, max(0, looked - 4096)):
            looked = len(self.data)
            if self.closed.is_set():
                raise AssertionError(f"the tab closed ({self.close_code} {self.close_reason!r}) "
                                     "before its first screen")
            self._new.clear()
            await asyncio.wait_for(self._new.wait(), HANG_GUARD)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader

