"""bpdebug's command line.  It parses and validates everything before the app is
imported, so a bad file costs one line and exit code 2, never a screen.

Exit codes: 0 all good; 1 a shape mismatch, a failed gradient check or a step
that raised; 2 unusable input (file, flags).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import time
from typing import Callable

from bpdebug import __version__

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # as a shell reports Ctrl-C; what was done so far is still reported


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        print(f"bpdebug: {message} (see bpdebug --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*", text, re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 512MiB or 2GiB)")
    unit = (match.group(2) or "").lower().rstrip("b").rstrip("i")
    return int(float(match.group(1)) * 1024 ** " kmgt".index(unit or " "))


def _path(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty name is not a file")
    return text


def _number(kind: type, what: str, ok: Callable, must: str) -> Callable[[str], float]:
    """An argparse type: ``kind(text)``, refused with "not <what>" when it is not one and
    with ``must`` (a format of text and value) when ``ok`` says no."""
    def convert(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(must.format(text=text, value=value))
        return value
    return convert


_seconds = _number(float, "a number of seconds", lambda s: 0 < s < 1e6,
                   "must be more than 0 seconds: {text!r}")
_count = _number(int, "a whole number", lambda n: n >= 0, "must be 0 or more: {value}")
_positive = _number(int, "a whole number", lambda n: n >= 1, "must be 1 or more: {value}")


def parser() -> argparse.ArgumentParser:
    from bpdebug.teach.confine import POLICIES

    p = _Parser(
        prog="bpdebug",
        description="A terminal stepping debugger for neural-network backpropagation. "
        "With a SCENARIO and no other flag it opens the debugger; with none it opens a picker.",
    )
    p.add_argument("scenario", nargs="?", metavar="SCENARIO",
                   help="a scenario .toml file, or the name of a bundled one (see --list)")
    p.add_argument("--check", action="store_true",
                   help="print one iteration as a table of equations and shapes, then the "
                   "gradient check; exit 0 if all is good, 1 if not, 2 for unusable input")
    p.add_argument("--train", type=_count, metavar="N",
                   help="train N iterations headless and print the cost history")
    p.add_argument("--export", metavar="OUT", type=_path,
                   help="write the iteration after --train N updates (default 0) to OUT.npz or OUT.json")
    p.add_argument("--impl", metavar="FILE", nargs="+", type=_path,
                   help="a student's own forward(X, parameters) and/or backpropagation(cache, Y, "
                   "parameters) in the post's style (.py, .ipynb, any name), compared entry by "
                   "entry with the reference; it runs in a separate process with a time and "
                   "memory limit, confined where Linux has Landlock (--impl-confine). "
                   "With --check, several files and folders grade a class")
    p.add_argument("--impl-timeout", metavar="SECONDS", type=_seconds,
                   help="wall-clock limit for each call of the student's code (default 10)")
    p.add_argument("--impl-memory", metavar="SIZE", type=_size,
                   help="memory limit of the process running the student's code (default 2GiB)")
    p.add_argument("--impl-confine", metavar="|".join(POLICIES), choices=POLICIES,
                   help="confine the process running the student's code with Landlock (Linux): "
                   "it reads only Python and its own folder, writes only its job folder, opens "
                   "no TCP connection; auto (the default) says so where it cannot, require "
                   "refuses to grade there (exit 2)")
    p.add_argument("--report", metavar="FILE.csv|FILE.json", type=_path,
                   help="with --check --impl: write every submission's verdict as a table")
    p.add_argument("--transcript", metavar="OUT.md", type=_path,
                   help="write the iteration after --train N updates as Markdown, for a handout")
    p.add_argument("--explain", metavar="ELEMENT",
                   help="write out one element of the iteration after --train N updates, "
                   "e.g. 'dW[1][0,1]', 'b[2][0]', 'A[0][1,3]', 'Y[0,2]' or J: its equation in "
                   "the post's index notation with every term's number, and for W, b, dW, db "
                   "the nudge (ΔJ/ε beside the gradient)")
    p.add_argument("--list", action="store_true", help="list the bundled scenarios")
    p.add_argument("--serve", action="store_true",
                   help="classroom mode: serve the debugger to browsers, one session per tab, "
                   "on SCENARIO or the picker of bundled ones (needs bpdebug[serve])")
    p.add_argument("--host", default=None, metavar="HOST",
                   help="with --serve: the address to listen on (default 127.0.0.1; "
                   "0.0.0.0 for every network)")
    p.add_argument("--port", type=_count, default=None, metavar="PORT",
                   help="with --serve: the port to listen on (default 8000)")
    p.add_argument("--max-sessions", type=_positive, default=None, metavar="N",
                   help="with --serve: at most N sessions (browser tabs) at once; one more "
                   "is told the class is full (default: worked out from memory and cores)")
    p.add_argument("--idle-timeout", type=_seconds, default=None, metavar="SECONDS",
                   help="with --serve: end a tab's session after this long without a key "
                   "or a resize (default 1800)")
    p.add_argument("--max-memory", type=_size, default=1 << 30, metavar="SIZE",
                   help="refuse scenarios whose matrices would need more (default 1GiB)")
    p.add_argument("--max-file-size", type=_size, default=16 << 20, metavar="SIZE",
                   help="refuse scenario files larger than this, before parsing (default 16MiB)")
    p.add_argument("--version", action="version", version=f"bpdebug {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _main(args)
    except KeyboardInterrupt:
        print("bpdebug: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


def first_sentence(text: str) -> str:
    """A description's first sentence, on one line (a file wraps it wherever it likes)."""
    words = " ".join(text.split())
    end = words.find(". ")
    return words if end < 0 else words[:end + 1]


def _main(args: argparse.Namespace) -> int:
    from bpdebug.scenario import ScenarioError, bundled, load

    if args.serve or any(getattr(args, flag) is not None for flag in _SERVE_ONLY):
        return _serve(args)
    if args.list:
        for name, title, description in bundled():
            print(f"{name:22} {title}" + (f" — {first_sentence(description)}" if description else ""))
        return EXIT_OK
    for flag, value in (("SCENARIO", args.scenario), ("--export", args.export),
                        ("--transcript", args.transcript)):
        if value is not None and not value.strip():
            print(f"bpdebug: {flag}: an empty name is not a file", file=sys.stderr)
            return EXIT_USAGE
    refused = _refused(args)
    if refused:
        print(f"bpdebug: {refused}", file=sys.stderr)
        return EXIT_USAGE
    if args.export and not args.export.lower().endswith((".npz", ".json")):
        print(f"bpdebug: --export: {args.export}: the name must end in .npz or .json", file=sys.stderr)
        return EXIT_USAGE
    unwritable = _unwritable(("--export", args.export), ("--transcript", args.transcript),
                             ("--report", args.report))
    if unwritable:  # said now, not after a long --train or a class's grading
        print(f"bpdebug: {unwritable}", file=sys.stderr)
        return EXIT_USAGE
    if args.scenario is None:
        if args.check or args.train is not None or args.export or args.transcript or args.explain:
            print("bpdebug: --check, --train, --export, --transcript and --explain need a SCENARIO",
                  file=sys.stderr)
            return EXIT_USAGE
        if not _terminal():
            return EXIT_USAGE
        from bpdebug.app.app import run
        return run(None)
    try:
        scenario = load(args.scenario, max_memory=args.max_memory,
                        max_file_size=args.max_file_size)
    except ScenarioError as error:
        print(f"bpdebug: {error}", file=sys.stderr)
        return EXIT_USAGE

    if args.impl:
        from bpdebug.cli.student import check_impl, open_impl
        if args.check:
            return check_impl(scenario, args)
        return open_impl(scenario, args, terminal=_terminal)

    if not (args.check or args.train is not None or args.export or args.transcript
            or args.explain):
        if not _terminal():
            return EXIT_USAGE
        from bpdebug.app.app import run
        return run(scenario)

    from bpdebug.engine.cursor import Engine

    engine = Engine(scenario)
    if args.explain:  # a name or index that does not exist is refused before any training
        from bpdebug.teach.explain import BadElement, parse
        try:
            element = parse(args.explain, engine, args.train or 0)
        except BadElement as error:
            print(f"bpdebug: --explain: {error}", file=sys.stderr)
            return EXIT_USAGE
    code = EXIT_OK
    interrupted = False
    if args.train:
        code = _train(engine, args.train)
        if code not in (EXIT_OK, EXIT_INTERRUPTED):
            return code
        interrupted, code = code == EXIT_INTERRUPTED, EXIT_OK
    if args.check:
        from bpdebug.teach.report import check_report
        lines, code = check_report(engine)
        print("\n".join(lines))
    if args.export:
        code = max(code, _export(engine, args.export))
    if args.transcript:
        from bpdebug.teach.export import atomic_write
        from bpdebug.teach.transcript import transcript
        try:
            atomic_write(args.transcript, transcript(engine).encode())
        except OSError as error:
            print(f"bpdebug: --transcript: {args.transcript}: {error.strerror or error}",
                  file=sys.stderr)
            return EXIT_USAGE
        print(f"wrote iteration {engine.iteration} to {args.transcript}")
    if args.explain:
        from bpdebug.teach.explain import BadElement, printout
        try:
            lines, stopped = printout(engine, element)
        except BadElement as error:  # a last mini-batch smaller than the others
            print(f"bpdebug: --explain: {error}", file=sys.stderr)
            return EXIT_USAGE
        if stopped:
            print(f"bpdebug: --explain: {stopped}", file=sys.stderr)
            code = max(code, EXIT_FAIL)
        else:
            print("\n".join(lines))
    return code or (EXIT_INTERRUPTED if interrupted else EXIT_OK)


def _serve(args: argparse.Namespace) -> int:
    """Classroom mode.  The scenario is validated here, once, so a bad one costs one line
    before anything listens; a browser can never name --impl or another file."""
    from pathlib import Path

    from bpdebug.scenario import ScenarioError, load

    if not args.serve:
        given = [f"--{flag.replace('_', '-')}" for flag in _SERVE_ONLY
                 if getattr(args, flag) is not None]
        print(f"bpdebug: {' and '.join(given)} go{'es' if len(given) == 1 else ''} with --serve",
              file=sys.stderr)
        return EXIT_USAGE
    if args.impl:
        print("bpdebug: --serve cannot be combined with --impl: a student's code is never "
              "run for a browser", file=sys.stderr)
        return EXIT_USAGE
    if args.check or args.train is not None or args.export or args.transcript or args.list:
        print("bpdebug: --serve cannot be combined with --check, --train, --export, "
              "--transcript or --list", file=sys.stderr)
        return EXIT_USAGE
    port = 8000 if args.port is None else args.port
    if not 0 < port < 65536:
        print(f"bpdebug: --port: not a port: {port}", file=sys.stderr)
        return EXIT_USAGE
    path, title = None, "bpdebug"
    if args.scenario is not None:
        try:
            scenario = load(args.scenario, max_memory=args.max_memory)
        except ScenarioError as error:
            print(f"bpdebug: {error}", file=sys.stderr)
            return EXIT_USAGE
        path, title = Path(scenario.path).resolve(), f"bpdebug {scenario.name}"
    from bpdebug.cli.serve import IDLE_TIMEOUT, Options, ServeError, default_max_sessions, serve
    cap, why = (args.max_sessions, "") if args.max_sessions else default_max_sessions()
    try:
        serve(Options(path, title, args.host or "127.0.0.1", port, args.max_memory, cap,
                      args.idle_timeout or IDLE_TIMEOUT, why))
    except ServeError as error:
        print(f"bpdebug: {error}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


_SERVE_ONLY = ("host", "port", "max_sessions", "idle_timeout")


def _refused(args: argparse.Namespace) -> str | None:
    """Flags that do not fit together: what to do instead, in one line."""
    if args.impl and args.train is not None:
        return ("--impl compares the student's code on iteration 0 and cannot follow --train: "
                "drop --train, or open the debugger with --impl and step to a later iteration")
    if args.impl and args.scenario is None:
        return ("--impl needs a SCENARIO, before it: bpdebug SCENARIO --check --impl FILE… "
                "(--impl takes every name after it)")
    if args.impl and args.check and args.export:
        return ("--export writes the reference's iteration, not the student's: run --export "
                "without --check --impl")
    if args.impl and args.explain:
        return ("--explain writes out the reference's numbers, not the student's: run it "
                "without --impl")
    if args.impl and (args.export or args.transcript):
        return ("--export and --transcript write the reference's iteration, not the "
                "student's: run them without --impl")
    if args.report and not (args.check and args.impl):
        return "--report writes the verdicts of --check --impl FILE…: add --check --impl"
    if args.report and not args.report.lower().endswith((".csv", ".json")):
        return f"--report: {args.report}: the name must end in .csv or .json"
    if args.impl_confine is not None and not args.impl:
        return "--impl-confine says how --impl FILE runs: add --impl"
    for flag in ("impl_timeout", "impl_memory"):
        if getattr(args, flag) is not None and not args.impl:
            return f"--{flag.replace('_', '-')} is the limit for --impl FILE: add --impl"
    return None


def _terminal() -> bool:
    """The app draws on a terminal and reads keys from one; without, it would spin
    writing escape codes into a file.  Says so and returns False when there is none."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        return True
    if os.environ.get("TEXTUAL_DRIVER"):  # a session textual-serve (--serve) runs for a browser
        return True
    print("bpdebug needs a terminal; use --check, --train or --export headless",
          file=sys.stderr)
    return False


def _train(engine, n: int) -> int:
    from bpdebug.teach.report import sparkline

    interrupted = []
    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    tty = sys.stderr.isatty()
    shown = [0.0]

    def progress(done: int) -> None:
        now = time.monotonic()
        if tty and (now - shown[0] > 0.1 or done == n):
            shown[0] = now
            filled = int(30 * done / n)
            cost = engine.loss_history[-1] if engine.loss_history else float("nan")
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{n}  J = {cost:.6g} ")
            sys.stderr.flush()

    try:
        result = engine.train(n, progress=progress, should_stop=lambda: bool(interrupted))
    finally:
        signal.signal(signal.SIGINT, previous)
        if tty:
            sys.stderr.write("\n")
    history = engine.loss_history
    if result.record is not None and not result.record.ok:
        record = result.record
        print(f"training stopped at iteration {record.iteration}, {record.step.label}:")
        print("\n".join(record.mismatch.lines() if record.mismatch else [record.error or ""]))
        return EXIT_FAIL
    if result.alert and result.record is not None:
        print(f"stopped by a watchpoint at iteration {result.record.iteration}, "
              f"{result.record.step.label}: {result.alert}")
    elif result.stopped:
        print(f"interrupted after {result.done} of {n} iterations")
    print(f"trained {result.done} iterations: J {history[0]:.6g} → {history[-1]:.6g}")
    print(sparkline(history))
    return EXIT_INTERRUPTED if result.stopped and not result.alert else EXIT_OK


def _unwritable(*targets: tuple[str, str | None]) -> str | None:
    """The first output file that could not be written, as "--flag: path: why"."""
    from bpdebug.teach.export import refusal

    for flag, path in targets:
        why = refusal(path) if path else None
        if why:
            return f"{flag}: {path}: {why}"
    return None


def _export(engine, path: str) -> int:
    from bpdebug.teach.export import arrays, write

    data = arrays(engine, engine.iteration)
    if data is None:
        record = engine.record(engine.iteration * engine.S + engine.S - 1)  # where it stopped
        print(f"bpdebug: --export: nothing written: the iteration stops at {record.step.label}",
              file=sys.stderr)
        if record.mismatch is not None:
            print("\n".join(record.mismatch.lines()), file=sys.stderr)
        return EXIT_FAIL
    try:
        write(path, data)
    except OSError as error:
        print(f"bpdebug: --export: {path}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"exported iteration {engine.iteration} to {path}")
    return EXIT_OK
