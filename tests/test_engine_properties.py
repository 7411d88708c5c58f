"""Properties over random networks (1–6 layers, 1–8 units, every activation and every
loss it pairs with, explicit parameters): the gradients are right, stepping back
undoes stepping forward, and an export reloads without losing a bit."""

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bpdebug.teach import export
from tests import autograd, build
from tests.conftest import examples, make, networks

SETTINGS = examples(40)


def close(got, want, rel=1e-7, floor=1e-12):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    diff = float(np.linalg.norm(got - want))
    return diff <= rel * float(np.linalg.norm(got) + np.linalg.norm(want)) + floor


@settings(**SETTINGS)
@given(networks())
def test_every_gradient_agrees_with_an_independent_autograd(net):
    X, Y, params, activations, loss = net[:5]
    env = make(net).iteration_env(0)
    assert env is not None
    want = autograd.gradients(X, Y, params, activations, loss)
    assert close(env["J"], want["cost"], rel=1e-10)
    L = len(params)
    for l in range(1, L + 1):
        for q in ("Z", "A", "dZ", "dW", "db"):
            assert close(env[f"{q}[{l}]"], want[f"{q}{l}"]), f"{q}[{l}] {activations} {loss}"
    for l in range(L):
        assert close(env[f"dA[{l}]"], want[f"dA{l}"]), f"dA[{l}] {activations} {loss}"


@settings(**SETTINGS)
@given(networks(max_layers=4), st.data())
def test_dW_and_db_agree_with_finite_differences_of_J(net, data):
    X, Y, params, activations, loss, seed, _ = net
    params = build.away_from_kinks(X, params, activations, margin=1e-4, seed=seed)
    net = net._replace(params=params)
    env = make(net).iteration_env(0)
    # A few entries of each dW[l], db[l], nudged by ±ε in J computed here.
    eps = 1e-6
    for l, (W, b) in enumerate(params, start=1):
        for which, theta in (("W", W), ("b", b)):
            idx = tuple(data.draw(st.integers(0, s - 1)) for s in theta.shape)
            values = []
            for sign in (1, -1):
                nudged = [list(p) for p in params]
                t = theta.copy()
                t[idx] += sign * eps
                nudged[l - 1][0 if which == "W" else 1] = t
                values.append(build.J(X, Y, nudged, activations, loss))
            numeric = (values[0] - values[1]) / (2 * eps)
            analytic = env[f"d{which}[{l}]"][idx]
            noise = 1e-9 * max(1.0, abs(build.J(X, Y, params, activations, loss)))
            assert abs(analytic - numeric) <= 1e-5 * (abs(analytic) + abs(numeric)) + noise, \
                f"d{which}[{l}]{idx}: {analytic!r} vs {numeric!r} ({activations}, {loss})"


@settings(**SETTINGS)
@given(networks(), st.integers(0, 40), st.integers(1, 60), st.sampled_from([0, 2, 3]))
def test_stepping_n_forward_and_n_back_is_the_identity(net, start, n, batch_size):
    engine = make(net, batch_size=batch_size, lr=0.05)
    engine.goto(start)
    start = engine.position  # a mismatch could stop goto short; none is expected here
    before = build.snapshot(engine.current)
    params = build.params_bits(engine.parameters(engine.iteration))
    moved = 0
    for _ in range(n):
        if engine.next() is None:
            break
        moved += 1
    for _ in range(moved):
        engine.back()
    assert engine.position == start
    assert build.snapshot(engine.current) == before
    assert build.params_bits(engine.parameters(engine.iteration)) == params


@settings(**SETTINGS)
@given(networks(), st.integers(1, 4), st.sampled_from([0, 2, 5]))
def test_training_and_stepping_give_bit_identical_parameters(net, k, batch_size):
    stepped, trained = make(net, batch_size=batch_size, lr=0.1), make(net, batch_size=batch_size, lr=0.1)
    for _ in range(k * stepped.S):
        assert stepped.next() is not None
    assert trained.train(k).done == k
    for i in range(k + 1):
        assert build.params_bits(trained.parameters(i)) == build.params_bits(stepped.parameters(i))
    assert build.params_bits(stepped.current.env) == build.params_bits(trained.current.env)


@settings(**SETTINGS)
@given(networks(max_layers=4), st.integers(0, 3), st.sampled_from([".npz", ".json"]))
def test_an_export_reloads_losslessly(tmp_path_factory, net, i, suffix):
    engine = make(net, lr=0.1)
    data = export.arrays(engine, i)
    assert data is not None
    path = tmp_path_factory.mktemp("export") / f"out{suffix}"
    export.write(path, data)
    if suffix == ".npz":
        with np.load(path) as loaded:
            again = {k: loaded[k] for k in loaded.files}
    else:
        again = {k: np.array(v, dtype=np.float64) for k, v in json.loads(path.read_text()).items()}
    assert set(again) == set(data)
    for key, value in data.items():
        assert build.bits(again[key]) == build.bits(value), key
    # And it is iteration i's own numbers, under the post's names.
    env = engine.iteration_env(i)
    assert build.bits(again["W1"]) == build.bits(env["W[1]"])
    assert build.bits(again["cost"]) == build.bits(env["J"])
    assert again["loss_history"].shape == (i + 1,)
