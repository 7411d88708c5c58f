"""A student's hand-in compared with the reference: each entry their API returns (in the
post's names), the helpers tried on their own, where the first wrong value was made and
its likely cause, or how the code stopped.  Plain data: the report, the class table and
the app's student panel all read a Comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bpdebug.engine.notation import format_number, relative
from bpdebug.engine.shapes import fmt

RTOL, ATOL = 1e-6, 1e-9

# What to return instead, by what was returned (Entry.category).
ADVICE = {
    "complex": "return real values",
    "object": "return an array of floats, not of Python objects",
    "string": "return numbers, not text",
    "int": "return floating-point values",
    "bool": "return floating-point values, e.g. (Z > 0).astype(float)",
    "none": "return the array (a function with no return statement gives None)",
    "list": "return a NumPy array, e.g. np.array(...)",
    "number": "return a NumPy array of floats",
    "other": "return a NumPy array of floats",
}


@dataclass(frozen=True)
class Entry:
    """One quantity the student's code returned, compared with the reference.  expected
    and actual are as the API holds them (cs231n's W1 is the post's W[1] transposed);
    ``drawn`` is the student's array turned back into the post's layout."""

    key: str  # the post's dictionary key: "Z1", "dW2", "J"
    status: str  # "ok" | "missing" | "shape" | "type" | "values" | "raised" | "not run"
    expected: np.ndarray | None = None
    actual: np.ndarray | None = None
    max_relative_error: float = 0.0
    first_wrong: tuple[int, ...] | None = None
    equation: str = ""  # what the entry should have computed
    kind: str = ""  # "type": what was returned instead of a float array ("complex128")
    category: str = ""  # "type": the kind's family, a key of ADVICE
    note: str = ""  # "missing": why, when it is not simply an absent key
    where: str = ""  # where the API holds it: grads["dW2"], caches[1][0][0]
    converted: str = ""  # how the API's layout differs from the post's ("transposed")
    drawn: np.ndarray | None = None  # the student's array in the post's layout
    reference: np.ndarray | None = None  # the reference's, in the post's layout
    cause: str = ""  # the likely cause of a wrong value (causes.py)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def wrong(self) -> bool:
        return self.status not in ("ok", "not run")

    def describe(self) -> str:
        what = f" ({self.equation})" if self.equation else ""
        if self.status == "missing":
            if self.note:
                return f"{self.key}: {self.note}"
            return f"{self.key}: missing from the dictionary (it should hold {self.equation})"
        if self.status == "type":
            return f"{self.key} is {self.kind}: {ADVICE.get(self.category, ADVICE['other'])}"
        if self.status == "shape":
            return (f"{self.key}: wrong shape: expected {fmt(np.shape(self.expected))}, "
                    f"got {fmt(np.shape(self.actual))}{what}")
        if self.status == "values":
            idx = self.first_wrong
            a = np.asarray(self.actual)[idx] if idx is not None else float("nan")
            e = np.asarray(self.expected)[idx] if idx is not None else float("nan")
            at = f"first wrong entry {idx}" if np.ndim(self.expected) else "it is"
            return (f"{self.key}: wrong values: max relative error "
                    f"{relative(self.max_relative_error)}; {at}: expected "
                    f"{format_number(float(e), 6)}, got {format_number(float(a), 6)}{what}")
        if self.status == "raised":
            return f"{self.key}: the student's code raised while computing it{what}"
        return f"{self.key}: {self.status}"


def compare(key: str, expected, actual, equation: str = "", **more) -> Entry:
    """One entry: the reference's value against the student's, as the API holds both."""
    expected = np.asarray(expected, dtype=float)
    if actual is None:
        return Entry(key, "missing", expected, None, equation=equation, **more)
    try:
        actual = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        return Entry(key, "shape", expected, np.asarray(actual, dtype=object), equation=equation,
                     **more)
    if key == "J" and actual.size == 1:
        actual = actual.reshape(())  # a cost is one number, however it is wrapped
    if actual.shape != expected.shape:
        return Entry(key, "shape", expected, actual, equation=equation, **more)
    with np.errstate(all="ignore"):
        wrong = ~np.isclose(actual, expected, rtol=RTOL, atol=ATOL, equal_nan=True)
        relative = np.abs(actual - expected) / np.maximum(np.abs(expected), ATOL)
    if not wrong.any():
        return Entry(key, "ok", expected, actual, equation=equation, **more)
    first = tuple(int(i) for i in np.argwhere(wrong)[0]) if wrong.ndim else ()
    worst = float(np.nanmax(np.where(wrong, relative, 0.0)))
    return Entry(key, "values", expected, actual, worst, first, equation, **more)


def close(a, b) -> bool:
    """The same array, to the tolerance entries are judged with."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):
        return bool(np.isclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True).all())


@dataclass(frozen=True)
class Location:
    """A line of the student's code."""

    file: str
    line: int
    function: str
    source: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Finding:
    """Where the first wrong value was made, in the student's execution order."""

    quantity: str  # the post's name of the wrong value: "dZ[2]"
    at: Location
    cause: str = ""  # its likely cause, when one of the catalogue's explains it
    unseen: tuple[str, ...] = ()  # operands that were never right before that line

    def lines(self) -> list[str]:
        out = [f"  made at {self.at} in {self.at.function}(): {self.at.source.strip()}"]
        if self.unseen:
            out.append(f"  ({', '.join(self.unseen)} never right before that line)")
        return out


@dataclass(frozen=True)
class HelperCheck:
    """A helper of the API (relu_backward, linear_backward…) called on one layer with
    the reference's inputs."""

    name: str
    layer: int
    entries: tuple[Entry, ...]
    crash: object | None = None  # run.Crash
    text: str = ""  # what is wrong, in a teaching assistant's words
    at: Location | None = None

    @property
    def ok(self) -> bool:
        return self.crash is None and all(e.ok for e in self.entries)

    def describe(self) -> str:
        where = f" ({self.at})" if self.at is not None else ""
        if self.crash is not None:
            return f"{self.name}, given layer {self.layer}'s inputs, {self.crash.summary()}"
        return f"{self.name} is wrong at layer {self.layer}: {self.text}{where}"


@dataclass(frozen=True)
class Comparison:
    entries: tuple[Entry, ...]
    crash: object | None  # run.Crash: the code did not return
    output: str = ""  # what the student's code printed (fd 1 and 2), control codes escaped
    more_lines: int = 0  # lines of output beyond what was kept
    skipped: tuple[str, ...] = ()  # what was not run: IPython lines, top-level statements
    api: str = ""  # the API it was judged by, and why ("dlai-deep (it defines …)")
    notes: tuple[str, ...] = ()  # conversions made, modules not installed, a cut trace
    helpers: tuple[HelperCheck, ...] = ()
    finding: Finding | None = None
    confinement: str = ""
    not_returned: tuple[str, ...] = field(default=())  # quantities the API never returns

    @property
    def first_divergence(self) -> Entry | None:
        return next((e for e in self.entries if e.wrong), None)

    @property
    def first_wrong_helper(self) -> HelperCheck | None:
        return next((h for h in self.helpers if not h.ok), None)

    @property
    def ok(self) -> bool:
        return (self.crash is None and self.first_divergence is None
                and self.first_wrong_helper is None)
