"""The command line's --impl paths: one student's detailed report, a class's verdicts,
or the debugger beside one student's code; and --list-apis.  Kept apart from main.py,
which only parses and dispatches."""

from __future__ import annotations

import functools
import sys

from bpdebug.cli.exits import EXIT_FAIL, EXIT_OK, EXIT_USAGE, refuse, written


class Refused(Exception):
    """Why the --impl input cannot be used, in one line: the command line refuses it."""


def _refusing(entry):
    """An --impl path whose Refused ends it the way every refusal does (exit 2)."""
    @functools.wraps(entry)
    def run(*args, **kwargs) -> int:
        try:
            return entry(*args, **kwargs)
        except Refused as why:
            return refuse(str(why))
    return run


def _prepared(args):
    """How every hand-in runs: (the API named with --api, None to recognise each file's;
    the limits), before any student's code runs; Refused when it cannot."""
    from bpdebug.teach.confine import probe
    from bpdebug.teach.homework.run import Limits
    default = Limits()
    limits = Limits(args.impl_timeout or default.timeout, args.impl_memory or default.memory,
                    args.impl_confine or default.confine)
    if limits.confine == "require":  # where Landlock is missing
        found = probe()
        if not found.confined:
            raise Refused(f"--impl-confine require: {found.line()}")
    if args.api is None:
        return None, limits
    from bpdebug.teach.homework.api import ApiError, load
    try:
        return load(args.api), limits
    except ApiError as error:
        raise Refused(f"--api: {error}") from None


def list_apis() -> int:
    from bpdebug.teach.homework.api import APIS, builtin
    for api in builtin():
        print(f"{api.name:15} {api.about}")
    print(f"\nEach is a file in {APIS}: copy one, edit it, and name it with --api FILE.toml "
          "(README, \"For teachers\").")
    return EXIT_OK


def _one(scenario, args, api):
    """The single hand-in of --impl FILE, read and recognised; Refused when it cannot be run."""
    from bpdebug.teach.homework.run import StudentFileError, load_student, misfit
    try:
        submission = load_student(args.impl[0], api=api, run_all=args.impl_run_all)
    except StudentFileError as error:
        raise Refused(f"--impl: {error}") from None
    why = misfit(submission, scenario)
    if why is not None:
        raise Refused(f"--impl: {args.impl[0]}: {why}")
    return submission


@_refusing
def open_impl(scenario, args, terminal=lambda: True) -> int:
    """The debugger with one student's file beside the reference; ``terminal()`` says
    (and tells the user) whether there is a terminal to open it on."""
    from pathlib import Path
    if len(args.impl) > 1 or Path(args.impl[0]).is_dir():
        return refuse("--impl: the debugger shows one student's file; to check several, "
                      "add --check")
    api, limits = _prepared(args)
    submission = _one(scenario, args, api)
    if not terminal():
        return EXIT_USAGE
    from dataclasses import replace

    from bpdebug.app.app import run
    return run(scenario, student=replace(submission, limits=limits))


@_refusing
def check_impl(scenario, args) -> int:
    """--check --impl: one file gets the detailed report, several (or a folder) a line
    each; 0 when every one is correct, 1 when any is not, 2 for unusable input."""
    from pathlib import Path

    from bpdebug.teach.homework import grading, report
    from bpdebug.teach.homework.causes import blind_note
    from bpdebug.teach.homework.reference import ReferenceError, reference
    from bpdebug.teach.homework.run import run, size_text
    api, limits = _prepared(args)
    single = len(args.impl) == 1 and not Path(args.impl[0]).is_dir()
    try:
        ref = reference(scenario)
    except ReferenceError as error:
        return refuse(f"{scenario.path}: {error}")
    blind = blind_note(ref)
    if single:
        submission = _one(scenario, args, api)
        comparison = run(scenario, submission, limits=limits, ref=ref)
        lines, code = report.report(scenario, args.impl[0], comparison, blind)
        print("\n".join(lines))
        results = [grading.graded(args.impl[0], submission, comparison)]
        return max(code, _write_report(args.report, results))
    found = grading.find(args.impl, api)
    problems = [f"--impl: {problem}" for problem in found.problems]
    if not found.files:
        problems.append(f"--impl: no submissions found in {' '.join(args.impl)} (.py, .ipynb, "
                        ".txt or no extension, defining the calls of an API: see --list-apis)")
    if problems:
        return refuse("\n".join(problems))
    bar = grading.progress_bar()
    try:
        results = grading.grade(scenario, found.files, limits, progress=bar, api=api,
                                run_all=args.impl_run_all, ref=ref)
    finally:
        if bar is not None:
            sys.stderr.flush()
    print(f"{scenario.title} ({scenario.path}): {len(results)} submissions, "
          f"{limits.timeout:g} s and {size_text(limits.memory)} each")
    # Every child says how it ran; on one machine they all say the same.
    for line in sorted({g.confinement for g in results if g.confinement}):
        print(line)
    if blind:
        print("\n".join(blind))
    print()
    print("\n".join(grading.lines(results)))
    print()
    print(grading.summary(results))
    if found.passed_over:
        print(f"passed over {len(found.passed_over)} file(s) that are not submissions: "
              + "; ".join(found.passed_over))
    code = EXIT_OK if all(g.correct for g in results) else EXIT_FAIL
    return max(code, _write_report(args.report, results))


def _write_report(path: str | None, results) -> int:
    if not path:
        return EXIT_OK
    from bpdebug.teach.homework import grading
    code = written("--report", path, grading.table(results, path))
    if code == EXIT_OK:
        print(f"wrote {len(results)} verdict(s) to {path}")
    return code
