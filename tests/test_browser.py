"""bpdebug --serve in a real headless browser: Chromium renders the app through
textual-serve, keys typed into the page step the network, m downloads the handout, and a
tab closed before the app has drawn leaves no process behind.

Run with `pytest -m browser` (needs `pip install -e '.[browser]'` and Debian's chromium);
.ci/run installs both and runs it.
"""

import re

import pytest

from bpdebug.engine.cursor import Engine
from bpdebug.scenario.reader import load
from bpdebug.teach.transcript import transcript
from tests.browser import chromium, open_app, screen, served, wait_for_text
from tests.tabs import forked_for, logged_pid, wait_gone
from tests.tabs import served as served_tabs

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def xor_url():
    with served("xor") as url:
        yield url


def test_keys_work_without_a_click_and_stepping_shows_z1_with_its_shape(xor_url):
    xor = load("xor")
    n1, m = xor.layers[0].units, xor.m
    with chromium() as page:
        open_app(page, xor_url)
        assert page.evaluate("document.activeElement.classList.contains('xterm-helper-textarea')")
        assert f"Z[1] {n1}×{m}" not in screen(page)
        page.keyboard.press("n")
        text = wait_for_text(page, f"Z[1] {n1}×{m} ✓", "Z[1] = W[1]·A[0] + b[1]")
        assert f"forward [1], step 1/{Engine(xor).S}" in text
        # the shapes under the equation: Z[1], W[1], A[0], b[1]
        shapes = [f"{n1}×{m}", f"{n1}×{xor.n0}", f"{xor.n0}×{m}", f"{n1}×1"]
        assert re.search(r"\s+".join(shapes), text), text
        page.keyboard.press("p")
        wait_for_text(page, "iteration 0 · start")


def test_m_delivers_the_handout_to_the_browser(xor_url):
    with chromium() as page:
        delivered = []

        def keep(route):
            response = route.fetch()
            delivered.append((response.headers.get("content-disposition", ""), response.text()))
            route.fulfill(response=response)

        page.context.route("**/download/**", keep)
        open_app(page, xor_url)
        page.keyboard.press("n")
        wait_for_text(page, "Z[1]")
        # The page opens the download's URL in a new tab; Chromium turns it into a
        # download and ends that navigation with net::ERR_ABORTED.
        with page.context.expect_event("requestfailed",
                                       predicate=lambda request: "/download/" in request.url):
            page.keyboard.press("m")
        wait_for_text(page, "xor-iteration-0.md")
    [(disposition, text)] = delivered
    assert "attachment" in disposition and "xor-iteration-0.md" in disposition
    assert text == transcript(Engine(load("xor")), 0)


def test_each_tab_is_its_own_session(xor_url):
    with chromium() as page:
        open_app(page, xor_url)
        page.keyboard.press("n")
        wait_for_text(page, "forward [1], step 1/")
        other = page.context.new_page()
        open_app(other, xor_url)
        assert "iteration 0 · start" in screen(other)
        assert "forward [1], step 1/" in screen(page)


def test_the_page_asks_nothing_of_the_internet_and_follows_the_address_the_browser_used(xor_url):
    import urllib.request

    request = urllib.request.Request(xor_url, headers={"Host": "classroom.lan:8000"})
    with urllib.request.urlopen(request, timeout=60) as response:
        page = response.read().decode()
    assert re.findall(r"(?:https?|wss?)://[^\s\"'<>]+", page) == [
        "http://classroom.lan:8000/static/css/xterm.css",
        "http://classroom.lan:8000/static/js/textual.js",
        "ws://classroom.lan:8000/ws",
    ]


def test_tabs_closed_within_a_second_leave_no_session_and_the_server_leaves_nothing():
    # The tab that once left a session spinning for ever: open the page, and close it
    # as soon as its websocket opens, before the app has drawn (a screenshot's browser).
    with served_tabs("xor") as server:
        with chromium() as page:
            for k in range(3):
                tab = page.context.new_page()
                with tab.expect_websocket():
                    tab.goto(server.url)
                tab.close()
                line = server.wait_line(lambda line: f"session {k + 1} from" in line
                                        and "ended: the tab closed" in line)
                if "(pid " in line:  # it had a session (a tab can leave before it has one)
                    assert wait_gone(logged_pid(line))  # its session is gone
        pid = server.process.pid
        assert server.stop() == 0
    assert forked_for(pid) == set()  # no bpdebug process of this server at all
