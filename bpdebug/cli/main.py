"""bpdebug's command line.  It parses and validates everything before the app is
imported, so a bad file costs one line and exit code 2, never a screen.

One table (MODES) says what the command line does, for --help and the README; the
flags' own table is the parser; one validation (refusal) decides, before anything runs,
every combination that cannot be honoured, each refused in one shape: one line and
exit code 2 (exits.py).

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
from bpdebug.cli.exits import EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, refuse, written

# What the command line does: each way to call it and what it gives (--help and the
# README's "Using it" list are this table).
MODES = [
    ("bpdebug SCENARIO", "open the debugger (a .toml path or a bundled name)"),
    ("bpdebug", "pick a bundled scenario"),
    ("bpdebug --list", "list the bundled scenarios"),
    ("bpdebug SCENARIO --check",
     "one iteration as a table of equations and shapes, then the gradient check"),
    ("bpdebug SCENARIO --train N",
     "train N iterations headless; prints the first and last cost and a sparkline"),
    ("bpdebug SCENARIO --export OUT.npz",
     "the iteration after --train N updates (default 0), as arrays (.npz or .json)"),
    ("bpdebug SCENARIO --transcript OUT.md",
     "the iteration as a Markdown handout to recompute: X, Y, W, b, each step, the check"),
    ("bpdebug SCENARIO --explain 'dW[1][0,1]'",
     "one element written out with its numbers, and the nudge (see below)"),
    ("bpdebug SCENARIO --impl FILE",
     "debug a student's hand-in beside the reference, in their course's API (see below)"),
    ("bpdebug SCENARIO --check --impl FILE",
     "the same as a report: the first entry that diverges, the line, the likely cause"),
    ("bpdebug SCENARIO --check --impl FILE… FOLDER…",
     "grade a class: one verdict line per submission"),
    ("bpdebug --list-apis", "the course APIs --impl recognises (--api NAME|FILE.toml picks one)"),
    ("bpdebug --serve [SCENARIO] [--host 127.0.0.1] [--port 8000] [--max-sessions N] "
     "[--idle-timeout 1800]", "classroom mode: the debugger in browser tabs (bpdebug[serve])"),
    ("bpdebug --help | --version", ""),
]
# The jobs done without a screen, in the order the command line does them.
HEADLESS = ("--check", "--train", "--export", "--transcript", "--explain")
# Files the command line writes, with the names they must end in.
WRITES = {"--export": (".npz", ".json"), "--transcript": (), "--report": (".csv", ".json")}
PATHS = ("SCENARIO", "--impl", *WRITES)  # names of files: never empty
SERVE_ONLY = ("--host", "--port", "--max-sessions", "--idle-timeout")  # nothing without --serve
# What --serve takes besides a SCENARIO: a browser runs nothing else.
SERVES_WITH = ("--serve", *SERVE_ONLY, "--max-memory", "--max-file-size")


# What --impl-confine takes; teach/confine.py's for_child reads the policy.
CONFINE_POLICIES = ("auto", "require", "off")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        print(f"bpdebug: {message} (see bpdebug --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)

    below_added = False

    def format_help(self) -> str:
        # What the modes' "(see below)" promises, written only when help is shown: it
        # reads the grader's tolerances, an import every other run can do without.
        if not self.below_added:
            self.epilog, self.below_added = f"{self.epilog}\n\n{below()}", True
        return super().format_help()


def _size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*", text, re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 512MiB or 2GiB)")
    unit = (match.group(2) or "").lower().rstrip("b").rstrip("i")
    return int(float(match.group(1)) * 1024 ** " kmgt".index(unit or " "))


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


def below() -> str:
    """What the modes' "(see below)" promises, at the end of --help: the spellings of an
    element --explain takes, and what --impl runs and how it grades (the README says
    more)."""
    from bpdebug.engine.notation import plain
    from bpdebug.teach.homework.compare import ATOL, RTOL

    return f"""\
--explain ELEMENT: a quantity and an index, counted from 0 as on screen: Z[l][j,i],
  A[l][j,i] (A[0] is X), dZ[l][j,i], dA[l][k,i], W[l][j,k], dW[l][j,k], b[l][j],
  db[l][j], Y[j,i], or J (no index). Three spellings name the same element: as on
  screen, dW[1][1,0]; as bpdebug prints it, dW[1]_{{1,0}}; by the post's dictionary
  key, dW1[1,0]. It prints the element's equation in index notation with every
  term's number and, for W, b, dW and db, the nudge: ΔJ/ε beside the gradient.

--impl FILE: a student's hand-in in the API their course hands out (--list-apis),
  run in a process of its own with a time and a memory limit. Each stage gets the
  reference's inputs; dW and db always, and J, Z, A, dZ, dA where the API returns
  them, are compared entry by entry with the reference (np.isclose, rtol {plain(RTOL)},
  atol {plain(ATOL)}). Alone it opens the debugger beside the reference. With --check
  it prints a report: the first entry that diverges, the student's line that made
  it and the likely mistake; exit 0 if every entry agrees, 1 if not. With --check,
  several files and folders grade a class, one verdict line each (--report writes
  them as a table)."""


def parser() -> argparse.ArgumentParser:
    from bpdebug.scenario.files import DEFAULT_MAX_FILE_SIZE
    from bpdebug.scenario.memory import DEFAULT_MAX_MEMORY

    p = _Parser(
        prog="bpdebug",
        description="A terminal stepping debugger for neural-network backpropagation. "
        "With a SCENARIO and no other flag it opens the debugger; with none it opens a picker.",
        epilog="\n".join(f"  {usage}" + (f"\n      {what}" if what else "")
                          for usage, what in MODES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    p.add_argument("--impl", metavar="FILE", nargs="+",
                   help="a student's hand-in (.py, .ipynb, any name) in the API their course "
                   "hands out (the post's forward/backpropagation, deeplearning.ai's, cs231n's, "
                   "Holberton's, Nielsen's: see --list-apis), compared entry by entry with the "
                   "reference; it runs in a separate process with a time and memory limit, "
                   "confined where Linux has Landlock (--impl-confine). "
                   "With --check, several files and folders grade a class")
    p.add_argument("--api", metavar="NAME|FILE.toml",
                   help="with --impl: the API the hand-ins implement, a built-in name or an "
                   "API file of your own (default: recognised from what each file defines)")
    p.add_argument("--impl-run-all", action="store_true",
                   help="with --impl: run every top-level statement of a hand-in, not only "
                   "what defines (imports, def, class, constants)")
    p.add_argument("--list-apis", action="store_true",
                   help="list the built-in course APIs --impl recognises, with their files")
    p.add_argument("--impl-timeout", metavar="SECONDS", type=_seconds,
                   help="wall-clock limit for each call of the student's code (default 10)")
    p.add_argument("--impl-memory", metavar="SIZE", type=_size,
                   help="memory limit of the process running the student's code (default 2GiB)")
    p.add_argument("--impl-confine", metavar="|".join(CONFINE_POLICIES),
                   choices=CONFINE_POLICIES,
                   help="confine the process running the student's code with Landlock (Linux): "
                   "it reads only Python and its own folder, writes only its job folder, opens "
                   "no TCP connection; auto (the default) says so where it cannot, require "
                   "refuses to grade there (exit 2)")
    p.add_argument("--report", metavar="FILE.csv|FILE.json",
                   help="with --check --impl: write every submission's verdict as a table")
    p.add_argument("--transcript", metavar="OUT.md",
                   help="write the iteration after --train N updates as Markdown, for a handout")
    p.add_argument("--explain", metavar="ELEMENT",
                   help="write out one element of the iteration after --train N updates, "
                   "e.g. 'dW[1][0,1]', 'b[2][0]', 'A[0][1,3]', 'Y[0,2]' or J, with its nudge "
                   "(ELEMENT's spellings: see the end of this help)")
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
    p.add_argument("--max-memory", type=_size, default=DEFAULT_MAX_MEMORY, metavar="SIZE",
                   help="refuse scenarios whose matrices would need more (default 1GiB)")
    p.add_argument("--max-file-size", type=_size, default=DEFAULT_MAX_FILE_SIZE, metavar="SIZE",
                   help="refuse scenario files larger than this, before parsing (default 16MiB)")
    p.add_argument("--version", action="version", version=f"bpdebug {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    why = refusal(args)
    if why:
        return refuse(why)
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


def value(args: argparse.Namespace, flag: str):
    """What a flag or SCENARIO was given as: args.max_file_size for --max-file-size."""
    return getattr(args, flag.lstrip("-").replace("-", "_").lower())


def given(args: argparse.Namespace) -> list[str]:
    """The flags given, as written (--check, --impl ...), in the parser's order."""
    out = []
    for action in parser()._actions:
        got = getattr(args, action.dest, None)
        if action.option_strings and got is not None and got is not False \
                and got is not action.default:
            out.append(action.option_strings[0])
    return out


def refusal(args: argparse.Namespace) -> str | None:
    """Every combination of flags the command line cannot honour, decided before anything
    runs: what to do instead, in one line (None: it can be done)."""
    flags = given(args)
    for flag in PATHS:
        names = value(args, flag)
        if any(not name.strip() for name in ([names] if isinstance(names, str) else names or [])):
            return f"{flag}: an empty name is not a file"
    if args.serve:
        return _serve_refusal(args, flags)
    alone = [flag for flag in SERVE_ONLY if flag in flags]
    if alone:
        return f"{' and '.join(alone)} go{'es' if len(alone) == 1 else ''} with --serve"
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
    for flag in ("--impl-timeout", "--impl-memory"):
        if flag in flags and not args.impl:
            return f"{flag} is the limit for --impl FILE: add --impl"
    for flag in ("--api", "--impl-run-all", "--impl-confine"):
        if flag in flags and not args.impl:
            return f"{flag} says how to run --impl FILE: add --impl"
    for flag, endings in WRITES.items():
        path = value(args, flag)
        if path and endings and not path.lower().endswith(endings):
            return f"{flag}: {path}: the name must end in {' or '.join(endings)}"
    if args.scenario is None and any(flag in flags for flag in HEADLESS):
        return f"{', '.join(HEADLESS[:-1])} and {HEADLESS[-1]} need a SCENARIO"
    for flag in WRITES:  # said now, not after a long --train or a class's grading
        why = _unwritable(flag, value(args, flag))
        if why:
            return why
    return None


def _serve_refusal(args: argparse.Namespace, flags: list[str]) -> str | None:
    """--serve runs the debugger for browsers and nothing else: a job it cannot do for
    one is refused, whichever it is."""
    for flag in flags:
        if flag == "--impl":
            return ("--serve cannot be combined with --impl: a student's code is never "
                    "run for a browser")
        if flag not in SERVES_WITH:
            return (f"--serve cannot be combined with {flag}: it serves the debugger to "
                    f"browsers; run {flag} without --serve")
    if args.port is not None and not 0 < args.port < 65536:
        return f"--port: not a port: {args.port}"
    return None


def _main(args: argparse.Namespace) -> int:
    from bpdebug.scenario import ScenarioError, bundled, load

    if args.list_apis:
        from bpdebug.cli.student import list_apis
        return list_apis()
    if args.list:
        for name, title, description in bundled():
            print(f"{name:22} {title}" + (f" — {first_sentence(description)}" if description else ""))
        return EXIT_OK
    scenario = None
    if args.scenario is not None:
        try:
            scenario = load(args.scenario, max_memory=args.max_memory,
                            max_file_size=args.max_file_size)
        except ScenarioError as error:
            return refuse(str(error))
    if args.serve:
        return _serve(args, scenario)
    if args.impl:
        from bpdebug.cli.student import check_impl, open_impl
        if args.check:
            return check_impl(scenario, args)
        return open_impl(scenario, args, terminal=_terminal)
    if not any(flag in given(args) for flag in HEADLESS):
        if not _terminal():
            return EXIT_USAGE
        from bpdebug.app.app import run
        return run(scenario)
    return _headless(args, scenario)


def _headless(args: argparse.Namespace, scenario) -> int:
    """--check, --train, --export, --transcript and --explain, in that order, on one engine."""
    from bpdebug.engine.cursor import Engine

    engine = Engine(scenario)
    if args.explain:  # a name or index that does not exist is refused before any training
        from bpdebug.teach.element import BadElement, parse
        try:
            element = parse(args.explain, engine, args.train or 0)
        except BadElement as error:
            return refuse(f"--explain: {error}")
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
        from bpdebug.teach.transcript import transcript
        if written("--transcript", args.transcript, transcript(engine).encode()):
            return EXIT_USAGE
        print(f"wrote iteration {engine.iteration} to {args.transcript}")
    if args.explain:
        from bpdebug.teach.element import BadElement
        from bpdebug.teach.render import printout
        try:
            lines, stopped = printout(engine, element)
        except BadElement as error:  # a last mini-batch smaller than the others
            return refuse(f"--explain: {error}")
        if stopped:
            print(f"bpdebug: --explain: {stopped}", file=sys.stderr)
            code = max(code, EXIT_FAIL)
        else:
            print("\n".join(lines))
    return code or (EXIT_INTERRUPTED if interrupted else EXIT_OK)


def _serve(args: argparse.Namespace, scenario) -> int:
    """Classroom mode.  The scenario was loaded here, once, so a bad one costs one line
    before anything listens; a browser can never name --impl or another file."""
    from pathlib import Path

    from bpdebug.cli.serve import IDLE_TIMEOUT, Options, ServeError, default_max_sessions, serve

    path, title = None, "bpdebug"
    if scenario is not None:
        path, title = Path(scenario.path).resolve(), f"bpdebug {scenario.name}"
    cap, why = (args.max_sessions, "") if args.max_sessions else default_max_sessions()
    try:
        serve(Options(path, title, args.host or "127.0.0.1",
                      8000 if args.port is None else args.port, args.max_memory,
                      args.max_file_size, cap, args.idle_timeout or IDLE_TIMEOUT, why))
    except ServeError as error:
        return refuse(str(error))
    return EXIT_OK


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
    from bpdebug.engine import training
    from bpdebug.teach.report import cost_text, sparkline

    first = engine.iteration
    interrupted = []
    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    tty = sys.stderr.isatty()
    shown = [0.0]

    def progress(done: int) -> None:
        now = time.monotonic()
        if tty and (now - shown[0] > 0.1 or done == n):
            shown[0] = now
            filled = int(30 * done / n)
            history = engine.loss_history
            cost = cost_text(len(history) - 1, history[-1]) if history else ""
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{n}  {cost} ")
            sys.stderr.flush()

    try:
        result = engine.train(n, progress=progress, should_stop=lambda: bool(interrupted))
    finally:
        signal.signal(signal.SIGINT, previous)
        if tty:
            sys.stderr.write("\n")
    history, record = engine.loss_history, result.record
    if result.outcome == training.FAILED:
        print(f"training stopped at iteration {record.iteration}, {record.step.label}:")
        print("\n".join(record.mismatch.lines() if record.mismatch else [record.error or ""]))
        return EXIT_FAIL
    if result.outcome == training.WATCHPOINT:
        print(f"stopped by a watchpoint at iteration {record.iteration}, "
              f"{record.step.label}: {result.alert}")
    elif result.outcome == training.STOPPED:
        print(f"interrupted after {result.done} of {n} iterations")
    # Each J says its iteration: the last one trained is not the one the parameters
    # after it start (what --check, --explain and --transcript read).
    last = len(history) - 1
    costs = [cost_text(k, history[k]) for k in dict.fromkeys((first, last)) if 0 <= k <= last]
    plural = "" if result.done == 1 else "s"
    print(f"trained {result.done} iteration{plural}: " + (" → ".join(costs) or "no cost computed"))
    print(sparkline(history))
    now = engine.iteration
    if now >= len(history) and result.outcome in (training.DONE, training.STOPPED):
        J = engine.cost(now)
        print(f"the trained parameters start iteration {now}"
              + (f": {cost_text(now, J)}" if J is not None else ""))
    return EXIT_INTERRUPTED if result.outcome == training.STOPPED else EXIT_OK


def _unwritable(flag: str, path: str | None) -> str | None:
    """Why an output file could not be written, as "--flag: path: why"; None if it can."""
    from bpdebug.teach.export import refusal as cannot_write

    why = cannot_write(path) if path else None
    return f"{flag}: {path}: {why}" if why else None


def _export(engine, path: str) -> int:
    from bpdebug.teach.export import arrays, encoded

    data = arrays(engine, engine.iteration)
    if data is None:
        record = engine.record(engine.iteration * engine.S + engine.S - 1)  # where it stopped
        print(f"bpdebug: --export: nothing written: the iteration stops at {record.step.label}",
              file=sys.stderr)
        if record.mismatch is not None:
            print("\n".join(record.mismatch.lines()), file=sys.stderr)
        return EXIT_FAIL
    if written("--export", path, encoded(path, data)):
        return EXIT_USAGE
    print(f"exported iteration {engine.iteration} to {path}")
    return EXIT_OK
