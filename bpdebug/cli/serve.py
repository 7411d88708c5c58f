"""Classroom mode: the debugger in browser tabs, served by textual-serve (`bpdebug[serve]`).

Each tab gets its own session, a process forked from a warm one (forkserver.py) that has
already imported NumPy, Textual and the app and read the scenario; a fixed command line
built from what the teacher typed starts that process, so a browser can open only the
bundled scenarios (through the picker) or the one scenario named, never a file of its own
choosing and never a student's --impl: nothing the page sends reaches a command line.

What holds a lecture together:
- warm starts: sessions are forked, not started as fresh interpreters, and up to POOL of
  them are started ahead of their tabs (Pool), so a class opening the page in the same
  second gets its first screens in a fraction of a second (bench/serve_bench.py);
- a cap (--max-sessions): a tab beyond it gets "the class is full" and the others go on;
- idle tabs end (--idle-timeout): no key or resize for that long ends the session;
- a session ends the moment its tab does (closed, reloaded, crashed, or before the app
  had started): its process group is killed.  The session is not asked to quit, because
  there is nothing in it to save, and because asking can hang it: Textual's exit holds a
  batch of screen updates that it never releases, and a Resize that reaches the screen
  then re-posts itself with a refresh between (so two sizes in flight, the page's first
  guess and its fitted terminal, never merge); the screen's queue is never empty, its
  task never yields, and the event loop starves for good, at 100% CPU and deaf to SIGTERM,
  which Textual handles on that loop.  A quit sent while the app starts does exactly that;
- stopping the server (Ctrl-C, SIGTERM) ends every session at once, and no process
  outlives it (forkserver.py);
- one log line per session: when, how long, and why it ended.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bpdebug.cli.forkserver import kill_session

WEB = Path(__file__).resolve().parent / "web"

IDLE_TIMEOUT = 1800.0  # seconds: a lecture's pause, not a night
PER_CORE = 15  # sessions per core the default cap allows (bench/serve_bench.py)
POOL = 32  # sessions started ahead of their tabs at most: a class's worth
SESSION_MEMORY = 128 << 20  # bytes the default cap reserves per session, above its measured use
END_GRACE = 10.0  # seconds for a killed session to be reaped before the log says so

# Why a session ended, in its log line and (where a tab is still there) on its page.
FULL = "the class is full ({n} sessions); try again in a minute"
IDLE = ("this session ended after {idle} without a key; reload the page to start again")
STOPPED = "the class is over: the server stopped"


class ServeError(Exception):
    """Why classroom mode cannot start, as one line."""


@dataclass(frozen=True)
class Options:
    scenario: Path | None  # None: the picker of bundled scenarios
    title: str
    host: str
    port: int
    max_memory: int
    max_file_size: int
    max_sessions: int
    idle_timeout: float
    cap_why: str = ""  # how the default cap was worked out ("" when the teacher gave it)


def command(scenario: Path | None, max_memory: int, max_file_size: int, control: int,
            parent: int) -> list[str]:
    """The warm process's command line: this Python, this bpdebug, this scenario (None:
    the picker), and where it hears from the server."""
    return [sys.executable, "-m", "bpdebug.cli.forkserver", str(control), str(parent),
            str(max_memory), str(max_file_size), *([str(scenario)] if scenario is not None else [])]


def default_max_sessions() -> tuple[int, str]:
    """The cap when none is given, and how it was worked out."""
    cores = os.cpu_count() or 1
    by_cores = PER_CORE * cores
    available = _available_memory()
    by_memory = max(1, available // 2 // SESSION_MEMORY) if available else by_cores
    why = (f"{PER_CORE} per core on {cores} core{'s' if cores != 1 else ''}" if by_cores <= by_memory
           else f"half of the {_size(available)} of memory free, {_size(SESSION_MEMORY)} a session")
    return min(by_cores, by_memory), why


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (OSError, ValueError, AttributeError):
        return None


def _size(n: int) -> str:
    return f"{n / (1 << 30):.1f} GiB" if n >= 1 << 30 else f"{n >> 20} MiB"


def duration(seconds: float) -> str:
    """12 s, 4 min 3 s, 1 h 2 min."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min" + (f" {seconds % 60} s" if seconds % 60 else "")
    return f"{seconds // 3600} h" + (f" {seconds % 3600 // 60} min" if seconds % 3600 // 60 else "")


def addresses() -> list[str]:
    """This machine's own IPv4 addresses, loopback last: what a student can open when the
    server listens on every network (0.0.0.0)."""
    found: set[str] = set()
    if hasattr(socket, "if_nameindex") and sys.platform.startswith("linux"):
        import fcntl
        import struct
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            for _, name in socket.if_nameindex():
                try:  # SIOCGIFADDR: the interface's address
                    raw = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))
                    found.add(socket.inet_ntoa(raw[20:24]))
                except OSError:  # no IPv4 address on it
                    pass
    try:  # the address of the default route (a UDP connect sends nothing)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            found.add(probe.getsockname()[0])
    except OSError:
        pass
    try:
        found.update(info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None,
                                                                 socket.AF_INET))
    except OSError:
        pass
    return sorted(found, key=lambda a: (a.startswith("127."), [int(p) for p in a.split(".")]))


def urls(host: str, port: int) -> list[str]:
    every = host in ("0.0.0.0", "::", "")
    return [f"http://{a}:{port}/" for a in (addresses() if every else [host])] or [
        f"http://127.0.0.1:{port}/"]


# ---- the warm process, from the server's side ------------------------------------------


@dataclass
class Spawned:
    pid: int
    stdin: int  # descriptors of the pipes the session speaks through (ours to close)
    stdout: int
    stderr: int


class ForkServer:
    """Starts forkserver.py, asks it for sessions, hears when they end, kills them."""

    def __init__(self, scenario: Path | None, max_memory: int, max_file_size: int) -> None:
        self.scenario, self.max_memory, self.max_file_size = scenario, max_memory, max_file_size
        self.process: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self.waiting: list[asyncio.Future] = []  # spawn requests, answered in order
        self.ended: dict[int, asyncio.Future] = {}  # pid -> its status, once reaped

    def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = dict(os.environ, TEXTUAL_DRIVER="textual.drivers.web_driver:WebDriver",
                   TEXTUAL_FPS="60", TEXTUAL_COLOR_SYSTEM="truecolor", TERM_PROGRAM="textual",
                   # One BLAS thread: none may exist when the warm process forks, and a
                   # classroom of sessions shares the cores anyway.
                   OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        argv = command(self.scenario, self.max_memory, self.max_file_size, theirs.fileno(),
                       os.getpid())
        self.process = subprocess.Popen(argv, pass_fds=[theirs.fileno()], env=env,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        ours.setblocking(False)
        self.control = ours
        asyncio.get_running_loop().add_reader(ours.fileno(), self._read)

    def _read(self) -> None:
        try:
            data = self.control.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # it ended: every session it had is gone with it
            self._lost()
            return
        message = json.loads(data)
        if "started" in message or "refused" in message:
            future = self.waiting.pop(0)
            if not future.done():
                if "started" in message:
                    future.set_result(message["started"])
                else:
                    future.set_exception(ServeError(message["refused"]))
        elif "ended" in message:
            future = self.ended.setdefault(message["ended"],
                                           asyncio.get_running_loop().create_future())
            if not future.done():
                future.set_result(message["status"])

    def _lost(self) -> None:
        asyncio.get_running_loop().remove_reader(self.control.fileno())
        self.control.close()
        self.control = None
        for future in self.waiting:
            if not future.done():
                future.set_exception(ServeError("the warm process ended"))
        self.waiting.clear()
        for future in self.ended.values():
            if not future.done():
                future.set_result("ended with the warm process")

    async def spawn(self, columns: int, rows: int) -> Spawned:
        if self.control is None:  # it died (it never should): start another
            if self.process is not None:
                self.process.wait()
            self.start()
        stdin_r, stdin_w = os.pipe()
        stdout_r, stdout_w = os.pipe()
        stderr_r, stderr_w = os.pipe()
        future = asyncio.get_running_loop().create_future()
        self.waiting.append(future)
        try:
            socket.send_fds(self.control, [json.dumps({"columns": columns, "rows": rows}).encode()],
                            [stdin_r, stdout_w, stderr_w])
        except OSError as error:
            self.waiting.remove(future)
            for fd in (stdin_w, stdout_r, stderr_r):
                os.close(fd)
            raise ServeError(f"the warm process cannot be reached: {error}") from None
        finally:
            for fd in (stdin_r, stdout_w, stderr_w):
                try:
                    os.close(fd)
                except OSError:
                    pass
        try:
            pid = await future
        except BaseException:
            for fd in (stdin_w, stdout_r, stderr_r):
                os.close(fd)
            raise
        self.ended.setdefault(pid, asyncio.get_running_loop().create_future())
        return Spawned(pid, stdin_w, stdout_r, stderr_r)

    def kill(self, pid: int) -> None:
        """End a session and whatever it started, now (its process group)."""
        future = self.ended.get(pid)
        if future is not None and future.done():
            return  # reaped: the id may be someone else's by now
        kill_session(pid)

    async def reaped(self, pid: int, bound: float = END_GRACE) -> str | None:
        """How the session ended, once the warm process has reaped it (None: not yet)."""
        future = self.ended.get(pid)
        if future is None:
            return None
        try:
            status = await asyncio.wait_for(asyncio.shield(future), bound)
        except asyncio.TimeoutError:
            return None
        self.ended.pop(pid, None)
        return status

    async def stop(self) -> None:
        """Close the control socket (the warm process kills what it has left and exits);
        kill it if it does not."""
        if self.control is not None:
            self._lost()
        if self.process is None:
            return
        try:
            await asyncio.wait_for(asyncio.to_thread(self.process.wait), END_GRACE)
        except asyncio.TimeoutError:
            self.process.kill()
            await asyncio.to_thread(self.process.wait)


# ---- the class: who is in it, and the log ----------------------------------------------


@dataclass(eq=False)
class Tab:
    number: int
    peer: str
    started: float = field(default_factory=time.time)
    active: float = field(default_factory=time.monotonic)  # the last key or resize
    pid: int | None = None
    why: str = ""  # why it ended: "the tab closed" unless something else said first

    def end(self, why: str) -> None:
        if not self.why:
            self.why = why


class Class:
    """The sessions of one server: the cap, and one log line per session."""

    def __init__(self, max_sessions: int) -> None:
        self.max_sessions = max_sessions
        self.tabs: set[Tab] = set()
        self.count = 0
        self.out = sys.stdout

    def full(self) -> bool:
        return len(self.tabs) >= self.max_sessions

    def open(self, peer: str) -> Tab | None:
        """A session for a new tab, or None (and a log line) when the class is full."""
        if self.full():
            self.log(f"turned a tab away from {peer}: "
                     + FULL.format(n=self.max_sessions))
            return None
        self.count += 1
        tab = Tab(self.count, peer)
        self.tabs.add(tab)
        return tab

    def close(self, tab: Tab, status: str | None) -> None:
        self.tabs.discard(tab)
        ended = time.time()
        span = f"{time.strftime('%H:%M:%S', time.localtime(tab.started))}–" \
               f"{time.strftime('%H:%M:%S', time.localtime(ended))}"
        how = "" if status in (None, "SIGKILL", "exit 0") else f", {status}"
        if status is None and tab.pid is not None:
            how = ", still not reaped"
        pid = f" (pid {tab.pid})" if tab.pid is not None else ""
        self.log(f"session {tab.number} from {tab.peer}{pid}: {span}, "
                 f"{duration(ended - tab.started)}, ended: {tab.why or 'the tab closed'}{how} "
                 f"({len(self.tabs)} open)")

    def log(self, text: str) -> None:
        print(f"bpdebug: {text}", file=self.out, flush=True)


# ---- the web server ----------------------------------------------------------------------


def serve(options: Options) -> None:
    """Serve until Ctrl-C or SIGTERM.  Raises ServeError when textual-serve is missing or
    the address cannot be bound."""
    if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
        raise ServeError("--serve needs a system with fork (Linux, macOS)")
    try:
        import aiohttp_jinja2
        from aiohttp import WSCloseCode, WSMsgType, web
        from aiohttp.web_runner import GracefulExit
        from textual_serve.app_service import AppService
        from textual_serve.server import Server
    except ImportError:
        raise ServeError("--serve needs textual-serve: pip install 'bpdebug[serve]'") from None

    forks = ForkServer(options.scenario, options.max_memory, options.max_file_size)
    room = Class(options.max_sessions)
    sockets: dict[Tab, web.WebSocketResponse] = {}

    class Session(AppService):
        """textual-serve's protocol with one session, whose process comes from the warm
        one and is killed, not asked, when the tab ends.  It may start before any tab
        asks for it (the pool): what it sends meanwhile is kept, and given to the tab
        that takes it."""

        pid: int | None = None
        size: tuple[int, int] = (80, 24)

        def __init__(self) -> None:
            super().__init__("", write_bytes=self._keep, write_str=self._keep,
                             close=self._keep_close, download_manager=server.download_manager)
            self.kept: list = []  # what the app sent before a tab took it
            self.said = 0.0  # when the app last sent anything (the loop's clock)

        async def on_data(self, payload: bytes) -> None:
            self.said = asyncio.get_running_loop().time()
            await super().on_data(payload)

        async def drawn(self, quiet: float = 0.25) -> None:
            """Until the app has drawn and then gone quiet (its first screen is done),
            within END_GRACE: it paces the pool and starts the idle clock."""
            loop = asyncio.get_running_loop()
            until = loop.time() + END_GRACE
            while self.running and loop.time() < until:
                if self.said and loop.time() - self.said >= quiet:
                    return
                await asyncio.sleep(quiet / 2)

        async def _keep(self, data) -> None:
            self.kept.append(data)

        async def _keep_close(self) -> None:
            self.kept.append(None)

        async def attach(self, websocket) -> None:
            """From now on the app speaks to this tab: first what it already said."""
            while self.kept:
                data = self.kept.pop(0)
                if data is None:
                    await websocket.close(message=b"the session ended")
                elif isinstance(data, bytes):
                    await websocket.send_bytes(data)
                else:
                    await websocket.send_str(data)
            # No await since the last check: nothing can be kept in between.
            self.remote_write_bytes, self.remote_write_str = websocket.send_bytes, websocket.send_str
            self.remote_close = websocket.close

        @property
        def running(self) -> bool:
            return self._task is not None and not self._task.done()

        async def _open_app_process(self, width: int = 80, height: int = 24):
            spawned = await forks.spawn(width, height)
            self.pid, self.size = spawned.pid, (width, height)
            loop = asyncio.get_running_loop()
            streams = type("Streams", (), {})()
            for name in ("stdout", "stderr"):
                reader = asyncio.StreamReader(limit=1 << 20)
                await loop.connect_read_pipe(lambda r=reader: asyncio.StreamReaderProtocol(r),
                                             os.fdopen(getattr(spawned, name), "rb", 0))
                setattr(streams, name, reader)
            transport, protocol = await loop.connect_write_pipe(
                asyncio.streams.FlowControlMixin, os.fdopen(spawned.stdin, "wb", 0))
            self._stdin = asyncio.StreamWriter(transport, protocol, None, loop)
            self._process = streams
            return streams

        async def stop(self) -> None:
            if self.pid is not None:
                forks.kill(self.pid)
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            if self._task is not None:
                try:  # it ends at the pipe's end, which the kill brings
                    await asyncio.wait_for(self._task, END_GRACE)
                except asyncio.TimeoutError:
                    self._task.cancel()
                self._task = None
            if self._stdin is not None:
                self._stdin.close()

    class Pool:
        """Sessions started before their tabs, each drawn at the size the last tab had:
        a tab that takes one only has it resized (a quarter of a start's work), so a
        class opening the page at once is not a class of interpreters starting at once.
        Started one at a time, so that they never crowd out a tab's own start; a tab may
        take one still starting.  The pool and the tabs together stay within the cap."""

        def __init__(self, size: int) -> None:
            self.size = size
            self.ahead: list[asyncio.Task] = []  # each gives a started Session
            self.filling: asyncio.Task | None = None
            self.terminal = (120, 36)
            self.stopped = False

        async def take(self, width: int, height: int) -> Session | None:
            self.terminal = (width, height)
            while self.ahead:
                try:
                    session = await self.ahead.pop(0)
                except ServeError:
                    continue
                if session.running:
                    return session
                await session.stop()
            return None

        def fill(self) -> None:
            if not self.stopped and (self.filling is None or self.filling.done()):
                self.filling = asyncio.ensure_future(self._fill())

        async def _fill(self) -> None:
            while (not self.stopped and len(self.ahead) < self.size
                   and len(self.ahead) + len(room.tabs) < room.max_sessions):
                started = asyncio.ensure_future(self._start(*self.terminal))
                self.ahead.append(started)
                try:
                    await asyncio.shield(started)
                except ServeError as error:
                    room.log(f"could not start a session ahead: {error}")
                    return

        @staticmethod
        async def _start(width: int, height: int) -> Session:
            session = Session()
            await session.start(width, height)
            await session.drawn()
            return session

        async def stop(self) -> None:
            self.stopped = True
            sessions = [s for s in await asyncio.gather(*self.ahead, return_exceptions=True)
                        if isinstance(s, Session)]
            for session in sessions:
                if session.pid is not None:
                    forks.kill(session.pid)
            await asyncio.gather(*(session.stop() for session in sessions),
                                 return_exceptions=True)
            self.ahead.clear()

    pool = Pool(min(options.max_sessions, POOL))

    class ClassroomServer(Server):
        # textual-serve builds the page's websocket address from the address it was bound
        # to, which is useless to other machines for 0.0.0.0; use the address the browser
        # itself asked for.  The page is our own (web/index.html): no fonts from the
        # internet, the terminal takes the keyboard as soon as it is drawn, and it shows
        # why a session ended.
        async def handle_index(self, request):
            if room.full():
                room.log(f"turned a tab away from {request.remote}: "
                         + FULL.format(n=room.max_sessions))
                return aiohttp_jinja2.render_template(
                    "full.html", request, {"title": self.title,
                                           "why": FULL.format(n=room.max_sessions)}, status=503)
            origin = f"{request.scheme}://{request.host}"
            ws = "wss" if request.scheme == "https" else "ws"
            return aiohttp_jinja2.render_template("index.html", request, {
                "title": self.title,
                "static_url": f"{origin}/static/",
                "websocket_url": f"{ws}://{request.host}/ws",
                "font_size": max(8, min(40, _int(request.query.get("fontsize"), 16))),
            })

        async def handle_websocket(self, request):
            websocket = web.WebSocketResponse(heartbeat=15)
            await websocket.prepare(request)
            tab = room.open(str(request.remote))
            if tab is None:
                await websocket.close(code=WSCloseCode.TRY_AGAIN_LATER,
                                      message=FULL.format(n=room.max_sessions).encode())
                return websocket
            sockets[tab] = websocket
            session = idle = None
            status = None
            try:
                # The page's query holds its first guess of the terminal's size; the fitted
                # size follows at once, before its first ping.  Starting at that size saves
                # the session a second layout and paint of its first screen.
                size = (_int(request.query.get("width"), 80), _int(request.query.get("height"), 24))
                first = await _first_message(websocket)
                if websocket.closed:  # gone before it said its size: nothing to start
                    return websocket
                size = _resize(first) or size
                session = await pool.take(*size)
                if session is None:
                    session = Session()
                    await session.start(*size)
                tab.pid = session.pid
                await session.attach(websocket)
                if session.size != size:
                    await session.set_terminal_size(*size)
                idle = asyncio.create_task(self._idle(tab, websocket, session))
                pool.fill()
                session._task.add_done_callback(  # the app ended by itself (q, a crash)
                    lambda _: (tab.end("the app ended"),
                               asyncio.ensure_future(websocket.close(message=b"the session ended"))))
                if first is not None and _resize(first) is None:
                    await self._message(tab, websocket, session, first)
                await self._messages(tab, websocket, session)
            except ServeError as error:
                tab.end(f"could not start: {error}")
            except ConnectionError:  # closed while its session was given what it had drawn
                tab.end("the tab closed")
            except Exception as error:  # noqa: BLE001 - one tab's failure is logged, not fatal
                tab.end("the tab closed" if websocket.closed
                        else f"failed: {type(error).__name__}: {error}")
            finally:
                if idle is not None:
                    idle.cancel()
                tab.end("the tab closed")
                if session is not None:
                    await session.stop()
                    if session.pid is not None:
                        status = await forks.reaped(session.pid)
                if not websocket.closed:
                    await websocket.close()
                sockets.pop(tab, None)
                room.close(tab, status)
                pool.fill()
            return websocket

        async def _messages(self, tab: Tab, websocket, session) -> None:
            async for message in websocket:
                if message.type == WSMsgType.TEXT:
                    await self._message(tab, websocket, session, _envelope(message.data))

        async def _message(self, tab: Tab, websocket, session, envelope: list | None) -> None:
            kind = envelope[0] if envelope else None
            if kind in ("stdin", "ping") and len(envelope) != 2:
                return
            if kind == "stdin":
                tab.active = time.monotonic()
                await session.send_bytes(str(envelope[1]).encode("utf-8"))
            elif _resize(envelope):
                tab.active = time.monotonic()
                await session.set_terminal_size(*_resize(envelope))
            elif kind == "ping":
                await websocket.send_json(["pong", envelope[1]])
            elif kind == "blur":
                await session.blur()
            elif kind == "focus":
                await session.focus()

        async def _idle(self, tab: Tab, websocket, session: Session) -> None:
            await session.drawn()  # idle from its first screen on, however long that took
            tab.active = time.monotonic()
            while True:
                left = tab.active + options.idle_timeout - time.monotonic()
                if left <= 0:
                    tab.end(f"idle for {duration(options.idle_timeout)}")
                    await websocket.close(
                        message=IDLE.format(idle=duration(options.idle_timeout)).encode())
                    return
                await asyncio.sleep(left)

        async def on_startup(self, app) -> None:
            forks.start()
            pool.fill()

        async def on_shutdown(self, app) -> None:
            tabs = list(sockets)
            for tab in tabs:  # every session at once, then the pages are told
                tab.end("the server stopped")
                if tab.pid is not None:
                    forks.kill(tab.pid)
            await pool.stop()
            room.log(f"stopping: ended {len(tabs)} session{'s' if len(tabs) != 1 else ''}")
            await asyncio.gather(*(sockets[tab].close(code=WSCloseCode.GOING_AWAY,
                                                      message=STOPPED.encode())
                                   for tab in tabs if tab in sockets), return_exceptions=True)

        async def on_cleanup(self, app) -> None:
            await forks.stop()

        async def _make_app(self):
            app = await super()._make_app()
            app.on_cleanup.append(self.on_cleanup)
            return app

        def request_exit(self) -> None:
            raise GracefulExit()

        def serve(self, debug: bool = False) -> None:
            # As textual-serve's serve(), but quiet (one line per session is ours to
            # print), and the address is announced once the socket is bound (aiohttp's
            # print hook), so the line can be waited on.
            self.debug = debug
            loop = asyncio.new_event_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self.request_exit)
            web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False,
                        loop=loop, access_log=None, shutdown_timeout=END_GRACE,
                        print=lambda _: _banner(options, room))

    server = ClassroomServer("", host=options.host, port=options.port, title=options.title,
                             templates_path=WEB)
    try:
        server.serve()
    except OSError as error:  # the port is taken, or the host is not this machine's
        why = error.strerror or error
        raise ServeError(f"--serve: cannot listen on {options.host}:{options.port}: {why}") from None


def _banner(options: Options, room: Class) -> None:
    where = urls(options.host, options.port)
    every = options.host in ("0.0.0.0", "::", "")
    print(f"bpdebug: serving {options.title} on {where[0]}"
          + (f" (and {len(where) - 1} more address{'es' if len(where) > 2 else ''} below)"
             if len(where) > 1 else "")
          + " (one session per browser tab; Ctrl+C stops)", flush=True)
    if every:
        print("  students open any of: " + "  ".join(where), flush=True)
    cap = f"{options.cap_why}; --max-sessions N" if options.cap_why else "--max-sessions"
    ahead = min(room.max_sessions, POOL)
    print(f"bpdebug: at most {room.max_sessions} sessions at once ({cap}), {ahead} started "
          f"ahead of their tabs; a tab idle for {duration(options.idle_timeout)} ends "
          "(--idle-timeout)", flush=True)


FIRST_MESSAGE = 2.0  # seconds to wait for the page's fitted size before starting without it


async def _first_message(websocket) -> list | None:
    """The page's first message (its fitted size, or a ping), or None."""
    try:
        message = await websocket.receive(timeout=FIRST_MESSAGE)
    except asyncio.TimeoutError:
        return None
    return _envelope(message.data) if isinstance(message.data, str) else None


def _envelope(data: str) -> list | None:
    """A message of textual.js: ["stdin", text], ["resize", {width, height}], ["ping", t]…"""
    try:
        envelope = json.loads(data)
    except ValueError:
        return None
    return envelope if isinstance(envelope, list) and envelope and len(envelope) <= 2 else None


def _resize(envelope: list | None) -> tuple[int, int] | None:
    if envelope and envelope[0] == "resize" and len(envelope) == 2 and isinstance(envelope[1], dict):
        return _int(envelope[1].get("width"), 80), _int(envelope[1].get("height"), 24)
    return None


def _int(text, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except (TypeError, ValueError):
        return default
