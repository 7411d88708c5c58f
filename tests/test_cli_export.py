"""--export agrees with an independent autograd, and --train N --export with a
hand-written run of plain gradient descent."""

import numpy as np
import pytest

from bpdebug.cli.main import main
from tests import autograd

PAIRS = [  # (hidden activation, output activation, loss, output units)
    ("relu", "sigmoid", "binary_cross_entropy", 1),
    ("leaky_relu", "sigmoid", "binary_cross_entropy", 1),
    ("tanh", "softmax", "cross_entropy", 3),
    ("sigmoid", "softmax", "cross_entropy", 3),
    ("linear", "linear", "mean_squared_error", 2),
    ("tanh", "sigmoid", "mean_squared_error", 1),
    ("relu", "tanh", "mean_squared_error", 2),
    ("sigmoid", "relu", "mean_squared_error", 1),
    ("tanh", "leaky_relu", "mean_squared_error", 1),
]


def matrix(a: np.ndarray) -> str:
    return "[" + ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in a) + "]"


def write_scenario(path, X, Y, params, activations, loss, learning_rate=0.3):
    text = [f"seed = 3\n[data]\nX = {matrix(X)}\nY = {matrix(Y)}\n",
            f'[network]\nloss = "{loss}"\n']
    for (W, b), g in zip(params, activations):
        text.append(f'[[layers]]\nunits = {W.shape[0]}\nactivation = "{g}"\n'
                    f"W = {matrix(W)}\nb = {matrix(b)}\n")
    text.append(f"[train]\nlearning_rate = {learning_rate}\niterations = 10\n")
    path.write_text("".join(text))


def problem(hidden, output, loss, k, seed):
    rng = np.random.default_rng(seed)
    n, m = [3, 4, 5, k], 6
    X = rng.normal(size=(n[0], m))
    if loss == "cross_entropy":
        Y = np.eye(k)[rng.integers(0, k, size=m)].T
    elif loss == "binary_cross_entropy":
        Y = rng.integers(0, 2, size=(k, m)).astype(float)
    else:
        Y = rng.normal(size=(k, m))
    # Continuous random data: no pre-activation lands exactly on a ReLU kink, where
    # autodiff and the post's ReLU'(0) = 0 could legitimately part.
    params = [(rng.normal(size=(n[l], n[l - 1])) * 0.7, rng.normal(size=(n[l], 1)) * 0.3)
              for l in range(1, 4)]
    return X, Y, params, [hidden, hidden, output]


@pytest.mark.parametrize("hidden,output,loss,k", PAIRS)
def test_export_agrees_with_an_independent_autograd(tmp_path, hidden, output, loss, k):
    X, Y, params, activations = problem(hidden, output, loss, k, seed=len(hidden) + k)
    scenario = tmp_path / "s.toml"
    write_scenario(scenario, X, Y, params, activations, loss)
    out = tmp_path / "out.npz"
    assert main([str(scenario), "--export", str(out)]) == 0
    got = np.load(out)
    want = autograd.gradients(X, Y, params, activations, loss)
    for key, value in want.items():
        a, b = np.asarray(got[key]), np.asarray(value)
        assert a.shape == b.shape, key
        error = np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)
        assert error < 1e-7, f"{key}: relative error {error:.2e}"
    assert set(got.files) >= {"X", "Y", "W1", "b3", "A0", "A3", "Z1", "Z3", "cost",
                              "dZ1", "dW3", "db1", "dA0", "dA2", "loss_history"}
    assert got["loss_history"].shape == (1,) and got["loss_history"][0] == got["cost"]


def test_train_then_export_reproduces_hand_computed_gradient_descent(tmp_path):
    X, Y, params, activations = problem("tanh", "sigmoid", "binary_cross_entropy", 1, seed=11)
    alpha, N = 0.3, 25
    scenario = tmp_path / "s.toml"
    write_scenario(scenario, X, Y, params, activations, "binary_cross_entropy", alpha)
    out = tmp_path / "out.npz"
    assert main([str(scenario), "--train", str(N), "--export", str(out)]) == 0
    got = np.load(out)
    costs = []
    for _ in range(N):
        grads = autograd.gradients(X, Y, params, activations, "binary_cross_entropy")
        costs.append(grads["cost"])
        params = [(W - alpha * grads[f"dW{l}"], b - alpha * grads[f"db{l}"])
                  for l, (W, b) in enumerate(params, start=1)]
    costs.append(autograd.gradients(X, Y, params, activations, "binary_cross_entropy")["cost"])
    for l, (W, b) in enumerate(params, start=1):
        np.testing.assert_allclose(got[f"W{l}"], W, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(got[f"b{l}"], b, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(got["loss_history"], costs, rtol=1e-8)


def test_export_json_holds_the_same_arrays(tmp_path):
    X, Y, params, activations = problem("relu", "sigmoid", "binary_cross_entropy", 1, seed=5)
    scenario = tmp_path / "s.toml"
    write_scenario(scenario, X, Y, params, activations, "binary_cross_entropy")
    assert main([str(scenario), "--export", str(tmp_path / "o.npz")]) == 0
    assert main([str(scenario), "--export", str(tmp_path / "o.json")]) == 0
    import json
    npz, js = np.load(tmp_path / "o.npz"), json.loads((tmp_path / "o.json").read_text())
    assert set(npz.files) == set(js)
    for key in npz.files:
        np.testing.assert_array_equal(npz[key], np.array(js[key]))


def test_export_of_a_mismatch_writes_nothing_and_exits_1(tmp_path, capsys):
    X, Y, params, activations = problem("relu", "sigmoid", "binary_cross_entropy", 1, seed=5)
    params[0] = (params[0][0].T, params[0][1])  # W[1] written transposed
    scenario = tmp_path / "s.toml"
    write_scenario(scenario, X, Y, params, activations, "binary_cross_entropy")
    out = tmp_path / "o.npz"
    assert main([str(scenario), "--export", str(out)]) == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [scenario]  # no temporary file left behind either
    assert "W[1]" in capsys.readouterr().err
