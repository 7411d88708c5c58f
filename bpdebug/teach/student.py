"""Teaching mode: run a student's own forward / backpropagation and find the first
entry that differs from the reference engine.

The student's file defines ``forward(X, parameters) -> (AL, cache)``,
``backpropagation(cache, Y, parameters) -> grads``, or both, with the post's
dictionary keys: ``A0..AL`` and ``Z1..ZL`` in the cache, ``W1, b1, ...`` in the
parameters, ``dZl, dWl, dbl, dAl`` in the grads.  It runs only when named with
--impl (a scenario can never make code run), and only in a child process
(student_child.py, started by student_process.py): bpdebug's own process reads the
file as text and gets back plain float arrays, never the student's objects.

Each function is judged on its own: backpropagation receives the reference cache,
so a wrong forward pass does not hide (or fake) a wrong backward pass.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bpdebug.engine import names
from bpdebug.engine.cursor import Engine
from bpdebug.engine.shapes import fmt
from bpdebug.scenario.printable import escape_controls
from bpdebug.teach.submission import SubmissionError, read

RTOL, ATOL = 1e-6, 1e-9
_PACKAGE = str(Path(__file__).resolve().parents[1])  # bpdebug/


class StudentFileError(Exception):
    """The student's file cannot be used at all (missing, not Python, defines nothing)."""


@dataclass(frozen=True)
class Limits:
    """What one child may use: seconds per call (import, forward, backpropagation),
    bytes of address space (RLIMIT_AS), and whether it is confined (confine.POLICIES)."""

    timeout: float = 10.0
    memory: int = 2 << 30
    confine: str = "auto"


def size_text(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):g} {unit}"
    return f"{n} bytes"


@dataclass(frozen=True)
class Submission:
    """A student's file, read and checked as text; nothing of it has run."""

    path: Path  # absolute
    display: str  # as the teacher named it
    skipped: tuple[str, ...] = ()  # notebook lines that are IPython, not Python
    defines: tuple[str, ...] = ()  # forward / backpropagation, as read without running it
    syntax_error: str | None = None  # "alice.py:3: invalid syntax"
    limits: Limits = Limits()  # how it is run (the teacher's --impl-timeout, --impl-memory)

    @property
    def __file__(self) -> str:  # what the app's screens name, as a module's __file__ did
        return self.display

    def own(self, filename: str) -> bool:
        """A traceback frame in the student's code: the file, a notebook cell of it, or a
        helper module beside it (not an installed package, not bpdebug)."""
        if filename == self.display or filename.startswith(self.display + ":cell"):
            return True
        folder = str(self.path.parent)
        return (filename.startswith(folder + "/") and "-packages" not in filename
                and not filename.startswith(_PACKAGE + "/"))


@dataclass(frozen=True)
class Entry:
    """One entry of the cache or the grads, compared with the reference."""

    key: str  # the post's key: "Z1", "dW2"
    status: str  # "ok" | "missing" | "shape" | "type" | "values" | "raised" | "not run"
    expected: np.ndarray | None = None
    actual: np.ndarray | None = None
    max_relative_error: float = 0.0
    first_wrong: tuple[int, ...] | None = None
    equation: str = ""  # what the entry should have computed
    kind: str = ""  # "type": what was returned instead of a float array ("complex128")
    category: str = ""  # "type": the kind's family, a key of ADVICE
    note: str = ""  # "missing": why, when it is not simply an absent key

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self) -> str:
        what = f" ({self.equation})" if self.equation else ""
        if self.status == "missing":
            if self.note:
                return f"{self.key}: {self.note}"
            return f"{self.key}: missing from the dictionary (it should hold {self.equation})"
        if self.status == "type":
            return f"{self.key} is {self.kind}: {ADVICE.get(self.category, ADVICE['other'])}"
        if self.status == "shape":
            return (f"{self.key}: wrong shape: expected {fmt(self.expected.shape)}, "
                    f"got {fmt(np.shape(self.actual))}{what}")
        if self.status == "values":
            idx = self.first_wrong
            a = np.asarray(self.actual)[idx] if idx is not None else float("nan")
            e = np.asarray(self.expected)[idx] if idx is not None else float("nan")
            return (f"{self.key}: wrong values: max relative error {self.max_relative_error:.3g}; "
                    f"first wrong entry {idx}: expected {e:.6g}, got {a:.6g}{what}")
        if self.status == "raised":
            return f"{self.key}: the student's code raised while computing it{what}"
        return f"{self.key}: {self.status}"


# What to return instead, by what was returned (Entry.kind's category).
ADVICE = {
    "complex": "return real values",
    "object": "return an array of floats, not of Python objects",
    "string": "return numbers, not text",
    "int": "return floating-point values",
    "bool": "return floating-point values, e.g. (Z > 0).astype(float)",
    "none": "return the array (a function with no return statement gives None)",
    "list": "return a NumPy array, e.g. np.array(...)",
    "other": "return a NumPy array of floats",
}


@dataclass(frozen=True)
class Crash:
    """The student's code did not return: it raised (the name is kept from when that was
    the only way), exited, was killed, ran out of time, or defines nothing to call;
    `cause` says which."""

    function: str  # "forward", "backpropagation", or "import" for the module's own code
    error: str  # "ValueError: shapes (1,4) and (3,4) not aligned", "timed out after 10 s"
    file: str
    line: int | None
    source: str  # the line of the student's file
    entry: str | None  # the entry being computed there, when the line assigns one
    operands: tuple[tuple[str, str], ...]  # (expression, shape) on that line
    traceback: str
    partial: dict | None = None  # the dictionary the function was filling when it raised
    cause: str = "raised"  # | "exit" | "timeout" | "signal" | "missing" | "internal"

    @property
    def where(self) -> str:
        """"in forward()", "while importing alice.py"."""
        if self.function == "import":
            return f"while importing {self.file or 'the file'}" if self.cause != "missing" else ""
        return f"in {self.function}()"

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.file and self.line else ""

    def summary(self) -> str:
        """One line: what happened, where in the code, at which line."""
        if self.cause == "missing":
            return self.error
        what = f"raised {self.error}" if self.cause == "raised" else self.error
        at = f" at {self.location}" if self.location else ""
        return f"{what} {self.where}{at}".replace("  ", " ")

    def lines(self) -> list[str]:
        if self.cause == "raised":
            out = [f"✗ {self.function if self.function != 'import' else 'importing it'} "
                   f"raised {self.error}"]
        else:
            out = ["✗ " + self.summary()]
        if self.source.strip():
            out.append(f"  at {self.location}: {self.source.strip()}")
        if self.entry:
            out.append(f"  while computing {self.entry}")
        out += [f"  {text} is {shape}" for text, shape in self.operands]
        return out


@dataclass(frozen=True)
class Comparison:
    entries: tuple[Entry, ...]
    crash: Crash | None
    output: str = ""  # what the student's code printed (fd 1 and 2), control codes escaped
    more_lines: int = 0  # lines of output beyond what was kept
    skipped: tuple[str, ...] = ()  # notebook lines skipped as IPython
    confinement: str = ""  # the child's own line: "confined (Landlock ABI 7): …", "not confined: …"

    @property
    def first_divergence(self) -> Entry | None:
        return next((e for e in self.entries if not e.ok and e.status != "not run"), None)

    @property
    def ok(self) -> bool:
        return self.crash is None and self.first_divergence is None


def load_student(path: str | Path, display: str | None = None, *,
                 strict: bool = True) -> Submission:
    """Read a student's file without running any of it.  `strict` (a single --impl):
    a syntax error or a file that defines neither function is unusable input
    (StudentFileError); otherwise (grading a class) they are the student's verdict."""
    display = display or str(path)
    try:
        source = read(path, display)
    except SubmissionError as error:
        raise StudentFileError(str(error)) from None
    error = source.syntax_error()
    syntax = None
    if error is not None:
        where = f"{error.filename}:{error.lineno}" if error.lineno else (error.filename or display)
        syntax = f"{where}: {error.msg}"
        if strict:
            raise StudentFileError(f"{where}: not Python bpdebug can run: {error.msg}")
    defines = tuple(sorted(source.defines()))
    if strict and syntax is None and not defines:
        raise StudentFileError(f"{display}: defines neither forward(X, parameters) "
                               "nor backpropagation(cache, Y, parameters)")
    return Submission(Path(path).resolve(), display, source.skipped, defines, syntax)

def reference_engine(scenario) -> Engine:
    """The engine without the scenario's injected mistakes: the student is compared
    with the right answer."""
    return Engine(replace(scenario, bugs=()))


def post_names(engine: Engine, i: int = 0) -> tuple[dict, dict, dict, dict, np.ndarray]:
    """parameters, cache, grads (the post's keys) and the equations, for iteration i."""
    env = engine.iteration_env(i)
    if env is None:
        raise StudentFileError("the reference iteration itself stops at a shape mismatch: "
                               "fix the scenario first (see bpdebug SCENARIO --check)")
    L = engine.L
    post, key = names.post, names.key
    params = {key(name): np.array(env[name]) for name in names.parameters(L)}
    forward = [post("A", l) for l in range(L + 1)] + [post("Z", l) for l in range(1, L + 1)]
    cache = {key(name): env[name] for name in forward}
    grads = {}
    for l in range(L, 0, -1):  # the order the reference computes them in
        for name in names.gradients(l):
            grads[key(name)] = env[name]
    equations = {key(eq.target): str(eq) for step in engine.steps for eq in step.equations}
    return params, cache, grads, equations, env["Y"]


def compare(key: str, expected: np.ndarray, actual, equation: str) -> Entry:
    if actual is None:
        return Entry(key, "missing", expected, None, equation=equation)
    try:
        actual = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        return Entry(key, "shape", expected, np.asarray(actual, dtype=object), equation=equation)
    if actual.shape != expected.shape:
        return Entry(key, "shape", expected, actual, equation=equation)
    with np.errstate(all="ignore"):
        wrong = ~np.isclose(actual, expected, rtol=RTOL, atol=ATOL, equal_nan=True)
        relative = np.abs(actual - expected) / np.maximum(np.abs(expected), ATOL)
    if not wrong.any():
        return Entry(key, "ok", expected, actual, equation=equation)
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    worst = float(np.nanmax(np.where(wrong, relative, 0.0)))
    return Entry(key, "values", expected, actual, worst, first, equation)


def _forward_order(L: int) -> list[str]:
    keys = ["A0"]
    for l in range(1, L + 1):
        keys += [f"Z{l}", f"A{l}"]
    return keys


@dataclass(frozen=True)
class Reference:
    """The right answer for one iteration, in the post's names; shared by every
    submission of a grading run."""

    L: int
    params: dict
    cache: dict
    grads: dict
    equations: dict
    Y: np.ndarray

    @property
    def forward_keys(self) -> list[str]:
        return _forward_order(self.L)


def reference(scenario, i: int = 0) -> Reference:
    engine = reference_engine(scenario)
    if i:
        engine.train(i)
    params, cache, grads, equations, Y = post_names(engine, i)
    return Reference(engine.L, params, cache, grads, equations, Y)


def run(scenario, submission: Submission, i: int = 0, limits: Limits | None = None, *,
        ref: Reference | None = None, started=None, stop=None) -> Comparison:
    """Run the student's functions on iteration i of the scenario, in a child process,
    and compare every entry.  `started(child)` is told the ChildProcess, which can be
    killed from another thread; a killed run, or one whose `stop` Event is set (before it
    starts or while it runs), returns a Comparison whose crash.cause is "cancelled"."""
    from bpdebug.teach.student_process import ChildProcess

    limits = limits or submission.limits
    ref = ref or reference(scenario, i)
    if submission.syntax_error is not None:
        return _failed(ref, submission, _syntax_crash(submission))
    job_dir = Path(tempfile.mkdtemp(prefix="bpdebug-student-"))
    try:
        arrays = {f"p.{k}": v for k, v in ref.params.items()}
        arrays.update({f"c.{k}": v for k, v in ref.cache.items()})
        np.savez(job_dir / "inputs.npz", Y=ref.Y, **arrays)
        grads_keys = list(ref.grads)
        (job_dir / "job.json").write_text(json.dumps({
            "path": str(submission.path), "display": submission.display,
            "timeout": limits.timeout, "memory": limits.memory,
            "memory_text": size_text(limits.memory), "confine": limits.confine,
            "forward_keys": ref.forward_keys, "grads_keys": grads_keys}))
        child = ChildProcess(job_dir, limits.timeout, stop)
        if started is not None:
            started(child)
        outcome = child.run()
        said = [m["confinement"] for m in outcome.statuses if "confinement" in m]
        return replace(_interpret(ref, submission, limits, outcome, job_dir),
                       confinement=str(said[-1]) if said else "")
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)


def _syntax_crash(submission: Submission) -> Crash:
    where, _, message = submission.syntax_error.partition(": ")
    file, _, line = where.rpartition(":")
    return Crash("import", f"SyntaxError: {message}", file if line.isdigit() else where,
                 int(line) if line.isdigit() else None, "", None, (), "")


def _failed(ref: Reference, submission: Submission, crash: Crash, outcome=None) -> Comparison:
    """Nothing ran to the end: every entry is "not run"."""
    keys = ref.forward_keys if "forward" in submission.defines or not submission.defines else []
    if "backpropagation" in submission.defines or not submission.defines:
        keys = keys + [k for k in ref.grads if k != "dA0"]
    expected = {**ref.cache, **ref.grads}
    entries = tuple(Entry(k, "not run", expected[k], equation=ref.equations.get(k, ""))
                    for k in keys)
    return Comparison(entries, crash, *_output(outcome), submission.skipped)


def _output(outcome) -> tuple[str, int]:
    if outcome is None:
        return "", 0
    return _printable(outcome.output.decode("utf-8", errors="replace")), outcome.more_lines


def _printable(text: str) -> str:
    """The student's output, safe to show: an escape sequence in it must not reach
    the terminal (it could switch screens or move the cursor), so control codes are
    written as \\x1b, as scenario text is; a carriage return ends a line."""
    return escape_controls(text.replace("\r\n", "\n").replace("\r", "\n"), keep="\t\n")


def _interpret(ref: Reference, submission: Submission, limits: Limits, outcome,
               job_dir: Path) -> Comparison:
    """The child's outcome as a Comparison: the entries it returned, or how it ended."""
    result = None
    if outcome.phase == "done" and (job_dir / "result.json").is_file():
        try:
            result = json.loads((job_dir / "result.json").read_text())
            arrays = np.load(job_dir / "result.npz", allow_pickle=False)
            arrays = {k: arrays[k] for k in arrays.files}
        except (OSError, ValueError) as error:
            return _failed(ref, submission, _ended(
                "internal", f"bpdebug could not read what the child process returned: {error}",
                submission, outcome), outcome)
    if result is None:
        return _failed(ref, submission, _ending(submission, limits, outcome), outcome)
    output, more = _output(outcome)
    skipped = tuple(result.get("skipped", ())) or submission.skipped
    if "unusable" in result:
        return _failed(ref, submission, _ended("internal", result["unusable"], submission,
                                               outcome), outcome)
    if "import" in result:
        return _failed(ref, submission, _crash_from(result["import"], arrays), outcome)
    defined = result.get("defined", [])
    if not defined:
        crash = Crash("import", "", submission.display, None, "", None, (), "",
                      cause="missing")
        crash = replace(crash, error="missing forward and backpropagation: the file defines "
                        "neither forward(X, parameters) nor backpropagation(cache, Y, parameters)")
        return Comparison((), crash, output, more, skipped)
    entries: list[Entry] = []
    crash = None
    calls = result.get("calls", {})
    if "forward" in defined:
        entries += _judge("forward", ref.forward_keys, ref.cache, calls.get("forward"), arrays,
                          ref.equations)
        crash = _crash_from(calls["forward"]["crash"], arrays) if "crash" in calls.get(
            "forward", {}) else None
    if "backpropagation" in defined and crash is None:
        call = calls.get("backpropagation", {})
        got = call.get("values") or (call.get("crash") or {}).get("partial") or {}
        grads = ref.grads
        this_crash = _crash_from(call["crash"], arrays) if "crash" in call else None
        if "dA0" not in got and (this_crash is None or this_crash.entry != "dA0"):
            grads = {k: v for k, v in grads.items() if k != "dA0"}  # the post never computes dA0
        entries += _judge("backpropagation", list(grads), grads, call, arrays, ref.equations)
        crash = this_crash
    return Comparison(tuple(entries), crash, output, more, skipped)


def _judge(function: str, keys: list[str], reference: dict, call: dict | None, arrays: dict,
           equations: dict) -> list[Entry]:
    """Compare, in the reference's order; after a crash, what the function had filled in
    before it raised is still judged, the entry it was computing is marked "raised"."""
    call = call or {}
    crash = call.get("crash")
    if "wrong_return" in call:
        return [Entry(keys[0], "missing", reference[keys[0]], equation=equations.get(keys[0], ""),
                      note=call["wrong_return"])]
    if crash is not None:
        got, prefix = crash.get("partial") or {}, f"{function}.partial"
    else:
        got, prefix = call.get("values") or {}, function
    out = []
    for key in keys:
        equation = equations.get(key, "")
        if crash is not None and key not in got:
            status = "raised" if key == crash.get("entry") else "not run"
            out.append(Entry(key, status, reference[key], equation=equation))
        elif key not in got:
            out.append(compare(key, reference[key], None, equation))
        elif got[key] == "array":
            out.append(compare(key, reference[key], arrays.get(f"{prefix}.{key}"), equation))
        else:
            label, category = got[key]
            out.append(Entry(key, "type", reference[key], equation=equation,
                             kind=str(label), category=str(category)))
    return out


def _crash_from(data: dict, arrays: dict) -> Crash:
    return Crash(data.get("function", ""), data.get("error", ""), data.get("file") or "",
                 data.get("line"), data.get("source") or "", data.get("entry"),
                 tuple(tuple(o) for o in data.get("operands", ())), data.get("traceback", ""),
                 None, data.get("cause", "raised"))


def _ended(cause: str, error: str, submission: Submission, outcome, phase=None,
           where: tuple[str, int | None, str] = ("", None, "")) -> Crash:
    phase = phase or (outcome.phase if outcome is not None and outcome.phase in
                      ("forward", "backpropagation") else "import")
    file, line, source = where
    if phase == "import" and not file:
        file = submission.display
    return Crash(phase, error, file, line, source, None, (), outcome.where if outcome else "",
                 cause=cause)


def _ending(submission: Submission, limits: Limits, outcome) -> Crash:
    """A child that ended without writing its result: why."""
    where = _where(submission, outcome.where)
    if outcome.cancelled:
        return _ended("cancelled", "stopped by bpdebug", submission, outcome)
    if outcome.internal is not None:
        return _ended("internal", f"bpdebug's child process failed: {outcome.internal}",
                      submission, outcome)
    if outcome.timed_out:
        return _ended("timeout", f"timed out after {limits.timeout:g} s", submission, outcome,
                      where=where)
    if outcome.exit_call is not None:
        call = outcome.exit_call
        return _ended("exit", f"called os._exit({call.get('exit')})", submission, outcome,
                      where=(call.get("file", ""), call.get("line"), call.get("source", "")))
    code = outcome.returncode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return _ended("signal", f"was killed by {name}{hint}", submission, outcome, where=where)
    return _ended("exit", f"ended the process with exit code {code} without returning",
                  submission, outcome, where=where)


_FRAME = re.compile(r'^\s*File "(.*)", line (\d+)', re.MULTILINE)


def _where(submission: Submission, dump: str) -> tuple[str, int | None, str]:
    """The student's innermost frame in a faulthandler traceback (most recent first)."""
    for match in _FRAME.finditer(dump):
        file, line = match.group(1), int(match.group(2))
        if submission.own(file):
            return file, line, _source_line(submission, file, line)
    return "", None, ""


def _source_line(submission: Submission, file: str, line: int) -> str:
    try:
        source = read(submission.path, submission.display)
    except SubmissionError:
        return ""
    for chunk in source.chunks:
        if chunk.filename == file:
            lines = chunk.source.splitlines()
            return lines[line - 1] if 0 < line <= len(lines) else ""
    try:
        lines = Path(file).read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return lines[line - 1] if 0 < line <= len(lines) else ""

def first_entry(comparison: Comparison) -> str:
    """The entry the verdict is about: the first that differs, or the one being computed
    when the code stopped ("" when neither)."""
    first = comparison.first_divergence
    if first is not None:
        return first.key
    return (comparison.crash.entry or "") if comparison.crash is not None else ""


OUTPUT_LINES = 50  # of the student's output under the --check report


def verdict(comparison: Comparison) -> tuple[str, str]:
    """(category, one line) for a grading table: ("correct", "correct"),
    ("diverges", "diverges at dW2: wrong values …"), ("raised", "raised ValueError …"),
    ("timed out", …), ("missing", "missing dW1 …"), ("exited", …), ("killed", …)."""
    first = comparison.first_divergence
    crash = comparison.crash
    if first is not None and first.status != "raised":
        text = first.describe()
        if first.status == "missing":
            return "missing", (f"missing {text}" if first.note else
                               f"missing {first.key} (it should hold {first.equation})")
        if first.status == "type":
            return "wrong type", text
        if first.status == "shape":
            return "wrong shape", f"wrong shape at {text.replace(': wrong shape: ', ': ', 1)}"
        return "diverges", f"diverges at {text}"
    if crash is not None:
        category = {"raised": "raised", "exit": "exited", "timeout": "timed out",
                    "signal": "killed", "missing": "missing", "internal": "not checked",
                    "cancelled": "not checked"}.get(crash.cause, crash.cause)
        text = crash.summary()
        if crash.entry:
            text += f" while computing {crash.entry}"
        return category, text
    return "correct", "correct"


def output_lines(comparison: Comparison, limit: int | None = OUTPUT_LINES) -> list[str]:
    """The student's output, the first `limit` lines, then how many more there were."""
    lines = comparison.output.splitlines()
    shown = lines if limit is None else lines[:limit]
    more = len(lines) - len(shown) + comparison.more_lines
    return shown + ([f"… {more} more line{'s' if more != 1 else ''} not shown"] if more else [])


def report(scenario, path: str, comparison: Comparison) -> tuple[list[str], int]:
    """The --check --impl report and its exit code (0 all match, 1 anything else)."""
    lines = [f"{scenario.title} ({scenario.path}) against {path}"]
    lines += [comparison.confinement, ""] if comparison.confinement else [""]
    for entry in comparison.entries:
        mark = {"ok": "✓", "not run": "·"}.get(entry.status, "✗")
        lines.append(f"{mark} {entry.key:6} {entry.status:8} {entry.equation}")
    first = comparison.first_divergence
    if first is not None:
        lines += ["", "first divergence: " + first.describe()]
    if comparison.crash is not None:
        lines += [""] + comparison.crash.lines()
    if comparison.skipped:
        lines += ["", f"skipped {len(comparison.skipped)} IPython line(s) of the notebook:"]
        lines += [f"  {line}" for line in comparison.skipped]
    if comparison.output or comparison.more_lines:
        lines += ["", "the student's code printed:"]
        lines += [f"  | {line}" for line in output_lines(comparison)]
    if first is not None:
        lines += ["", f"verdict: {first.key} is the first entry that differs → exit 1"]
        return lines, 1
    if comparison.crash is not None:
        what = {"raised": "raised", "timeout": "timed out", "exit": "ended the process",
                "signal": "was killed", "missing": "defines neither function"}.get(
                    comparison.crash.cause, "did not finish")
        lines += ["", f"verdict: the student's code {what} → exit 1"]
        return lines, 1
    lines += ["", "verdict: every entry matches the reference → exit 0"]
    return lines, 0
