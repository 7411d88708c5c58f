"""dW[l] and db[l] are the gradients of J: every activation × loss pairing the engine
accepts, against central differences of a J computed here, not by the engine."""

import numpy as np
import pytest

from bpdebug.engine.cursor import Engine
from bpdebug.engine.losses import LOSSES
from tests import build

# Every output/loss pairing, each behind every hidden activation.
CASES = [(hidden, out, loss) for out, loss in build.PAIRINGS for hidden in build.HIDDEN]


def test_the_pairings_here_are_the_pairings_the_losses_accept():
    for name, loss in LOSSES.items():
        assert set(build.OUTPUTS[name]) == set(loss.outputs)


def gradients_of(hidden, out, loss, n, seed):
    activations = [hidden] * (len(n) - 2) + [out]
    X, Y, params = build.problem(seed, activations, loss, n)
    params = build.away_from_kinks(X, params, activations, seed=seed)
    engine = Engine(build.scenario(X, Y, n[1:], activations, loss, params=params, seed=seed))
    env = engine.iteration_env(0)
    assert env is not None, engine.current
    return X, Y, params, activations, env


@pytest.mark.parametrize("hidden,out,loss", CASES)
def test_dW_and_db_are_the_gradients_of_J(hidden, out, loss):
    k = 3 if loss == "cross_entropy" else 2
    n = [3, 4, k]
    X, Y, params, activations, env = gradients_of(hidden, out, loss, n, seed=len(hidden) * 7 + k)
    assert env["J"] == pytest.approx(build.J(X, Y, params, activations, loss), rel=1e-12)
    numeric = build.numeric_gradients(X, Y, params, activations, loss)
    build.assert_gradients_close(env, numeric, what=f"({hidden} → {out}, {loss})")


@pytest.mark.parametrize("out,loss", build.PAIRINGS)
def test_a_deeper_network_is_right_in_every_layer(out, loss):
    k = 4 if loss == "cross_entropy" else 1
    n = [2, 5, 3, 4, k]
    activations = ["tanh", "leaky_relu", "relu", out]
    X, Y, params = build.problem(31, activations, loss, n, m=5)
    params = build.away_from_kinks(X, params, activations, seed=31)
    engine = Engine(build.scenario(X, Y, n[1:], activations, loss, params=params))
    env = engine.iteration_env(0)
    numeric = build.numeric_gradients(X, Y, params, activations, loss)
    build.assert_gradients_close(env, numeric)


@pytest.mark.parametrize("out,loss", build.PAIRINGS)
def test_the_engines_own_gradient_check_calls_a_correct_net_good(out, loss):
    k = 3 if loss == "cross_entropy" else 2
    n = [3, 4, k]
    X, Y, params, activations, _ = gradients_of("tanh", out, loss, n, seed=5)
    engine = Engine(build.scenario(X, Y, n[1:], activations, loss, params=params))
    checks = engine.gradient_check()
    assert {c.name for c in checks} == {"dW[1]", "db[1]", "dW[2]", "db[2]"}
    assert all(c.ok for c in checks), [(c.name, c.error) for c in checks]
    assert all(c.checked == c.total for c in checks)


def test_relu_prime_at_zero_is_zero():
    # A unit whose Z is exactly 0 for every example passes no gradient back (ReLU'(0) = 0).
    X = np.array([[1.0, -2.0, 0.5]])
    W1, b1 = np.array([[0.0], [1.0]]), np.array([[0.0], [0.5]])
    W2, b2 = np.array([[1.0, -1.0]]), np.array([[0.1]])
    Y = np.array([[1.0, 0.0, 1.0]])
    engine = Engine(build.scenario(X, Y, [2, 1], ["relu", "sigmoid"], "binary_cross_entropy",
                                   params=[(W1, b1), (W2, b2)]))
    env = engine.iteration_env(0)
    assert np.all(env["Z[1]"][0] == 0)
    assert np.all(env["dZ[1]"][0] == 0)
    assert env["dW[1]"][0, 0] == 0 and env["db[1]"][0, 0] == 0
