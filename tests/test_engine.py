"""The engine's contract: its clock (S = 2L + 2 steps an iteration), its records, the
shapes it expects, its initial parameters, training and its callbacks, and errors
that are data rather than exceptions."""

from dataclasses import replace

import numpy as np
import pytest

from bpdebug.engine import losses, plan
from bpdebug.engine.checked import expected_shapes
from bpdebug.engine.cursor import Engine
from tests import build


def small(bugs=(), **kw):
    n, activations, loss = [3, 4, 2], ["relu", "sigmoid"], "binary_cross_entropy"
    X, Y, params = build.problem(4, activations, loss, n, m=5)
    kw.setdefault("params", params)
    return Engine(build.scenario(X, Y, n[1:], activations, loss, bugs=bugs, **kw))


# ---- the clock --------------------------------------------------------------------------

@pytest.mark.parametrize("L", [1, 2, 3, 5])
def test_an_iteration_has_2L_plus_2_steps_in_the_posts_order(L):
    n = [2] + [3] * (L - 1) + [1]
    activations = ["tanh"] * (L - 1) + ["sigmoid"]
    engine = Engine(build.random_scenario(L, activations, "binary_cross_entropy", n))
    assert engine.S == 2 * L + 2 and engine.L == L
    labels = [engine.step_of(s).label for s in range(engine.S)]
    assert labels == ([f"forward [{l}]" for l in range(1, L + 1)] + ["cost J"]
                      + [f"backward [{l}]" for l in range(L, 0, -1)] + ["update"])
    assert [s.kind for s in engine.steps].count(plan.UPDATE) == 1
    assert engine.step_of(engine.S + 1) == engine.steps[1]


def test_position_counts_steps_and_iteration_follows_it():
    engine = small()
    S = engine.S
    assert (engine.position, engine.iteration, engine.current, engine.previous) == (0, 0, None, None)
    first = engine.next()
    assert engine.position == 1 and first.index == 0 and engine.current.index == 0
    assert engine.previous is None
    second = engine.next()
    assert second.index == 1 and engine.previous.index == 0
    for _ in range(S - 2):
        engine.next()
    assert engine.position == S and engine.iteration == 1
    assert engine.current.step.kind == plan.UPDATE and engine.current.iteration == 0
    record = engine.next()
    assert record.index == S and record.iteration == 1 and record.step.kind == plan.FORWARD
    for s in (0, 5, S - 1, 3 * S + 2):
        r = engine.record(s)
        assert r.index == s and r.iteration == s // S and r.step == engine.steps[s % S]


def test_goto_lands_where_asked_and_never_below_zero():
    engine = small()
    assert engine.goto(17).index == 16 and engine.position == 17
    assert engine.goto(-5) is None and engine.position == 0
    assert engine.goto(3).index == 2


def test_run_to_moves_at_most_one_iteration():
    engine = small()
    engine.run_to(plan.BACKWARD, layer=99)  # no such layer: a whole iteration, then stop
    assert engine.position == engine.S


# ---- records and shapes -----------------------------------------------------------------

def test_expected_shapes_are_the_posts_sanity_checks():
    shapes = expected_shapes([3, 4, 2], 7)
    assert shapes["A[0]"] == shapes["dA[0]"] == (3, 7)
    assert shapes["Y"] == (2, 7) and shapes["J"] == ()
    assert shapes["W[1]"] == shapes["dW[1]"] == (4, 3)
    assert shapes["W[2]"] == shapes["dW[2]"] == (2, 4)
    assert shapes["b[1]"] == shapes["db[1]"] == (4, 1)
    for q in ("Z", "A", "dZ", "dA"):
        assert shapes[f"{q}[1]"] == (4, 7) and shapes[f"{q}[2]"] == (2, 7)


@pytest.mark.parametrize("seed", range(5))
def test_every_quantity_has_the_shape_the_post_says(seed):
    rng = np.random.default_rng(seed)
    L = int(rng.integers(1, 5))
    n = [int(v) for v in rng.integers(1, 6, size=L + 1)]
    activations = [build.HIDDEN[int(i)] for i in rng.integers(5, size=L - 1)] + ["linear"]
    engine = Engine(build.random_scenario(seed, activations, "mean_squared_error", n, m=4))
    for s in range(engine.S):
        record = engine.next()
        assert record.ok and record.m == 4 and record.expected == expected_shapes(n, 4)
        for c in record.computed:
            assert c.ok, c.result.name
            assert np.shape(c.result.value) == record.expected[c.result.name]
    env = engine.current.env
    for l in range(1, L + 1):
        assert env[f"dW[{l}]"].shape == env[f"W[{l}]"].shape == (n[l], n[l - 1])
        assert env[f"db[{l}]"].shape == env[f"b[{l}]"].shape == (n[l], 1)


def test_a_record_holds_everything_so_far_and_the_equations_in_the_posts_words():
    engine = small()
    record = engine.record(engine.L + 1)  # backward [2]
    assert [str(c.equation) for c in record.computed] == [
        "dZ[2] = A[2] − Y", "dW[2] = 1/m · dZ[2]·A[1]ᵀ", "db[2] = 1/m · Σ dZ[2]",
        "dA[1] = W[2]ᵀ·dZ[2]"]
    dW = record.computed[1]
    assert [(o.text, o.shape) for o in dW.operands] == [("dZ[2]", (2, 5)), ("A[1]ᵀ", (5, 4))]
    assert {"A[0]", "Y", "W[1]", "b[1]", "Z[1]", "A[1]", "J", "dZ[2]", "dA[1]"} <= set(record.env)
    assert record.env["1/m"] == 1 / 5


def test_the_cost_step_starts_the_loss_history():
    engine = small()
    assert engine.loss_history == []
    engine.goto(engine.L + 1)
    assert engine.loss_history == [engine.current.env["J"]]
    engine.train(3)
    assert len(engine.loss_history) == 3
    for i, J in enumerate(engine.loss_history):  # J at the start of iteration i
        X, Y = engine.batches(i)
        p = build.param_list(engine.parameters(i), engine.L)
        assert J == pytest.approx(build.J(X, Y, p, ["relu", "sigmoid"], "binary_cross_entropy"),
                                  rel=1e-12)


def test_cost_at_is_the_forward_pass_and_the_relu_pattern():
    engine = small()
    env = engine.iteration_env(0)
    J, pattern = engine.cost_at(engine.parameters(0), 0)
    assert J == env["J"]
    np.testing.assert_array_equal(pattern, np.ravel(env["Z[1]"]) > 0)  # only layer 1 is ReLU
    params = dict(engine.parameters(0))
    params["b[1]"] = params["b[1]"] + 100.0  # every unit on
    J2, pattern2 = engine.cost_at(params, 0)
    assert pattern2.all() and J2 != J
    assert engine.parameters(0)["b[1]"].max() < 100  # cost_at changed nothing


# ---- initial parameters ------------------------------------------------------------------

@pytest.mark.parametrize("init,scale", [("he", lambda n: np.sqrt(2 / n)),
                                        ("xavier", lambda n: np.sqrt(1 / n)),
                                        ("normal", lambda n: 0.01),
                                        ("zeros", lambda n: 0.0)])
def test_init_schemes_draw_each_layer_from_its_own_stream(init, scale):
    X = np.ones((5, 3))
    Y = np.ones((1, 3))
    def params(units, acts, seed=9):
        return Engine(build.scenario(X, Y, units, acts, "mean_squared_error", seed=seed,
                                     init=init)).parameters(0)
    p = params([4, 1], ["tanh", "linear"])
    n = [5, 4, 1]
    for l in (1, 2):
        want = np.random.default_rng([9, l]).standard_normal((n[l], n[l - 1])) * scale(n[l - 1])
        np.testing.assert_array_equal(p[f"W[{l}]"], want)
        np.testing.assert_array_equal(p[f"b[{l}]"], np.zeros((n[l], 1)))
    # Adding a layer never changes the numbers of the layers before it.
    deeper = params([4, 3, 1], ["tanh", "tanh", "linear"])
    np.testing.assert_array_equal(deeper["W[1]"], p["W[1]"])
    if init != "zeros":
        assert not np.array_equal(params([4, 1], ["tanh", "linear"], seed=10)["W[1]"], p["W[1]"])


def test_explicit_parameters_are_used_exactly_as_written():
    W1 = np.arange(12.0).reshape(4, 3) / 10
    engine = small(params=[(W1, np.ones((4, 1))), (np.ones((2, 4)), np.zeros((2, 1)))])
    assert engine.parameters(0)["W[1]"] is not W1
    np.testing.assert_array_equal(engine.parameters(0)["W[1]"], W1)
    np.testing.assert_array_equal(engine.parameters(0)["b[1]"], np.ones((4, 1)))


def test_identical_units_stay_identical_the_symmetry_lesson():
    X = np.random.default_rng(0).normal(size=(2, 6))
    Y = (X[:1] > 0).astype(float)
    W1 = np.tile([[0.3, -0.2]], (3, 1))  # three copies of one unit
    W2 = np.full((1, 3), 0.5)
    engine = Engine(build.scenario(X, Y, [3, 1], ["tanh", "sigmoid"], "binary_cross_entropy",
                                   params=[(W1, np.zeros((3, 1))), (W2, np.zeros((1, 1)))], lr=1.0))
    engine.train(20)
    W = engine.parameters(20)["W[1]"]
    assert not np.allclose(W, W1)
    np.testing.assert_array_equal(W, np.tile(W[:1], (3, 1)))


# ---- training ---------------------------------------------------------------------------

def test_train_reports_progress_and_stops_when_asked():
    engine = small()
    seen = []
    result = engine.train(6, progress=seen.append)
    assert result.done == 6 and not result.stopped and seen[-1] == 6
    assert seen == sorted(seen)
    asked = iter([False, False, True])
    result = engine.train(10, should_stop=lambda: next(asked))
    assert result.stopped and result.done == 3 and engine.iteration == 9
    assert engine.position == 9 * engine.S
    assert engine.train(0).done == 0 and engine.position == 9 * engine.S


@pytest.mark.parametrize("watch", [None, {"cost_rises": True}])
def test_train_with_and_without_watchpoints_agree(watch):
    plain, watched = small(), small(watch=watch)
    plain.train(8)
    result = watched.train(8)
    assert result.done == 8 and result.alert is None
    assert build.params_bits(watched.parameters(8)) == build.params_bits(plain.parameters(8))


def test_the_cost_rises_watchpoint_fires_at_the_cost_step():
    engine = small(bugs=["gradient_ascent"], watch={"cost_rises": True}, lr=0.05)
    result = engine.train(10)
    assert result.alert.startswith("watch cost_rises")
    assert result.record.step.kind == plan.COST and result.record.iteration == 1
    assert engine.loss_history[1] > engine.loss_history[0]


def test_the_dead_relu_watchpoint_fires_at_the_forward_step():
    n, activations, loss = [3, 4, 2], ["relu", "sigmoid"], "binary_cross_entropy"
    X, Y, params = build.problem(4, activations, loss, n, m=5)
    params[0] = (params[0][0], np.full((4, 1), -100.0))  # every unit of layer 1 is off
    engine = Engine(build.scenario(X, Y, n[1:], activations, loss, params=params,
                                   watch={"dead_relu_percent": 50}))
    record = engine.run_to(plan.UPDATE)
    assert record.step.label == "forward [1]" and engine.position == 1
    assert engine.alert(record).startswith("watch dead_relu_percent")


def test_the_gradient_norm_watchpoints_fire_at_the_backward_step():
    engine = small(watch={"gradient_norm_above": 1e-12})
    result = engine.train(3)
    assert result.record.step.label == "backward [2]" and result.done == 0
    assert "‖dW[2]‖" in result.alert
    quiet = small(watch={"gradient_norm_below": 1e-300})
    assert quiet.train(3).alert is None


# ---- errors are data ---------------------------------------------------------------------

def test_a_transposed_W_is_a_mismatch_at_forward_1_with_its_likely_cause():
    n, activations, loss = [3, 4, 2], ["relu", "sigmoid"], "binary_cross_entropy"
    X, Y, params = build.problem(4, activations, loss, n, m=5)
    params[0] = (params[0][0].T, params[0][1])
    engine = Engine(build.scenario(X, Y, n[1:], activations, loss, params=params))
    record = engine.next()
    assert record.mismatch is not None and record.mismatch.step == "forward [1]"
    assert record.mismatch.offender == "W[1]"
    assert record.mismatch.expected == (4, 3) and record.mismatch.actual == (3, 4)
    assert "transposed" in record.mismatch.cause
    assert engine.next() is None and engine.blocked
    assert engine.back() is None and not engine.blocked
    assert engine.train(4).record.mismatch is not None


def test_a_bias_written_as_a_row_is_caught_at_forward_1_even_where_numpy_says_nothing():
    n, activations, loss = [3, 4, 2], ["relu", "sigmoid"], "binary_cross_entropy"
    X, Y, params = build.problem(4, activations, loss, n, m=4)  # m = n[1]: 4×4 + 1×4 fits
    params[0] = (params[0][0], params[0][1].T)
    engine = Engine(build.scenario(X, Y, n[1:], activations, loss, params=params))
    mismatch = engine.next().mismatch
    assert mismatch.offender == "b[1]" and "row" in mismatch.cause
    assert "broadcasts" in mismatch.numpy  # NumPy alone would have said nothing


def test_a_Y_with_the_wrong_rows_is_caught_at_the_cost():
    n, activations, loss = [3, 4, 2], ["relu", "sigmoid"], "binary_cross_entropy"
    X, _, params = build.problem(4, activations, loss, n, m=5)
    Y = np.ones((1, 5))
    engine = Engine(build.scenario(X, Y, n[1:], activations, loss, params=params))
    engine.goto(engine.S)
    assert engine.position == engine.L + 1 and engine.current.step.kind == plan.COST
    assert engine.current.mismatch.offender == "Y"


def test_an_exception_inside_a_step_is_a_record_not_a_raise(monkeypatch):
    def boom(Z, A, Y):
        raise ZeroDivisionError("the cost fell over")
    loss = losses.LOSSES["binary_cross_entropy"]
    monkeypatch.setitem(losses.LOSSES, "binary_cross_entropy", replace(loss, cost=boom))
    engine = small()
    for _ in range(engine.L):
        assert engine.next().ok
    record = engine.next()
    assert record.error is not None and "the cost fell over" in record.error
    assert record.mismatch is None and not record.ok
    assert engine.next() is None and "error" in engine.blocked
    result = small().train(5)
    assert result.done == 0 and result.record.error is not None
    assert small().gradient_check() is None and small().iteration_env(0) is None


@pytest.mark.parametrize("bugs,transpose_W1", [
    (["dW_no_transpose"], False),
    (["dA_no_transpose"], False),
    (["examples_as_rows"], False),
    ([], True),
    (["db_no_keepdims"], False),
    (["db_wrong_axis"], False),
])
def test_asking_about_an_iteration_after_a_mismatch_never_raises(bugs, transpose_W1):
    """Iteration 0 stops at a mismatch, so iteration 1 can never be reached; the headless
    views of it say so (None), as they do for a failed iteration, instead of raising."""
    n, activations, loss = [3, 4, 5, 2], ["tanh", "relu", "sigmoid"], "binary_cross_entropy"
    X, Y, params = build.problem(0, activations, loss, n, m=6)
    if transpose_W1:
        params[0] = (params[0][0].T, params[0][1])
    engine = Engine(build.scenario(X, Y, n[1:], activations, loss, params=params, bugs=bugs))
    assert engine.iteration_env(0) is None
    assert engine.iteration_env(1) is None
    assert engine.gradient_check(1) is None
    assert not engine.record(engine.S + 2).ok
    assert engine.parameters(1) is None
