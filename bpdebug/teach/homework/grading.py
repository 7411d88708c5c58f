"""Checking a class: many submissions against one scenario, one child process each,
as many at once as there are cores; one verdict line per submission and a table for a
gradebook (CSV or JSON)."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from bpdebug.teach.homework import api as apis
from bpdebug.teach.homework import run
from bpdebug.teach.homework.detect import detect
from bpdebug.teach.homework.report import verdict
from bpdebug.teach.homework.submission import SubmissionError, read

SUFFIXES = (".py", ".ipynb", ".txt", "")
SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", "site-packages", "node_modules"}


@dataclass(frozen=True)
class Graded:
    file: str
    category: str  # "correct", "diverges", "wrong shape", "raised", "timed out", "missing", …
    verdict: str  # the one line printed after the file name
    entry: str  # the first entry that differs ("" when none)
    api: str = ""  # the API it was graded by
    line: str = ""  # where in the student's code the first wrong value was made
    cause: str = ""  # its likely cause
    confinement: str = ""  # how its child ran: "confined (Landlock ABI 7): …", "not confined: …"

    @property
    def correct(self) -> bool:
        return self.category == "correct"


@dataclass(frozen=True)
class Found:
    files: list[str]  # submissions, as the teacher named them (folder/file)
    passed_over: list[str]  # files in folders that are not submissions, and why
    problems: list[str]  # names that are neither a file nor a folder


def find(names: list[str], api=None) -> Found:
    """Files named are submissions whatever their name; in a folder (searched through),
    .py, .ipynb, .txt and extension-less files are, except those that define none of the
    APIs' calls (helpers beside a submission, a course's own utilities) or are not Python
    at all (.txt, no extension): those are listed as passed over."""
    files, passed, problems, seen = [], [], [], set()

    def add(name: str) -> None:
        key = os.path.realpath(name)
        if key not in seen:
            seen.add(key)
            files.append(name)

    for name in names:
        path = Path(name)
        if path.is_dir():
            for root, dirs, entries in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
                for entry in sorted(entries):
                    candidate = os.path.join(root, entry)
                    if entry.startswith(".") or Path(entry).suffix.lower() not in SUFFIXES:
                        continue
                    if not os.path.isfile(candidate):
                        continue
                    why = _not_a_submission(candidate, api)
                    if why:
                        passed.append(f"{candidate} ({why})")
                    else:
                        add(candidate)
        elif path.exists():
            add(name)
        else:
            problems.append(f"{name}: no such file or folder")
    return Found(sorted(files), passed, problems)


def _not_a_submission(path: str, api=None) -> str:
    try:
        source = read(path)
    except SubmissionError as error:
        return str(error).split(": ", 1)[-1]
    loose = Path(path).suffix.lower() in (".txt", "")
    if source.syntax_error() is not None:
        return "not Python" if loose else ""
    if detect(source.defined(), [api] if api is not None else apis.builtin()) is None:
        return "defines no API's calls"
    return ""


def grade_one(scenario, name: str, ref, limits, stop=None, api=None, run_all=False) -> Graded:
    try:
        submission = run.load_student(name, strict=False, api=api, run_all=run_all)
    except run.StudentFileError as error:
        return Graded(name, "unreadable", str(error), "")
    comparison = run.run(scenario, submission, limits=limits, ref=ref, stop=stop)
    return graded(name, submission, comparison)


def graded(name: str, submission, comparison) -> Graded:
    v = verdict(comparison)
    return Graded(name, v.category, v.text, v.entry,
                  submission.api.name if submission.api is not None else "", v.line, v.cause,
                  comparison.confinement)


def grade(scenario, names: list[str], limits, i: int = 0, jobs: int | None = None,
          progress=None, api=None, run_all=False, ref=None) -> list[Graded]:
    """Every submission's verdict, sorted by file name; `progress(done, total)` after each.
    On KeyboardInterrupt every child is killed before it propagates."""
    from bpdebug.teach.homework.process import kill_all
    from bpdebug.teach.homework.reference import reference

    ref = ref or reference(scenario, i)
    jobs = max(1, jobs or os.cpu_count() or 1)
    results: list[Graded] = []
    pool = ThreadPoolExecutor(max_workers=min(jobs, len(names)) or 1,
                              thread_name_prefix="bpdebug-grade")
    stop = threading.Event()

    def one(name: str) -> Graded:
        if stop.is_set():
            return Graded(name, "not checked", "not checked: interrupted", "")
        return grade_one(scenario, name, ref, limits, stop, api, run_all)

    try:
        if progress is not None:
            progress(0, len(names))
        futures = [pool.submit(one, name) for name in names]
        for done, future in enumerate(as_completed(futures), start=1):
            results.append(future.result())
            if progress is not None:
                progress(done, len(names))
    except BaseException:
        stop.set()
        kill_all()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return sorted(results, key=lambda g: g.file)


def summary(results: list[Graded]) -> str:
    counts: dict[str, int] = {}
    for g in results:
        counts[g.category] = counts.get(g.category, 0) + 1
    correct = counts.pop("correct", 0)
    rest = ", ".join(f"{n} {category}" for category, n in sorted(counts.items(),
                                                                  key=lambda kv: (-kv[1], kv[0])))
    total = len(results)
    line = f"{total} submission{'s' if total != 1 else ''}: {correct} correct"
    return line + (f", {total - correct} not ({rest})" if rest else "")


def lines(results: list[Graded]) -> list[str]:
    """One line a submission: the file, its verdict, and the API it was graded by."""
    width = min(max((len(g.file) for g in results), default=0), 48)
    return [f"{g.file:{width}}  {g.verdict}" + (f"  ({g.api})" if g.api else "") for g in results]


COLUMNS = ("file", "result", "entry", "verdict", "api", "line", "cause")


def table(results: list[Graded], path: str) -> bytes:
    """The results as CSV or JSON (by the name's ending), for a gradebook."""
    rows = [{"file": g.file, "result": g.category, "entry": g.entry, "verdict": g.verdict,
             "api": g.api, "line": g.line, "cause": g.cause} for g in results]
    if path.lower().endswith(".json"):
        return (json.dumps({"submissions": rows, "summary": summary(results)}, indent=2,
                           ensure_ascii=False) + "\n").encode()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def progress_bar(stream=None):
    """A progress callback drawing on stderr when it is a terminal, else None."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return None

    def show(done: int, total: int) -> None:
        filled = int(30 * done / total)
        stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} checked ")
        if done == total:
            stream.write("\r" + " " * 50 + "\r")
        stream.flush()

    return show
