"""The child process that imports and calls a student's code: ``python -m
bpdebug.teach.student_child JOBDIR``.  bpdebug's own process never imports it.

The parent (student.py) writes JOBDIR/job.json and JOBDIR/inputs.npz; this process
sets its limits, runs the submission as a module in the student's folder, calls
forward and/or backpropagation, and writes back only plain data: JOBDIR/result.json
(verdicts, the crash explanation) and JOBDIR/result.npz (float arrays).  The parent
reads both with allow_pickle=False, so no object the student made is ever unpickled.

Progress goes to the file descriptor named in job.json, one JSON object a line:
{"phase": "forward"} when a call starts (the parent's clock for the time limit), and
{"exit": ...} when the student's code calls os._exit.  A traceback of where the code was
is written to JOBDIR/where.txt by faulthandler when the time runs out or the process
dies of a signal.
"""

from __future__ import annotations

import ast
import faulthandler
import json
import os
import signal
import sys
import traceback
import types
from pathlib import Path

import numpy as np

from bpdebug.engine.shapes import fmt
from bpdebug.teach.confine import for_child
from bpdebug.teach.submission import FUNCTIONS, SubmissionError, read


class Child:
    def __init__(self, job_dir: Path) -> None:
        self.dir = job_dir
        self.job = json.loads((job_dir / "job.json").read_text())
        self.status = os.fdopen(self.job["status_fd"], "w", buffering=1)
        self.arrays: dict[str, np.ndarray] = {}
        self.result: dict = {"calls": {}}
        self.filenames: set[str] = set()
        self.folder = os.path.dirname(self.job["path"])
        self.timeout = float(self.job["timeout"])

    def say(self, **message) -> None:
        try:
            self.status.write(json.dumps(message) + "\n")
        except (OSError, ValueError):  # the student closed it: the parent still sees the exit
            pass

    # ---- the student's frames ------------------------------------------------------

    def own(self, filename: str) -> bool:
        """The submission itself, or a helper module beside it (not an installed package)."""
        if filename in self.filenames:
            return True
        return (filename.startswith(self.folder + os.sep) and "-packages" not in filename
                and not filename.startswith(str(Path(__file__).parents[1])))

    # ---- running -------------------------------------------------------------------

    def start(self, phase: str) -> None:
        self.say(phase=phase)
        # Slightly later than the parent gives up on the call would be useless: the
        # watchdog writes where the code is at the deadline, then the parent kills us.
        faulthandler.dump_traceback_later(self.timeout, exit=False, file=self.where)

    def stop(self) -> None:
        faulthandler.cancel_dump_traceback_later()

    def main(self) -> None:
        self.where = open(self.dir / "where.txt", "w")
        faulthandler.enable(file=self.where, all_threads=False)  # a segfault's line
        for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
            # Where a signal the student's code sends itself ended it (chain: it still does).
            faulthandler.register(number, file=self.where, all_threads=False, chain=True)
        _guard_exit(self)
        try:
            source = read(self.job["path"], self.job["display"])
        except SubmissionError as error:
            self.result["unusable"] = str(error)
            return self.finish()
        self.result["skipped"] = list(source.skipped)
        module = types.ModuleType("__student__")
        module.__file__ = self.job["path"]
        sys.modules["__student__"] = module
        self.filenames = {chunk.filename for chunk in source.chunks}
        self.start("import")
        for chunk in source.chunks:
            _remember(chunk.filename, chunk.source)
            try:
                code = compile(chunk.source, chunk.filename, "exec", dont_inherit=True)
                exec(code, module.__dict__)  # noqa: S102 - running it is the point, here only
            except BaseException as error:  # noqa: BLE001 - every ending is the student's
                self.stop()
                self.result["import"] = self.crash("import", error, {})
                return self.finish()
        self.stop()
        defined = [f for f in FUNCTIONS if callable(getattr(module, f, None))]
        self.result["defined"] = defined
        inputs = np.load(self.dir / "inputs.npz", allow_pickle=False)
        params = {k[2:]: inputs[k] for k in inputs.files if k.startswith("p.")}
        cache = {k[2:]: inputs[k] for k in inputs.files if k.startswith("c.")}
        forward_keys, grads_keys = self.job["forward_keys"], self.job["grads_keys"]
        if "forward" in defined:
            ok = self.call("forward", module.forward, forward_keys,
                           np.array(cache["A0"]), _copy(params))
            if not ok:
                return self.finish()
        if "backpropagation" in defined:
            self.call("backpropagation", module.backpropagation, grads_keys,
                      _copy(cache), np.array(inputs["Y"]), _copy(params))
        self.finish()

    def call(self, name: str, fn, keys: list[str], *args) -> bool:
        """Call one of the student's functions; record what it returned as plain data.
        False when it did not return."""
        self.start(name)
        try:
            with np.errstate(all="ignore"):
                value = fn(*args)
        except BaseException as error:  # noqa: BLE001 - KeyboardInterrupt, SystemExit too
            self.stop()
            self.result["calls"][name] = {"crash": self.crash(name, error, set(keys))}
            return False
        self.stop()
        record: dict = {}
        if name == "forward":
            if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict)):
                record["wrong_return"] = f"forward must return (AL, cache); it returned {_kind(value)[0]}"
                value = None
            else:
                value = value[1]
        elif not isinstance(value, dict):
            record["wrong_return"] = ("backpropagation must return the grads dictionary; "
                                      f"it returned {_kind(value)[0]}")
            value = None
        if value is not None:
            record["values"] = self.plain(name, value, keys)
        self.result["calls"][name] = record
        return True

    def plain(self, prefix: str, got: dict, keys: list[str]) -> dict:
        """key -> "array" (stored in result.npz) or [label, category] for anything else;
        keys the dictionary lacks are left out."""
        out = {}
        for key in keys:
            if key not in got:
                continue
            try:
                label, category = _kind(got[key])
                if category == "float":
                    self.arrays[f"{prefix}.{key}"] = np.array(got[key], dtype=np.float64)
                    out[key] = "array"
                else:
                    out[key] = [label, category]
            except BaseException as error:  # noqa: BLE001 - an __array__ that raises
                out[key] = [f"a {type(got[key]).__name__} that cannot be read "
                            f"({type(error).__name__})", "other"]
        return out

    # ---- a crash, explained where the student's frames still exist -------------------

    def crash(self, function: str, error: BaseException, keys) -> dict:
        tb = error.__traceback__
        frame = last = None
        while tb is not None:  # the innermost frame that is the student's own code
            if self.own(tb.tb_frame.f_code.co_filename):
                frame, last = tb.tb_frame, tb.tb_lineno
            tb = tb.tb_next
        if isinstance(error, SyntaxError) and error.filename and self.own(error.filename):
            file, line = error.filename, error.lineno
            source = error.text or ""
        else:
            file = frame.f_code.co_filename if frame is not None else ""
            line = last
            source = _line(file, line) if line else ""
        entry, operands = _explain(source, frame)
        partial, best = None, 0
        for value in (frame.f_locals.values() if frame is not None else ()):
            if isinstance(value, dict):
                score = sum(1 for key in value if isinstance(key, str) and key in keys)
                if score > best:
                    partial, best = value, score
        if isinstance(error, SystemExit):
            cause, message = "exit", f"called sys.exit({error.code!r})"
        else:
            first = str(error).splitlines()[0] if str(error) else ""
            # NumPy's _ArrayMemoryError is a MemoryError: name what the student knows.
            name = "MemoryError" if isinstance(error, MemoryError) else type(error).__name__
            cause, message = "raised", f"{name}: {first}".rstrip(": ")
            if isinstance(error, MemoryError):
                message += f" (the memory limit is {self.job['memory_text']}: --impl-memory)"
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        crash = {"function": function, "cause": cause, "error": message, "file": file,
                 "line": line, "source": source, "entry": entry,
                 "operands": [list(o) for o in operands], "traceback": text}
        if partial is not None and keys:
            crash["partial"] = self.plain(f"{function}.partial", partial, sorted(keys))
        return crash

    def finish(self) -> None:
        np.savez(self.dir / "result.npz", **self.arrays)
        (self.dir / "result.json").write_text(json.dumps(self.result))
        self.say(phase="done")


def _kind(value) -> tuple[str, str]:
    """What a returned value is: ("float64", "float") for an array bpdebug can compare,
    else a label for the report and its category."""
    if isinstance(value, (np.ndarray, np.generic)):
        kind = value.dtype.kind
        if kind == "f":
            return str(value.dtype), "float"
        if kind == "c":
            return str(value.dtype), "complex"
        if kind == "O":
            return "an object array", "object"
        if kind in "US":
            return f"a string array ({value.dtype})", "string"
        if kind in "iu":
            return f"an integer array ({value.dtype})", "int"
        if kind == "b":
            return "a bool array", "bool"
        return f"a {value.dtype} array", "other"
    if value is None:
        return "None", "none"
    if isinstance(value, list):
        return "a list", "list"
    return f"a {type(value).__name__}", "other"


def _copy(d: dict) -> dict:
    # Each call gets its own copies: a forward that changes parameters in place must not
    # change what backpropagation is given.
    return {k: np.array(v) for k, v in d.items()}


def _remember(filename: str, source: str) -> None:
    import linecache
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)  # mtime None: kept


def _line(file: str, line: int) -> str:
    import linecache
    return linecache.getline(file, line)


def _guard_exit(child: Child) -> None:
    """os._exit leaves no exception behind: say where it was called before it ends us."""
    real = os._exit

    def _exit(code: int = 0):  # noqa: ANN202
        frame = sys._getframe(1)
        while frame is not None and not child.own(frame.f_code.co_filename):
            frame = frame.f_back
        where = {"file": frame.f_code.co_filename, "line": frame.f_lineno,
                 "source": _line(frame.f_code.co_filename, frame.f_lineno)} if frame else {}
        child.say(exit=code, **where)
        real(code)

    os._exit = _exit


def _explain(source: str, frame) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The entry a line assigns (grads["dW" + str(l)] = ...) and the shapes of the
    matrices it reads, evaluated in the student's own frame.  Only names, subscripts,
    attributes and str()/int() calls are evaluated: nothing that can do work."""
    try:
        tree = ast.parse(source.strip())
    except SyntaxError:
        return None, ()
    if frame is None or not tree.body:
        return None, ()
    scope = {**frame.f_globals, **frame.f_locals}
    statement = tree.body[0]
    entry = None
    if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Subscript):
        key = _safe_eval(statement.targets[0].slice, scope)
        entry = key if isinstance(key, str) else None
    operands, seen = [], set()
    value = statement.value if isinstance(statement, (ast.Assign, ast.AugAssign, ast.Return)) else statement
    for node in ast.walk(value) if value is not None else ():
        if isinstance(node, (ast.Subscript, ast.Name, ast.Attribute)):
            text = ast.unparse(node)
            if text in seen:
                continue
            result = _safe_eval(node, scope)
            if isinstance(result, np.ndarray):
                seen.add(text)
                operands.append((text, fmt(result.shape)))
    return entry, tuple(operands)


_SAFE_CALLS = {"str", "int"}


def _safe_eval(node: ast.AST, scope: dict):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and not (isinstance(sub.func, ast.Name)
                                              and sub.func.id in _SAFE_CALLS):
            return None
        if isinstance(sub, (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield)):
            return None
    try:
        return eval(compile(ast.Expression(node), "<bpdebug>", "eval"),  # noqa: S307
                    {"__builtins__": {"str": str, "int": int}}, scope)
    except Exception:  # noqa: BLE001 - a part we cannot evaluate is simply not shown
        return None


def _limit_memory(limit: int) -> None:
    import resource
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file in the student's folder
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main() -> None:
    job_dir = Path(sys.argv[1]).resolve()
    child = Child(job_dir)
    # numpy is imported above, before the limit: the limit is for the student's arrays.
    _limit_memory(int(child.job["memory"]))
    # Before anything of the hand-in is read: Landlock, as --impl-confine says (confine.py).
    for_child(child.job.get("confine", "auto"), child.folder, str(job_dir), child.say)
    os.chdir(child.folder)  # as `python student.py` would: their data files resolve
    sys.path.insert(0, child.folder)  # `from helpers import relu` finds helpers.py
    sys.argv = [child.job["path"]]
    try:
        child.main()
    except BaseException as error:  # noqa: BLE001 - bpdebug's own failure: say so, plainly
        child.say(internal=f"{type(error).__name__}: {error}")
    finally:
        try:
            child.status.flush()
        except (OSError, ValueError):
            pass
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - the student replaced or closed it
                pass
        # Not a normal exit: threads the student started must not keep the process alive.
        _real_exit(0)


_real_exit = os._exit

if __name__ == "__main__":
    main()
