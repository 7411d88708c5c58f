"""The scenario loader: unusable files are refused in one line; shapes that do not
fit load, because they are the lesson."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from bpdebug.engine.cursor import Engine
from bpdebug.scenario.errors import ScenarioError
from bpdebug.scenario.files import BUNDLED, bundled
from bpdebug.scenario.memory import estimated_bytes
from bpdebug.scenario.reader import load
from tests.conftest import bpdebug

BROKEN = Path(__file__).parent / "broken"

# file -> (key path, line or None, a phrase the message must hold).  Rows, columns and
# entries count from 0 as the screen does (X[1,1] is row 1, column 1); layers from 1, as W[1].
EXPECTED = {
    "a_directory.toml": ("", None, "is a directory"),
    "bad_watch.toml": ("watch.nan_or_inf", 10, "unknown watchpoint"),
    "bce_targets.toml": ("data.Y", 3, "Y[0,1] = 2 is outside 0..1: binary_cross_entropy needs"),
    "big_int_in_W.toml": ("layers[1].W", 9, "W[1][0,1]: an integer of 401 digits is too big"),
    "big_int_in_X.toml": ("data.X", 2, "X[1,1]: an integer of 401 digits is too big"),
    "big_int_learning_rate.toml": ("train.learning_rate", 9, "too big for a float64"),
    "big_int_noise.toml": ("data.noise", 3, "too big for a float64"),
    "big_int_watch.toml": ("watch.gradient_norm_above", 9, "too big for a float64"),
    "binary.toml": ("", None, "binary"),
    "blank.toml": ("layers", None, "at least one [[layers]]"),
    "both_data.toml": ("data.X", 3, "not both"),
    "empty.toml": ("", None, "empty"),
    "flat_X.toml": ("data.X", 2, "flat list"),
    "huge_noise.toml": ("data.noise", 3, "≤ 1000"),
    "inf_in_W.toml": ("layers[1].W", 9, "W[1][0,0] is inf"),
    "latin1.toml": ("", None, "UTF-8"),
    "layers_not_array.toml": ("layers", 5, "[[layers]]"),
    "m_differs.toml": ("data.Y", 4, "same number m of examples"),
    "nan_in_data.toml": ("data.X", 2, "X[1,1] is nan"),
    "negative_lr.toml": ("train.learning_rate", 10, "> 0"),
    "no_data.toml": ("data", None, "needs [data]"),
    "no_layers.toml": ("layers", None, "at least one [[layers]]"),
    "non_numeric.toml": ("data.X", 2, "X[1,1] is the string 'one', not a number"),
    "not_toml.toml": ("", 1, "not valid TOML"),
    "ragged.toml": ("data.X", 2, "ragged: row 1 has 3 entries where row 0 has 4"),
    "seed_negative.toml": ("seed", 1, "0 or more"),
    "softmax_hidden.toml": ("layers[1].activation", 7, "output layer only"),
    "softmax_with_bce.toml": ("network.loss", 10, "cannot follow a softmax"),
    "too_big.toml": ("data.examples", 4, "GiB"),
    "units_string.toml": ("layers[1].units", 6, "whole number"),
    "units_zero.toml": ("layers[1].units", 6, "1 or more"),
    "unknown_activation.toml": ("layers[1].activation", 7, "did you mean 'relu'"),
    "unknown_bug.toml": ("teach.bugs", 10, "did you mean 'dW_no_transpose'"),
    "unknown_generator.toml": ("data.generator", 2, "did you mean 'moons'"),
    "unknown_key.toml": ("layers[1].unit", 7, "did you mean 'units'"),
    "unknown_loss.toml": ("network.loss", 6, "did you mean 'binary_cross_entropy'"),
    "unknown_table.toml": ("trian", 5, "did you mean 'train'"),
    "wrong_class_count.toml": ("layers[1].units", 6, "3 classes need 3 output units"),
}


@pytest.fixture(scope="module", autouse=True)
def directory_case():
    # git keeps no empty directories: make the one the corpus needs.
    (BROKEN / "a_directory.toml").mkdir(exist_ok=True)


def test_the_corpus_is_all_covered():
    on_disk = {p.name for p in BROKEN.iterdir()}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_broken_file_is_one_line_naming_file_line_and_key(name):
    key, line, phrase = EXPECTED[name]
    path = BROKEN / name
    with pytest.raises(ScenarioError) as caught:
        load(path)
    error = caught.value
    text = str(error)
    assert "\n" not in text
    assert error.file == str(path) and text.startswith(str(path))
    assert error.key == key
    assert error.line == line
    if line:
        assert text.startswith(f"{path}:{line}: ")
    if key:
        assert f": {key}: " in text
    assert phrase in text


FOUR_MISTAKES = """\
seed = -1
[train]
learning_rate = -0.1
[data]
X = [[0, 1], [1, 0]]
Y = [[0, 1]]

[[layers]]
units = 0
activation = "sigmod"

[[layers]]
units = 1
activation = "sigmoid"
"""


def test_every_mistake_of_a_file_is_one_line_sorted_by_line(tmp_path):
    path = tmp_path / "four.toml"
    path.write_text(FOUR_MISTAKES)
    with pytest.raises(ScenarioError) as caught:
        load(path)
    # read in the loader's order (the layers before [train]), told in the file's
    assert str(caught.value).splitlines() == [
        f"{path}:1: seed: must be 0 or more, not -1",
        f"{path}:3: train.learning_rate: must be > 0, not -0.1",
        f"{path}:9: layers[1].units: must be 1 or more, not 0",
        f"{path}:10: layers[1].activation: unknown activation 'sigmod' (did you mean 'sigmoid'?)",
    ]
    assert (caught.value.key, caught.value.line) == ("seed", 1)  # the first


def test_a_file_that_is_not_toml_stops_at_that(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text(FOUR_MISTAKES.replace("[data]", "[data"))
    with pytest.raises(ScenarioError) as caught:
        load(path)
    assert len(caught.value.problems) == 1 and "not valid TOML" in str(caught.value)


def test_loading_never_writes_the_file(tmp_path):
    path = tmp_path / "xor.toml"
    path.write_bytes((BUNDLED / "xor.toml").read_bytes())
    os.chmod(path, 0o444)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    engine = Engine(load(path))
    engine.train(5)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_a_missing_file_and_an_unknown_name():
    with pytest.raises(ScenarioError, match="no such file"):
        load("nowhere/at/all.toml")
    with pytest.raises(ScenarioError, match="did you mean xor"):
        load("xorr")


def test_every_bundled_scenario_loads_with_a_title_and_a_description():
    names = [name for name, _, _ in bundled()]
    assert len(names) >= 12
    for name, title, description in bundled():
        scenario = load(name)
        assert scenario.title == title and len(description) > 40, name
        assert scenario.path.endswith(f"{name}.toml")


def test_the_post_orientation_and_the_two_transposed_ones(tmp_path):
    def write(X, Y):
        path = tmp_path / "s.toml"
        path.write_text(f"[data]\nX = {X}\nY = {Y}\n[[layers]]\nunits = 1\nactivation = 'sigmoid'\n")
        return load(path)

    normal = write([[0, 0, 1], [0, 1, 0]], [[0, 1, 1]])
    assert (normal.n0, normal.m, normal.examples_axis, normal.y_examples_axis) == (2, 3, 1, 1)
    x_rows = write([[0, 0], [0, 1], [1, 0]], [[0, 1, 1]])
    assert (x_rows.n0, x_rows.m, x_rows.examples_axis, x_rows.y_examples_axis) == (2, 3, 0, 1)
    y_rows = write([[0, 0, 1], [0, 1, 0]], [[0], [1], [1]])
    assert (y_rows.n0, y_rows.m, y_rows.examples_axis, y_rows.y_examples_axis) == (2, 3, 1, 0)
    # The transposed ones load, and stop at a step as teaching material.
    for scenario in (x_rows, y_rows):
        engine = Engine(scenario)
        engine.run_to("update")
        assert engine.current.mismatch is not None


def test_generators_fit_y_to_the_output_layer(tmp_path):
    def write(generator, units, activation, extra=""):
        path = tmp_path / "g.toml"
        path.write_text(f"[data]\ngenerator = '{generator}'\nexamples = 30\n{extra}\n"
                        f"[[layers]]\nunits = 4\nactivation = 'relu'\n"
                        f"[[layers]]\nunits = {units}\nactivation = '{activation}'\n")
        return load(path)

    one = write("moons", 1, "sigmoid")
    assert one.Y.shape == (1, 30) and set(np.unique(one.Y)) <= {0.0, 1.0}
    hot = write("spiral", 4, "softmax", "classes = 4")
    assert hot.Y.shape == (4, 30) and np.array_equal(hot.Y.sum(axis=0), np.ones(30))
    sine = write("sine", 1, "linear")
    assert sine.X.shape == (1, 30) and np.allclose(sine.Y, np.sin(sine.X), atol=0.5)
    tanh = write("circles", 1, "tanh")
    assert set(np.unique(tanh.Y)) == {-1.0, 1.0}
    blobs = write("blobs", 3, "softmax", "features = 5\nclasses = 3")
    assert blobs.X.shape == (5, 30) and blobs.n0 == 5


def test_generated_data_is_a_pure_function_of_the_seed(tmp_path):
    path = tmp_path / "m.toml"
    text = "seed = {}\n[data]\ngenerator = 'moons'\n[[layers]]\nunits = 1\nactivation = 'sigmoid'\n"
    path.write_text(text.format(3))
    a, b = load(path), load(path)
    path.write_text(text.format(4))
    c = load(path)
    assert np.array_equal(a.X, b.X) and not np.array_equal(a.X, c.X)


def test_the_memory_guard_says_how_much_and_can_be_raised(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text("[data]\ngenerator = 'blobs'\nfeatures = 64\nexamples = 4000\n"
                    "[[layers]]\nunits = 512\nactivation = 'relu'\n"
                    "[[layers]]\nunits = 3\nactivation = 'softmax'\n")
    need = estimated_bytes([64, 512, 3], 4000)
    with pytest.raises(ScenarioError) as caught:
        load(path, max_memory=need - 1)
    size = re.search(r"about ([\d.]+) MiB", str(caught.value))
    assert size and abs(float(size.group(1)) - need / 2**20) < 0.1
    assert load(path, max_memory=need).m == 4000


def test_explicit_parameters_are_kept_exactly_as_written(tmp_path):
    path = tmp_path / "w.toml"
    path.write_text("[data]\nX = [[0, 1]]\nY = [[0, 1]]\n"
                    "[[layers]]\nunits = 2\nactivation = 'tanh'\nW = [[0.5], [-0.25]]\nb = [0.1, 0.2]\n"
                    "[[layers]]\nunits = 1\nactivation = 'sigmoid'\n")
    scenario = load(path)
    assert np.array_equal(scenario.layers[0].W, [[0.5], [-0.25]])
    assert scenario.layers[0].b.shape == (2,)  # a flat b is teaching material, not an error
    assert scenario.layers[1].init == "xavier" and scenario.loss == "binary_cross_entropy"


# ---- the offending row or entry first, counted as the screen counts ---------------------

LAYERS = "[[layers]]\nunits = 2\nactivation = 'tanh'\n[[layers]]\nunits = 1\nactivation = 'sigmoid'\n"


def refusal(tmp_path, text: str) -> str:
    """The one line a file is refused with (checked to be one line, file:line: key: ...)."""
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load(path)
    line = str(caught.value)
    assert "\n" not in line and line.startswith(f"{path}:")
    return line.removeprefix(f"{path}:")


@pytest.mark.parametrize("X, message", [
    # a short row 1 is named, not the row before it
    ("[[0, 0, 1, 1], [0, 1, 0]]", "ragged: row 1 has 3 entries where row 0 has 4"),
    # a short first row is the odd one: the rows after it agree
    ("[[0, 1], [0, 1, 1], [1, 0, 1]]", "ragged: row 0 has 2 entries where the other 2 rows have 3"),
    ("[[0, 1, 1], [0, 1, 1], [1], [1, 0, 1, 1]]",
     "ragged: row 2 has 1 entry (and 1 other row too) where 2 rows have 3"),
    ("[[0, 1, 1], 'one', [1, 0, 1]]", "row 1 is the string 'one', not a list of numbers"),
])
def test_a_ragged_X_names_its_odd_row_first_counting_from_0(tmp_path, X, message):
    line = refusal(tmp_path, f"[data]\nX = {X}\nY = [[0, 1, 1]]\n" + LAYERS)
    assert line == f"2: data.X: {message} (rows count from 0)"


def test_a_target_outside_0_1_is_named_by_its_entry(tmp_path):
    line = refusal(tmp_path, "[data]\nX = [[0, 1, 2, 3]]\nY = [[0, 1, 1, 1.7]]\n" + LAYERS)
    assert line == ("3: data.Y: Y[0,3] = 1.7 is outside 0..1: binary_cross_entropy needs "
                    "targets between 0 and 1")
    # Y written examples × outputs is named as written: the entry the file has there
    line = refusal(tmp_path, "[data]\nX = [[0, 1, 2], [1, 1, 0]]\nY = [[0], [-0.5], [1]]\n" + LAYERS)
    assert line.startswith("3: data.Y: Y[1,0] = -0.5 is outside 0..1")


def test_a_softmax_target_names_its_entry_or_its_example(tmp_path):
    softmax = ("[[layers]]\nunits = 2\nactivation = 'softmax'\n")
    line = refusal(tmp_path, "[data]\nX = [[0, 1, 2]]\nY = [[1, 0, 0], [0, 2, 1]]\n" + softmax)
    assert line.startswith("3: data.Y: Y[1,1] = 2 is outside 0..1: cross_entropy needs")
    line = refusal(tmp_path, "[data]\nX = [[0, 1, 2]]\nY = [[1, 0, 0], [0, 0.5, 1]]\n" + softmax)
    assert line.startswith("3: data.Y: column 1 of Y (counting from 0) sums to 0.5: "
                           "cross_entropy needs one-hot columns")


def test_an_entry_of_a_layers_W_or_b_is_named_as_the_screen_names_it(tmp_path):
    data = "[data]\nX = [[0, 1], [1, 0]]\nY = [[0, 1]]\n"
    hidden = "[[layers]]\nunits = 2\nactivation = 'tanh'\n"
    # layers[2] is the second [[layers]] table: layer 2, whose W the screen shows as W[2]
    line = refusal(tmp_path, data + hidden + "[[layers]]\nunits = 2\nactivation = 'softmax'\n"
                   "W = [[0.1, 0.2], ['x', 0.3]]\n")
    assert line == "10: layers[2].W: W[2][1,0] is the string 'x', not a number"
    line = refusal(tmp_path, data + hidden + "[[layers]]\nunits = 1\nactivation = 'sigmoid'\n"
                   "b = [0.5, nan]\n")
    assert line == "10: layers[2].b: b[2][1] is nan: data must be finite"
    line = refusal(tmp_path, data + hidden + "W = [[0.1, 0.2], [0.3]]\n" + LAYERS)
    assert line == ("7: layers[1].W: ragged: row 1 has 1 entry where row 0 has 2 "
                    "(rows count from 0)")


@pytest.mark.process
def test_a_short_row_exits_2_with_the_line_the_loader_gives(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text("[data]\nX = [[0, 0, 1, 1],\n     [0, 1, 0]]\nY = [[0, 1, 1, 0]]\n" + LAYERS)
    done = bpdebug(str(path), "--check")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (f"bpdebug: {path}:2: data.X: ragged: row 1 has 3 entries where "
                           "row 0 has 4 (rows count from 0)\n")
