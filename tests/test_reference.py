"""The engine against the post's equations written out once more, straight-line, in
tests/build.py: every Z, A, J, dZ, dW, db, dA and the update, on random networks."""

import numpy as np
import pytest

from bpdebug.engine import plan
from bpdebug.engine.cursor import Engine
from tests import build

ACTS = build.HIDDEN


def network(seed: int):
    """A random network of 1–4 layers with a random valid output/loss pairing."""
    rng = np.random.default_rng([seed, 1])
    L = int(rng.integers(1, 5))
    loss = list(build.OUTPUTS)[seed % 3]
    out = build.OUTPUTS[loss][int(rng.integers(len(build.OUTPUTS[loss])))]
    k = int(rng.integers(2, 4)) if loss == "cross_entropy" else int(rng.integers(1, 4))
    n = [int(rng.integers(1, 5))] + [int(rng.integers(1, 6)) for _ in range(L - 1)] + [k]
    activations = [ACTS[int(i)] for i in rng.integers(len(ACTS), size=L - 1)] + [out]
    m = int(rng.integers(1, 8))
    return n, activations, loss, m


def same(got, want, tol=1e-12, what=""):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: {got.shape} ≠ {want.shape}"
    error = build.rel_error(got, want)
    assert error <= tol, f"{what}: relative error {error:.2e}"


SEEDS = range(24)


@pytest.mark.parametrize("seed", SEEDS)
def test_one_iteration_matches_the_posts_equations(seed):
    n, activations, loss, m = network(seed)
    X, Y, params = build.problem(seed, activations, loss, n, m)
    alpha = 0.05
    engine = Engine(build.scenario(X, Y, n[1:], activations, loss, params=params, lr=alpha))
    want, new = build.backprop(X, Y, params, activations, loss, alpha)
    env = engine.iteration_env(0)
    assert env is not None
    for name, value in want.items():
        same(env[name], value, what=f"{name} {activations} {loss}")
    assert set(env) >= set(want)
    # The update step's record holds the new parameters.
    after = engine.record(engine.S - 1).env
    for l, (W, b) in enumerate(new, start=1):
        same(after[f"W[{l}]"], W, what=f"W[{l}] after the update")
        same(after[f"b[{l}]"], b, what=f"b[{l}] after the update")
        same(engine.parameters(1)[f"W[{l}]"], W, what=f"parameters(1) W[{l}]")


@pytest.mark.parametrize("seed", range(6))
def test_each_step_computes_exactly_its_own_equations(seed):
    n, activations, loss, m = network(seed)
    X, Y, params = build.problem(seed, activations, loss, n, m)
    engine = Engine(build.scenario(X, Y, n[1:], activations, loss, params=params))
    want, _ = build.backprop(X, Y, params, activations, loss)
    L = len(activations)
    assert engine.S == 2 * L + 2
    kinds = [engine.record(s).step.kind for s in range(engine.S)]
    assert kinds == [plan.FORWARD] * L + [plan.COST] + [plan.BACKWARD] * L + [plan.UPDATE]
    layers = [engine.record(s).step.layer for s in range(engine.S)]
    assert layers[:L] == list(range(1, L + 1)) and layers[L + 1:2 * L + 1] == list(range(L, 0, -1))
    for s in range(L):  # forward [l]: Z[l] and A[l], and nothing of layer l+1 yet
        l = s + 1
        record = engine.record(s)
        assert [c.result.name for c in record.computed] == [f"Z[{l}]", f"A[{l}]"]
        same(record.env[f"A[{l}]"], want[f"A[{l}]"], what=f"A[{l}] at {record.step.label}")
        assert f"Z[{l + 1}]" not in record.env and "J" not in record.env
    cost = engine.record(L)
    assert cost.env["J"] == pytest.approx(want["J"], rel=1e-12)
    assert f"dZ[{L}]" not in cost.env
    for s in range(L + 1, 2 * L + 1):  # backward [l]: dZ[l], dW[l], db[l], dA[l-1]
        l = 2 * L + 1 - s
        record = engine.record(s)
        names = [c.result.name for c in record.computed]
        assert names[-4:] == [f"dZ[{l}]", f"dW[{l}]", f"db[{l}]", f"dA[{l - 1}]"]
        for c in record.computed:
            assert c.ok and c.result.shape == c.result.expected
            same(c.result.value, want[c.result.name], what=f"{c.result.name} at {record.step.label}")
        if l > 1:
            assert f"dW[{l - 1}]" not in record.env


@pytest.mark.parametrize("seed", range(8))
def test_training_iterations_match_plain_gradient_descent(seed):
    n, activations, loss, m = network(100 + seed)
    X, Y, params = build.problem(seed, activations, loss, n, m)
    alpha, N = 0.1, 6
    engine = Engine(build.scenario(X, Y, n[1:], activations, loss, params=params, lr=alpha))
    result = engine.train(N)
    assert result.done == N and not result.stopped and result.record is None
    assert engine.position == N * engine.S and engine.iteration == N
    costs = []
    for _ in range(N):
        want, params = build.backprop(X, Y, params, activations, loss, alpha)
        costs.append(want["J"])
    for l, (W, b) in enumerate(params, start=1):
        same(engine.parameters(N)[f"W[{l}]"], W, 1e-11, f"W[{l}] after {N} iterations")
        same(engine.parameters(N)[f"b[{l}]"], b, 1e-11, f"b[{l}] after {N} iterations")
    same(engine.loss_history[:N], costs, 1e-11, "loss_history")


def batch_engine(seed=3, m=11, batch_size=4, **kw):
    activations, loss, n = ["tanh", "sigmoid"], "binary_cross_entropy", [2, 3, 1]
    X, Y, params = build.problem(seed, activations, loss, n, m)
    X = X + np.arange(m)  # every column different, so a column names its example
    scenario = build.scenario(X, Y, n[1:], activations, loss, params=params,
                              batch_size=batch_size, seed=seed, **kw)
    return scenario, X, Y, params, activations, loss


def columns(batch, X):
    """Which column of X each column of the batch is."""
    out = []
    for j in range(batch.shape[1]):
        hits = np.flatnonzero(np.all(X == batch[:, [j]], axis=0))
        assert hits.size == 1, "a batch column that is not one of X's examples"
        out.append(int(hits[0]))
    return out


def test_mini_batches_cover_each_epoch_once_and_gradients_use_the_batch_m():
    scenario, X, Y, params, activations, loss = batch_engine()
    engine = Engine(scenario)
    per_epoch = 3  # 11 examples in batches of 4: 4, 4, 3
    seen = []
    for i in range(2 * per_epoch):
        env = engine.iteration_env(i)
        idx = columns(env["A[0]"], X)
        assert len(idx) == (3 if i % per_epoch == 2 else 4)
        np.testing.assert_array_equal(env["Y"], Y[:, idx])
        p = build.param_list(engine.parameters(i), 2)
        want, _ = build.backprop(X[:, idx], Y[:, idx], p, activations, loss)
        for name in ("J", "dW[1]", "db[1]", "dW[2]", "db[2]", "dA[0]"):
            same(env[name], want[name], what=f"{name} of iteration {i}")
        seen.append(idx)
    for e in range(2):
        epoch = sum(seen[e * per_epoch:(e + 1) * per_epoch], [])
        assert sorted(epoch) == list(range(11)), f"epoch {e} does not see every example once"
    assert seen[:per_epoch] != seen[per_epoch:], "the second epoch is not reshuffled"


def test_mini_batches_are_a_pure_function_of_seed_and_iteration():
    scenario, X, *_ = batch_engine()
    first = Engine(scenario)
    order = [columns(first.iteration_env(i)["A[0]"], X) for i in range(7)]
    # Another engine, visiting the iterations in another order, sees the same batches.
    second = Engine(scenario)
    for i in (6, 2, 0, 5, 1, 4, 3):
        assert columns(second.iteration_env(i)["A[0]"], X) == order[i], i
    # Stepping forward through the epochs and back again sees them again.
    third = Engine(scenario)
    third.goto(7 * third.S)
    for s in range(7 * third.S - 1, -1, -1):
        third.goto(s)
        if third.current is not None and third.current.step.kind == plan.FORWARD:
            i = third.current.iteration
            assert columns(third.current.env["A[0]"], X) == order[i]
    # A different seed shuffles differently.
    other, X2, *_ = batch_engine(seed=4)
    other_order = [columns(Engine(other).iteration_env(i)["A[0]"], X2) for i in range(3)]
    assert other_order != order[:3]


def test_training_with_mini_batches_matches_stepping_them_one_by_one():
    scenario, X, Y, params, activations, loss = batch_engine(lr=0.5)
    trained = Engine(scenario)
    trained.train(7)
    stepped = Engine(scenario)
    p = params
    for i in range(7):
        idx = columns(stepped.iteration_env(i)["A[0]"], X)
        _, p = build.backprop(X[:, idx], Y[:, idx], p, activations, loss, 0.5)
    for l, (W, b) in enumerate(p, start=1):
        same(trained.parameters(7)[f"W[{l}]"], W, 1e-11, f"W[{l}]")
        same(trained.parameters(7)[f"b[{l}]"], b, 1e-11, f"b[{l}]")


def test_batch_size_of_m_or_more_is_the_whole_set():
    for size in (0, 11, 50):
        scenario, X, *_ = batch_engine(batch_size=size)
        engine = Engine(scenario)
        for i in range(3):
            np.testing.assert_array_equal(engine.iteration_env(i)["A[0]"], X)
