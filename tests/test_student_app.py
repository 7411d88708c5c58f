"""The same broken hand-ins in the debugger (Pilot): the app stays up, the student panel
names the verdict, and q quits at once with code 0, killing the child.  One run in a
real terminal (a pty) checks that q leaves it intact even while the student's code loops.
Every wait is on the comparison worker or on the terminal's output, never the clock."""

from __future__ import annotations

import asyncio
import os
import select
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bpdebug.app.app import BpdebugApp
from bpdebug.app.components.student_panel import StudentPanel
from bpdebug.app.components.matrix_view import MatrixView
from bpdebug.scenario.reader import load
from bpdebug.teach.homework.run import Limits, load_student
from tests.students import (CASES, compared, notebook, write_case, write_spam, write_txt,
                            write_with_helper)

pytestmark = pytest.mark.process  # each test starts processes (a student's child, bpdebug)

ROOT = Path(__file__).resolve().parent.parent
LIMITS = Limits(timeout=60, memory=512 << 20)  # a bound the quick cases never reach
HANG = Limits(timeout=2, memory=512 << 20)  # the infinite loop: fast, named "2 s"
SIZE = (130, 44)


def app_for(path, limits=LIMITS) -> BpdebugApp:
    return BpdebugApp(load("xor"), student=replace(load_student(path), limits=limits))


def panel_text(app) -> str:
    panel = app.query_one(StudentPanel)
    return "\n".join(str(panel.query_one(selector).content)
                     for selector in ("#student-verdict", "#student-entries", "#student-crash"))


async def quit_with_q(pilot, app) -> None:
    await pilot.press("q")
    await pilot.pause()
    assert app.return_code == 0
    child = app.students.child
    assert child is None or child.process is None or child.process.returncode is not None


@pytest.mark.parametrize("case", sorted(CASES))
async def test_the_panel_names_each_failure_and_the_app_stays_up(case, tmp_path):
    path = write_case(tmp_path, case)
    _, _, words, where = CASES[case]
    app = app_for(path, HANG if case == "infinite loop" else LIMITS)
    async with app.run_test(size=SIZE) as pilot:
        comparison = await compared(pilot, app)
        assert comparison is not None and not comparison.ok
        await pilot.press("e")  # the panel follows the cursor: show the backward steps too
        await pilot.pause()
        text = panel_text(app)
        assert words in text, text
        if where:
            assert where in text
        assert app.is_running
        await quit_with_q(pilot, app)


@pytest.mark.parametrize("writer", [write_txt, write_with_helper])
async def test_any_file_name_and_a_helper_beside_it_match_in_the_app(writer, tmp_path):
    app = app_for(writer(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        comparison = await compared(pilot, app)
        assert comparison.ok
        assert "every entry matches" in panel_text(app)
        await quit_with_q(pilot, app)


async def test_print_spam_goes_to_the_scrollable_output_part(tmp_path):
    app = app_for(write_spam(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await compared(pilot, app)
        panel = app.query_one(StudentPanel)
        box = panel.query_one("#student-output-box")
        output = panel.query_one("#student-output").content.plain
        assert box.display and box.border_title == "output"
        assert output.splitlines()[0] == "spam line 0" and "spam line 9999" in output
        assert "\\x1b[2J" in output and "\x1b" not in output
        assert box.max_scroll_y > 0  # it scrolls; the panel above keeps its place
        await quit_with_q(pilot, app)


async def test_a_notebooks_skipped_magics_are_listed_in_the_panel(tmp_path):
    path = tmp_path / "carol.ipynb"
    path.write_text(notebook((ROOT / "scenarios/students/post/forgot_m.py").read_text()))
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        comparison = await compared(pilot, app)
        assert comparison.first_divergence.key == "dW2"
        output = app.query_one("#student-output").content.plain
        assert "%matplotlib inline" in output and "!pip install numpy" in output
        await quit_with_q(pilot, app)


async def test_while_the_code_runs_the_panel_says_so_and_q_kills_the_child(tmp_path):
    path = write_case(tmp_path, "infinite loop")
    app = app_for(path, Limits(timeout=120))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(50):
            if app.students.child is not None and app.students.child.process is not None:
                break
            await pilot.pause()
        child = app.students.child
        assert "running your code…" in panel_text(app)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0
    # Killed now, not after its 120 s: the wait ends when the process does.
    code = await asyncio.to_thread(child.process.wait, 60)
    assert code is not None
    assert child.cancelled()  # killed by q, not ended by its limit


def _read_until(fd: int, needle: bytes, limit: int = 4 << 20) -> bytes:
    """The terminal's output up to `needle` (select's timeout only bounds a failure)."""
    seen = b""
    while needle not in seen and len(seen) < limit:
        ready, _, _ = select.select([fd], [], [], 60)
        assert ready, f"no output; waiting for {needle!r}"
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        seen += data
    return seen


def test_in_a_real_terminal_q_quits_at_once_during_a_loop_and_restores_it(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    path = write_case(tmp_path, "infinite loop")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "bpdebug", "xor", "--impl", str(path), "--impl-timeout", "120"],
        stdin=follower, stdout=follower, stderr=follower, cwd=ROOT, start_new_session=True,
        env=dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="36"))
    os.close(follower)
    try:
        _read_until(leader, b"running your code")
        os.write(leader, b"q")
        # Keep reading what it writes on the way out (a full terminal would block it) until
        # it closes the terminal; then it has ended, or ends now.
        tail = _read_until(leader, b"\x00never\x00")
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)
    assert code == 0
    assert b"\x1b[?1049l" in tail  # back from the alternate screen
    assert b"\x1b[?1000l" in tail  # mouse tracking off
    assert b"Traceback" not in tail


@pytest.mark.parametrize("api,file,scenario,step,words", [
    ("dlai-deep", "relu_backward_g.py", "grade-deep", "backward [2]",
     ["API: dlai-deep",
      "first wrong value dZ[2] at scenarios/students/dlai-deep/relu_backward_g.py:24 in "
      "relu_backward()", "likely: dZ[2] equals dA[2] * relu(Z[2])", "dW2"]),
    ("cs231n", "no_mean.py", "grade-softmax", "backward [2]",
     ["API: cs231n", 'loss()[1]["W2"]',
      "the 1/m is missing"]),
    ("nielsen", "cost_derivative_sign.py", "grade-quadratic", "backward [2]",
     ["API: nielsen", "−1 × the right value"]),
])
async def test_the_panel_names_the_api_and_the_students_line_for_a_wrong_value(
        api, file, scenario, step, words):
    path = f"scenarios/students/{api}/{file}"  # as the teacher names it
    app = BpdebugApp(load(scenario), student=replace(load_student(path), limits=LIMITS))
    async with app.run_test(size=SIZE) as pilot:
        comparison = await compared(pilot, app)
        assert comparison is not None and not comparison.ok
        while app.engine.frame().step is None or app.engine.frame().step.label != step:
            await pilot.press("n")
        await pilot.pause()
        panel = app.query_one(StudentPanel)
        text = panel_text(app) + "\n" + str(panel.query_one("#student-api").content) + "\n" + \
            str(panel.query_one("#student-actual", MatrixView).pane.border_title)
        for word in words:
            assert word in text, (word, text)
        await quit_with_q(pilot, app)
