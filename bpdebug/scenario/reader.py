"""Reading a scenario: TOML parsed, every key checked, into a Scenario.

An unusable file raises ScenarioError (one line: file, line where known, key
path), which the CLI prints before exiting with code 2.  A valid file whose
shapes do not fit loads fine: that is teaching material for the engine.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from difflib import get_close_matches
from pathlib import Path

import numpy as np

from bpdebug.engine.activations import ACTIVATIONS
from bpdebug.engine.floats import NotAFloat, as_float, as_float_array
from bpdebug.engine.losses import LOSSES
from bpdebug.engine.mistakes import CATALOGUE, collisions
from bpdebug.engine.watch import KEYS as WATCH_KEYS
from bpdebug.engine.watch import Watch
from bpdebug.engine.watch import parse as parse_watch
from bpdebug.scenario.data import read_data
from bpdebug.scenario.files import DEFAULT_MAX_FILE_SIZE, read, resolve
from bpdebug.scenario.lines import lines_of_keys
from bpdebug.scenario.memory import DEFAULT_MAX_MEMORY
from bpdebug.scenario.model import INITS, LayerSpec, Scenario, ScenarioError, default_init
from bpdebug.scenario.printable import escape_controls

KEYS = {
    "": ("title", "description", "seed", "data", "network", "layers", "train", "teach", "watch"),
    "data": ("X", "Y", "generator", "examples", "noise", "classes", "features"),
    "network": ("loss",),
    "layers": ("units", "activation", "init", "W", "b"),
    "train": ("learning_rate", "iterations", "batch_size"),
    "teach": ("bugs",),
}


def load(source: str | Path, max_memory: int = DEFAULT_MAX_MEMORY,
         max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> Scenario:
    """Read and validate a scenario file.  Raises ScenarioError, and nothing else,
    for a file that cannot be used; a valid file whose shapes do not fit loads."""
    path, name = resolve(source)
    text = read(path, max_file_size)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        where = re.search(r"\(at line (\d+), column \d+\)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error)) or "invalid"
        raise ScenarioError(str(path), "", f"not valid TOML: {message}",
                            int(where.group(1)) if where else None) from None
    except (ValueError, RecursionError) as error:  # e.g. absurdly nested arrays
        raise ScenarioError(str(path), "", f"not valid TOML: {error}") from None
    return Reader(str(path), text, max_memory).scenario(doc, name)


def _did_you_mean(word: str, choices) -> str:
    close = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (one of: {', '.join(choices)})"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Reader:
    """Validates one parsed document; every complaint names a key path."""

    def __init__(self, file: str, text: str, max_memory: int):
        self.file, self.max_memory = file, max_memory
        self.lines = lines_of_keys(text)

    def fail(self, key: str, message: str):
        line = self.lines.get(key)
        parent = key
        while line is None and "." in parent:  # fall back to the enclosing table
            parent = parent.rsplit(".", 1)[0]
            line = self.lines.get(parent)
        raise ScenarioError(self.file, key, message, line)

    # -- small typed readers ------------------------------------------------

    def table(self, doc: dict, key: str) -> dict:
        value = doc.get(key.rsplit(".", 1)[-1], {})
        if not isinstance(value, dict):
            self.fail(key, f"must be a table, [{key}], not {_kind(value)}")
        return value

    def known(self, table: dict, where: str, allowed) -> None:
        for key in table:
            if key not in allowed:
                bare = key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)
                path = f"{where}.{bare}" if where else bare
                what = "table" if not where else "key"
                self.fail(path, f"unknown {what}{_did_you_mean(key, allowed)}")

    def integer(self, table: dict, key: str, path: str, default: int | None, low: int,
                high: int = 1 << 62) -> int:
        value = table.get(key, default)
        if value is None:
            self.fail(path, "is required")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(path, f"must be a whole number, not {_kind(value)}")
        if value < low:
            self.fail(path, f"must be {low} or more, not {value}")
        if value > high:
            self.fail(path, f"must be at most {high}, not {value}")
        return value

    def number(self, table: dict, key: str, path: str, default: float, low: float,
               strict: bool = False, high: float = math.inf) -> float:
        value = table.get(key, default)
        if not _is_number(value):
            self.fail(path, f"must be a number, not {_kind(value)}")
        try:
            value = as_float(value)
        except NotAFloat as error:
            self.fail(path, str(error))
        if not math.isfinite(value):
            self.fail(path, f"must be finite, not {value}")
        if value < low or (strict and value == low) or value > high:
            bounds = f"{'>' if strict else '≥'} {low:g}"
            if high < math.inf:
                bounds += f" and ≤ {high:g}"
            self.fail(path, f"must be {bounds}, not {value:g}")
        return value

    def text(self, table: dict, key: str, default: str | None) -> str:
        value = table.get(key, default)
        if value is None:
            self.fail(key, "is required")
        if not isinstance(value, str):
            self.fail(key, f"must be a string, not {_kind(value)}")
        return value

    def choice(self, value, path: str, choices, what: str | None = None) -> str:
        if not isinstance(value, str):
            self.fail(path, f"must be a string, not {_kind(value)}")
        if value not in choices:
            what = what or path.rsplit(".", 1)[-1]
            self.fail(path, f"unknown {what} {value!r}{_did_you_mean(value, choices)}")
        return value

    def matrix(self, value, path: str, flat_hint: str | None = None) -> np.ndarray:
        """A numeric matrix (or a flat list, kept 1-D), checked row by row."""
        if not isinstance(value, list) or not value:
            self.fail(path, f"must be a matrix, a list of rows like [[1, 2], [3, 4]], not {_kind(value)}")
        if all(_is_number(v) for v in value):
            if flat_hint:
                self.fail(path, flat_hint)
            rows = None
        else:
            rows = len(value)
            for r, row in enumerate(value, start=1):
                if not isinstance(row, list):
                    self.fail(path, f"row {r} is {_kind(row)}, not a list of numbers")
                if len(row) != len(value[0]):
                    self.fail(path, f"ragged: row {r} has {len(row)} entries, row 1 has {len(value[0])}")
                for c, v in enumerate(row, start=1):
                    if not _is_number(v):
                        self.fail(path, f"entry ({r}, {c}) is {_kind(v)}, not a number")
            if not value[0]:
                self.fail(path, "has empty rows")
        try:
            array = as_float_array(value)
        except NotAFloat as error:
            self.fail(path, str(error))
        if not np.all(np.isfinite(array)):
            bad = np.argwhere(~np.isfinite(array))[0] + 1
            self.fail(path, f"entry {tuple(int(i) for i in bad)} is {array[tuple(bad - 1)]}: "
                      "data must be finite")
        return array if rows is not None else array.reshape(-1)

    # -- the document -------------------------------------------------------

    def scenario(self, doc: dict, name: str) -> Scenario:
        self.known(doc, "", KEYS[""])
        title = escape_controls(self.text(doc, "title", name))
        description = escape_controls(self.text(doc, "description", ""), keep="\n")
        seed = self.integer(doc, "seed", "seed", 0, 0)

        layers_doc = doc.get("layers")
        if layers_doc is None:
            self.fail("layers", "a network needs at least one [[layers]] table (units, activation)")
        if not isinstance(layers_doc, list) or not all(isinstance(t, dict) for t in layers_doc):
            self.fail("layers", "must be written as [[layers]] tables, one per layer")
        if not layers_doc:
            self.fail("layers", "a network needs at least one [[layers]] table")
        L = len(layers_doc)
        specs = []
        for l, table in enumerate(layers_doc, start=1):
            where = f"layers[{l}]"
            self.known(table, where, KEYS["layers"])
            units = self.integer(table, "units", f"{where}.units", None, 1)
            activation = self.choice(table.get("activation"), f"{where}.activation", ACTIVATIONS) \
                if "activation" in table else self.fail(f"{where}.activation", "is required")
            if activation == "softmax" and l < L:
                self.fail(f"{where}.activation", "softmax belongs to the output layer only: "
                          "its g' is a matrix per example; use relu, tanh or sigmoid here")
            init = self.choice(table.get("init", default_init(activation)), f"{where}.init", INITS)
            W = self.matrix(table["W"], f"{where}.W") if "W" in table else None
            b = self.matrix(table["b"], f"{where}.b") if "b" in table else None
            specs.append(LayerSpec(units, activation, init, W, b))
        output = specs[-1]

        network = self.table(doc, "network")
        self.known(network, "network", KEYS["network"])
        default_loss = {"sigmoid": "binary_cross_entropy", "softmax": "cross_entropy"}.get(
            output.activation, "mean_squared_error")
        loss = self.choice(network.get("loss", default_loss), "network.loss", LOSSES)
        if output.activation not in LOSSES[loss].outputs:
            self.fail("network.loss", f"{loss} cannot follow a {output.activation} output "
                      f"(layers[{L}]): {LOSSES[loss].hint}")

        train = self.table(doc, "train")
        self.known(train, "train", KEYS["train"])
        learning_rate = self.number(train, "learning_rate", "train.learning_rate", 0.1, 0, strict=True)
        iterations = self.integer(train, "iterations", "train.iterations", 1000, 0, 10**9)
        batch_size = self.integer(train, "batch_size", "train.batch_size", 0, 0)

        teach = self.table(doc, "teach")
        self.known(teach, "teach", KEYS["teach"])
        bugs = teach.get("bugs", [])
        if not isinstance(bugs, list):
            self.fail("teach.bugs", f"must be a list of names, not {_kind(bugs)}")
        bugs = tuple(self.choice(bug, "teach.bugs", CATALOGUE, "mistake") for bug in bugs)
        for first, second, equation in collisions(bugs):
            self.fail("teach.bugs", f"{first} and {second} both rewrite {equation}: "
                      "inject one of them")

        watch = Watch()
        if "watch" in doc:
            table = self.table(doc, "watch")
            for key, message in parse_watch(table)[1]:
                self.fail(f"watch.{key}", message + (_did_you_mean(key, WATCH_KEYS)
                                                     if message == "unknown watchpoint" else ""))
            watch = parse_watch(table)[0]

        data = self.table(doc, "data")
        if "data" not in doc:
            self.fail("data", "a scenario needs [data]: X and Y, or a generator")
        self.known(data, "data", KEYS["data"])
        X, Y, x_axis, y_axis, n0, m = read_data(self, data, specs, loss, seed)

        return Scenario(name=escape_controls(name), path=escape_controls(self.file), title=title,
                        description=description.strip(),
                        seed=seed, X=X, Y=Y, n0=n0, m=m, examples_axis=x_axis,
                        y_examples_axis=y_axis, layers=tuple(specs), loss=loss,
                        learning_rate=learning_rate, iterations=iterations,
                        batch_size=batch_size, bugs=bugs, watch=watch)


def _kind(value) -> str:
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
