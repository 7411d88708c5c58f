"""Classroom mode, without a browser: what --serve refuses, the command each tab runs, m
sending the handout to the browser instead of the server's disk, and the server itself
driven by websocket clients that speak textual.js's protocol (the cap, idle tabs, tabs
closed early, stopping).  tests/test_browser.py serves the app to a real Chromium."""

import os
import socket
import subprocess
import sys
from contextlib import nullcontext as _nothing
from pathlib import Path

import pytest

from bpdebug.app.app import BpdebugApp
from bpdebug.cli.main import main
from bpdebug.cli.serve import PER_CORE, command, default_max_sessions, urls
from bpdebug.scenario.reader import load
from bpdebug.teach.transcript import transcript
from tests.tabs import (FIRST_SCREEN, STEPPED, Tab, descendants, forked_for, logged_pid,
                         served, wait_gone, warm_process)
from tests.waiting import event

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("argv, says", [
    (["xor", "--serve", "--impl", "scenarios/students/post/correct.py"], "--impl"),
    (["--serve", "--impl", "scenarios/students/post/correct.py"], "--impl"),
    (["xor", "--serve", "--check"], "--check"),
    (["--serve", "--list"], "--list"),
    (["xor", "--port", "8000"], "--serve"),
    (["--host", "0.0.0.0"], "--serve"),
    (["--serve", "no-such-scenario"], "no-such-scenario"),
    (["--serve", "xor", "--port", "70000"], "--port"),
])
def test_serve_refuses_with_one_line_and_exit_2(argv, says, capsys):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and says in err and err.startswith("bpdebug: ")


# Every flag --serve cannot honour for a browser: a job done without a screen, a student's
# code, a class's verdicts.
UNSERVABLE = [["--explain", "J"], ["--report", "class.csv"], ["--export", "out.npz"],
              ["--transcript", "out.md"], ["--train", "3"], ["--train", "0"], ["--check"],
              ["--impl", "scenarios/students/correct.py"], ["--list"]]


@pytest.mark.parametrize("scenario", [["xor"], []], ids=["xor", "picker"])
@pytest.mark.parametrize("flags", UNSERVABLE, ids=lambda flags: flags[0])
def test_serve_refuses_every_flag_it_cannot_honour(flags, scenario, capsys, tmp_path,
                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing is written, wherever it would go
    monkeypatch.setattr("bpdebug.cli.serve.serve", pytest.fail)  # and nothing listens
    assert main(["--serve", *scenario, *flags]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("bpdebug: --serve cannot ")
    assert flags[0] in err and list(tmp_path.iterdir()) == []


def test_serve_honours_max_file_size_and_hands_it_to_every_tab(capsys, monkeypatch):
    served = []
    monkeypatch.setattr("bpdebug.cli.serve.serve", lambda *args: served.append(args))
    assert main(["--serve", "xor", "--max-file-size", "100"]) == 2  # xor.toml is larger
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "more than the 100 B limit" in err and served == []
    assert main(["--serve", "xor", "--max-file-size", "1MiB"]) == 0
    options = served[0][0]
    assert options.max_file_size == 1 << 20  # the warm process reads the scenario with it
    assert str(1 << 20) in command(options.scenario, options.max_memory, options.max_file_size,
                                   7, 4242)


@pytest.mark.process
def test_without_textual_serve_it_says_which_extra_to_install():
    blocked = ("import sys\n"
               "class Block:\n"
               "    def find_spec(self, name, *_):\n"
               "        if name.split('.')[0] == 'textual_serve': raise ImportError(name)\n"
               "sys.meta_path.insert(0, Block())\n"
               "from bpdebug.cli.main import main\n"
               "raise SystemExit(main(['--serve', 'xor']))\n")
    done = subprocess.run([sys.executable, "-c", blocked], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert done.stderr == "bpdebug: --serve needs textual-serve: pip install 'bpdebug[serve]'\n"


@pytest.mark.process
def test_each_tab_runs_this_python_on_the_named_scenario_and_nothing_else():
    path = Path(load("xor").path).resolve()
    base = [sys.executable, "-m", "bpdebug.cli.forkserver", "7", "4242", str(1 << 20), str(1 << 10)]
    assert command(path, 1 << 20, 1 << 10, 7, 4242) == base + [str(path)]
    assert command(None, 1 << 20, 1 << 10, 7, 4242) == base  # the picker of bundled scenarios


def test_a_path_with_spaces_stays_one_argument(tmp_path):
    odd = tmp_path / "my scenario; rm -rf ~.toml"
    assert command(odd, 1, 1, 7, 4242)[-1] == str(odd)  # an argv, never a shell


class ServedApp(BpdebugApp):
    """The app as the web driver runs it: is_web, and deliveries recorded."""

    CSS_PATH = str(Path(sys.modules[BpdebugApp.__module__].__file__).parent / BpdebugApp.CSS_PATH)

    @property
    def is_web(self) -> bool:
        return True

    def deliver_text(self, path_or_file, **options):
        self.delivered.append((path_or_file.read(), options))
        return "key"


async def test_m_in_a_browser_sends_the_handout_and_writes_nothing_on_the_server(tmp_path,
                                                                                monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = ServedApp(load("xor"))
    app.delivered = []
    async with app.run_test() as pilot:
        await pilot.press("e", "n", "n", "m")  # into iteration 1
        await event(app.handout_done)  # written in a thread
        await pilot.pause()
        [(text, options)] = app.delivered
        assert text == transcript(app.engine, 1)
        assert options["save_filename"] == "xor-iteration-1.md"
        assert options["mime_type"] == "text/markdown"
    assert list(tmp_path.iterdir()) == []


# ---- the classroom server, driven the way textual.js drives it (tests/tabs.py) -----------

async def test_max_sessions_serves_three_tabs_and_turns_the_fourth_away():
    import aiohttp

    with served("xor", "--max-sessions", "3") as server:
        assert "at most 3 sessions at once (--max-sessions)" in server.wait_line(
            lambda line: "at most" in line)
        async with aiohttp.ClientSession() as http:
            tabs = [await Tab(http, server.url).open() for _ in range(3)]
            for tab in tabs:
                await tab.shows(FIRST_SCREEN)
            warm = warm_process(server.process.pid)
            assert len(descendants(warm)) == 3  # the cap holds started-ahead sessions too
            assert len(os.listdir(f"/proc/{warm}/task")) == 1  # no thread when it forks

            fourth = Tab(http, server.url)
            await fourth.open()
            await fourth.closed.wait()
            full = "the class is full (3 sessions); try again in a minute"
            assert fourth.page_status == 503 and full in fourth.page
            assert fourth.close_code == 1013 and fourth.close_reason == full
            server.wait_line(lambda line: line.endswith(full) and "turned a tab away" in line)

            # the three are still served: each steps on its own
            for tab in tabs:
                since = len(tab.data)
                await tab.press("n")
                await tab.shows(STEPPED, since)

            # a tab that leaves makes room, and its session is gone
            await tabs[0].close()
            line = server.wait_line(lambda line: "ended: the tab closed" in line)
            assert "(2 open)" in line
            assert wait_gone(logged_pid(line))
            again = await Tab(http, server.url).open()
            await again.shows(FIRST_SCREEN)

            # stopping the server ends every session at once and says how many
            everything, pid = server.descendants(), server.process.pid
            assert server.stop() == 0
            assert "bpdebug: stopping: ended 3 sessions" in server.lines
            assert [line for line in server.lines if line and "ended: the server stopped" in line]
            for tab in (*tabs[1:], again):
                await tab.closed.wait()
                assert tab.close_reason == "the class is over: the server stopped"
    assert [pid for pid in everything if not wait_gone(pid)] == []
    assert forked_for(pid) == set()  # nothing re-parented survives either


async def test_an_idle_tab_ends_and_its_process_is_gone():
    import aiohttp

    with served("xor", "--idle-timeout", "2") as server:
        banner = server.wait_line(lambda line: "at most" in line)
        assert "per core on" in banner and "--max-sessions N" in banner  # the default, worked out
        async with aiohttp.ClientSession() as http:
            tab = await Tab(http, server.url).open()
            await tab.shows(FIRST_SCREEN)
            await tab.closed.wait()  # nothing pressed: the server ends it
            assert tab.close_reason == ("this session ended after 2 s without a key; reload "
                                        "the page to start again")
            line = server.wait_line(lambda line: "ended: idle for 2 s" in line)
            assert line.startswith("bpdebug: session 1 from 127.0.0.1 (pid ") and "(0 open)" in line
            assert wait_gone(logged_pid(line))


async def test_a_tab_closed_while_its_session_starts_ends_it():
    # What a browser's screenshot does: the page guesses a size, the fitted terminal
    # sends another, and the tab is gone before the app has drawn anything.
    import aiohttp

    with served("xor") as server:
        async with aiohttp.ClientSession() as http:
            for k in range(3):
                tab = await Tab(http, server.url).open(guess=(120, 31))
                await tab.close()
                line = server.wait_line(lambda line: f"session {k + 1} from" in line
                                        and "ended: the tab closed" in line)
                if "(pid " in line:  # it had a session (a tab can leave before it has one)
                    assert wait_gone(logged_pid(line))
            pid = server.process.pid
            assert server.stop() == 0
        assert forked_for(pid) == set()


def test_on_every_network_the_banner_lists_addresses_a_student_can_open():
    every = urls("0.0.0.0", 8000)
    assert every and not [url for url in every if "0.0.0.0" in url]
    for url in every:  # each is this machine's own: it can be bound here
        host = url.split("//")[1].rsplit(":", 1)[0]
        with socket.socket() as probe:
            probe.bind((host, 0))
    assert urls("127.0.0.1", 8000) == ["http://127.0.0.1:8000/"]


def test_the_default_cap_comes_from_memory_and_cores():
    cap, why = default_max_sessions()
    assert 1 <= cap <= PER_CORE * (os.cpu_count() or 1)
    assert "per core" in why or "memory" in why


@pytest.mark.parametrize("argv, says", [
    (["xor", "--max-sessions", "3"], "--max-sessions goes with --serve"),
    (["--idle-timeout", "60"], "--idle-timeout goes with --serve"),
    (["--serve", "xor", "--max-sessions", "0"], "must be 1 or more"),
    (["--serve", "xor", "--idle-timeout", "-1"], "must be more than 0 seconds"),
])
def test_the_new_flags_are_refused_in_one_line_where_they_make_no_sense(argv, says, capsys):
    with pytest.raises(SystemExit) if "must" in says else _nothing():
        assert main(argv) == 2
    _, err = capsys.readouterr()
    assert says in err and err.count("\n") == 1
