"""Reading a scenario: TOML parsed, every key checked, into a Scenario.

An unusable file raises ScenarioError with every problem it has, one line each (file,
line where known, key path), which the CLI prints before exiting with code 2.  Each
part of the document is read on its own, so one run finds them all; [data] is checked
against the layers and the loss, so it is read once those are whole.  A file that is
not TOML stops there.  A valid file whose shapes do not fit loads fine: that is
teaching material for the engine.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from bpdebug.engine.activations import ACTIVATIONS
from bpdebug.engine.losses import LOSSES
from bpdebug.engine.mistakes import CATALOGUE, collisions
from bpdebug.engine.spec import INITS, LayerSpec, Scenario, default_init
from bpdebug.engine.watch import KEYS as WATCH_KEYS
from bpdebug.engine.watch import Watch
from bpdebug.engine.watch import parse as parse_watch
from bpdebug.scenario.data import read_data
from bpdebug.scenario.errors import ScenarioError
from bpdebug.scenario.files import DEFAULT_MAX_FILE_SIZE, read, resolve
from bpdebug.scenario.memory import DEFAULT_MAX_MEMORY
from bpdebug.scenario.printable import escape_controls
from bpdebug.scenario.typed import FAILED, Reader, Stop, did_you_mean, kind_of

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
    reader = Reader(str(path), text, max_memory)
    scenario = reader.part(lambda: read_document(reader, doc, name))
    reader.done()  # every problem found, if any
    return scenario


def read_document(r: Reader, doc: dict, name: str) -> Scenario:
    """The whole document, part by part, into a Scenario.  A part that has a problem is
    noted and the next one is read; Stop when one has (Reader.done says them all)."""
    r.known(doc, "", KEYS[""])
    title = r.part(lambda: escape_controls(r.text(doc, "title", name)))
    description = r.part(lambda: escape_controls(r.text(doc, "description", ""), keep="\n"))
    seed = r.part(lambda: r.integer(doc, "seed", "seed", 0, 0))
    specs = r.part(lambda: _layers(r, doc))
    loss = r.part(lambda: _loss(r, doc, specs))
    train = r.part(lambda: _train(r, doc))
    bugs = r.part(lambda: _bugs(r, doc))
    watch = r.part(lambda: _watch(r, doc))
    data = FAILED
    if FAILED not in (specs, loss, seed):
        data = r.part(lambda: _data(r, doc, specs, loss, seed))
    if r.problems:
        raise Stop
    learning_rate, iterations, batch_size = train
    X, Y, x_axis, y_axis, n0, m = data
    return Scenario(name=escape_controls(name), path=escape_controls(r.file), title=title,
                    description=description.strip(),
                    seed=seed, X=X, Y=Y, n0=n0, m=m, examples_axis=x_axis,
                    y_examples_axis=y_axis, layers=tuple(specs), loss=loss,
                    learning_rate=learning_rate, iterations=iterations,
                    batch_size=batch_size, bugs=bugs, watch=watch)


def _layers(r: Reader, doc: dict) -> list[LayerSpec]:
    """Every [[layers]] table, each read on its own: Stop if any has a problem."""
    layers_doc = doc.get("layers")
    if layers_doc is None:
        r.fail("layers", "a network needs at least one [[layers]] table (units, activation)")
    if not isinstance(layers_doc, list) or not all(isinstance(t, dict) for t in layers_doc):
        r.fail("layers", "must be written as [[layers]] tables, one per layer")
    if not layers_doc:
        r.fail("layers", "a network needs at least one [[layers]] table")
    specs = [r.part(lambda: _layer(r, table, l, len(layers_doc)))
             for l, table in enumerate(layers_doc, start=1)]
    if FAILED in specs:
        raise Stop
    return specs


def _layer(r: Reader, table: dict, l: int, L: int) -> LayerSpec:
    where = f"layers[{l}]"
    r.known(table, where, KEYS["layers"])
    units = r.part(lambda: r.integer(table, "units", f"{where}.units", None, 1))

    def activation_of() -> str:
        if "activation" not in table:
            r.fail(f"{where}.activation", "is required")
        activation = r.choice(table["activation"], f"{where}.activation", ACTIVATIONS)
        if activation == "softmax" and l < L:
            r.fail(f"{where}.activation", "softmax belongs to the output layer only: "
                   "its g' is a matrix per example; use relu, tanh or sigmoid here")
        return activation

    activation = r.part(activation_of)
    init = r.part(lambda: r.choice(table["init"], f"{where}.init", INITS)) if "init" in table \
        else (FAILED if activation is FAILED else default_init(activation))
    W = r.part(lambda: r.matrix(table["W"], f"{where}.W")) if "W" in table else None
    b = r.part(lambda: r.matrix(table["b"], f"{where}.b")) if "b" in table else None
    if FAILED in (units, activation, init) or W is FAILED or b is FAILED:
        raise Stop
    return LayerSpec(units, activation, init, W, b)


def _loss(r: Reader, doc: dict, specs) -> str:
    """network.loss: a known one, and (once the layers are read) one the output can feed."""
    network = r.table(doc, "network")
    r.known(network, "network", KEYS["network"])
    output = specs[-1].activation if specs is not FAILED else None
    default_loss = {"sigmoid": "binary_cross_entropy", "softmax": "cross_entropy"}.get(
        output, "mean_squared_error")
    if "loss" not in network and specs is FAILED:
        raise Stop  # the default follows the output layer, which has a problem
    loss = r.choice(network.get("loss", default_loss), "network.loss", LOSSES)
    if specs is FAILED:
        raise Stop
    if output not in LOSSES[loss].outputs:
        r.fail("network.loss", f"{loss} cannot follow a {output} output "
               f"(layers[{len(specs)}]): {LOSSES[loss].hint}")
    return loss


def _train(r: Reader, doc: dict) -> tuple[float, int, int]:
    train = r.table(doc, "train")
    r.known(train, "train", KEYS["train"])
    values = (r.part(lambda: r.number(train, "learning_rate", "train.learning_rate", 0.1, 0,
                                      strict=True)),
              r.part(lambda: r.integer(train, "iterations", "train.iterations", 1000, 0, 10**9)),
              r.part(lambda: r.integer(train, "batch_size", "train.batch_size", 0, 0)))
    if FAILED in values:
        raise Stop
    return values


def _bugs(r: Reader, doc: dict) -> tuple[str, ...]:
    teach = r.table(doc, "teach")
    r.known(teach, "teach", KEYS["teach"])
    bugs = teach.get("bugs", [])
    if not isinstance(bugs, list):
        r.fail("teach.bugs", f"must be a list of names, not {kind_of(bugs)}")
    bugs = tuple(r.part(lambda bug=bug: r.choice(bug, "teach.bugs", CATALOGUE, "mistake"))
                 for bug in bugs)
    if FAILED in bugs:
        raise Stop
    for first, second, equation in collisions(bugs):
        r.fail("teach.bugs", f"{first} and {second} both rewrite {equation}: "
               "inject one of them")
    return bugs


def _watch(r: Reader, doc: dict) -> Watch:
    if "watch" not in doc:
        return Watch()
    table = r.table(doc, "watch")
    watch, problems = parse_watch(table)
    for key, message in problems:
        r.complain(f"watch.{key}", message + (did_you_mean(key, WATCH_KEYS)
                                             if message == "unknown watchpoint" else ""))
    if problems:
        raise Stop
    return watch


def _data(r: Reader, doc: dict, specs: list[LayerSpec], loss: str, seed: int):
    data = r.table(doc, "data")
    if "data" not in doc:
        r.fail("data", "a scenario needs [data]: X and Y, or a generator")
    r.known(data, "data", KEYS["data"])
    return read_data(r, data, specs, loss, seed)
