"""Hard inputs and outputs: special files, huge files and numbers, escapes in a title,
writes that must not clobber, no terminal, signals.  Every CLI case runs in a
subprocess with a timeout and must give its exit code with one line: no traceback,
no hang, no stray file."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from bpdebug.engine import gradcheck
from bpdebug.engine.cursor import Engine
from bpdebug.scenario.errors import ScenarioError
from bpdebug.scenario.files import BUNDLED
from bpdebug.scenario.memory import estimated_bytes
from bpdebug.scenario.reader import load
from bpdebug.teach.report import check_report
from tests.conftest import bpdebug

ROOT = Path(__file__).resolve().parent.parent
XOR = (BUNDLED / "xor.toml").read_text()


STUDENTS = ROOT / "scenarios" / "students" / "post"


def refused(done: subprocess.CompletedProcess, phrase: str) -> None:
    """Exit 2 with one line on stderr holding the phrase, nothing on stdout."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert phrase in done.stderr, done.stderr
    assert done.stdout == ""


# ---- scenario paths: only regular files, never blocking, never unbounded ---------------

@pytest.mark.process
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_before_a_byte_is_read(device):
    refused(bpdebug(device, "--check"), "is a character device, not a regular file")


@pytest.mark.process
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "f.toml"
    os.mkfifo(fifo)
    refused(bpdebug(str(fifo), "--check"), "is a FIFO (named pipe), not a regular file")


@pytest.mark.process
def test_a_directory_and_a_socket_are_refused(tmp_path):
    (tmp_path / "dir.toml").mkdir()
    refused(bpdebug(str(tmp_path / "dir.toml"), "--check"), "is a directory, not a regular file")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "s.toml"))
        refused(bpdebug(str(tmp_path / "s.toml"), "--check"), "is a socket, not a regular file")
    finally:
        server.close()


@pytest.mark.process
def test_a_symlink_is_followed_to_a_regular_file_and_only_to_one(tmp_path):
    (tmp_path / "real.toml").write_text(XOR)
    (tmp_path / "link.toml").symlink_to(tmp_path / "real.toml")
    assert load(tmp_path / "link.toml").title == load("xor").title
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    refused(bpdebug(str(tmp_path / "zero.toml"), "--check"), "not a regular file")


def test_the_size_limit_is_checked_before_parsing(tmp_path, monkeypatch):
    import tomllib

    path = tmp_path / "padded.toml"
    path.write_text(XOR + "#" * 2000 + "\n")
    monkeypatch.setattr(tomllib, "loads", lambda text: pytest.fail("parsed a file over the limit"))
    with pytest.raises(ScenarioError, match=r"more than the 1\.0 KiB limit \(--max-file-size"):
        load(path, max_file_size=1024)


@pytest.mark.process
def test_max_file_size_refuses_by_default_and_admits_when_raised(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text(XOR + ("#" * 1023 + "\n") * (17 << 10))  # 17 MiB of comments
    refused(bpdebug(str(path), "--check"), "more than the 16.0 MiB limit")
    done = bpdebug(str(path), "--check", "--max-file-size", "32MiB")
    assert done.returncode == 0 and "every gradient checks out" in done.stdout, done.stderr


# ---- numbers and data ------------------------------------------------------------------

BIG = "1" + "0" * 400


@pytest.mark.process
@pytest.mark.parametrize("where,key", [
    ("[data]\nX = [[0, 1], [1, BIG]]\nY = [[0, 1]]\n", "data.X"),
    ("[data]\nX = [[0, 1], [1, 0]]\nY = [[0, BIG]]\n", "data.Y"),
    ("[data]\ngenerator = 'xor'\nnoise = BIG\n", "data.noise"),
    ("[data]\ngenerator = 'xor'\n[train]\nlearning_rate = BIG\n", "train.learning_rate"),
    ("[data]\ngenerator = 'xor'\n[watch]\ndead_relu_percent = BIG\n", "watch.dead_relu_percent"),
])
def test_an_integer_too_big_for_a_float64_is_one_line_naming_its_key(tmp_path, where, key):
    path = tmp_path / "big.toml"
    path.write_text(where.replace("BIG", BIG) + "[[layers]]\nunits = 1\nactivation = 'sigmoid'\n")
    done = bpdebug(str(path), "--check")
    refused(done, f": {key}: ")
    assert "too big for a float64" in done.stderr and re.match(rf"bpdebug: {re.escape(str(path))}:\d+: ",
                                                              done.stderr)


@pytest.mark.process
def test_noise_beyond_its_range_is_refused_so_generated_data_stays_finite(tmp_path):
    path = tmp_path / "noisy.toml"
    path.write_text("[data]\ngenerator = 'xor'\nnoise = 1e308\n"
                    "[[layers]]\nunits = 1\nactivation = 'sigmoid'\n")
    refused(bpdebug(str(path), "--check"), "data.noise: must be ≥ 0 and ≤ 1000")


@pytest.mark.parametrize("generator,extra", [("xor", ""), ("moons", ""), ("circles", ""),
                                             ("spiral", "classes = 3\n"), ("blobs", "classes = 3\n"),
                                             ("sine", "")])
def test_every_generator_at_the_top_of_its_noise_range_gives_finite_data(tmp_path, generator, extra):
    units, activation = {"spiral": (3, "softmax"), "blobs": (3, "softmax"),
                         "sine": (1, "linear")}.get(generator, (1, "sigmoid"))
    path = tmp_path / "s.toml"
    path.write_text(f"[data]\ngenerator = '{generator}'\nnoise = 1000\nexamples = 500\n{extra}"
                    f"[[layers]]\nunits = {units}\nactivation = '{activation}'\n")
    scenario = load(path)
    assert np.all(np.isfinite(scenario.X)) and np.all(np.isfinite(scenario.Y))


def test_check_never_passes_an_empty_gradient_table(monkeypatch):
    engine = Engine(load("xor"))
    monkeypatch.setattr(engine, "gradient_check", lambda i=None, progress=None: [])
    lines, code = check_report(engine)
    assert code == 1
    assert "every gradient checks out" not in "\n".join(lines)
    assert "no gradient could be checked" in lines[-1]


OVERFLOW = textwrap.dedent("""\
    [data]
    X = [[0, 0, 1, 1],
         [0, 1, 0, 1]]
    Y = [[0, 1, 1, 0]]

    [[layers]]
    units = 2
    activation = "tanh"
    W = [[1e300, 1e300], [1e300, -1e300]]

    [[layers]]
    units = 1
    activation = "sigmoid"
    W = [[1e300, 1e300]]
    """)


@pytest.mark.filterwarnings("error")
def test_overflowing_values_are_not_finite_in_the_gradient_check_not_wrong(tmp_path):
    path = tmp_path / "overflow.toml"
    path.write_text(OVERFLOW)
    engine = Engine(load(path))
    checks = {c.name: c for c in engine.gradient_check(0)}
    # W = 1e300: W ± ε == W, so no difference can be measured for dW[1] and dW[2].
    assert checks["dW[1]"].band == checks["dW[2]"].band == gradcheck.NOT_FINITE
    assert not checks["dW[1]"].ok
    # db[1]'s analytic and numeric values agree near 3.75e299: the norms must not overflow.
    assert checks["db[1]"].band == gradcheck.GOOD
    assert all(c.band != gradcheck.WRONG for c in checks.values())
    lines, code = check_report(engine)
    assert code == 1 and "not finite" in lines[-1] and "wrong" not in "\n".join(lines)


def test_the_gradient_check_screen_says_not_finite_as_the_report_does(tmp_path):
    from bpdebug.app.components.gradcheck_screen import BAND_STYLE, conclusion, result_lines

    path = tmp_path / "overflow.toml"
    path.write_text(OVERFLOW)
    checks = Engine(load(path)).gradient_check(0)
    said = str(conclusion(checks))
    assert "cannot measure dW[2], dW[1]" in said and "not finite" in said
    assert "failed" not in said  # not finite is not wrong: nothing says the backward pass is
    rows = {check.name: line for check, line in zip(checks, result_lines(checks)[1:])}
    assert BAND_STYLE[gradcheck.NOT_FINITE] in str(rows["dW[1]"].spans)  # coloured, as NaN is


def test_a_wrong_gradient_beside_an_unmeasurable_one_is_named_apart():
    def check(name, error, finite=True):
        return gradcheck.ParamCheck(name, 1, error, (0, 0), 1.0, 1.0, 1, 1, finite=finite)

    checks = [check("dW[1]", 0.5), check("db[1]", 0.0), check("dW[2]", float("nan"), False)]
    assert gradcheck.failures(checks) == (["dW[1]"], ["dW[2]"])


@pytest.mark.process
def test_overflow_in_the_check_leaks_no_numpy_warning_from_the_cli(tmp_path):
    path = tmp_path / "overflow.toml"
    path.write_text(OVERFLOW)
    done = subprocess.run([sys.executable, "-W", "error", "-m", "bpdebug", str(path), "--check"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 1 and done.stderr == "", done.stderr
    assert "not finite" in done.stdout


# ---- scenario text never reaches the terminal raw ----------------------------------------

PWNED = "\u001b]0;PWNED\u0007\u001b[?1049h"


@pytest.mark.process
def test_control_characters_in_a_title_are_shown_escaped_everywhere(tmp_path):
    path = tmp_path / "evil.toml"
    path.write_text(f"title = {json.dumps(PWNED)}\n"
                    'description = "line one\\u009b31m\\nline two\\u0007"\n'
                    + XOR[XOR.index("[data]"):])
    scenario = load(path)
    assert scenario.title == "\\x1b]0;PWNED\\x07\\x1b[?1049h"
    assert scenario.description == "line one\\x9b31m\nline two\\x07"  # newlines are kept
    check = bpdebug(str(path), "--check")
    trained = bpdebug(str(path), "--train", "3", "--transcript", str(tmp_path / "t.md"))
    for done in (check, trained):
        assert done.returncode == 0, done.stderr
        for ch in "\x1b\x07\x9b":
            assert ch not in done.stdout + done.stderr
    assert "\\x1b]0;PWNED" in check.stdout
    transcript = (tmp_path / "t.md").read_text()
    assert "\\x1b]0;PWNED\\x07" in transcript and "\x1b" not in transcript and "\x07" not in transcript


def test_the_bundled_list_escapes_titles_too(tmp_path, monkeypatch):
    from bpdebug.scenario import files as module

    (tmp_path / "evil.toml").write_text(f"title = {json.dumps(PWNED)}\n" + XOR[XOR.index("[data]"):])
    monkeypatch.setattr(module, "BUNDLED", tmp_path)
    [(name, title, _)] = module.bundled()
    assert "\x1b" not in title and "\x07" not in title and "PWNED" in title


async def test_the_app_shows_an_escaped_title(tmp_path):
    from bpdebug.app.app import BpdebugApp

    path = tmp_path / "evil.toml"
    path.write_text(f"title = {json.dumps(PWNED)}\n" + XOR[XOR.index("[data]"):])
    app = BpdebugApp(load(path))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert "PWNED" in app.sub_title and "\x1b" not in app.sub_title
        screen = app.export_screenshot()
        assert "\x1b" not in screen and "\x07" not in screen


@pytest.mark.process
def test_an_error_message_escapes_a_file_name_with_control_characters(tmp_path):
    path = tmp_path / "bad\x1b[2Jname.toml"
    path.write_text("title = 1\n")
    done = bpdebug(str(path), "--check")
    assert done.returncode == 2 and "\x1b" not in done.stderr and "\\x1b[2Jname" in done.stderr


# ---- writes: atomic, and never clobbering what is not a regular file ----------------------

@pytest.mark.process
def test_a_symlink_target_is_written_through_and_the_link_stays(tmp_path):
    real = tmp_path / "real.md"
    real.write_text("old")
    (tmp_path / "link.md").symlink_to(real)
    done = bpdebug("xor", "--transcript", str(tmp_path / "link.md"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "link.md").is_symlink()
    assert real.read_text().startswith("# XOR")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.md", "real.md"]


@pytest.mark.process
@pytest.mark.parametrize("flag,name", [("--transcript", "t.md"), ("--export", "e.npz")])
def test_a_fifo_or_a_link_to_dev_null_is_refused_not_replaced(tmp_path, flag, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    refused(bpdebug("xor", flag, str(fifo)), "exists and is not a regular file")
    assert fifo.is_fifo()
    null = tmp_path / ("null-" + name)
    null.symlink_to("/dev/null")
    refused(bpdebug("xor", flag, str(null)), "exists and is not a regular file")
    assert null.is_symlink() and Path("/dev/null").is_char_device()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "null-" + name])


@pytest.mark.process
@pytest.mark.parametrize("flag,name,work", [
    ("--export", "e.npz", ["--train", "1000000000"]),  # a billion iterations never start
    ("--transcript", "t.md", ["--train", "1000000000"]),
    ("--report", "r.csv", ["--check", "--impl", str(STUDENTS / "correct.py"),
                           str(STUDENTS / "raises.py")]),  # the class is never graded
])
def test_an_output_that_cannot_be_written_is_refused_before_any_work(tmp_path, flag, name, work):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    refused(bpdebug("xor", *work, flag, str(fifo)), f"{flag}: {fifo}: exists and is not a regular file")
    refused(bpdebug("xor", *work, flag, str(tmp_path / "missing" / name)), "No such file or directory")
    assert fifo.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == [name]


@pytest.mark.process
@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, umask, mode):
    done = bpdebug("xor", "--export", str(tmp_path / "e.json"), "--transcript",
                   str(tmp_path / "t.md"), umask=umask)
    assert done.returncode == 0, done.stderr
    for name in ("e.json", "t.md"):
        assert (tmp_path / name).stat().st_mode & 0o777 == mode, name


@pytest.mark.process
def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "t.md"
    target.write_text("old")
    target.chmod(0o640)
    assert bpdebug("xor", "--transcript", str(target), umask=0o022).returncode == 0
    assert target.stat().st_mode & 0o777 == 0o640 and target.read_text().startswith("# XOR")


WRITER = textwrap.dedent("""\
    import os, sys
    from bpdebug.teach import export
    how = sys.argv[2]
    def fsync(fd):
        if how == "raise":
            raise OSError(5, "the disk broke")
        print("writing", flush=True)
        sys.stdin.readline()  # blocks until the test's signal arrives
    os.fsync = fsync
    export.atomic_write(sys.argv[1], b"payload")
    """)


@pytest.mark.process
@pytest.mark.parametrize("how,code", [("SIGTERM", -signal.SIGTERM), ("SIGHUP", -signal.SIGHUP),
                                      ("SIGINT", -signal.SIGINT), ("raise", 1)])
def test_a_temporary_file_never_outlives_the_process(tmp_path, how, code):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    out = tmp_path / "out"
    out.mkdir()
    process = subprocess.Popen([sys.executable, str(script), str(out / "t.md"), how], cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        if how != "raise":
            assert process.stdout.readline() == "writing\n"  # inside the write: the temp exists
            assert [p.name for p in out.iterdir()][0].startswith(".t.md.")
            process.send_signal(getattr(signal, how))
        process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == code
    assert list(out.iterdir()) == []


# ---- flags and the terminal --------------------------------------------------------------

@pytest.mark.process
@pytest.mark.parametrize("args,flag", [(["--export", ""], "--export"),
                                       (["xor", "--export", ""], "--export"),
                                       (["xor", "--transcript", ""], "--transcript"),
                                       (["xor", "--impl", ""], "--impl"),
                                       ([""], "SCENARIO")])
def test_an_empty_path_is_one_line_and_never_opens_the_app(args, flag):
    refused(bpdebug(*args), f"{flag}: an empty name is not a file")


@pytest.mark.process
@pytest.mark.parametrize("args", [["xor"], []])
def test_without_a_terminal_the_app_refuses_to_start(args):
    refused(bpdebug(*args), "bpdebug needs a terminal; use --check, --train or --export headless")


def _read_until(fd: int, wanted: bytes, out: bytearray) -> bool:
    """Read the pty until ``wanted`` appears (escape codes removed) or it closes.  The
    60 s select timeout is a safety net against a hang, not a wait for anything."""
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            return False
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not chunk:
            return False
        out += chunk
        if wanted and wanted in re.sub(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]", b"", bytes(out)):
            return True


@pytest.mark.process
@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("signum,code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_restore_the_terminal_and_exit_128_plus_the_signal(
        tmp_path, signum, code, training):
    import fcntl
    import struct
    import termios

    endless = tmp_path / "endless.toml"  # while training: ten million iterations
    endless.write_text((BUNDLED / "spiral.toml").read_text().split("[train]")[0]
                       + "[train]\niterations = 10000000\n")
    pid, fd = pty.fork()
    if pid == 0:  # the child: bpdebug on a real (pseudo) terminal
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
            os.chdir(ROOT)
            os.execve(sys.executable, [sys.executable, "-m", "bpdebug",
                                       str(endless) if training else "xor"],
                      dict(os.environ, TERM="xterm-256color"))
        finally:
            os._exit(99)
    out = bytearray()
    try:
        drawn = _read_until(fd, b"at the start: n steps", out)  # the status line: a whole frame
        assert drawn, bytes(out[-500:])
        if training:
            os.write(fd, b"t")
            assert _read_until(fd, b"t or Esc stops", out), bytes(out[-500:])
        os.kill(pid, signum)
        _read_until(fd, b"", out)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == code
    tail = bytes(out[out.rfind(b"at the start: n steps"):])
    assert b"\x1b[?1049l" in tail  # the alternate screen is left
    assert b"\x1b[?1000l" in tail and b"\x1b[?1006l" in tail  # mouse tracking is off
    assert out.rfind(b"\x1b[?1049l") > out.rfind(b"\x1b[?1049h")
    assert out.rfind(b"\x1b[?1000l") > out.rfind(b"\x1b[?1000h")


# ---- the memory guard counts the real peak -----------------------------------------------

PEAK = textwrap.dedent("""\
    import json, resource, sys
    from bpdebug.engine import gradcheck
    from bpdebug.engine.cursor import Engine
    from bpdebug.scenario.memory import estimated_bytes
    from bpdebug.scenario.reader import load
    scenario = load(sys.argv[1], max_memory=1 << 40)
    engine = Engine(scenario)
    engine.train(6)  # fills the history
    engine.goto(engine.position + engine.S + 3)  # steps through two more iterations
    i = engine.iteration
    # The gradient check's copies, on a sample of 2 entries a matrix (memory, not time).
    gradcheck.check(engine.history.get(i), engine.iteration_env(i),
                    lambda p: engine.cost_at(p, i), engine.L, sample=2)
    engine.goto(engine.position - engine.S - 2)  # and back
    print(json.dumps({"peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      "estimate": estimated_bytes(scenario.sizes, scenario.m)}))
    """)

LARGE = {
    "wide": ("xor", "examples = 100", [(1500, "tanh"), (1500, "tanh"), (1, "sigmoid")]),
    "long": ("blobs", "features = 100\nexamples = 50000\nclasses = 2", [(64, "relu"), (1, "sigmoid")]),
    "deep": ("blobs", "features = 50\nexamples = 3000\nclasses = 10",
             [(400, "relu"), (400, "tanh"), (400, "relu"), (10, "softmax")]),
}


@pytest.mark.process
@pytest.mark.parametrize("name", sorted(LARGE))
def test_the_peak_memory_stays_within_one_and_a_half_times_the_estimate(tmp_path, name):
    generator, data, layers = LARGE[name]
    path = tmp_path / f"{name}.toml"
    path.write_text(f"[data]\ngenerator = '{generator}'\n{data}\n" + "".join(
        f"[[layers]]\nunits = {units}\nactivation = '{activation}'\n" for units, activation in layers))
    script = tmp_path / "peak.py"
    script.write_text(PEAK)
    done = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout)
    assert measured["estimate"] > 200 << 20  # large enough that the interpreter itself is noise
    assert measured["peak"] <= 1.5 * measured["estimate"], measured


def test_the_history_budget_shrinks_for_a_big_network():
    from bpdebug.engine.timeline import history_bytes, slots

    big = 128 << 20  # one set of parameters of 2-4000-4000-1
    assert slots(big) == (2, 1)
    assert history_bytes(big) == 4 * big
    assert slots(1000) == (24, (24 << 20) // 1000 - 24)


def test_the_issues_huge_network_is_refused_by_the_default_guard():
    # 2-4000-4000-1 with m = 100 peaked at 4.2 GB while the guard estimated 0.8 GiB.
    assert estimated_bytes([2, 4000, 4000, 1], 100) > 2 << 30
