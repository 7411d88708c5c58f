"""The student's code runs in its own process: every way it can end is the student's
failure, named, with their file:line, exit code 1, and bpdebug itself unharmed.  Each
case is one that hung, crashed or fooled `--check --impl` when the code was imported
in bpdebug's own process; run as a teacher would, in a subprocess with a timeout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from bpdebug.scenario.reader import load
from bpdebug.teach.homework import run as student
from tests.conftest import bpdebug
from tests.students import (CASES, CORRECT, notebook, write_case, write_spam, write_txt,
                            write_with_helper)

pytestmark = pytest.mark.process  # each test starts processes (a student's child, bpdebug)

ROOT = Path(__file__).resolve().parent.parent
LIMITS = ["--impl-timeout", "2", "--impl-memory", "512MiB"]


def limits(case: str) -> list[str]:
    """2 s for the hang, so the suite stays fast; a generous bound for the rest, which
    finish in milliseconds, so that a loaded machine cannot make them time out."""
    return LIMITS if case == "infinite loop" else ["--impl-timeout", "60", *LIMITS[2:]]


def intact(done: subprocess.CompletedProcess) -> None:
    """Nothing the student wrote reaches the terminal raw; no traceback of bpdebug's."""
    assert "\x1b" not in done.stdout and "\x1b" not in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_way_the_students_code_can_fail_is_named_with_exit_1(case, tmp_path):
    path = write_case(tmp_path, case)
    _, _, words, where = CASES[case]
    done = bpdebug("xor", "--check", "--impl", str(path), *limits(case))
    assert done.returncode == 1, done.stdout + done.stderr
    assert words in done.stdout
    if where:  # the student's file and line
        assert f"{tmp_path / where}" in done.stdout
    assert "verdict:" in done.stdout
    intact(done)


def test_an_infinite_loop_names_the_line_it_was_on(tmp_path):
    path = write_case(tmp_path, "infinite loop")
    done = bpdebug("xor", "--check", "--impl", str(path), *LIMITS)
    line = next(k for k, text in enumerate(path.read_text().splitlines(), start=1)
                if "x += 1" in text or "while True" in text)
    assert f"timed out after 2 s in forward() at {path}:" in done.stdout
    reported = int(done.stdout.split(f"{path}:")[1].split()[0].rstrip(":"))
    assert reported in (line, line + 1)


@pytest.mark.parametrize("writer", [write_txt, write_with_helper])
def test_any_file_name_and_helpers_beside_it_run_as_python_would(writer, tmp_path):
    path = writer(tmp_path)
    done = bpdebug("xor", "--check", "--impl", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every entry matches the reference" in done.stdout


def reads_weights(folder, at_the_top: bool):
    """A correct forward that scales A0 by a number read from weights.txt beside it:
    inside forward, or at the top level of the file."""
    (folder / "weights.txt").write_text("2.0\n")
    read = "SCALE = float(open('weights.txt').read())\n"
    path = folder / "reads.py"
    path.write_text(CORRECT + "\n" + (read if at_the_top else "") +
                    "_f = forward\ndef forward(X, parameters):\n" +
                    ("" if at_the_top else "    " + read) +
                    "    AL, cache = _f(X, parameters)\n    cache['A0'] = X * SCALE\n"
                    "    return AL, cache\n")
    return path


def test_the_students_folder_is_the_working_directory(tmp_path):
    done = bpdebug("xor", "--check", "--impl", str(reads_weights(tmp_path, at_the_top=False)))
    assert "first divergence: A0: wrong values" in done.stdout


def test_a_file_read_at_the_top_level_runs_only_with_impl_run_all(tmp_path):
    path = reads_weights(tmp_path, at_the_top=True)
    skipped = bpdebug("xor", "--check", "--impl", str(path))
    assert skipped.returncode == 1
    assert "NameError: name 'SCALE' is not defined (SCALE is set by a top-level statement " \
        "bpdebug did not run" in skipped.stdout
    everything = bpdebug("xor", "--check", "--impl", str(path), "--impl-run-all")
    assert "first divergence: A0: wrong values" in everything.stdout


def test_ten_thousand_prints_and_a_raw_fd_write_are_shown_under_the_report(tmp_path):
    done = bpdebug("xor", "--check", "--impl", str(write_spam(tmp_path)))
    assert done.returncode == 0
    out = done.stdout.splitlines()
    start = out.index("the student's code printed:")
    shown = out[start + 1:start + 51]
    assert shown == [f"  | spam line {i}" for i in range(50)]
    # 9,950 more prints and the raw write's line: counted, not shown
    assert out[start + 51] == "  | … 9951 more lines not shown"
    intact(done)


def test_the_raw_write_is_kept_with_its_escape_codes_made_visible(tmp_path):
    comparison = student.run(load("xor"), student.load_student(write_spam(tmp_path, lines=3)))
    assert comparison.output.splitlines() == [
        "spam line 0", "spam line 1", "spam line 2", "\\x1b[2J\\x1b[?1049l raw write"]


def test_a_notebook_runs_its_code_cells_in_order_and_lists_the_magics(tmp_path):
    path = tmp_path / "carol.ipynb"
    path.write_text(notebook((ROOT / "scenarios/students/post/forgot_m.py").read_text()))
    done = bpdebug("xor", "--check", "--impl", str(path))
    assert done.returncode == 1
    assert "first divergence: dW2: wrong values" in done.stdout
    assert "cell 2 line 1: %matplotlib inline" in done.stdout
    assert "cell 2 line 2: !pip install numpy" in done.stdout


def test_a_crash_in_a_notebook_names_the_cell_and_its_line(tmp_path):
    path = tmp_path / "dave.ipynb"
    path.write_text(notebook((ROOT / "scenarios/students/post/raises.py").read_text()))
    comparison = student.run(load("xor"), student.load_student(path))
    crash = comparison.crash
    assert crash.entry == "dA1" and crash.file.startswith(f"{path}:cell")
    assert "np.dot" in crash.source and dict(crash.operands)


def test_a_forward_that_changes_its_parameters_cannot_change_what_backprop_gets(tmp_path):
    path = tmp_path / "vandal.py"
    path.write_text(CORRECT + "\n_f, _b = forward, backpropagation\n"
                    "def forward(X, parameters):\n    out = _f(X, parameters)\n"
                    "    for v in parameters.values(): v[...] = 0\n    return out\n"
                    "def backpropagation(cache, Y, parameters):\n"
                    "    grads = _b(cache, Y, parameters)\n"
                    "    for v in (*cache.values(), *parameters.values()): v[...] = 0\n"
                    "    return grads\n")
    assert student.run(load("xor"), student.load_student(path)).ok


def test_only_float_arrays_cross_back_and_they_are_read_without_pickle(tmp_path, monkeypatch):
    seen = []
    real = np.load

    def spy(*args, **kwargs):
        seen.append(kwargs.get("allow_pickle"))
        return real(*args, **kwargs)

    monkeypatch.setattr(student.np, "load", spy)
    comparison = student.run(load("xor"), student.load_student(write_case(tmp_path, "object")))
    assert seen == [False]
    assert all(e.actual is None or e.actual.dtype == np.float64 for e in comparison.entries)


@pytest.mark.parametrize("argv,phrase", [
    (["xor", "--train", "5", "--impl", "scenarios/students/post/correct.py"], "--train"),
    (["xor", "--check", "--impl", "scenarios/students/post/correct.py", "--export", "e.json"],
     "--export"),
    (["xor", "--impl", ""], "empty"),
    (["xor", "--export", ""], "empty"),
    (["xor", "--transcript", ""], "empty"),
    (["xor", "--check", "--impl", "scenarios/students/post/correct.py", "--report", ""], "empty"),
    (["xor", "--check", "--impl", "scenarios/students/post/correct.py", "--report", "r.txt"],
     ".csv or .json"),
    (["xor", "--check", "--report", "r.csv"], "--impl"),
    (["xor", "--check", "--impl-timeout", "3"], "--impl"),
    (["xor", "--impl", "scenarios/students/post/correct.py", "--impl-timeout", "0"], "more than 0"),
    (["--impl", "scenarios/students/post/correct.py", "xor"], "SCENARIO"),
    (["xor", "--impl", "scenarios/students/post/correct.py", "scenarios/students/post/raises.py"],
     "one student's file"),
])
def test_flags_that_do_not_fit_together_are_refused_with_one_line(argv, phrase, tmp_path):
    done = bpdebug(*argv)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and phrase in lines[0], done.stderr
    assert done.stdout == ""
    assert not (ROOT / "e.json").exists() and not (ROOT / "r.csv").exists()


@pytest.mark.parametrize("module", ["bpdebug.teach.homework.child",
                                    "bpdebug.teach.homework.process",
                                    "bpdebug.teach.homework.submission",
                                    "bpdebug.teach.homework.grading",
                                    "bpdebug.cli.student"])
def test_the_student_modules_never_load_textual_or_rich(module):
    from tests.test_import_hygiene import UI, loaded_after
    loaded = loaded_after(f"import {module}")
    assert "bpdebug" in loaded and [m for m in UI if m in loaded] == []


def test_a_gradient_of_the_wrong_type_is_named_in_the_gradient_check(tmp_path):
    from bpdebug.app.components.gradcheck_screen import student_grads
    comparison = student.run(load("xor"), student.load_student(write_case(tmp_path, "list")))
    grads, unchecked = student_grads(comparison)
    assert "dW[1]" not in grads and "dW[2]" in grads
    assert dict(unchecked)["dW[1]"].startswith("dW1 is a list: return a NumPy array")
