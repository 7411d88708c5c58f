"""Property-based tests of the loader: whatever a student types, the loader either
returns a Scenario or raises ScenarioError naming the file (and, once the text is
TOML, the key path).  Nothing else escapes, and what loads can be stepped.

The default suite runs a fast subset; the 10,000-example runs are marked slow_fuzz:

    .venv/bin/python -m pytest -q -m slow_fuzz tests/test_loader_fuzz.py
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpdebug.engine.cursor import Engine
from bpdebug.engine.timeline import BUDGET
from bpdebug.scenario.errors import ScenarioError
from bpdebug.scenario.files import BUNDLED
from bpdebug.scenario.memory import estimated_bytes
from bpdebug.scenario.reader import load

SCENARIOS = sorted(BUNDLED.glob("*.toml"))
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in SCENARIOS}
DOCS = {name: tomllib.loads(text) for name, text in TEXTS.items()}
KEYS = ["title", "description", "seed", "data", "network", "layers", "train", "teach", "watch",
        "X", "Y", "generator", "examples", "noise", "classes", "features", "loss", "units",
        "activation", "init", "W", "b", "learning_rate", "iterations", "batch_size", "bugs",
        "nan", "cost_rises", "dead_relu_percent", "gradient_norm_above", "relu", "softmax"]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))


# -- a small TOML writer, so arbitrary documents can be written out ---------------

def _string(text: str) -> str:
    # JSON's escapes are valid in TOML basic strings; TOML also forbids a raw DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") \
            if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(doc: dict) -> str:
    return "".join(f"{_string(k)} = {toml_value(v)}\n" for k, v in doc.items())


scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1), st.floats(), st.booleans(),
    st.text(max_size=12), st.sampled_from(["relu", "sigmoid", "softmax", "moons", "he",
                                           "cross_entropy", "dW_no_transpose"]),
    st.integers(min_value=-3, max_value=40),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner,
                                            max_size=5)),
    max_leaves=30,
)
documents = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), values, max_size=8)


# -- the property -----------------------------------------------------------------

def loads_or_refuses(tmp_path: Path, text: str | bytes, parsed: bool | None = None) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        scenario = load(path)
    except ScenarioError as error:
        assert error.file == str(path)
        lines = str(error).splitlines()  # one line for each problem, each naming the file
        assert lines and all(line.startswith(str(path)) for line in lines)
        assert len(lines) == len(error.problems)
        if parsed is None:
            try:
                tomllib.loads(path.read_bytes().decode("utf-8-sig"))  # no newline translation
                parsed = True
            except Exception:
                parsed = False
        if parsed and path.read_bytes().strip():
            assert all(p.key for p in error.problems), f"no key path in: {error}"
        return
    # What loads can be stepped through a whole iteration without raising:
    # a shape that does not fit, or an overflow, becomes a record, never an exception.
    if estimated_bytes(scenario.sizes, scenario.m) < BUDGET + (8 << 20):  # BUDGET: the history's
        engine = Engine(scenario)
        engine.run_to("update")
        record = engine.current
        assert record is not None
        assert record.error is None, record.error


def mutate_document(data, doc: dict) -> dict:
    """Replace, delete or add values somewhere inside a bundled scenario's document."""
    doc = json.loads(json.dumps(doc, default=float), parse_constant=float)
    for _ in range(data.draw(st.integers(1, 3))):
        node, path = doc, []
        while isinstance(node, (dict, list)) and node and data.draw(st.booleans()):
            key = data.draw(st.sampled_from(sorted(node) if isinstance(node, dict)
                                            else range(len(node))))
            if not isinstance(node[key], (dict, list)):
                break
            node, path = node[key], path + [key]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if isinstance(node, dict):
            key = data.draw(st.sampled_from(sorted(node) + KEYS))
            if action == "delete":
                node.pop(key, None)
            else:
                node[key] = data.draw(values)
        elif isinstance(node, list) and node:
            index = data.draw(st.integers(0, len(node) - 1))
            if action == "delete":
                del node[index]
            else:
                node[index] = data.draw(values)
    return doc


def mutate_text(data, text: str) -> str:
    lines = text.splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 3))):
        if not lines:
            break
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate",
                                            "number"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "insert":
            at = data.draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + data.draw(st.text(max_size=4)) + lines[i][at:]
        elif action == "truncate":
            lines[i] = lines[i][:data.draw(st.integers(0, len(lines[i])))]
        else:
            number = data.draw(st.sampled_from(["0", "-1", "1e9", "nan", "3.5", "999999", '"7"']))
            lines[i] = "".join(number if c.isdigit() else c for c in lines[i])
    return "".join(lines)


# -- the default suite's fast subset ----------------------------------------------

@FAST
@given(doc=documents)
def test_arbitrary_documents(tmp_path_factory, doc):
    loads_or_refuses(tmp_path_factory.mktemp("doc"), toml_document(doc))


@FAST
@given(name=st.sampled_from(sorted(DOCS)), data=st.data())
def test_mutated_bundled_documents(tmp_path_factory, name, data):
    doc = mutate_document(data, DOCS[name])
    loads_or_refuses(tmp_path_factory.mktemp("mut"), toml_document(doc))


@FAST
@given(name=st.sampled_from(sorted(TEXTS)), data=st.data())
def test_mutated_bundled_texts(tmp_path_factory, name, data):
    loads_or_refuses(tmp_path_factory.mktemp("txt"), mutate_text(data, TEXTS[name]))


@FAST
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes(tmp_path_factory, raw):
    loads_or_refuses(tmp_path_factory.mktemp("raw"), raw)


# -- 10,000 examples each, outside CI ---------------------------------------------

@pytest.mark.slow_fuzz
@SLOW
@given(doc=documents)
def test_arbitrary_documents_10k(tmp_path_factory, doc):
    loads_or_refuses(tmp_path_factory.mktemp("doc"), toml_document(doc))


@pytest.mark.slow_fuzz
@SLOW
@given(name=st.sampled_from(sorted(DOCS)), data=st.data())
def test_mutated_bundled_documents_10k(tmp_path_factory, name, data):
    doc = mutate_document(data, DOCS[name])
    loads_or_refuses(tmp_path_factory.mktemp("mut"), toml_document(doc))


@pytest.mark.slow_fuzz
@SLOW
@given(name=st.sampled_from(sorted(TEXTS)), data=st.data())
def test_mutated_bundled_texts_10k(tmp_path_factory, name, data):
    loads_or_refuses(tmp_path_factory.mktemp("txt"), mutate_text(data, TEXTS[name]))
