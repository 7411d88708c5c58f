"""Classroom mode: the debugger in browser tabs, served by textual-serve (`bpdebug[serve]`).

textual-serve starts one bpdebug process per browser tab (per websocket) from a fixed
command line, built here from what the teacher typed.  So a browser can open only the
bundled scenarios (through the picker) or the one scenario named, never a file of its own
choosing and never a student's --impl: nothing the page sends reaches the command line.
"""

from __future__ import annotations

import asyncio
import shlex
import signal
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parent / "web"


class ServeError(Exception):
    """Why classroom mode cannot start, as one line."""


def command(scenario: Path | None, max_memory: int, max_file_size: int) -> str:
    """The shell command textual-serve runs for each tab: this Python, this bpdebug, the
    limits the scenario was loaded with."""
    argv = [sys.executable, "-m", "bpdebug", "--max-memory", str(max_memory),
            "--max-file-size", str(max_file_size)]
    return shlex.join(argv + ([str(scenario)] if scenario is not None else []))


def serve(scenario: Path | None, title: str, host: str, port: int, max_memory: int,
          max_file_size: int) -> None:
    """Serve until Ctrl-C.  Raises ServeError when textual-serve is missing or the
    address cannot be bound."""
    try:
        import aiohttp_jinja2
        from aiohttp import web
        from textual_serve.server import Server
    except ImportError:
        raise ServeError("--serve needs textual-serve: pip install 'bpdebug[serve]'") from None

    class ClassroomServer(Server):
        # textual-serve builds the page's websocket address from the address it was bound
        # to, which is useless to other machines for 0.0.0.0; use the address the browser
        # itself asked for.  The page is our own (web/index.html): no fonts from the
        # internet, and the terminal takes the keyboard as soon as it is drawn.
        @aiohttp_jinja2.template("index.html")
        async def handle_index(self, request):
            origin = f"{request.scheme}://{request.host}"
            ws = "wss" if request.scheme == "https" else "ws"
            return {
                "title": self.title,
                "static_url": f"{origin}/static/",
                "websocket_url": f"{ws}://{request.host}/ws",
                "font_size": max(8, min(40, _int(request.query.get("fontsize"), 16))),
            }

        async def on_startup(self, app) -> None:  # quiet: serve() says where, once bound
            pass

        def serve(self, debug: bool = False) -> None:
            # As textual-serve's serve(), but it announces the address only once the socket
            # is bound (aiohttp's print hook), so the line can be waited on.
            self.debug = debug
            self.initialize_logging()
            loop = asyncio.new_event_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                try:
                    loop.add_signal_handler(sig, self.request_exit)
                except NotImplementedError:  # Windows
                    pass
            web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False,
                        loop=loop, print=lambda _: print(ready, flush=True))

    url = f"http://{host}:{port}/"
    ready = f"bpdebug: serving {title} on {url} (one session per browser tab; Ctrl+C stops)"
    server = ClassroomServer(command(scenario, max_memory, max_file_size), host=host, port=port, title=title,
                             templates_path=WEB)
    try:
        server.serve()
    except OSError as error:  # the port is taken, or the host is not this machine's
        why = error.strerror or error
        raise ServeError(f"--serve: cannot listen on {host}:{port}: {why}") from None


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default
