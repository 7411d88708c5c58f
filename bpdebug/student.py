"""Teaching mode: run a student's own forward / backpropagation and find the first
entry that differs from the reference engine.

The student's file defines ``forward(X, parameters) -> (AL, cache)``,
``backpropagation(cache, Y, parameters) -> grads``, or both, with the post's
dictionary keys: ``A0..AL`` and ``Z1..ZL`` in the cache, ``W1, b1, ...`` in the
parameters, ``dZl, dWl, dbl, dAl`` in the grads.  The file is imported as plain
local code, and only when named with --impl: a scenario can never make code run.

Each function is judged on its own: backpropagation receives the reference cache,
so a wrong forward pass does not hide (or fake) a wrong backward pass.
"""

from __future__ import annotations

import ast
import importlib.util
import linecache
import traceback
import types
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bpdebug.engine import Engine
from bpdebug.shapes import fmt

RTOL, ATOL = 1e-6, 1e-9


class StudentFileError(Exception):
    """The student's file cannot be used at all (missing, not Python, defines nothing)."""


@dataclass(frozen=True)
class Entry:
    """One entry of the cache or the grads, compared with the reference."""

    key: str  # the post's key: "Z1", "dW2"
    status: str  # "ok" | "missing" | "shape" | "values" | "raised" | "not run"
    expected: np.ndarray | None = None
    actual: np.ndarray | None = None
    max_relative_error: float = 0.0
    first_wrong: tuple[int, ...] | None = None
    equation: str = ""  # what the entry should have computed

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self) -> str:
        what = f" ({self.equation})" if self.equation else ""
        if self.status == "missing":
            return f"{self.key}: missing from the dictionary (it should hold {self.equation})"
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


@dataclass(frozen=True)
class Crash:
    """The student's function raised."""

    function: str
    error: str  # "ValueError: shapes (1,4) and (3,4) not aligned"
    file: str
    line: int | None
    source: str  # the line of the student's file
    entry: str | None  # the entry being computed there, when the line assigns one
    operands: tuple[tuple[str, str], ...]  # (expression, shape) on that line
    traceback: str
    partial: dict | None = None  # the dictionary the function was filling when it raised

    def lines(self) -> list[str]:
        out = [f"✗ {self.function} raised {self.error}",
               f"  at {self.file}:{self.line}: {self.source.strip()}"]
        if self.entry:
            out.append(f"  while computing {self.entry}")
        out += [f"  {text} is {shape}" for text, shape in self.operands]
        return out


@dataclass(frozen=True)
class Comparison:
    entries: tuple[Entry, ...]
    crash: Crash | None

    @property
    def first_divergence(self) -> Entry | None:
        return next((e for e in self.entries if not e.ok and e.status != "not run"), None)

    @property
    def ok(self) -> bool:
        return self.crash is None and self.first_divergence is None


def load_student(path: str | Path) -> types.ModuleType:
    path = Path(path)
    if not path.is_file():
        raise StudentFileError(f"{path}: no such file")
    try:
        source = path.read_text(encoding="utf-8")
        ast.parse(source, filename=str(path))
    except (UnicodeDecodeError, SyntaxError) as error:
        line = getattr(error, "lineno", None)
        where = f"{path}:{line}" if line else str(path)
        raise StudentFileError(f"{where}: not a Python file bpdebug can import: {error}") from None
    name = f"bpdebug_student_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001 - a file that fails on import is unusable
        raise StudentFileError(f"{path}: importing it raised {type(error).__name__}: {error}") from None
    if not any(callable(getattr(module, f, None)) for f in ("forward", "backpropagation")):
        raise StudentFileError(f"{path}: defines neither forward(X, parameters) "
                               "nor backpropagation(cache, Y, parameters)")
    return module


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
    params = {f"{p}{l}": np.array(env[f"{p}[{l}]"]) for l in range(1, L + 1) for p in "Wb"}
    cache = {f"A{l}": env[f"A[{l}]"] for l in range(0, L + 1)}
    cache.update({f"Z{l}": env[f"Z[{l}]"] for l in range(1, L + 1)})
    grads = {}
    for l in range(L, 0, -1):  # the order the reference computes them in
        for name in ("dZ", "dW", "db"):
            grads[f"{name}{l}"] = env[f"{name}[{l}]"]
        grads[f"dA{l - 1}"] = env[f"dA[{l - 1}]"]
    equations = {}
    for step in engine.steps:
        for eq in step.equations:
            equations[eq.target.replace("[", "").replace("]", "")] = str(eq)
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


def run(scenario, module: types.ModuleType, i: int = 0) -> Comparison:
    """Run the student's functions on iteration i of the scenario and compare every entry."""
    engine = reference_engine(scenario)
    if i:
        engine.train(i)
    params, cache, grads, equations, Y = post_names(engine, i)
    entries: list[Entry] = []
    crash = None
    forward = getattr(module, "forward", None)
    if callable(forward):
        result, crash = _call(module, "forward", forward, cache, np.array(cache["A0"]),
                              _copy(params))
        got = result[1] if isinstance(result, tuple) and len(result) == 2 else None
        keys = _forward_order(engine.L)
        entries += _judge(keys, cache, got, crash, equations, "forward must return (AL, cache)")
    backprop = getattr(module, "backpropagation", None)
    if callable(backprop) and crash is None:
        got, crash = _call(module, "backpropagation", backprop, grads, _copy(cache),
                           np.array(Y), _copy(params))
        filled = got if isinstance(got, dict) else (crash.partial if crash else None) or {}
        if "dA0" not in filled and (crash is None or crash.entry != "dA0"):
            grads = {k: v for k, v in grads.items() if k != "dA0"}  # the post never computes dA0
        entries += _judge(list(grads), grads, got, crash, equations,
                          "backpropagation must return the grads dictionary")
    return Comparison(tuple(entries), crash)


def _judge(keys: list[str], reference: dict, got, crash: "Crash | None", equations: dict,
           shape_hint: str) -> list[Entry]:
    """Compare, in the reference's order; after a crash, what the function had filled in
    before it raised is still judged, the entry it was computing is marked "raised"."""
    if crash is not None:
        got = crash.partial or {}
    elif not isinstance(got, dict):
        return [Entry(keys[0], "missing", reference[keys[0]], equation=shape_hint)]
    out = []
    for key in keys:
        equation = equations.get(key, "")
        if crash is not None and key not in got:
            status = "raised" if key == crash.entry else "not run"
            out.append(Entry(key, status, reference[key], equation=equation))
        else:
            out.append(compare(key, reference[key], got.get(key), equation))
    return out


def _copy(d: dict) -> dict:
    # The student's code may change what it is given; the reference must not change.
    return {k: np.array(v) for k, v in d.items()}


def _call(module, name, fn, expected: dict, *args):
    try:
        with np.errstate(all="ignore"):
            return fn(*args), None
    except Exception as error:  # noqa: BLE001 - the student's error is the lesson
        return None, _crash(module, name, error, expected)


def _crash(module, function: str, error: BaseException, expected: dict) -> Crash:
    file = getattr(module, "__file__", "") or ""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == file]
    tb = error.__traceback__
    frame = None
    while tb is not None:  # the innermost frame that is the student's own code
        if tb.tb_frame.f_code.co_filename == file:
            frame = tb.tb_frame
        tb = tb.tb_next
    last = frames[-1] if frames else None
    source = linecache.getline(file, last.lineno) if last else ""
    entry, operands = _explain(source, frame)
    # The dictionary the function was filling: the local holding most of the expected keys.
    partial, best = None, 0
    for value in (frame.f_locals.values() if frame is not None else ()):
        if isinstance(value, dict) and value is not expected:
            score = sum(1 for key in value if key in expected)
            if score > best:
                partial, best = value, score
    message = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}".rstrip(": ")
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return Crash(function, message, file, last.lineno if last else None, source, entry,
                 operands, text, partial)


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


def report(scenario, path: str, comparison: Comparison) -> tuple[list[str], int]:
    """The --check --impl report and its exit code (0 all match, 1 a divergence)."""
    lines = [f"{scenario.title} ({scenario.path}) against {path}", ""]
    for entry in comparison.entries:
        mark = {"ok": "✓", "not run": "·"}.get(entry.status, "✗")
        lines.append(f"{mark} {entry.key:6} {entry.status:8} {entry.equation}")
    first = comparison.first_divergence
    if first is not None:
        lines += ["", "first divergence: " + first.describe()]
    if comparison.crash is not None:
        lines += [""] + comparison.crash.lines()
    if first is not None:
        lines += ["", f"verdict: {first.key} is the first entry that differs → exit 1"]
        return lines, 1
    if comparison.crash is not None:
        lines += ["", "verdict: the student's code raised → exit 1"]
        return lines, 1
    lines += ["", "verdict: every entry matches the reference → exit 0"]
    return lines, 0


