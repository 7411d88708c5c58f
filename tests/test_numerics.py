"""Numerics: sigmoid, softmax and the logs of the costs stay finite and quiet for huge
|Z|; a diverging run records its NaN and Inf as values, never raises, and the NaN
watchpoint stops on the step that produced them."""

import json
import warnings

import numpy as np
import pytest

from bpdebug.engine import plan
from bpdebug.engine.activations import ACTIVATIONS, sigmoid, sigmoid_prime, softmax
from bpdebug.engine.cursor import Engine
from bpdebug.engine.losses import LOSSES
from bpdebug.teach import export
from tests import build

HUGE = [1e3, 1e4, 7e2, 1e300]


@pytest.fixture
def strict():
    """Any overflow, division by zero or invalid operation is an error, whether NumPy or
    Python reports it.  Underflow to 0 is the right answer for e^-1000, not a problem."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            yield


@pytest.mark.parametrize("big", HUGE)
def test_sigmoid_and_its_derivative_are_quiet_for_huge_z(strict, big):
    Z = np.array([[-big, -1.0, 0.0, 1.0, big]])
    A = sigmoid(Z)
    assert A[0, 0] == 0.0 or A[0, 0] < 1e-300
    assert A[0, -1] == 1.0 and A[0, 2] == 0.5
    assert np.all((A >= 0) & (A <= 1))
    np.testing.assert_allclose(A[0, 1:4], 1 / (1 + np.exp(-Z[0, 1:4])), rtol=1e-15)
    D = sigmoid_prime(Z)
    assert np.all(np.isfinite(D)) and D[0, 2] == 0.25
    assert 0 <= D[0, 0] < 1e-300 and D[0, -1] == 0.0


@pytest.mark.parametrize("big", HUGE)
def test_softmax_is_quiet_and_sums_to_one_for_huge_z(strict, big):
    Z = np.array([[big, -big, 0.0], [0.0, big, -big], [-big, 0.0, big / 2]])
    A = softmax(Z)
    assert np.all(np.isfinite(A))
    np.testing.assert_allclose(A.sum(axis=0), 1.0, rtol=1e-15)
    assert A[0, 0] == 1.0 and A[1, 1] == 1.0 and A[2, 2] == 1.0


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_is_quiet_for_huge_z(strict, name):
    g = ACTIVATIONS[name]
    Z = np.array([[-1e4, -1e3, 1e3, 1e4], [1.0, -1.0, 0.5, -0.5]])
    assert np.all(np.isfinite(g.g(Z)))
    if g.g_prime is not None:
        assert np.all(np.isfinite(g.g_prime(Z)))


@pytest.mark.parametrize("big", [1e3, 1e4])
def test_the_costs_take_no_log_of_zero_for_huge_z(strict, big):
    # A confident wrong answer: J is exactly the size of the logit, not Inf.
    Z = np.array([[big, -big]])
    Y = np.array([[0.0, 1.0]])
    bce = LOSSES["binary_cross_entropy"]
    J = bce.cost(Z, sigmoid(Z), Y)
    assert J == pytest.approx(big, rel=1e-12)  # softplus(big) = big, twice, over m = 2
    # A confident right answer costs nothing.
    assert bce.cost(Z, sigmoid(Z), 1 - Y) == pytest.approx(0.0, abs=1e-300)
    Zs = np.array([[big, 0.0], [0.0, big], [-big, -big]])
    Ys = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    ce = LOSSES["cross_entropy"]
    J = ce.cost(Zs, softmax(Zs), Ys)
    assert J == pytest.approx((big + 2 * big) / 2, rel=1e-12)
    mse = LOSSES["mean_squared_error"]
    assert mse.cost(Z, np.tanh(Z), Y) == pytest.approx((1 + 4) / 4)  # (1 − 0)², (−1 − 1)²


@pytest.mark.parametrize("out,loss", [("sigmoid", "binary_cross_entropy"),
                                      ("softmax", "cross_entropy"),
                                      ("sigmoid", "mean_squared_error"),
                                      ("tanh", "mean_squared_error")])
@pytest.mark.parametrize("big", [1e3, 1e4])
def test_a_saturated_network_steps_with_finite_numbers(out, loss, big):
    k = 3 if loss == "cross_entropy" else 2
    X = np.array([[1.0, -1.0, 0.5, -0.5]])
    Y = build.targets(np.random.default_rng(0), loss, k, 4)
    W = np.linspace(-big, big, k).reshape(k, 1)
    b = np.zeros((k, 1))
    engine = Engine(build.scenario(X, Y, [k], [out], loss, params=[(W, b)]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3 * engine.S):
            record = engine.next()
            assert record is not None and record.ok, record
            for name, value in record.env.items():
                assert np.all(np.isfinite(value)), f"{name} at {record.step.label}"
    Z = W @ X + b
    # J against the cost written here as logits (the engine's own value, never reused).
    if loss == "binary_cross_entropy":
        want = np.sum(np.logaddexp(0, Z) - Y * Z) / 4
    elif loss == "cross_entropy":
        top = Z.max(axis=0)
        want = -np.sum(Y * (Z - top - np.log(np.exp(Z - top).sum(axis=0)))) / 4
    else:
        want = np.sum((build.G[out](Z) - Y) ** 2) / 8
    assert engine.loss_history[0] == pytest.approx(want, rel=1e-12)


# ---- divergence ------------------------------------------------------------------------

def diverging(watch=None, lr=20.0):
    activations, loss, n = ["linear", "linear"], "mean_squared_error", [2, 3, 1]
    X, Y, params = build.problem(0, activations, loss, n, m=8)
    return Engine(build.scenario(X, Y, n[1:], activations, loss, params=params, lr=lr,
                                 watch=watch))


def non_finite(record) -> list[str]:
    return [c.result.name for c in record.computed
            if c.result is not None and not np.all(np.isfinite(c.result.value))]


def first_non_finite_step(engine: Engine, limit: int) -> int:
    for s in range(limit):
        if non_finite(engine.record(s)):
            return s
    raise AssertionError("never went non-finite")


def test_a_diverging_run_records_nan_and_inf_and_never_raises():
    engine = diverging()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = engine.train(60)
    assert result.done == 60 and result.record is None and result.alert is None
    history = np.array(engine.loss_history)
    assert np.isfinite(history[0]) and not np.all(np.isfinite(history))
    assert np.isnan(history[-1])
    params = engine.parameters(60)
    assert not all(np.all(np.isfinite(v)) for v in params.values())
    # Stepping through an iteration full of NaN is fine: every step is a record, ok.
    engine.goto(55 * engine.S)
    for _ in range(engine.S):
        record = engine.next()
        assert record is not None and record.ok
    assert non_finite(engine.current)
    # So are the headless views of such an iteration.
    assert engine.gradient_check(55) is not None
    data = export.arrays(engine, 55)
    assert np.isnan(data["cost"])


def test_export_of_a_nan_iteration_round_trips_through_json(tmp_path):
    engine = diverging()
    engine.train(30)
    data = export.arrays(engine, 29)
    out = tmp_path / "nan.json"
    export.write(out, data)
    loaded = json.loads(out.read_text())  # valid JSON: NaN and Inf written as strings
    for key, value in data.items():
        again = np.array(loaded[key], dtype=np.float64)
        np.testing.assert_array_equal(again, value)  # NaN == NaN here


def test_the_nan_watchpoint_stops_training_on_the_step_that_produced_the_first_nan():
    watched = diverging(watch={"nan": True})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # judging the watchpoints must not warn either
        result = watched.train(60)
        position, current = watched.position, watched.current
        # Training on from there goes past it (a step on screen does not fire again).
        again = watched.train(3)
    assert result.record is not None and result.alert is not None
    assert result.alert.startswith("watch nan")
    record = result.record
    s = first_non_finite_step(diverging(), 60 * watched.S)
    assert record.index == s, (record.step.label, s)
    assert position == s + 1 and current.index == s
    assert result.done == record.iteration
    bad = non_finite(record)
    assert bad and all(name in result.alert for name in bad)
    # Not stopped by a mismatch or an error: the NaN is a value.
    assert record.ok
    assert again.done >= 1 or again.record.index > s


def test_the_nan_watchpoint_stops_run_to_as_well():
    reference = diverging()
    s = first_non_finite_step(reference, 60 * reference.S)
    watched = diverging(watch={"nan": True})
    i = s // watched.S
    watched.goto(i * watched.S)
    target = plan.UPDATE if reference.record(s).step.kind != plan.UPDATE else plan.COST
    record = watched.run_to(target)
    assert record.index == s and watched.alert(record).startswith("watch nan")


def test_without_the_watchpoint_nothing_fires():
    engine = diverging()
    engine.goto(50 * engine.S)
    assert all(engine.alert(engine.record(s)) is None for s in range(40 * engine.S, 50 * engine.S))
