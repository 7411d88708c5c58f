"""Scenario files: the TOML format and its loader.

An unusable file raises ScenarioError (one line: file, line where known, key
path), which the CLI prints before exiting with code 2.  A valid file whose
shapes do not fit loads fine: that is teaching material for the engine.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from difflib import get_close_matches
from importlib import resources
from pathlib import Path

import numpy as np

from bpdebug.activations import ACTIVATIONS
from bpdebug.datasets import GENERATORS, MAX_NOISE, generate
from bpdebug.floats import NotAFloat, as_float, as_float_array
from bpdebug.losses import LOSSES
from bpdebug.mistakes import CATALOGUE, collisions
from bpdebug.printable import escape_controls
from bpdebug.watch import KEYS as WATCH_KEYS
from bpdebug.watch import Watch
from bpdebug.watch import parse as parse_watch


class ScenarioError(Exception):
    """An unusable scenario file. str() is the one line the user sees."""

    def __init__(self, file: str, key: str, message: str, line: int | None = None):
        self.file, self.key, self.message, self.line = file, key, message, line
        where = f"{file}:{line}" if line else file
        text = f"{where}: {key}: {message}" if key else f"{where}: {message}"
        super().__init__(escape_controls(text))  # a file name or message may hold escapes


@dataclass(frozen=True)
class LayerSpec:
    units: int
    activation: str
    init: str  # he | xavier | normal | zeros
    W: np.ndarray | None = None  # explicit W[l], any shape: a wrong one is teaching material
    b: np.ndarray | None = None  # explicit b[l], any shape


@dataclass(frozen=True)
class Scenario:
    name: str  # bundled name or file stem
    path: str  # what to print in messages
    title: str
    description: str
    seed: int
    X: np.ndarray  # as written: normally n[0]×m; examples_axis says where the examples are
    Y: np.ndarray
    n0: int  # features per example
    m: int  # examples in the whole data set
    examples_axis: int  # 1 as the post writes it; 0 when X was written examples × features
    y_examples_axis: int
    layers: tuple[LayerSpec, ...]
    loss: str
    learning_rate: float
    iterations: int
    batch_size: int
    bugs: tuple[str, ...] = ()
    watch: Watch = field(default_factory=Watch)  # [watch]: what stops stepping and training

    @property
    def L(self) -> int:
        return len(self.layers)

    @property
    def sizes(self) -> list[int]:
        """n[0], n[1], ..., n[L]."""
        return [self.n0] + [layer.units for layer in self.layers]


# ---------------------------------------------------------------------------
# The loader
# ---------------------------------------------------------------------------


def _bundled_dir() -> Path:
    """The repository's scenarios/ folder ships as the package bpdebug.scenarios
    (pyproject.toml); pip installs it as plain files, so its resources are a directory."""
    try:
        return Path(str(resources.files("bpdebug.scenarios")))
    except ModuleNotFoundError:  # run from a checkout that was never installed
        return Path(__file__).resolve().parent.parent / "scenarios"


BUNDLED = _bundled_dir()
DEFAULT_MAX_MEMORY = 1 << 30
DEFAULT_MAX_FILE_SIZE = 16 << 20  # checked before a byte is parsed
INITS = ("he", "xavier", "normal", "zeros")


def default_init(activation: str) -> str:
    """He for the ReLU family, Xavier for the rest: what keeps activations' variance steady."""
    return "he" if activation in ("relu", "leaky_relu") else "xavier"

KEYS = {
    "": ("title", "description", "seed", "data", "network", "layers", "train", "teach", "watch"),
    "data": ("X", "Y", "generator", "examples", "noise", "classes", "features"),
    "network": ("loss",),
    "layers": ("units", "activation", "init", "W", "b"),
    "train": ("learning_rate", "iterations", "batch_size"),
    "teach": ("bugs",),
}


def resolve(source: str | Path) -> tuple[Path, str]:
    """The file to read and the scenario's name: a path, or a bundled name like "xor"."""
    path = Path(source)
    if path.exists() or path.suffix == ".toml" or len(path.parts) > 1:
        return path, path.stem
    candidate = BUNDLED / f"{source}.toml"
    if candidate.is_file():
        return candidate, str(source)
    names = [name for name, _, _ in bundled()]
    close = get_close_matches(str(source), names, n=1)
    hint = f" (did you mean {close[0]}?)" if close else " (bpdebug --list shows the bundled ones)"
    raise ScenarioError(str(source), "", f"no such file or bundled scenario{hint}")


def bundled() -> list[tuple[str, str, str]]:
    """(name, title, description) of every bundled scenario, by name."""
    out = []
    for path in sorted(BUNDLED.glob("*.toml")):
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            doc = {}
        title, description = doc.get("title", path.stem), doc.get("description", "")
        out.append((path.stem, escape_controls(str(title)),
                    escape_controls(str(description).strip(), keep="\n")))
    return out


def load(source: str | Path, max_memory: int = DEFAULT_MAX_MEMORY,
         max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> Scenario:
    """Read and validate a scenario file.  Raises ScenarioError, and nothing else,
    for a file that cannot be used; a valid file whose shapes do not fit loads."""
    path, name = resolve(source)
    text = _read(path, max_file_size)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        where = re.search(r"\(at line (\d+), column \d+\)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error)) or "invalid"
        raise ScenarioError(str(path), "", f"not valid TOML: {message}",
                            int(where.group(1)) if where else None) from None
    except (ValueError, RecursionError) as error:  # e.g. absurdly nested arrays
        raise ScenarioError(str(path), "", f"not valid TOML: {error}") from None
    return _Reader(str(path), text, max_memory).scenario(doc, name)


def _read(path: Path, max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> str:
    """The file's text.  Only a regular file is read (after links are resolved), and
    no more than ``max_file_size`` bytes of it: /dev/zero, a FIFO or a directory
    would otherwise read forever, block forever or fail late."""
    file = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then says what
        # was opened, so nothing is swapped in between a check and the read.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ScenarioError(file, "", "no such file") from None
    except (OSError, ValueError) as error:  # ENXIO: a socket; ValueError: a NUL in the name
        what = _kind_of_file(path)
        if what:
            raise ScenarioError(file, "", f"{what}, not a regular file") from None
        reason = getattr(error, "strerror", None) or error
        raise ScenarioError(file, "", f"cannot read it: {reason}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_file_size:
        os.close(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(file, "", f"{_kind_of_file(path, info)}, not a regular file")
        raise ScenarioError(file, "", f"the file is {_bytes(info.st_size)}, more than the "
                            f"{_bytes(max_file_size)} limit (--max-file-size raises it)")
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read(max_file_size + 1)  # a file that grows after fstat stops here too
        except OSError as error:
            raise ScenarioError(file, "", f"cannot read it: {error.strerror or error}") from None
    if len(raw) > max_file_size:
        raise ScenarioError(file, "", f"the file is more than the {_bytes(max_file_size)} "
                            "limit (--max-file-size raises it)")
    if b"\x00" in raw:
        raise ScenarioError(file, "", "a binary file, not a TOML scenario")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioError(file, "", f"not UTF-8 text (byte {error.start})") from None
    if not text.strip():
        raise ScenarioError(file, "", "the file is empty: a scenario needs [data] and [[layers]]")
    return text


def _kind_of_file(path: Path, info: os.stat_result | None = None) -> str:
    """What a path that is not a regular file is, in words ("" if it cannot be told)."""
    try:
        mode = (info or os.stat(path)).st_mode
    except (OSError, ValueError):
        return ""
    for test, words in ((stat.S_ISDIR, "is a directory"),
                        (stat.S_ISFIFO, "is a FIFO (named pipe)"),
                        (stat.S_ISCHR, "is a character device"),
                        (stat.S_ISBLK, "is a block device"),
                        (stat.S_ISSOCK, "is a socket")):
        if test(mode):
            return words
    return "is a special file"


def _lines_of_keys(text: str) -> dict[str, int]:
    """Where each key path is written: "data.X" -> 5, "layers[2].units" -> 14.

    tomllib keeps no positions, so this reads the common shapes of a file
    (tables, arrays of tables, key = value, dotted keys) line by line; anything
    it cannot place simply has no line in the message.
    """
    where: dict[str, int] = {}
    table, counts = "", {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\[\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]", stripped)
        if header:
            key = header.group(1).replace('"', "").replace("'", "")
            counts[key] = counts.get(key, 0) + 1
            table = f"{key}[{counts[key]}]"
            where.setdefault(table, number)
            where.setdefault(key, number)
            continue
        header = re.match(r"^\[\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]", stripped)
        if header:
            table = header.group(1).replace('"', "").replace("'", "")
            where.setdefault(table, number)
            continue
        pair = re.match(r"^([A-Za-z0-9_.\-\"' ]+?)\s*=", stripped)
        if pair:
            key = pair.group(1).replace('"', "").replace("'", "").replace(" ", "")
            where.setdefault(f"{table}.{key}" if table else key, number)
    return where


def _did_you_mean(word: str, choices) -> str:
    close = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (one of: {', '.join(choices)})"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Reader:
    """Validates one parsed document; every complaint names a key path."""

    def __init__(self, file: str, text: str, max_memory: int):
        self.file, self.max_memory = file, max_memory
        self.lines = _lines_of_keys(text)

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
        X, Y, x_axis, y_axis, n0, m = self.data(data, specs, loss, seed)

        return Scenario(name=escape_controls(name), path=escape_controls(self.file), title=title,
                        description=description.strip(),
                        seed=seed, X=X, Y=Y, n0=n0, m=m, examples_axis=x_axis,
                        y_examples_axis=y_axis, layers=tuple(specs), loss=loss,
                        learning_rate=learning_rate, iterations=iterations,
                        batch_size=batch_size, bugs=bugs, watch=watch)

    def data(self, data: dict, specs: list[LayerSpec], loss: str, seed: int):
        nL, L = specs[-1].units, len(specs)
        if "generator" in data:
            for key in ("X", "Y"):
                if key in data:
                    self.fail(f"data.{key}", "give X and Y, or a generator, not both")
            return self.generated(data, specs, loss, seed)
        for key in ("examples", "noise", "classes", "features"):
            if key in data:
                self.fail(f"data.{key}", "only goes with a generator")
        for key in ("X", "Y"):
            if key not in data:
                self.fail(f"data.{key}", "is required (or name a generator instead of X and Y)")
        flat = "a flat list: write it as a matrix, one row per {}: {} = [[...], ...]"
        X = self.matrix(data["X"], "data.X", flat.format("feature", "X"))
        Y = self.matrix(data["Y"], "data.Y", flat.format("output", "Y"))
        (rx, cx), (ry, cy) = X.shape, Y.shape
        # The post writes examples as columns.  A file that wrote X or Y the other
        # way round still loads: the mismatch it causes is the lesson.
        if cx == cy:
            x_axis, y_axis, m = 1, 1, cx
        elif rx == cy:
            x_axis, y_axis, m = 0, 1, rx
        elif cx == ry:
            x_axis, y_axis, m = 1, 0, cx
        elif rx == ry:
            x_axis, y_axis, m = 0, 0, rx
        else:
            self.fail("data.Y", f"Y is {ry}×{cy} but X is {rx}×{cx}: they must have the same "
                      "number m of examples (columns)")
        n0 = X.shape[1 - x_axis]
        self.guard([n0] + [s.units for s in specs], m, "data.X")
        outputs = Y.shape[1 - y_axis]
        if outputs != nL and not (nL == 1 and y_axis == 0):
            self.fail("data.Y", f"Y has {outputs} output row{'s' * (outputs != 1)} per example but "
                      f"the output layer [{L}] has {nL} unit{'s' * (nL != 1)}")
        self.targets(Y if y_axis == 1 else Y.T, loss)
        return X, Y, x_axis, y_axis, n0, m

    def guard(self, sizes: list[int], m: int, data_key: str) -> None:
        """Refuse sizes whose matrices would need more than the memory limit, naming
        the key that makes them big: the data, or the largest W."""
        need = estimated_bytes(sizes, m)
        if need <= self.max_memory:
            return
        big = max(range(1, len(sizes)), key=lambda l: sizes[l] * sizes[l - 1])
        key = data_key if m * sum(sizes) > sizes[big] * sizes[big - 1] else f"layers[{big}].units"
        self.fail(key, f"sizes {'-'.join(map(str, sizes))} with m = {m} would need about "
                  f"{_bytes(need)} of matrices, more than the {_bytes(self.max_memory)} limit "
                  "(--max-memory raises it)")

    def targets(self, Y: np.ndarray, loss: str) -> None:
        if loss == "binary_cross_entropy" and (Y.min() < 0 or Y.max() > 1):
            self.fail("data.Y", "binary_cross_entropy needs targets between 0 and 1")
        if loss == "cross_entropy":
            if Y.min() < 0 or Y.max() > 1 or not np.allclose(Y.sum(axis=0), 1.0):
                self.fail("data.Y", "cross_entropy needs one-hot columns: each column of Y "
                          "holds a single 1 for its class")

    def generated(self, data: dict, specs: list[LayerSpec], loss: str, seed: int):
        name = self.choice(data["generator"], "data.generator", GENERATORS)
        gen = GENERATORS[name]
        nL, L, output = specs[-1].units, len(specs), specs[-1].activation
        m = self.integer(data, "examples", "data.examples", 200, 1, 10**9)
        noise = self.number(data, "noise", "data.noise", 0.1, 0, high=MAX_NOISE)
        default_classes = gen.classes if gen.classes is not None else (nL if nL > 1 else 2)
        classes = self.integer(data, "classes", "data.classes", default_classes, 2, 10**6) \
            if gen.classes != 0 else 0
        if gen.classes and classes != gen.classes:
            self.fail("data.classes", f"{name} always has {gen.classes} classes")
        features = self.integer(data, "features", "data.features", gen.features or 2, 1, 10**9)
        if gen.features is not None and features != gen.features:
            self.fail("data.features", f"{name} always has {gen.features} feature"
                      f"{'s' * (gen.features != 1)}")
        n0 = features
        self.guard([n0] + [s.units for s in specs], m, "data.examples")  # before generating
        X, labels = generate(name, seed, m, noise, classes, features)
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(labels))):  # a guard: the ranges prevent it
            self.fail("data.generator", f"{name} made data that is not finite: data must be finite")
        # Y fits the output layer: 0/1 for one unit, one-hot for k units, real for a regression.
        if classes == 0:
            if nL != 1:
                self.fail(f"layers[{L}].units", f"{name} is a regression with one target: "
                          "the output layer needs 1 unit")
            Y = labels[None, :].astype(np.float64)
            if loss == "binary_cross_entropy":
                self.fail("network.loss", f"{name} is a regression: use mean_squared_error "
                          "with a linear output")
        elif nL == 1:
            if classes != 2:
                self.fail(f"layers[{L}].units", f"{classes} classes need {classes} output units "
                          "(a softmax with cross_entropy); one unit tells only 2 apart")
            Y = labels[None, :].astype(np.float64)
        else:
            if classes != nL:
                self.fail(f"layers[{L}].units", f"{name} has {classes} classes, so the output "
                          f"layer needs {classes} units, not {nL}")
            Y = np.eye(nL)[:, labels]
        if output == "tanh" and classes:
            Y = 2 * Y - 1  # tanh's range is -1..1
        return X, Y, 1, 1, n0, m


def estimated_bytes(sizes: list[int], m: int) -> int:
    """The process's peak, counted before anything is allocated (the memory guard).

    With P the parameters' entries (every W[l] and b[l]) and C = (n[1] + ... + n[L])·m
    the entries of one of Z, A, dZ, dA for every layer:

    * the data X and Y;
    * each iteration the engine keeps for stepping (3): W, b, dW, db, the updated
      W and b (3P), Z, A, dZ, dA (4C) and dA[0];
    * the time-travel history, which shrinks its budget for big networks;
    * while training or checking, on top: one more iteration's worth of NumPy
      temporaries, or the gradient check's two copies of a W and its forward pass.
    """
    from bpdebug.engine import CACHED_ITERATIONS  # not at the top: the engine imports this module
    from bpdebug.timeline import PER_ARRAY, history_bytes

    L = len(sizes) - 1
    P = sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, L + 1))
    C = sum(sizes[1:]) * m
    data = (sizes[0] + sizes[-1]) * m
    iteration = 3 * P + 4 * C + sizes[0] * m
    largest = max(sizes[l] * sizes[l - 1] for l in range(1, L + 1))
    working = max(iteration, 2 * largest + 2 * C)
    return (8 * (data + (CACHED_ITERATIONS + 1) * iteration + working)
            + history_bytes(8 * P + PER_ARRAY * 2 * L))


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


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
