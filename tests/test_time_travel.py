"""Stepping back restores everything bit for bit: the records, every matrix of the
environment, and the parameters, across updates and far-away jumps."""

import numpy as np
import pytest

from bpdebug.engine import plan
from bpdebug.engine.cursor import Engine
from tests import build


bits, snapshot, params_bits = build.bits, build.snapshot, build.params_bits


def engine_for(seed=1, n=(3, 4, 3, 2), activations=("relu", "tanh", "sigmoid"),
               loss="binary_cross_entropy", history_budget=24 << 20, **kw):
    X, Y, params = build.problem(seed, activations, loss, n, m=5)
    return Engine(build.scenario(X, Y, n[1:], activations, loss, params=params, lr=0.3, **kw),
                  history_budget=history_budget)


@pytest.mark.parametrize("batch_size", [0, 2])
def test_stepping_n_forward_then_n_back_is_the_identity(batch_size):
    engine = engine_for(batch_size=batch_size)
    S = engine.S
    for start in (0, 3, S - 1, S, 2 * S + 2):
        engine.goto(start)
        before = snapshot(engine.current)
        before_params = params_bits(engine.parameters(engine.iteration))
        for n in (1, 2, S, 5 * S + 3):  # 5 iterations ahead: the cached ones are evicted
            for _ in range(n):
                assert engine.next() is not None
            for _ in range(n):
                engine.back()
            assert engine.position == start
            assert snapshot(engine.current) == before, (start, n)
            assert params_bits(engine.parameters(engine.iteration)) == before_params


def test_stepping_back_across_the_update_returns_to_the_previous_iteration():
    engine = engine_for()
    S = engine.S
    engine.goto(S)  # just after iteration 0's update
    update = snapshot(engine.current)
    assert engine.current.step.kind == plan.UPDATE and engine.iteration == 1
    W_new = bits(engine.current.env["W[1]"])
    engine.next()  # forward [1] of iteration 1 uses the updated W[1]
    assert engine.current.iteration == 1 and bits(engine.current.env["W[1]"]) == W_new
    engine.back()
    assert engine.iteration == 1 and snapshot(engine.current) == update
    engine.back()  # backward [1] of iteration 0: the old parameters again
    assert engine.iteration == 0 and engine.current.iteration == 0
    assert engine.current.step.kind == plan.BACKWARD and engine.current.step.layer == 1
    assert bits(engine.current.env["W[1]"]) == bits(engine.parameters(0)["W[1]"]) != W_new


def test_back_at_the_start_stays_at_the_start():
    engine = engine_for()
    assert engine.back() is None and engine.position == 0 and engine.current is None
    engine.next()
    engine.reset()
    assert engine.position == 0 and engine.current is None and engine.iteration == 0


def test_goto_far_ahead_and_back_again():
    engine = engine_for()
    S = engine.S
    fresh = engine_for()
    marks = [1, S + 3, 7 * S + 1, 3]
    seen = {}
    for p in marks:
        fresh.goto(p)
        seen[p] = snapshot(fresh.current)
    far = 60 * S + 5
    engine.goto(far)
    assert engine.position == far and engine.iteration == 60
    at_far = snapshot(engine.current)
    for p in (3, 7 * S + 1, 1, S + 3):
        engine.goto(p)
        assert engine.position == p and snapshot(engine.current) == seen[p], p
    engine.goto(far)
    assert snapshot(engine.current) == at_far


def test_stepping_and_training_give_bit_identical_parameters():
    stepped, trained = engine_for(), engine_for()
    k = 9
    for _ in range(k * stepped.S):
        assert stepped.next() is not None
    result = trained.train(k)
    assert result.done == k and trained.position == stepped.position == k * trained.S
    assert params_bits(stepped.current.env) == params_bits(trained.current.env)
    for i in range(k + 1):
        assert params_bits(stepped.parameters(i)) == params_bits(trained.parameters(i)), i
    assert [bits(j) for j in stepped.loss_history] == [bits(j) for j in trained.loss_history]
    # And the record of any step after training is the one stepping produced.
    for s in (0, 4 * trained.S + 2, k * trained.S - 1):
        assert snapshot(trained.record(s)) == snapshot(stepped.record(s)), s


def test_training_from_the_middle_of_an_iteration_restarts_that_iteration():
    engine, reference = engine_for(), engine_for()
    engine.goto(2 * engine.S + 3)
    engine.train(4)
    reference.train(6)
    assert engine.position == 6 * engine.S
    assert params_bits(engine.parameters(6)) == params_bits(reference.parameters(6))


def test_a_tiny_history_budget_replays_from_checkpoints_bit_for_bit():
    big, tiny = engine_for(), engine_for(history_budget=1)
    N = 300  # enough for the checkpoints to thin out (their spacing doubles)
    big.train(N)
    tiny.train(N)
    assert tiny.history.spacing > 1
    for i in (N, 217, 1, 150, 299, 0, 77):
        assert params_bits(tiny.parameters(i)) == params_bits(big.parameters(i)), i
    S = tiny.S
    for s in (123 * S + 4, 5 * S + 1, 298 * S + S - 1):
        tiny.goto(s + 1)
        big.goto(s + 1)
        assert snapshot(tiny.current) == snapshot(big.current), s


def test_reset_goes_back_to_the_very_start_and_replays_it():
    engine = engine_for()
    first = [snapshot(engine.next()) for _ in range(engine.S + 2)]
    engine.train(20)
    engine.reset()
    assert engine.position == 0 and engine.iteration == 0 and engine.current is None
    again = [snapshot(engine.next()) for _ in range(engine.S + 2)]
    assert again == first


def test_records_are_read_only():
    engine = engine_for()
    engine.goto(engine.S)
    for name, value in engine.current.env.items():
        if isinstance(value, np.ndarray) and name not in ("A[0]", "Y"):
            with pytest.raises(ValueError):
                value[...] = 0


def test_run_to_stops_at_the_first_step_of_that_kind_and_layer():
    engine = engine_for()
    record = engine.run_to(plan.BACKWARD, 2)
    assert record.step.kind == plan.BACKWARD and record.step.layer == 2
    assert engine.position == engine.L + 1 + (engine.L - 2) + 1
    record = engine.run_to(plan.UPDATE)
    assert record.step.kind == plan.UPDATE and engine.position == engine.S
    record = engine.run_to(plan.COST)
    assert record.step.kind == plan.COST and record.iteration == 1
    assert engine.position == engine.S + engine.L + 1


def test_stepping_back_through_nan_and_inf_is_exact_too():
    X, Y, params = build.problem(0, ["linear", "linear"], "mean_squared_error", [2, 3, 1], m=8)
    def diverging():
        return Engine(build.scenario(X, Y, [3, 1], ["linear", "linear"], "mean_squared_error",
                                     params=params, lr=20.0), history_budget=1)
    engine, reference = diverging(), diverging()
    S = engine.S
    engine.goto(40 * S)
    marks = {s: snapshot(engine.record(s)) for s in (3 * S + 1, 6 * S + 2, 30 * S, 39 * S + 5)}
    assert any(not np.all(np.isfinite(v)) for v in engine.record(39 * S + 5).env.values()
               if isinstance(v, np.ndarray))
    for s in sorted(marks, reverse=True):
        engine.goto(s + 1)
        assert snapshot(engine.current) == marks[s]
        reference.goto(s + 1)
        assert snapshot(reference.current) == marks[s]
