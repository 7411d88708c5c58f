"""A typed reader of a parsed TOML document: each value checked for what it must be,
every complaint a Problem naming its key path and, where known, its line.

A complaint ends the part of the document being read (``part``), not the reading: the
next part is read on, so one run finds every problem of a file, and ``done`` raises
them all as one ScenarioError."""

from __future__ import annotations

import json
import math
import re
from difflib import get_close_matches

import numpy as np

from bpdebug.engine.floats import NotAFloat, as_float, as_float_array
from bpdebug.engine.names import post
from bpdebug.engine.notation import plain
from bpdebug.scenario.errors import Problem, ScenarioError
from bpdebug.scenario.lines import lines_of_keys


def did_you_mean(word: str, choices) -> str:
    close = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (one of: {', '.join(choices)})"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Stop(Exception):
    """A complaint has ended the part of the document being read."""


FAILED = object()  # what a part gives when a complaint ended it


class Reader:
    """Validates one parsed document; every complaint names a key path."""

    def __init__(self, file: str, text: str, max_memory: int):
        self.file, self.max_memory = file, max_memory
        self.lines = lines_of_keys(text)
        self.problems: list[Problem] = []

    def complain(self, key: str, message: str) -> None:
        """Note a problem and read on."""
        line = self.lines.get(key)
        parent = key
        while line is None and "." in parent:  # fall back to the enclosing table
            parent = parent.rsplit(".", 1)[0]
            line = self.lines.get(parent)
        self.problems.append(Problem(self.file, key, message, line))

    def fail(self, key: str, message: str):
        """Note a problem and end the part being read: what follows in it depends on it."""
        self.complain(key, message)
        raise Stop

    def part(self, read, failed=FAILED):
        """read(), or ``failed`` when a complaint ends it; the reading goes on."""
        try:
            return read()
        except Stop:
            return failed

    def done(self) -> None:
        """Every problem noted, as one ScenarioError."""
        if self.problems:
            raise ScenarioError.of(self.problems)

    # -- small typed readers ------------------------------------------------

    def table(self, doc: dict, key: str) -> dict:
        value = doc.get(key.rsplit(".", 1)[-1], {})
        if not isinstance(value, dict):
            self.fail(key, f"must be a table, [{key}], not {kind_of(value)}")
        return value

    def known(self, table: dict, where: str, allowed) -> None:
        """Every key of the table that is not allowed; any ends the table's part, as the
        table may not say what was meant (a misspelt key's value is missing)."""
        unknown = [key for key in table if key not in allowed]
        for key in unknown:
            bare = key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)
            path = f"{where}.{bare}" if where else bare
            what = "table" if not where else "key"
            self.complain(path, f"unknown {what}{did_you_mean(key, allowed)}")
        if unknown:
            raise Stop

    def integer(self, table: dict, key: str, path: str, default: int | None, low: int,
                high: int = 1 << 62) -> int:
        value = table.get(key, default)
        if value is None:
            self.fail(path, "is required")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(path, f"must be a whole number, not {kind_of(value)}")
        if value < low:
            self.fail(path, f"must be {low} or more, not {value}")
        if value > high:
            self.fail(path, f"must be at most {high}, not {value}")
        return value

    def number(self, table: dict, key: str, path: str, default: float, low: float,
               strict: bool = False, high: float = math.inf) -> float:
        value = table.get(key, default)
        if not _is_number(value):
            self.fail(path, f"must be a number, not {kind_of(value)}")
        try:
            value = as_float(value)
        except NotAFloat as error:
            self.fail(path, str(error))
        if not math.isfinite(value):
            self.fail(path, f"must be finite, not {value}")
        if value < low or (strict and value == low) or value > high:
            bounds = f"{'>' if strict else '≥'} {plain(low)}"
            if high < math.inf:
                bounds += f" and ≤ {plain(high)}"
            self.fail(path, f"must be {bounds}, not {plain(value)}")
        return value

    def text(self, table: dict, key: str, default: str | None) -> str:
        value = table.get(key, default)
        if value is None:
            self.fail(key, "is required")
        if not isinstance(value, str):
            self.fail(key, f"must be a string, not {kind_of(value)}")
        return value

    def choice(self, value, path: str, choices, what: str | None = None) -> str:
        if not isinstance(value, str):
            self.fail(path, f"must be a string, not {kind_of(value)}")
        if value not in choices:
            what = what or path.rsplit(".", 1)[-1]
            self.fail(path, f"unknown {what} {value!r}{did_you_mean(value, choices)}")
        return value

    def matrix(self, value, path: str, flat_hint: str | None = None) -> np.ndarray:
        """A numeric matrix (or a flat list, kept 1-D), checked row by row.  A complaint
        names the offending row or entry first, counting from 0 as the screen does:
        row 1 of X, X[1,2], W[2][0,1]."""
        if not isinstance(value, list) or not value:
            self.fail(path, f"must be a matrix, a list of rows like [[1, 2], [3, 4]], not {kind_of(value)}")
        name = matrix_name(path)
        if all(_is_number(v) for v in value):
            if flat_hint:
                self.fail(path, flat_hint)
            rows = None
        else:
            rows = value
            for r, row in enumerate(rows):
                if not isinstance(row, list):
                    self.fail(path, f"row {r} is {kind_of(row)}, not a list of numbers "
                              "(rows count from 0)")
            complaint = ragged([len(row) for row in rows])
            if complaint:
                self.fail(path, complaint)
            if not rows[0]:
                self.fail(path, "has empty rows")
            for r, row in enumerate(rows):
                if not all(map(_is_number, row)):  # then find which, to name it
                    c = next(c for c, v in enumerate(row) if not _is_number(v))
                    self.fail(path, f"{entry(name, (r, c))} is {kind_of(row[c])}, not a number")
        try:
            array = as_float_array(value)
        except NotAFloat as error:
            self.fail(path, f"{entry(name, error.index)}: {error}")
        if not np.all(np.isfinite(array)):
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
            self.fail(path, f"{entry(name, bad)} is {array[bad]}: data must be finite")
        return array if rows is not None else array.reshape(-1)


def matrix_name(path: str) -> str:
    """The screen's name of the matrix at a key path: data.X -> X, layers[2].W -> W[2]
    (layers count from 1, as the post's W[1] does)."""
    layer = re.fullmatch(r"layers\[(\d+)\]\.(\w+)", path)
    return post(layer.group(2), int(layer.group(1))) if layer else path.rsplit(".", 1)[-1]


def entry(name: str, index: tuple[int, ...]) -> str:
    """One entry as the screen and --explain name it, counting from 0: X[1,2], W[2][0,1]."""
    return f"{name}[{','.join(str(i) for i in index)}]"


def ragged(lengths: list[int]) -> str | None:
    """What is wrong with rows of these lengths, the odd row first, or None.  The odd
    rows are those whose length differs from most rows' (the longer one if two lengths
    are as common: a row with an entry missing is the likelier slip)."""
    common = max(set(lengths), key=lambda n: (lengths.count(n), n))
    odd = [r for r, n in enumerate(lengths) if n != common]
    if not odd:
        return None
    same = [r for r, n in enumerate(lengths) if n == common]
    first = odd[0]
    more = f" (and {len(odd) - 1} other row{'s' * (len(odd) > 2)} too)" if len(odd) > 1 else ""
    if len(same) == 1:
        others = f"row {same[0]} has"
    else:
        others = f"the other {len(same)} rows have" if len(odd) == 1 else f"{len(same)} rows have"
    entries = "entry" if lengths[first] == 1 else "entries"
    return (f"ragged: row {first} has {lengths[first]} {entries}{more} "
            f"where {others} {common} (rows count from 0)")


def kind_of(value) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}" if len(value) < 30 else "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"
