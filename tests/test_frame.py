"""Frames: one frozen picture of everything the screen shows, for any cursor position.

A frame must belong to one moment: its step, its quantities, the values one step
earlier, and the J of its own iteration, whatever the engine did before (training,
stepping far ahead, a reset).  J is checked against an independent cost (tests/build.py).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bpdebug.engine import plan
from bpdebug.engine.cursor import Engine
from bpdebug.engine.frame import Frame, Network, with_student
from bpdebug.scenario.files import bundled
from bpdebug.scenario.reader import load
from tests import build

BUNDLED = [name for name, _, _ in bundled()]


def independent_J(engine: Engine, frame: Frame) -> float:
    """J of the frame's iteration from its own parameters and batch, by tests/build.py."""
    i = frame.iteration
    params = engine.parameters(i)
    X, Y = engine.batches(i)
    L = engine.L
    pairs = [(params[f"W[{l}]"], params[f"b[{l}]"]) for l in range(1, L + 1)]
    activations = [layer.activation for layer in engine.scenario.layers]
    with np.errstate(all="ignore"):
        return build.J(X, Y, pairs, activations, engine.scenario.loss)


def check_frame(engine: Engine, frame: Frame) -> None:
    record = frame.record
    assert frame.position == engine.position
    if record is None:
        assert frame.position == 0 and frame.iteration == 0 and frame.k == -1
        for name, value in engine.parameters(0).items():
            assert frame.values[name] is value
    else:
        assert frame.iteration == record.iteration and frame.step == record.step
        assert frame.k == record.index % engine.S
        assert dict(frame.values) == record.env
    if frame.J is not None:
        assert frame.J == pytest.approx(independent_J(engine, frame), rel=1e-9, nan_ok=True)
    # J is the iteration's own, whichever way the cursor came (None only where the forward
    # pass of that iteration cannot be done: a shape mismatch before the cost)
    if frame.J is None:
        assert not frame.ok or engine.iteration_env(frame.iteration) is None
    assert tuple(frame.loss_history) == tuple(engine.loss_history)
    assert (frame.blocked is None) == frame.ok
    with pytest.raises(TypeError):
        frame.values["W[1]"] = None  # read-only
    with pytest.raises(dataclasses.FrozenInstanceError):
        frame.position = 3


def moves(engine: Engine):
    """A teacher's session: steps, a run to the cost, training, stepping back, a reset."""
    S = engine.S
    yield "start", lambda: None
    yield "forward [1]", engine.next
    yield "the cost", lambda: engine.run_to(plan.COST)
    yield "the end", lambda: engine.run_to(plan.UPDATE)
    yield "into iteration 1", lambda: engine.goto(S + 2)
    yield "training 3", lambda: engine.train(3)
    yield "back 3 steps", lambda: engine.goto(max(0, engine.position - 3))
    yield "reset", engine.reset
    yield "forward again", lambda: engine.goto(2)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_frame_of_a_session_belongs_to_its_own_moment(name):
    engine = Engine(load(name))
    for what, move in moves(engine):
        move()
        frame = engine.frame()
        check_frame(engine, frame)
        if not frame.ok:  # a shape mismatch or an error stops the iteration
            assert frame.record.mismatch is not None or frame.record.error is not None
            assert "p" in frame.blocked


def test_after_training_and_a_reset_the_cost_is_iteration_0s():
    # xor: t, Esc, r, f showed the last trained J instead of iteration 0's.
    engine = Engine(load("xor"))
    engine.train(1459)
    trained = engine.frame()
    assert trained.iteration == 1458 and trained.J == engine.loss_history[1458]
    engine.reset()
    engine.run_to(plan.COST)
    frame = engine.frame()
    assert frame.iteration == 0
    assert frame.J == pytest.approx(0.724146, abs=5e-7)
    assert frame.J == engine.loss_history[0] != trained.J


def test_the_trained_j_is_the_one_train_n_prints():
    # The app's "trained N iterations; J = ..." and --train N report the same iteration.
    stopped = Engine(load("xor"))
    calls = iter(range(10**9))
    stopped.train(10**6, should_stop=lambda: next(calls) >= 40)
    frame = stopped.frame()
    fresh = Engine(load("xor"))
    fresh.train(frame.iteration + 1)
    assert frame.J == fresh.loss_history[-1]


def test_a_training_frame_holds_the_parameters_about_to_be_trained():
    engine = Engine(load("moons"))
    frames = []
    engine.train(30, progress=lambda done: frames.append(engine.training_frame(done, done, 30)))
    done = [f.training.done for f in frames]
    assert done == sorted(done) and done[-1] == 30
    for frame in frames[:-1]:
        i = frame.iteration
        for name, value in engine.parameters(i).items():
            np.testing.assert_array_equal(frame.values[name], value)
        assert frame.J is None or frame.J == engine.loss_history[i]


def test_a_frame_is_not_changed_by_what_the_engine_does_next():
    engine = Engine(load("xor"))
    engine.run_to(plan.COST)
    frame = engine.frame()
    before = {k: np.array(v) for k, v in frame.values.items()}
    history = tuple(frame.loss_history)
    engine.train(50)
    engine.reset()
    assert len(engine.loss_history) > len(history)  # the engine's list grew ...
    assert tuple(frame.loss_history) == history  # ... the frame's costs did not
    for name, value in before.items():
        np.testing.assert_array_equal(frame.values[name], value)


def test_the_watchpoint_stops_training_on_the_step_that_stepping_stops_on():
    scenario = load("diverge")
    watch_nan = dataclasses.replace(Engine(scenario).watch, cost_rises=False)
    stepping = Engine(scenario)
    stepping.watch = watch_nan
    while stepping.next() is not None and not stepping.frame().alert:
        pass
    training = Engine(scenario)
    training.watch = watch_nan
    result = training.train(200)
    assert result.alert and training.position == stepping.position
    assert training.frame().step.label == stepping.frame().step.label == "forward [2]"


@pytest.mark.process
def test_the_student_view_shows_only_what_the_cursor_has_reached():
    from bpdebug.teach.homework import run as student

    scenario = load("xor")
    comparison = student.run(scenario, student.load_student("scenarios/students/post/forgot_m.py"))
    engine = Engine(scenario)
    start = with_student(engine.frame(), comparison)
    assert [e.key for e in start.student.entries] == ["A0"]
    assert start.student.first_divergence is None
    engine.run_to(plan.COST)
    at_cost = with_student(engine.frame(), comparison)
    assert {e.key for e in at_cost.student.entries} == {"A0", "Z1", "A1", "Z2", "A2"}
    engine.next()  # backward [2]: dW2 is where forgot_m first differs
    frame = with_student(engine.frame(), comparison)
    assert frame.student.first_divergence.key == "dW2"


def test_a_network_describes_itself_in_the_posts_words():
    network = Engine(load("xor")).network
    assert isinstance(network, Network)
    assert " → ".join(text for text, _ in network.line()) == \
        "X 2×4 → [1] relu 3 → [2] sigmoid 1 → J"
    assert network.S == 2 * network.L + 2
    assert network.X.shape == (2, 4) and network.Y.shape == (1, 4)


@pytest.mark.parametrize("name", ["xor", "bug-dw-no-transpose"])
def test_dw_and_db_are_computed_from_their_backward_step_on_in_every_iteration(name):
    """What g and + may show: dW[l], db[l] from backward [l] of this iteration to its update,
    never before (not at the start, not at the next iteration's forward steps), and not at
    a backward step that stops at a shape mismatch."""
    engine = Engine(load(name))
    gradients = [f"d{p}[{l}]" for l in range(1, engine.L + 1) for p in "Wb"]
    for position in range(2 * engine.S + 1):
        engine.goto(position)
        if engine.position != position:
            break  # the iteration stops at a mismatch: the cursor goes no further
        frame = engine.frame()
        # what the steps done so far in this iteration computed, read off the records
        computed = set()
        if frame.record is not None:
            first = frame.iteration * engine.S
            for s in range(first, position):
                record = engine.record(s)
                computed |= {c.equation.target for c in record.computed if c.ok}
        pending = frame.pending(gradients)
        for gradient in gradients:
            assert frame.done(gradient) == (gradient in computed), (position, gradient)
            assert (gradient in pending) == (gradient not in computed)
        for gradient, step in pending.items():
            assert step == f"backward [{gradient[-2]}]"
        assert frame.done("J") == frame.cost_done
