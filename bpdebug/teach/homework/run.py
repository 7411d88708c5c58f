"""Teaching mode: run a student's hand-in, in the API its course hands out, and compare
everything it returns with the reference.

A hand-in is read as text here (submission.py) and recognised by what it defines
(detect.py); it runs only when named with --impl (a scenario can never make code run),
and only in a child process (child.py, started by process.py): bpdebug's own process
gets back plain float arrays and text, never the student's objects.

Each stage is judged on its own: the backward pass receives the reference's forward
values, so a wrong forward pass does not hide (or fake) a wrong backward pass.  What the
API returns is judged in the API's own layout; dW and db (and J, where the API returns
it) always, Z, A, dZ and dA where the student returns them.
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
from bpdebug.scenario.printable import escape_controls
from bpdebug.teach.homework import api as apis
from bpdebug.teach.homework import causes, result
from bpdebug.teach.homework.api import Api, Call
from bpdebug.teach.homework.compare import (Comparison, Entry, HelperCheck, Location, compare)
from bpdebug.teach.homework.detect import Detection, detect, entry_points, try_api
from bpdebug.teach.homework.layout import conversion, to_api, to_post
from bpdebug.teach.homework.reference import Reference, ReferenceError, reference
from bpdebug.teach.homework.submission import SubmissionError, read
from bpdebug.teach.homework.where import locate

_PACKAGE = str(Path(__file__).resolve().parents[2])  # bpdebug/


class StudentFileError(Exception):
    """The student's file cannot be used at all (missing, not Python, defines no API)."""


@dataclass(frozen=True)
class Limits:
    """What one child may use: seconds per call (import, each stage, each helper),
    bytes of address space (RLIMIT_AS), and whether it is confined (cli.main.CONFINE_POLICIES)."""

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
    detection: Detection | None = None  # the API it implements, and why
    syntax_error: str | None = None  # "alice.py:3: invalid syntax"
    limits: Limits = Limits()  # how it is run (the teacher's --impl-timeout, --impl-memory)
    run_all: bool = False  # --impl-run-all: every top-level statement runs

    @property
    def __file__(self) -> str:  # what the app's screens name, as a module's __file__ did
        return self.display

    @property
    def api(self) -> Api | None:
        return self.detection.api if self.detection is not None else None

    def own(self, filename: str) -> bool:
        """A traceback frame in the student's code: the file, a notebook cell of it, or a
        helper module beside it (not an installed package, not bpdebug)."""
        if filename == self.display or filename.startswith(self.display + ":cell"):
            return True
        folder = str(self.path.parent)
        return (filename.startswith(folder + "/") and "-packages" not in filename
                and not filename.startswith(_PACKAGE + "/"))


def load_student(path: str | Path, display: str | None = None, *, strict: bool = True,
                 api: Api | None = None, run_all: bool = False) -> Submission:
    """Read a student's file without running any of it, and recognise its API (or take
    ``api``, named with --api).  ``strict`` (a single --impl): a syntax error or a file
    that defines no API is unusable input (StudentFileError); otherwise (grading a class)
    they are the student's verdict."""
    display = display or str(path)
    try:
        source = read(path, display)
    except SubmissionError as error:
        raise StudentFileError(str(error)) from None
    error = source.syntax_error()
    syntax = None
    if error is not None:
        where = f"{error.filename}:{error.lineno}" if error.lineno else (error.filename or display)
        message = error.msg + (" (this is Python 2 code: bpdebug runs Python 3)"
                               if "Missing parentheses in call to 'print'" in error.msg else "")
        syntax = f"{where}: {message}"
        if strict:
            raise StudentFileError(f"{where}: not Python bpdebug can run: {message}")
    detection = None
    if syntax is None:
        defined = source.defined()
        detection = try_api(api, defined, forced=True) if api is not None else \
            detect(defined, apis.builtin())
        if detection is None and strict:
            raise StudentFileError(no_api(display, api))
    return Submission(Path(path).resolve(), display, source.skipped, detection, syntax,
                      run_all=run_all)


def no_api(display: str, api: Api | None) -> str:
    if api is not None:
        calls = ", ".join(dict.fromkeys(c.signature for c in api.calls))
        where = f"class {api.object.cls} with " if api.object else ""
        return f"{display}: defines none of the {api.name} API's calls ({where}{calls})"
    return (f"{display}: defines none of the course APIs bpdebug knows: "
            f"{entry_points(apis.builtin())}; --api FILE.toml describes another")


def misfit(submission: Submission, scenario) -> str | None:
    """Why the scenario's network is not one the hand-in's API can run, or None."""
    if submission.api is None:
        return None
    why = submission.api.network.misfit([layer.activation for layer in scenario.layers],
                                        scenario.loss)
    if why is None:
        return None
    return f"the {submission.api.name} API fixes the network ({submission.api.network}): " \
           f"{scenario.name} does not fit: it needs {why}"


# ---- a crash ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Crash:
    """The student's code did not return: it raised (the name is kept from when that was
    the only way), exited, was killed, ran out of time, or defines nothing to call;
    `cause` says which."""

    function: str  # "forward", "L_model_backward", or "import" for the module's own code
    error: str  # "ValueError: shapes (1,4) and (3,4) not aligned", "timed out after 10 s"
    file: str
    line: int | None
    source: str  # the line of the student's file
    entry: str | None  # the entry being computed there, when the line assigns one
    operands: tuple[tuple[str, str], ...]  # (expression, shape) on that line
    traceback: str
    cause: str = "raised"  # | "exit" | "timeout" | "signal" | "missing" | "internal" | "misfit"
    inner: str = ""  # the student's function the line is in, when it is not the one called

    @property
    def where(self) -> str:
        """"in forward()", "in linear_backward() called from L_model_backward()",
        "while importing alice.py"."""
        if self.function == "import":
            return f"while importing {self.file or 'the file'}" if self.cause not in (
                "missing", "misfit") else ""
        if self.inner:
            return f"in {self.inner}(), called from {self.function}(),"
        return f"in {self.function}()"

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.file and self.line else ""

    def summary(self) -> str:
        """One line: what happened, where in the code, at which line."""
        if self.cause in ("missing", "misfit"):
            return self.error
        what = f"raised {self.error}" if self.cause == "raised" else self.error
        at = f" at {self.location}" if self.location else ""
        return f"{what} {self.where}{at}".replace("  ", " ").replace(", at", " at").rstrip(",")

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


def _crash(data: result.Crash, entry: str | None = None) -> Crash:
    return Crash(data.function, data.error, data.file, data.line, data.source,
                 entry if entry is not None else data.entry, data.operands, data.traceback,
                 data.cause, data.inner)


# ---- running it ------------------------------------------------------------------------

def run(scenario, submission: Submission, i: int = 0, limits: Limits | None = None, *,
        ref: Reference | None = None, started=None, stop=None) -> Comparison:
    """Run the student's code on iteration i of the scenario, in a child process, and
    compare everything it returns.  `started(child)` is told the ChildProcess, which can
    be killed from another thread; a killed run, or one whose `stop` Event is set (before
    it starts or while it runs), returns a Comparison whose crash.cause is "cancelled"."""
    from bpdebug.teach.homework.process import ChildProcess

    limits = limits or submission.limits
    if ref is None:
        try:
            ref = reference(scenario, i)
        except ReferenceError as error:
            raise StudentFileError(str(error)) from None
    detection = submission.detection
    if submission.syntax_error is not None:
        return _failed(submission, _syntax_crash(submission))
    if detection is None:
        return _failed(submission, Crash("import", no_api(submission.display, None).split(": ", 1)[1],
                                         submission.display, None, "", None, (), "",
                                         cause="missing"))
    why = misfit(submission, scenario)
    if why is not None:
        return _failed(submission, Crash("import", why, submission.display, None, "", None, (),
                                         "", cause="misfit"))
    job_dir = Path(tempfile.mkdtemp(prefix="bpdebug-student-"))
    try:
        _write_job(job_dir, submission, detection, ref, limits)
        child = ChildProcess(job_dir, limits.timeout, stop)
        if started is not None:
            started(child)
        outcome = child.run()
        # The child says how it ran (confine.for_child) before it reads the hand-in.
        said = [m["confinement"] for m in outcome.statuses if "confinement" in m]
        return replace(_interpret(ref, submission, limits, outcome, job_dir),
                       confinement=str(said[-1]) if said else "")
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)


def _write_job(job_dir: Path, submission: Submission, detection: Detection, ref: Reference,
               limits: Limits) -> None:
    api = detection.api
    stages = [api.calls.index(f.call) for f in detection.stages]
    helpers = [api.helpers.index(f.call) for f in detection.helpers]
    given = _given_letters([api.calls[k] for k in stages] + [api.helpers[k] for k in helpers]
                           + ([api.object] if api.object else [])) | {"X", "Y"}
    # Only what the calls are given crosses: the reference's gradients stay here.
    arrays = {f"q.{name}": np.asarray(value) for name, value in ref.env.items()
              if isinstance(value, np.ndarray) and name.split("[")[0] in given}
    arrays["q.X"] = np.asarray(ref.env["A[0]"])
    np.savez(job_dir / "inputs.npz", **arrays)
    (job_dir / "job.json").write_text(json.dumps({
        "path": str(submission.path), "display": submission.display,
        "timeout": limits.timeout, "memory": limits.memory,
        "memory_text": size_text(limits.memory), "run_all": submission.run_all,
        "api": {"text": api.text, "file": api.file}, "stages": stages, "helpers": helpers,
        "network": {"L": ref.L, "sizes": ref.sizes, "activations": ref.activations, "m": ref.m,
                    "computed": list(ref.order)},
        "confine": limits.confine}))


def _given_letters(calls) -> set[str]:
    """The letters of the quantities these calls are passed (their inputs)."""
    letters = set()
    for call in calls:
        for arg in list(call.args) + [v for _, v in call.kwargs]:
            letters |= {q.letter for q in apis.quantities(getattr(arg, "value", arg))}
        for _, value in getattr(call, "state", ()):
            letters |= {q.letter for q in apis.quantities(value)}
    return letters


def _syntax_crash(submission: Submission) -> Crash:
    where, _, message = submission.syntax_error.partition(": ")
    file, _, line = where.rpartition(":")
    return Crash("import", f"SyntaxError: {message}", file if line.isdigit() else where,
                 int(line) if line.isdigit() else None, "", None, (), "")


def _failed(submission: Submission, crash: Crash, outcome=None, skipped=(), notes=()) -> Comparison:
    """Nothing ran to the end: the crash is the verdict."""
    return Comparison((), crash, *_output(outcome), tuple(submission.skipped) + tuple(skipped),
                      _api_line(submission), tuple(notes))


def _api_line(submission: Submission) -> str:
    return submission.detection.why if submission.detection is not None else ""


def _output(outcome) -> tuple[str, int]:
    if outcome is None:
        return "", 0
    return _printable(outcome.output.decode("utf-8", errors="replace")), outcome.more_lines


def _printable(text: str) -> str:
    """The student's output, safe to show: an escape sequence in it must not reach
    the terminal (it could switch screens or move the cursor), so control codes are
    written as \\x1b, as scenario text is; a carriage return ends a line."""
    return escape_controls(text.replace("\r\n", "\n").replace("\r", "\n"), keep="\t\n")


# ---- what came back --------------------------------------------------------------------

def _interpret(ref: Reference, submission: Submission, limits: Limits, outcome,
               job_dir: Path) -> Comparison:
    """The child's outcome as a Comparison: the entries it returned, or how it ended."""
    data = None
    if outcome.phase == "done" and (job_dir / "result.json").is_file():
        try:
            data = result.load((job_dir / "result.json").read_text())
            stored = np.load(job_dir / "result.npz", allow_pickle=False)
            arrays = {k: stored[k] for k in stored.files}
        except (OSError, ValueError, KeyError, TypeError) as error:
            return _failed(submission, _ended(
                "internal", f"bpdebug could not read what the child process returned: {error}",
                submission, outcome), outcome)
    if data is None:
        return _failed(submission, _ending(submission, limits, outcome), outcome)
    return Judge(ref, submission, data, arrays, outcome).comparison()


class Judge:
    """Everything the child sent back, judged against the reference."""

    def __init__(self, ref: Reference, submission: Submission, data: result.Result,
                 arrays: dict, outcome) -> None:
        self.ref, self.submission, self.data, self.arrays = ref, submission, data, arrays
        self.api: Api = submission.api
        self.outcome = outcome

    def comparison(self) -> Comparison:
        data, submission = self.data, self.submission
        skipped = tuple(f"{s.where}: {s.text}  ({s.why})" for s in data.skipped)
        notes = self.notes()
        if data.unusable:
            return _failed(submission, _ended("internal", data.unusable, submission, self.outcome),
                           self.outcome, skipped, notes)
        if data.import_crash is not None:
            return _failed(submission, _crash(data.import_crash), self.outcome, skipped, notes)
        entries: list[Entry] = []
        crash = None
        stages = [c for c in data.calls if c.stage != "helper"]
        for k, called in enumerate(data.calls):
            if called.stage == "helper":
                continue
            entries += self.judge(called, self.spec(called))
            if called.crash is not None:
                crash = _crash(called.crash, self.entry_of(called))
        entries.sort(key=lambda e: self.rank(e.key))
        helpers = tuple(self.helper(k, c) for k, c in enumerate(data.calls) if c.stage == "helper")
        finding = self.finding(entries) if crash is None else None
        entries = [self.with_cause(e) for e in entries]
        returned = {e.key for e in entries}
        not_returned = tuple(names.key(n) for n in self.ref.order
                             if names.key(n) not in returned and n != "A[0]"
                             and self.ref.stage(n) in {c.stage for c in stages})
        output, more = _output(self.outcome)
        return Comparison(tuple(entries), crash, output, more,
                          tuple(submission.skipped) + skipped, _api_line(submission), notes,
                          helpers, finding, "", not_returned)

    def notes(self) -> tuple[str, ...]:
        out = []
        for m in self.data.missing:
            what = "*" if "*" in m.names else ", ".join(m.names)
            out.append(f"{m.module} is not installed here: its import at {m.where} was "
                       f"skipped ({what} raises if used)")
        for called in self.data.calls:
            for text in called.read_as:
                if text not in out:
                    out.append(text)
        seen = set()
        for called in self.data.calls:
            for got in called.got:
                how = conversion(apis.quantity(got.spec), self.api) if got.spec else ""
                if how and (got.spec, how) not in seen:
                    seen.add((got.spec, how))
                    out.append(f"{got.where.split('[')[0]} holds {got.spec.split('.')[0]} "
                               f"{how}: compared as the API holds it")
        if self.data.trace_cut:
            out.append(f"{self.data.trace_cut}: lines after it are not named")
        return tuple(out)

    def rank(self, key: str) -> int:
        order = [names.key(n) for n in self.ref.order]
        return order.index(key) if key in order else len(order)

    def spec(self, called: result.Called) -> Call:
        return (self.api.helpers if called.stage == "helper" else self.api.calls)[called.index]

    def returned(self, call: Call, layer: int | None) -> list[tuple[str, apis.Quantity]]:
        """What a call returns (for a call that updates in place: the gradients)."""
        if call.updates is not None:
            state = dict(self.api.object.state)[call.updates]
            return [(f"d{n}", apis.Quantity("d" + q.letter, q.index, q.transposed, q.flat))
                    for n, q in apis.returned(state, self.ref.L, layer, parameters=True)]
        return apis.returned(call.returns, self.ref.L, layer)

    def entry_of(self, called: result.Called) -> str | None:
        """The post's key of the dictionary entry a raising line assigned."""
        entry = called.crash.entry
        if not entry:
            return None
        returns = self.spec(called).returns
        name = apis.key_holds(returns, entry, self.ref.L) if returns is not None else None
        return names.key(name) if name else None

    def judge(self, called: result.Called, call: Call) -> list[Entry]:
        got = called.crash.partial if called.crash is not None else called.got
        by_name: dict[str, result.Got] = {}
        for g in got:
            by_name.setdefault(g.quantity, g)
        expected = self.returned(call, called.layer)
        if called.wrong_return:
            name, q = expected[0]
            return [Entry(names.key(name), "missing", to_api(q, self.ref.env[name], self.api,
                                                             m=self.ref.m),
                          equation=self.ref.equation(name), note=called.wrong_return,
                          reference=np.asarray(self.ref.env[name], dtype=float))]
        raised = self.entry_of(called) if called.crash is not None else None
        out = []
        for name, q in expected:
            if name not in self.ref.env:
                continue
            g = by_name.get(name)
            key = names.key(name)
            right = to_api(apis.quantity(g.spec) if g is not None and g.spec else q,
                           self.ref.env[name], self.api, m=self.ref.m)
            more = {"equation": self.ref.equation(name),
                    "reference": np.asarray(self.ref.env[name], dtype=float)}
            if g is None:
                if called.crash is not None and (key == raised or name in self.ref.order
                                                 and name != "A[0]" and name != "dA[0]"):
                    out.append(Entry(key, "raised" if key == raised else "not run", right, **more))
                continue
            spec_q = apis.quantity(g.spec) if g.spec else q
            more.update(where=g.where, converted=conversion(spec_q, self.api))
            if g.kind == "absent":
                out.append(Entry(key, "missing", right, **more))
            elif g.kind == "array":
                actual = self.arrays.get(g.array)
                entry = compare(key, right, actual, **more)
                drawn = to_post(spec_q, actual, self.api, np.shape(self.ref.env[name]), self.ref.m) \
                    if actual is not None and key != "J" else actual
                out.append(replace(entry, drawn=drawn))
            else:
                out.append(Entry(key, "type", right, kind=g.kind, category=g.category, **more))
        return out

    def with_cause(self, entry: Entry) -> Entry:
        if entry.status not in ("values", "shape") or entry.drawn is None:
            return entry
        name = names.from_key(entry.key)
        return replace(entry, cause=causes.likely(name, entry.drawn, self.ref, self.alpha))

    @property
    def alpha(self) -> float | None:
        """The α the hand-in was given, where one of its calls updates in place."""
        if any(c.updates for c in self.api.calls):
            return self.api.alpha
        return None

    def helper(self, index: int, called: result.Called) -> HelperCheck:
        call = self.spec(called)
        entries = self.judge(called, call)
        if called.crash is not None:
            return HelperCheck(call.name, called.layer, tuple(entries), _crash(called.crash))
        wrong = next((e for e in entries if e.wrong), None)
        if wrong is None:
            return HelperCheck(call.name, called.layer, tuple(entries))
        text = self.helper_text(call, called.layer, wrong)
        at = None
        if wrong.actual is not None:
            event = next((e for e in self.data.trace if e.call == index and
                          _same(self.arrays.get(e.array), wrong.actual)), None)
            if event is not None:
                at = Location(event.file, event.line, event.function,
                              self.source(event.file, event.line))
        return HelperCheck(call.name, called.layer, tuple(entries), None, text, at)

    def helper_text(self, call: Call, layer: int, entry: Entry) -> str:
        """What a wrong helper does, as a teaching assistant would say it: for an
        activation's backward helper, what it returns against g'(Z)·dA at one entry."""
        name = names.from_key(entry.key)
        g = self.ref.activations[layer - 1]
        given = {q.letter for arg in call.args for q in apis.quantities(arg.value)}
        if entry.status == "values" and name.startswith("dZ[") and {"dA", "Z"} <= given:
            at = entry.first_wrong
            z = float(np.asarray(self.ref.env[f"Z[{layer}]"])[at])
            dA = float(np.asarray(self.ref.env[f"dA[{layer}]"])[at])
            got, right = float(np.asarray(entry.actual)[at]), float(np.asarray(entry.expected)[at])
            if dA != 0:
                from bpdebug.engine.notation import format_number
                text = (f"for Z = {format_number(z, 4)} it returns {_times(got / dA)}, "
                        f"where {g}′(Z)·dA = {_times(right / dA)}")
                cause = causes.likely(name, entry.drawn, self.ref, self.alpha)
                return text + (f"; {cause}" if cause else "")
        cause = causes.likely(name, entry.drawn, self.ref, self.alpha) if entry.drawn is not None else ""
        return entry.describe() + (f"; likely: {cause}" if cause else "")

    def finding(self, entries: list[Entry]):
        wrong = []
        for k, called in enumerate(self.data.calls):
            if called.stage == "helper":
                continue
            values = called.first or called.got
            for g in values:
                entry = next((e for e in entries if e.key == names.key(g.quantity)), None)
                if entry is not None and entry.status in ("values", "shape") and g.kind == "array":
                    wrong.append((g.quantity, self.arrays[g.array], k, self.rank(entry.key)))
        if not wrong:
            return None
        wrong.sort(key=lambda w: w[3])
        example = {k for k, c in enumerate(self.data.calls) if self.spec(c).each_example}
        obj = [self.api.object] if self.api.object else []
        given = {k: _given_letters([self.spec(c)] + obj) for k, c in enumerate(self.data.calls)}
        return locate([w[:3] for w in wrong], self.data.trace, self.arrays, self.ref, self.api,
                      given, example, self.source, self.alpha)

    def source(self, file: str, line: int) -> str:
        return _source_line(self.submission, file, line)


def _times(ratio: float) -> str:
    from bpdebug.engine.notation import format_number
    if abs(ratio - 1) < 1e-9:
        return "dA"
    if abs(ratio) < 1e-12:
        return "0"
    return f"{format_number(ratio, 4)}·dA"


def _same(a, b) -> bool:
    from bpdebug.teach.homework.compare import close
    return a is not None and b is not None and close(a, b)


def _ended(cause: str, error: str, submission: Submission, outcome, phase=None,
           where: tuple[str, int | None, str] = ("", None, "")) -> Crash:
    phase = phase or (outcome.phase.split(" [")[0] if outcome is not None and outcome.phase
                      and outcome.phase not in ("import", "done") else "import")
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
