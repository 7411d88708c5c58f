"""bpdebug's command line.  It parses and validates everything before the app is
imported, so a bad file costs one line and exit code 2, never a screen.

Exit codes: 0 all good; 1 a shape mismatch, a failed gradient check or a step
that raised; 2 unusable input (file, flags).
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import time

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


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {value}")
    return value


def parser() -> argparse.ArgumentParser:
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
    p.add_argument("--export", metavar="OUT",
                   help="write the iteration after --train N updates (default 0) to OUT.npz or OUT.json")
    p.add_argument("--impl", metavar="FILE",
                   help="a student's own forward(X, parameters) and/or backpropagation(cache, Y, "
                   "parameters) in the post's style, compared entry by entry with the reference "
                   "(the file is imported: name only files you trust)")
    p.add_argument("--transcript", metavar="OUT.md",
                   help="write the iteration after --train N updates as Markdown, for a handout")
    p.add_argument("--list", action="store_true", help="list the bundled scenarios")
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


def _main(args: argparse.Namespace) -> int:
    from bpdebug.scenario import ScenarioError, bundled, load

    if args.list:
        for name, title, description in bundled():
            print(f"{name:22} {title}" + (f" — {description.splitlines()[0]}" if description else ""))
        return EXIT_OK
    for flag, value in (("SCENARIO", args.scenario), ("--export", args.export),
                        ("--transcript", args.transcript), ("--impl", args.impl)):
        if value is not None and not value.strip():
            print(f"bpdebug: {flag}: an empty name is not a file", file=sys.stderr)
            return EXIT_USAGE
    if args.export and not args.export.lower().endswith((".npz", ".json")):
        print(f"bpdebug: --export: {args.export}: the name must end in .npz or .json", file=sys.stderr)
        return EXIT_USAGE
    if args.scenario is None:
        if args.check or args.train is not None or args.export or args.transcript:
            print("bpdebug: --check, --train, --export and --transcript need a SCENARIO",
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

    student = None
    if args.impl:
        from bpdebug.student import StudentFileError, load_student
        try:
            student = load_student(args.impl)
        except StudentFileError as error:
            print(f"bpdebug: --impl: {error}", file=sys.stderr)
            return EXIT_USAGE

    if not (args.check or args.train is not None or args.export or args.transcript):
        if not _terminal():
            return EXIT_USAGE
        from bpdebug.app.app import run
        return run(scenario, student=student) if student is not None else run(scenario)

    if args.check and student is not None:
        from bpdebug.student import StudentFileError, report, run
        try:
            comparison = run(scenario, student, args.train or 0)
        except StudentFileError as error:
            print(f"bpdebug: {scenario.path}: {error}", file=sys.stderr)
            return EXIT_FAIL
        lines, code = report(scenario, args.impl, comparison)
        print("\n".join(lines))
        return code

    from bpdebug.engine import Engine

    engine = Engine(scenario)
    code = EXIT_OK
    interrupted = False
    if args.train:
        code = _train(engine, args.train)
        if code not in (EXIT_OK, EXIT_INTERRUPTED):
            return code
        interrupted, code = code == EXIT_INTERRUPTED, EXIT_OK
    if args.check:
        from bpdebug.report import check_report
        lines, code = check_report(engine)
        print("\n".join(lines))
    if args.export:
        code = max(code, _export(engine, args.export))
    if args.transcript:
        from bpdebug.export import atomic_write
        from bpdebug.transcript import transcript
        try:
            atomic_write(args.transcript, transcript(engine).encode())
        except OSError as error:
            print(f"bpdebug: --transcript: {args.transcript}: {error.strerror or error}",
                  file=sys.stderr)
            return EXIT_USAGE
        print(f"wrote iteration {engine.iteration} to {args.transcript}")
    return code or (EXIT_INTERRUPTED if interrupted else EXIT_OK)


def _terminal() -> bool:
    """The app draws on a terminal and reads keys from one; without, it would spin
    writing escape codes into a file.  Says so and returns False when there is none."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        return True
    print("bpdebug needs a terminal; use --check, --train or --export headless",
          file=sys.stderr)
    return False


def _train(engine, n: int) -> int:
    from bpdebug.report import sparkline

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


def _export(engine, path: str) -> int:
    from bpdebug.export import arrays, write

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
