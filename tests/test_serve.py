"""Classroom mode, without a browser: what --serve refuses, the command each tab runs, and
m sending the handout to the browser instead of the server's disk.  tests/test_browser.py
serves the app to a real Chromium."""

import subprocess
import sys
from pathlib import Path

import pytest

from bpdebug.app.app import BpdebugApp
from bpdebug.cli.main import main
from bpdebug.cli.serve import command
from bpdebug.scenario.reader import load
from bpdebug.teach.transcript import transcript

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
    assert served[0][-1] == 1 << 20  # serve() runs each tab with it


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
    base = [sys.executable, "-m", "bpdebug", "--max-memory", str(1 << 20),
            "--max-file-size", str(1 << 10)]
    assert command(path, 1 << 20, 1 << 10).split() == base + [str(path)]
    assert command(None, 1 << 20, 1 << 10).split() == base  # the picker of bundled scenarios


def test_a_path_with_spaces_stays_one_argument(tmp_path):
    odd = tmp_path / "my scenario; rm -rf ~.toml"
    assert command(odd, 1, 1).endswith(" '" + str(odd) + "'")


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
        await pilot.pause()
        [(text, options)] = app.delivered
        assert text == transcript(app.engine, 1)
        assert options["save_filename"] == "xor-iteration-1.md"
        assert options["mime_type"] == "text/markdown"
    assert list(tmp_path.iterdir()) == []
