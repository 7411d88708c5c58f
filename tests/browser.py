"""bpdebug --serve in headless Chromium, shared by tests/test_browser.py and the README's
browser screenshot (scripts/make_screenshots.py browser).

Playwright drives the system's Chromium (Debian's package, /usr/bin/chromium, or
$BPDEBUG_CHROMIUM): Playwright's own browser download is never used.  The terminal is read
as xterm.js holds it, the text it paints: textual.js keeps its Terminal to itself, so the
page gets a copy of the script that also hands it to window.bpdebugTerminal.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("BPDEBUG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 60_000  # how long a wait may take before the test fails, never a delay

# Where textual.js makes its terminal for the page's <div>: `const t=new w(e,{ping:r});`
_MADE = re.compile(r"const (\w+)=new \w+\(\w+,\{ping:\w+\}\);")
_UNHOOKED = "textual.js changed: no terminal hook"
_SCREEN = """() => {
  const t = window.bpdebugTerminal;
  if (!t) return "";
  const buffer = t.buffer.active, rows = [];
  for (let y = 0; y < t.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(*args: str) -> Iterator[str]:
    """`bpdebug --serve ARGS` on a free port of 127.0.0.1; the page's URL, once bpdebug
    says the socket is bound.  The server's output is drained so it never blocks."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bpdebug", "--serve", *args, "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        text=True, encoding="utf-8", errors="replace")
    seen: list[str] = []
    try:
        for line in process.stdout:
            seen.append(line)
            if line.startswith("bpdebug: serving"):
                break
        else:
            raise RuntimeError("bpdebug --serve stopped before serving:\n" + "".join(seen))
        threading.Thread(target=lambda: seen.extend(process.stdout), daemon=True).start()
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def chromium(width: int = 1280, height: int = 800):
    """A page in headless Chromium whose textual.js (in this page and any other the
    context opens) exposes its terminal."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM}: apt-get install chromium "
                           "(or set BPDEBUG_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/static/js/textual.js", _expose_terminal)
            yield context.new_page()
        finally:
            browser.close()


def _expose_terminal(route) -> None:
    response = route.fetch()
    hook = lambda made: made.group(0) + f"window.bpdebugTerminal={made.group(1)}.terminal;"  # noqa: E731
    script, found = _MADE.subn(hook, response.text(), count=1)
    # Without the hook every wait below would time out; say why instead.
    body = script if found else f'document.title = "{_UNHOOKED}";'
    route.fulfill(response=response, body=body)


def open_app(page, url: str) -> None:
    """Load the page and wait until the app has drawn its first screen."""
    page.goto(url)
    page.wait_for_function("title => window.bpdebugTerminal !== undefined "
                           "|| document.title == title", arg=_UNHOOKED)
    assert page.title() != _UNHOOKED, "textual-serve's textual.js changed: no terminal to read"
    wait_for_text(page, "n Next")


def screen(page) -> str:
    """The terminal's rows as xterm.js paints them."""
    return page.evaluate(_SCREEN)


def wait_for_text(page, *needles: str) -> str:
    """Wait (on the page, not a clock) until the screen shows every needle; the screen."""
    page.wait_for_function(f"needles => {{ const text = ({_SCREEN})(); "
                           "return needles.every(n => text.includes(n)); }", arg=list(needles))
    return screen(page)
