"""Checking a class: the bundled student files and notebooks made from them, graded in one
run; each gets its documented verdict, and the CSV and JSON say what was printed."""

from __future__ import annotations

import csv
import json
import sys
from functools import partial
from pathlib import Path

import pytest

from bpdebug.teach.homework import grading
from tests import conftest
from tests.students import CORRECT, notebook, write_case
from tests.test_student import DOCUMENTED

pytestmark = pytest.mark.process  # each test starts processes (a student's child, bpdebug)

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = ROOT / "scenarios" / "students" / "post"

# The kind of verdict each bundled file gets (its docstring names the entry).
CATEGORY = {
    "correct.py": "correct", "forward_no_bias.py": "diverges", "slow_notebook.ipynb": "correct",
    "missing_transpose.py": "raised", "raises.py": "raised", "da_no_transpose.py": "raised",
    "forgot_m.py": "diverges", "g_not_gprime.py": "diverges", "post_typo.py": "diverges",
    "dz_output_sign.py": "diverges",
    "db_no_keepdims.py": "wrong shape", "db_wrong_axis.py": "wrong shape",
    "examples_as_rows.py": "wrong shape",
}


bpdebug = partial(conftest.bpdebug, timeout=300)  # a class graded on a loaded machine


def printed(stdout: str, files: list[str], api: bool = False) -> dict[str, str]:
    """file -> verdict (the API it was graded by, with ``api``), from the one line per
    submission: the file, its verdict, then the API in brackets."""
    out = {}
    for line in stdout.splitlines():
        for file in files:
            if line.startswith(file + " "):
                verdict, _, name = line[len(file):].strip().rpartition("  (")
                out[file] = name.rstrip(")") if api else verdict
    return out


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """The bundled files, and each as a notebook (magics and all) in another folder."""
    folder = tmp_path_factory.mktemp("notebooks")
    for path in sorted(STUDENTS.glob("*.py")):
        (folder / (path.stem + ".ipynb")).write_text(notebook(path.read_text()))
    return folder


@pytest.fixture(scope="module")
def graded(classroom, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    csv_path, json_path = out / "class.csv", out / "class.json"
    runs = [bpdebug("grade-deep", "--check", "--impl", "scenarios/students/post/", str(classroom),
                    "--report", str(report)) for report in (csv_path, json_path)]
    return runs, csv_path, json_path


def expected_files(classroom) -> dict[str, str]:
    """submission as named in the output -> the bundled file it comes from"""
    files = {f"scenarios/students/post/{name}": name for name in DOCUMENTED}
    files["scenarios/students/post/slow_notebook.ipynb"] = "slow_notebook.ipynb"
    files.update({str(classroom / (Path(name).stem + ".ipynb")): name for name in DOCUMENTED})
    return files


def test_every_submission_gets_its_documented_verdict(graded, classroom):
    done = graded[0][0]
    assert done.returncode == 1, done.stderr  # some are wrong
    files = expected_files(classroom)
    verdicts = printed(done.stdout, list(files))
    assert set(verdicts) == set(files)
    for file, name in files.items():
        key, _ = DOCUMENTED.get(name, (None, 0))
        category, verdict = CATEGORY[name], verdicts[file]
        if category == "correct":
            assert verdict == "correct", file
            continue
        assert key in verdict, (file, verdict)
        if category == "raised":
            assert verdict.startswith("raised ") and f"while computing {key}" in verdict
        elif category == "diverges":
            assert verdict.startswith(f"diverges at {key}: wrong values")
        else:
            assert verdict.startswith(f"wrong shape at {key}:")
    n = len(files)
    correct = sum(1 for name in files.values() if CATEGORY[name] == "correct")
    assert f"{n} submissions: {correct} correct, {n - correct} not (" in done.stdout


def test_the_lines_are_sorted_by_file_name(graded, classroom):
    done = graded[0][0]
    files = expected_files(classroom)
    order = [line.split()[0] for line in done.stdout.splitlines()
             if line.split() and line.split()[0] in files]
    assert order == sorted(files)


def test_the_csv_and_the_json_say_what_was_printed(graded, classroom):
    runs, csv_path, json_path = graded
    files = list(expected_files(classroom))
    for done in runs:
        assert printed(done.stdout, files) == printed(runs[0].stdout, files)
    shown = printed(runs[0].stdout, files)
    with open(csv_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["file"]: r["verdict"] for r in rows} == shown
    assert {r["file"]: r["api"] for r in rows} == printed(runs[0].stdout, files, api=True)
    assert {r["api"] for r in rows} == {"post"}
    data = json.loads(json_path.read_text())
    assert {r["file"]: r["verdict"] for r in data["submissions"]} == shown
    assert [r["file"] for r in rows] == [r["file"] for r in data["submissions"]] == sorted(files)
    for row in rows:
        assert (row["result"] == "correct") == (row["verdict"] == "correct")
    assert data["summary"] in runs[0].stdout


def test_a_class_that_is_all_correct_exits_0(tmp_path):
    (tmp_path / "a.py").write_text(CORRECT)
    (tmp_path / "b.ipynb").write_text(notebook(CORRECT))
    done = bpdebug("xor", "--check", "--impl", str(tmp_path / "a.py"), str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 submissions: 2 correct" in done.stdout  # a.py named twice is graded once


def test_hangs_and_exits_in_a_class_are_verdicts_and_the_run_finishes(tmp_path):
    for case in ("infinite loop", "os._exit", "sys.exit"):
        write_case(tmp_path, case)
    done = bpdebug("xor", "--check", "--impl", str(tmp_path), "--impl-timeout", "3")
    assert done.returncode == 1
    verdicts = printed(done.stdout, [str(p) for p in tmp_path.iterdir()])
    assert verdicts[str(tmp_path / "loop.py")].startswith("timed out after 3 s in forward()")
    assert verdicts[str(tmp_path / "exits.py")].startswith("called os._exit(0) in forward()")
    assert verdicts[str(tmp_path / "sysexit.py")].startswith("called sys.exit(3)")


def test_a_helper_beside_submissions_is_passed_over_not_graded(tmp_path):
    (tmp_path / "a.py").write_text(CORRECT)
    (tmp_path / "helpers.py").write_text("def relu(Z):\n    return Z\n")
    (tmp_path / "notes").write_text("remember the transpose\n")
    found = grading.find([str(tmp_path)])
    assert found.files == [str(tmp_path / "a.py")]
    assert len(found.passed_over) == 2


def test_unusable_input_exits_2(tmp_path):
    done = bpdebug("xor", "--check", "--impl", str(tmp_path), str(tmp_path / "a.py"))
    assert done.returncode == 2 and "no such file or folder" in done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    done = bpdebug("xor", "--check", "--impl", str(empty))
    assert done.returncode == 2 and "no submissions found" in done.stderr
    done = bpdebug("no-such-scenario", "--check", "--impl", str(STUDENTS))
    assert done.returncode == 2 and done.stdout == ""


def test_the_report_is_written_whole_or_not_at_all(tmp_path):
    target = tmp_path / "missing-dir" / "class.csv"
    done = bpdebug("xor", "--check", "--impl", str(STUDENTS / "correct.py"),
                   str(STUDENTS / "raises.py"), "--report", str(target))
    assert done.returncode == 2 and "--report" in done.stderr
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_the_progress_bar_draws_only_on_a_terminal(graded):
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert grading.progress_bar(io.StringIO()) is None
    assert graded[0][0].stderr == ""  # captured: not a terminal, so no bar in the output
    screen = Terminal()
    bar = grading.progress_bar(screen)
    bar(0, 4)
    bar(2, 4)
    assert "] 0/4 checked" in screen.getvalue() and "[###############...............] 2/4" in screen.getvalue()
    bar(4, 4)
    assert screen.getvalue().endswith("\r")  # cleared before the verdicts are printed
