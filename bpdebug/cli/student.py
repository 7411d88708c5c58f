"""The command line's --impl paths: one student's detailed report, a class's verdicts,
or the debugger beside one student's code; and --list-apis.  Kept apart from main.py,
which only parses and dispatches."""

from __future__ import annotations

import sys

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _limits(args):
    from bpdebug.teach.homework.run import Limits
    default = Limits()
    return Limits(args.impl_timeout or default.timeout, args.impl_memory or default.memory,
                  args.impl_confine or default.confine)


def _unconfinable(limits) -> bool:
    """--impl-confine require where Landlock is missing: said in one line, before any
    student's code runs (True: refused)."""
    from bpdebug.teach.confine import probe
    found = probe()
    if limits.confine == "require" and not found.confined:
        print(f"bpdebug: --impl-confine require: {found.line()}", file=sys.stderr)
        return True
    return False


def _api(args):
    """The API named with --api (None: recognise each file's), or an error line."""
    if args.api is None:
        return None, None
    from bpdebug.teach.homework.api import ApiError, load
    try:
        return load(args.api), None
    except ApiError as error:
        return None, f"bpdebug: --api: {error}"


def list_apis() -> int:
    from bpdebug.teach.homework.api import APIS, builtin
    for api in builtin():
        print(f"{api.name:15} {api.about}")
    print(f"\nEach is a file in {APIS}: copy one, edit it, and name it with --api FILE.toml "
          "(README, \"For teachers\").")
    return EXIT_OK


def _one(scenario, args, api):
    """The single hand-in of --impl FILE, read and recognised, or (None, exit code)."""
    from bpdebug.teach.homework.run import StudentFileError, load_student, misfit
    try:
        submission = load_student(args.impl[0], api=api, run_all=args.impl_run_all)
    except StudentFileError as error:
        print(f"bpdebug: --impl: {error}", file=sys.stderr)
        return None, EXIT_USAGE
    why = misfit(submission, scenario)
    if why is not None:
        print(f"bpdebug: --impl: {args.impl[0]}: {why}", file=sys.stderr)
        return None, EXIT_USAGE
    return submission, EXIT_OK


def open_impl(scenario, args, terminal=lambda: True) -> int:
    """The debugger with one student's file beside the reference; ``terminal()`` says
    (and tells the user) whether there is a terminal to open it on."""
    from pathlib import Path
    if len(args.impl) > 1 or Path(args.impl[0]).is_dir():
        print("bpdebug: --impl: the debugger shows one student's file; to check several, "
              "add --check", file=sys.stderr)
        return EXIT_USAGE
    api, error = _api(args)
    if error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    submission, code = _one(scenario, args, api)
    if submission is None:
        return code
    if _unconfinable(_limits(args)) or not terminal():
        return EXIT_USAGE
    from dataclasses import replace

    from bpdebug.app.app import run
    return run(scenario, student=replace(submission, limits=_limits(args)))


def check_impl(scenario, args) -> int:
    """--check --impl: one file gets the detailed report, several (or a folder) a line
    each; 0 when every one is correct, 1 when any is not, 2 for unusable input."""
    from pathlib import Path

    from bpdebug.teach.homework import grading, report
    from bpdebug.teach.homework.causes import blind_note
    from bpdebug.teach.homework.reference import ReferenceError, reference
    from bpdebug.teach.homework.run import run, size_text
    limits = _limits(args)
    api, error = _api(args)
    if error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    if _unconfinable(limits):
        return EXIT_USAGE
    single = len(args.impl) == 1 and not Path(args.impl[0]).is_dir()
    try:
        ref = reference(scenario)
    except ReferenceError as error:
        print(f"bpdebug: {scenario.path}: {error}", file=sys.stderr)
        return EXIT_USAGE
    blind = blind_note(ref)
    if single:
        submission, code = _one(scenario, args, api)
        if submission is None:
            return code
        comparison = run(scenario, submission, limits=limits, ref=ref)
        lines, code = report.report(scenario, args.impl[0], comparison, blind)
        print("\n".join(lines))
        results = [grading.graded(args.impl[0], submission, comparison)]
        return max(code, _write_report(args.report, results))
    found = grading.find(args.impl, api)
    for problem in found.problems:
        print(f"bpdebug: --impl: {problem}", file=sys.stderr)
    if found.problems or not found.files:
        if not found.files:
            print(f"bpdebug: --impl: no submissions found in {' '.join(args.impl)} "
                  "(.py, .ipynb, .txt or no extension, defining the calls of an API: "
                  "see --list-apis)", file=sys.stderr)
        return EXIT_USAGE
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
    from bpdebug.teach.export import atomic_write
    from bpdebug.teach.homework import grading
    try:
        atomic_write(path, grading.table(results, path))
    except OSError as error:
        print(f"bpdebug: --report: {path}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {len(results)} verdict(s) to {path}")
    return EXIT_OK
