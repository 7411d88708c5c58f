"""Reading a scenario: TOML parsed, every key checked, into a Scenario.

An unusable file raises ScenarioError (one line: file, line where known, key
path), which the CLI prints before exiting with code 2.  A valid file whose
shapes do not fit loads fine: that is teaching material for the engine.
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
from bpdebug.scenario.typed import Reader, did_you_mean, kind_of

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
    return read_document(Reader(str(path), text, max_memory), doc, name)


def read_document(r: Reader, doc: dict, name: str) -> Scenario:
    """The whole document, key by key, into a Scenario."""
    r.known(doc, "", KEYS[""])
    title = escape_controls(r.text(doc, "title", name))
    description = escape_controls(r.text(doc, "description", ""), keep="\n")
    seed = r.integer(doc, "seed", "seed", 0, 0)

    layers_doc = doc.get("layers")
    if layers_doc is None:
        r.fail("layers", "a network needs at least one [[layers]] table (units, activation)")
    if not isinstance(layers_doc, list) or not all(isinstance(t, dict) for t in layers_doc):
        r.fail("layers", "must be written as [[layers]] tables, one per layer")
    if not layers_doc:
        r.fail("layers", "a network needs at least one [[layers]] table")
    L = len(layers_doc)
    specs = []
    for l, table in enumerate(layers_doc, start=1):
        where = f"layers[{l}]"
        r.known(table, where, KEYS["layers"])
        units = r.integer(table, "units", f"{where}.units", None, 1)
        activation = r.choice(table.get("activation"), f"{where}.activation", ACTIVATIONS) \
            if "activation" in table else r.fail(f"{where}.activation", "is required")
        if activation == "softmax" and l < L:
            r.fail(f"{where}.activation", "softmax belongs to the output layer only: "
                   "its g' is a matrix per example; use relu, tanh or sigmoid here")
        init = r.choice(table.get("init", default_init(activation)), f"{where}.init", INITS)
        W = r.matrix(table["W"], f"{where}.W") if "W" in table else None
        b = r.matrix(table["b"], f"{where}.b") if "b" in table else None
        specs.append(LayerSpec(units, activation, init, W, b))
    output = specs[-1]

    network = r.table(doc, "network")
    r.known(network, "network", KEYS["network"])
    default_loss = {"sigmoid": "binary_cross_entropy", "softmax": "cross_entropy"}.get(
        output.activation, "mean_squared_error")
    loss = r.choice(network.get("loss", default_loss), "network.loss", LOSSES)
    if output.activation not in LOSSES[loss].outputs:
        r.fail("network.loss", f"{loss} cannot follow a {output.activation} output "
               f"(layers[{L}]): {LOSSES[loss].hint}")

    train = r.table(doc, "train")
    r.known(train, "train", KEYS["train"])
    learning_rate = r.number(train, "learning_rate", "train.learning_rate", 0.1, 0, strict=True)
    iterations = r.integer(train, "iterations", "train.iterations", 1000, 0, 10**9)
    batch_size = r.integer(train, "batch_size", "train.batch_size", 0, 0)

    teach = r.table(doc, "teach")
    r.known(teach, "teach", KEYS["teach"])
    bugs = teach.get("bugs", [])
    if not isinstance(bugs, list):
        r.fail("teach.bugs", f"must be a list of names, not {kind_of(bugs)}")
    bugs = tuple(r.choice(bug, "teach.bugs", CATALOGUE, "mistake") for bug in bugs)
    for first, second, equation in collisions(bugs):
        r.fail("teach.bugs", f"{first} and {second} both rewrite {equation}: "
               "inject one of them")

    watch = Watch()
    if "watch" in doc:
        table = r.table(doc, "watch")
        for key, message in parse_watch(table)[1]:
            r.fail(f"watch.{key}", message + (did_you_mean(key, WATCH_KEYS)
                                              if message == "unknown watchpoint" else ""))
        watch = parse_watch(table)[0]

    data = r.table(doc, "data")
    if "data" not in doc:
        r.fail("data", "a scenario needs [data]: X and Y, or a generator")
    r.known(data, "data", KEYS["data"])
    X, Y, x_axis, y_axis, n0, m = read_data(r, data, specs, loss, seed)

    return Scenario(name=escape_controls(name), path=escape_controls(r.file), title=title,
                    description=description.strip(),
                    seed=seed, X=X, Y=Y, n0=n0, m=m, examples_axis=x_axis,
                    y_examples_axis=y_axis, layers=tuple(specs), loss=loss,
                    learning_rate=learning_rate, iterations=iterations,
                    batch_size=batch_size, bugs=bugs, watch=watch)
