"""Real homework: every built-in course API grades its own example hand-ins
(scenarios/students/<api>/), a correct one and that course's classic bugs, with the
verdict, the student's line and the likely cause; a likely cause for each classic
mistake where the shapes cannot show it; a scenario that hides a mistake; a class of
mixed APIs in one run."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bpdebug.cli.main import main
from bpdebug.engine.mistakes import CATALOGUE
from bpdebug.teach.homework import api as apis
from bpdebug.teach.homework.run import load_student, run
from tests import build

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = ROOT / "scenarios" / "students"


def line_of(path: Path, text: str) -> str:
    """file:line of the code line holding ``text`` (the student's own line, found, not
    typed; the last one, after any docstring that quotes it)."""
    lines = path.read_text().splitlines()
    number = max(k for k, line in enumerate(lines, start=1) if text in line)
    return f"{path.relative_to(ROOT)}:{number}"


# api -> the scenario its examples grade on, and file -> (exit code, first entry that
# differs, the line of the first wrong value (its text), words of the likely cause)
EXAMPLES = {
    "dlai-deep": ("grade-deep", {
        "correct.py": (0, None, None, None),
        "older_dA_keys.py": (0, None, None, None),
        "relu_backward_g.py": (1, "dW2", "return dA * np.maximum(0, Z)",
                               "g(Z[l]) was used where the chain rule needs g'(Z[l])"),
        "sigmoid_backward_everywhere.py": (1, "dW2", "return dA * s * (1 - s)",
                                           "sigmoid'(Z[2]): layer 2's activation is relu"),
        "linear_backward_no_m.py": (1, "dW3", "dW = np.dot(dZ, A_prev.T)", "the 1/m is missing"),
    }),
    "dlai-planar": ("grade-planar", {
        "correct.py": (0, None, None, None),
        "tanh_derivative.py": (1, "dW1", "dZ1 = np.dot(W2.T, dZ2) * (1 - A1)", None),
        "db2_without_m.py": (1, "db2", "db2 = np.sum(dZ2, axis=1, keepdims=True)",
                             "the 1/m is missing"),
        "x_not_transposed.py": (1, "dW1", "dW1 = np.dot(dZ1, X) / m", None),
    }),
    "dlai-gradcheck": ("grade-deep", {
        "correct.py": (0, None, None, None),
        "planted.py": (1, "dW2", "dW2 = 1. / m * np.dot(dZ2, A1.T) * 2",
                       "dW[2] is 2 × the right value"),
        "target_minus_prediction.py": (1, "dZ3", "dZ3 = Y - A3",
                                       "dZ[L] = A[L] − Y: the prediction minus the target"),
    }),
    "dnn-class": ("grade-sigmoid", {
        "correct.py": (0, None, None, None),
        "updated_too_soon.py": (1, "dW2", "dz = np.matmul(W.T, dz) * A_prev * (1 - A_prev)",
                                "W[l] was updated before dA[l-1] = W[l]ᵀ·dZ[l] used it"),
        "db_no_keepdims.py": (1, "db2", "db = np.sum(dz, axis=1) / m",
                              "np.sum without keepdims=True drops the column axis"),
    }),
    "cs231n": ("grade-softmax", {
        "correct.py": (0, None, None, None),
        "no_mean.py": (1, "dW2", 'grads["W2"] = hidden.T.dot(dscores)', "the 1/m is missing"),
        "relu_gate_missing.py": (1, "dW1", "dhidden = dscores.dot(W2.T)",
                                 "layer 1's activation is relu"),
    }),
    "nielsen": ("grade-quadratic", {
        "correct.py": (0, None, None, None),
        "sigmoid_prime_of_activation.py": (1, "dW1", "delta = np.dot(self.weights[-l + 1]",
                                           "g' was taken at A[l] = g(Z[l])"),
        "cost_derivative_sign.py": (1, "dW2", "delta = self.cost_derivative(",
                                    "it is −1 × the right value"),
    }),
}


def test_every_built_in_api_has_its_examples_and_each_is_listed_here():
    assert sorted(apis.builtin_names()) == sorted(list(EXAMPLES) + ["post"])
    for api, (_, files) in EXAMPLES.items():
        assert {p.name for p in (STUDENTS / api).glob("*.py")} == set(files), api
        buggy = [f for f, (code, *_) in files.items() if code == 1]
        assert "correct.py" in files and len(buggy) >= 2, api


CASES = [(api, file) for api, (_, files) in EXAMPLES.items() for file in files]


@pytest.mark.parametrize("api,file", CASES)
def test_each_example_gets_its_verdict_line_and_cause(api, file, capsys):
    scenario, files = EXAMPLES[api]
    code, key, line, cause = files[file]
    path = STUDENTS / api / file
    assert main([scenario, "--check", "--impl", str(path.relative_to(ROOT))]) == code
    out = capsys.readouterr().out
    assert f"API: {api} (it defines: " in out  # the API it recognised, and why
    doc = path.read_text().split('"""')[1]
    assert f"exit {code}" in doc and api in doc and scenario in doc  # says what it shows
    if key is None:
        assert "verdict: every entry matches the reference → exit 0" in out
        return
    assert f"first divergence: {key}:" in out and key in doc
    if line is not None:
        assert line_of(path, line) in out, out
    if cause is not None:
        assert cause in out, out


def test_a_wrong_helper_is_named_with_what_it_returns_for_one_z():
    # "relu_backward is wrong: for Z = 0.3 it returns 0.3·dA, where ReLU′(Z)·dA = dA"
    from bpdebug.scenario import load
    submission = load_student(STUDENTS / "dlai-deep" / "relu_backward_g.py")
    comparison = run(load("grade-deep"), submission)
    helper = comparison.first_wrong_helper
    assert (helper.name, helper.layer) == ("relu_backward", 1)
    text = helper.describe()
    z = float(text.split("for Z = ")[1].split(" ")[0])
    assert 0 < z and f"it returns {text.split('it returns ')[1].split('·dA')[0]}·dA" in text
    assert float(text.split("it returns ")[1].split("·dA")[0]) == pytest.approx(z, rel=1e-3)
    assert "where relu′(Z)·dA = dA" in text and "relu_backward_g.py:" in text
    assert "linear_forward" not in {h.name for h in comparison.helpers if not h.ok}


def test_the_older_dA_keys_are_read_as_dA_of_the_layer_below(capsys):
    main(["grade-deep", "--check", "--impl", "scenarios/students/dlai-deep/older_dA_keys.py"])
    out = capsys.readouterr().out
    assert "dA{l} holds dA[l-1]" in out
    assert "✓ dA2    ok" in out and "✓ dA0    ok" in out


def test_an_api_never_returning_dZ_is_not_a_divergence():
    from bpdebug.scenario import load
    comparison = run(load("grade-deep"), load_student(STUDENTS / "dlai-deep" / "correct.py"))
    assert comparison.ok
    assert {"dZ1", "dZ2", "dZ3"} <= set(comparison.not_returned)
    assert not any(e.key.startswith("dZ") for e in comparison.entries)


def test_a_network_the_api_cannot_run_is_one_line_and_exit_2(capsys):
    assert main(["xor", "--check", "--impl", "scenarios/students/dlai-planar/correct.py"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the dlai-planar API fixes the network" in err[0]
    assert "tanh hidden layers (this one has relu)" in err[0]


# ---- the post's notebook: run for its definitions --------------------------------------

NOTEBOOK = STUDENTS / "post" / "slow_notebook.ipynb"


def test_a_notebook_that_trains_and_plots_is_graded_for_its_definitions(capsys):
    # Its last cell trains for 75,000 epochs: a two-second limit on each call (the import
    # included) is only met because that cell does not run.
    assert main(["grade-deep", "--check", "--impl", str(NOTEBOOK), "--impl-timeout", "2"]) == 0
    out = capsys.readouterr().out
    assert "API: post (it defines: forward_propagation(X, parameters, linear) and " \
           "backpropagation(cache, Y, parameters)" in out
    assert "matplotlib is not installed here" in out and "pandas is not installed here" in out
    assert "(calls train_model())" in out and "(calls plt.plot())" in out
    assert "verdict: every entry matches the reference" in out


def test_run_all_runs_the_training_the_definitions_leave_out(tmp_path):
    # The same notebook without the imports that are not installed: --impl-run-all runs
    # its 75,000 epochs and meets the time limit; without it, it is graded correct.
    notebook = json.loads(NOTEBOOK.read_text())
    for cell in notebook["cells"]:
        cell["source"] = [line for line in cell["source"]
                          if "pandas" not in line and "matplotlib" not in line
                          and "plt." not in line and "pd." not in line and "data" not in line]
    path = tmp_path / "hw.ipynb"
    path.write_text(json.dumps(notebook))
    quick = subprocess.run([sys.executable, "-m", "bpdebug", "grade-deep", "--check", "--impl",
                            str(path), "--impl-timeout", "3"], capture_output=True, text=True,
                           cwd=ROOT, timeout=300)
    assert quick.returncode == 0, quick.stdout + quick.stderr
    everything = subprocess.run([sys.executable, "-m", "bpdebug", "grade-deep", "--check",
                                 "--impl", str(path), "--impl-timeout", "1", "--impl-run-all"],
                                capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert everything.returncode == 1 and "timed out after 1 s" in everything.stdout, \
        everything.stdout
    assert "while importing" in everything.stdout


# ---- a likely cause for every classic mistake, where the shapes cannot show it --------

# The post's API, every layer square and m the same size: no mistake changes a shape.
TEMPLATE = '''import numpy as np


def g(Z):
    return np.tanh(Z)


def g_prime(Z):
    return 1 - np.tanh(Z) ** 2


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def forward(X, parameters):
    L = len(parameters) // 2
    cache = {{"A0": X}}
    for l in range(1, L + 1):
        cache["Z" + str(l)] = {Z}
        cache["A" + str(l)] = sigmoid(cache["Z" + str(l)]) if l == L else g(cache["Z" + str(l)])
    return cache["A" + str(L)], cache


def backpropagation(cache, Y, parameters):
    L = len(parameters) // 2
    m = Y.shape[1]
    grads = {{"dZ" + str(L): {dZL}}}
    for l in range(L, 0, -1):
        if l < L:
            grads["dZ" + str(l)] = {dZ}
        grads["dW" + str(l)] = {dW}
        grads["db" + str(l)] = {db}
        grads["dA" + str(l - 1)] = {dA}
    return grads
'''
RIGHT = {
    "Z": 'np.dot(parameters["W" + str(l)], cache["A" + str(l - 1)]) + parameters["b" + str(l)]',
    "dZL": 'cache["A" + str(L)] - Y',
    "dZ": 'grads["dA" + str(l)] * g_prime(cache["Z" + str(l)])',
    "dW": 'np.dot(grads["dZ" + str(l)], cache["A" + str(l - 1)].T) / m',
    "db": 'np.sum(grads["dZ" + str(l)], axis=1, keepdims=True) / m',
    "dA": 'np.dot(parameters["W" + str(l)].T, grads["dZ" + str(l)])',
}
# Each mistake of the catalogue an iteration shows, as a student writes it.
WRONG = {
    "dW_no_transpose": {"dW": 'np.dot(grads["dZ" + str(l)], cache["A" + str(l - 1)]) / m'},
    "dA_no_transpose": {"dA": 'np.dot(parameters["W" + str(l)], grads["dZ" + str(l)])'},
    "db_wrong_axis": {"db": 'np.sum(grads["dZ" + str(l)], axis=0, keepdims=True).T / m'},
    "forgot_one_over_m": {"dW": 'np.dot(grads["dZ" + str(l)], cache["A" + str(l - 1)].T)'},
    "one_over_m_twice": {"dW": 'np.dot(grads["dZ" + str(l)], cache["A" + str(l - 1)].T) / m / m'},
    "activation_not_derivative": {"dZ": 'grads["dA" + str(l)] * g(cache["Z" + str(l)])'},
    "output_derivative_everywhere": {"dZ": 'grads["dA" + str(l)] * g_prime(cache["Z" + str(L)])'},
    "g_prime_of_A": {"dZ": 'grads["dA" + str(l)] * g_prime(cache["A" + str(l)])'},
    "dZ_output_sign": {"dZL": 'Y - cache["A" + str(L)]'},
    "forward_no_bias": {"Z": 'np.dot(parameters["W" + str(l)], cache["A" + str(l - 1)])'},
}


def square_scenario():
    rng = np.random.default_rng(3)
    n, m = [3, 3, 3, 3], 3
    X = rng.normal(size=(3, m))
    Y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    params = [(rng.normal(size=(n[l], n[l - 1])), rng.normal(size=(n[l], 1)) * 0.5)
              for l in range(1, 4)]
    return build.scenario(X, Y, n[1:], ["tanh", "tanh", "sigmoid"], "binary_cross_entropy",
                          params=params)


def test_every_mistake_an_iteration_shows_is_tested_here():
    shown = {name for name, m in CATALOGUE.items()
             if m.corrupts - {"W[l] := W[l] − α dW[l]", "A[0] = X"}}
    # dA_after_update needs an API that updates in place (dnn-class, above); keepdims
    # always changes a shape.
    assert shown - set(WRONG) == {"dA_after_update", "db_no_keepdims"}


@pytest.mark.parametrize("mistake", sorted(WRONG))
def test_the_likely_cause_names_each_classic_mistake_where_shapes_cannot(mistake, tmp_path):
    scenario = square_scenario()
    path = tmp_path / f"{mistake}.py"
    path.write_text(TEMPLATE.format(**{**RIGHT, **WRONG[mistake]}))
    comparison = run(scenario, load_student(path))
    first = comparison.first_divergence
    assert first is not None and first.status == "values", first  # no shape shows it
    finding = comparison.finding
    causes = [first.cause] + ([finding.cause] if finding is not None else [])
    assert any(CATALOGUE[mistake].cause in cause for cause in causes), causes
    correct = tmp_path / "right.py"
    correct.write_text(TEMPLATE.format(**RIGHT))
    assert run(scenario, load_student(correct)).ok


# ---- a scenario that cannot tell, and a class of mixed APIs --------------------------

def test_a_mixed_class_is_graded_in_one_run_and_the_csv_names_each_api(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    picks = {"ann.py": "post/forgot_m.py", "ben.py": "dlai-deep/relu_backward_g.py",
             "cat.py": "dlai-gradcheck/planted.py", "dan.py": "dlai-deep/correct.py",
             "eve.py": "dlai-planar/correct.py"}
    for name, source in picks.items():
        shutil.copy(STUDENTS / source, folder / name)
    report = tmp_path / "class.csv"
    done = subprocess.run([sys.executable, "-m", "bpdebug", "grade-deep", "--check", "--impl",
                           str(folder), "--report", str(report)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 1, done.stderr
    rows = {Path(r["file"]).name: r for r in csv.DictReader(report.open())}
    assert {name: rows[name]["api"] for name in picks} == {
        "ann.py": "post", "ben.py": "dlai-deep", "cat.py": "dlai-gradcheck",
        "dan.py": "dlai-deep", "eve.py": "dlai-planar"}
    assert rows["dan.py"]["result"] == "correct"
    assert rows["eve.py"]["result"] == "not checked"  # planar needs tanh: one clear line
    assert "the dlai-planar API fixes the network" in rows["eve.py"]["verdict"]
    assert rows["ann.py"]["entry"] == "dW3" and rows["ann.py"]["line"].endswith(
        line_of(STUDENTS / "post/forgot_m.py", 'grads["dW" + str(L)] =').split(":")[1])
    assert "the 1/m is missing" in rows["ann.py"]["cause"]
    assert rows["ben.py"]["line"].endswith(":24") and "g(Z[l])" in rows["ben.py"]["cause"]
    assert "2 × the right value" in rows["cat.py"]["cause"]


# ---- a course of your own: an API file -------------------------------------------------

def test_a_renamed_dlai_deep_is_three_lines_of_a_copied_api_file(tmp_path, capsys):
    text = (apis.APIS / "dlai-deep.toml").read_text()
    changed = text.replace('name = "dlai-deep"', 'name = "mycourse"') \
        .replace('call = "L_model_forward(X, parameters)"', 'call = "forward_prop(X, parameters)"') \
        .replace('call = "L_model_backward(AL, Y, caches)"', 'call = "backprop(AL, Y, caches)"')
    assert sum(a != b for a, b in zip(text.splitlines(), changed.splitlines())) == 3
    course = tmp_path / "mycourse.toml"
    course.write_text(changed)
    hand_in = tmp_path / "hw.py"
    hand_in.write_text((STUDENTS / "dlai-deep" / "correct.py").read_text()
                       .replace("L_model_forward", "forward_prop")
                       .replace("L_model_backward", "backprop"))
    assert main(["grade-deep", "--check", "--impl", str(hand_in), "--api", str(course)]) == 0
    out = capsys.readouterr().out
    assert "API: mycourse (named with --api: forward_prop(X, parameters) and " \
           "backprop(AL, Y, caches)" in out
    # Without it, no built-in API knows these names: one line, exit 2.
    assert main(["grade-deep", "--check", "--impl", str(hand_in)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "defines none of the course APIs bpdebug knows" in err[0]


@pytest.mark.parametrize("edit,where", [
    (("examples = ", 'examples = "diagonal"\n#'), "mycourse.toml:1: examples: must be"),
    (('returns = "grads"', 'returns = "gradz"'), "calls[2].returns: 'gradz' is not"),
    (('call = "L_model_backward(AL, Y, caches)"', 'call = "L_model_backward AL"'),
     "calls[2].call: must be written as the course writes it"),
])
def test_a_mistake_in_an_api_file_is_one_line_with_its_key_and_exit_2(edit, where, tmp_path,
                                                                        capsys):
    text = (apis.APIS / "dlai-deep.toml").read_text()
    if edit[0] == "examples = ":
        text = 'examples = "diagonal"\n' + text
    else:
        text = text.replace(*edit)
    course = tmp_path / "mycourse.toml"
    course.write_text(text)
    code = main(["grade-deep", "--check", "--impl",
                 str(STUDENTS / "dlai-deep" / "correct.py"), "--api", str(course)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and where.split(": ", 1)[-1] in err[0], err
    assert str(course) in err[0]


def test_list_apis_names_each_built_in_api_and_where_its_file_is(capsys):
    assert main(["--list-apis"]) == 0
    out = capsys.readouterr().out
    for name in apis.builtin_names():
        assert any(line.startswith(name + " ") for line in out.splitlines()), name
    assert str(apis.APIS) in out


def test_api_and_impl_run_all_need_impl(capsys):
    assert main(["xor", "--check", "--api", "post"]) == 2
    assert main(["xor", "--check", "--impl-run-all"]) == 2
    assert "add --impl" in capsys.readouterr().err
