"""The engine: one training iteration, step by step, with a cursor that moves
both ways in time.  Pure NumPy: nothing here knows about screens.

Time is a single number, ``position``: how many steps have been done since the
start.  Step s (0-based) is step ``s % S`` of iteration ``s // S``, where an
iteration has S = 2L + 2 steps: forward [1..L], cost J, backward [L..1], update.
The record on screen is that of step ``position - 1``.

The jobs around the cursor live beside it: checked evaluation of a step
(checked.py), the iterations kept for stepping and where time ends (stops.py), the
compiled iteration (compiled.py) and training (training.py).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from bpdebug.engine import gradcheck, names, plan, timeline, training
from bpdebug.engine.batches import Batches
from bpdebug.engine.checked import Iteration, Record, expected_shapes, run_step
from bpdebug.engine.compiled import Compiled
from bpdebug.engine.frame import Costs, Frame, Network, Training, data_columns, frozen
from bpdebug.engine.losses import LOSSES
from bpdebug.engine.parameters import Params, initial_parameters
from bpdebug.engine.spec import Scenario
from bpdebug.engine.stops import Iterations, Unreachable
from bpdebug.engine.timeline import History
from bpdebug.engine.training import TrainResult


class Engine:
    """A scenario's network, one step at a time: the cursor (``position``) moves both ways,
    and ``frame()`` is everything the screen shows there."""

    def __init__(self, scenario: Scenario, history_budget: int = timeline.BUDGET):
        self.scenario = scenario
        self.sizes = scenario.sizes
        self.L = scenario.L
        self.loss = LOSSES[scenario.loss]
        self.bugs = frozenset(scenario.bugs)
        activations = [layer.activation for layer in scenario.layers]
        self.steps = plan.iteration(activations, self.loss, self.bugs)
        self.S = len(self.steps)
        self.compiled = Compiled(self.steps, names.parameters(self.L), activations)
        self.batches = Batches(scenario, examples_as_rows="examples_as_rows" in self.bugs)
        self.loss_history: list[float] = []  # loss_history[i]: J at the start of iteration i
        self.history = History(initial_parameters(scenario), self._advance, history_budget)
        self.iterations = Iterations(self.S, self.history.get, self._start, self._run_step)
        self.position = 0
        self.watch = scenario.watch
        self._network: Network | None = None
        self._ahead: tuple[int, float | None] | None = None  # J worked out before its step

    # ---- the timeline -------------------------------------------------------------

    @property
    def iteration(self) -> int:
        """The iteration the next step belongs to."""
        return self.position // self.S

    @property
    def current(self) -> Record | None:
        """The record of the step just done, or None at the very start."""
        return self.record(self.position - 1) if self.position > 0 else None

    @property
    def previous(self) -> Record | None:
        """The record before the current one, to mark what changed."""
        return self.record(self.position - 2) if self.position > 1 else None

    def step_of(self, s: int) -> plan.Step:
        return self.steps[s % self.S]

    def record(self, s: int) -> Record:
        i, k = divmod(s, self.S)
        it = self.iterations.get(i, k)
        if it.index != i:  # past a stop: the timeline ends at the step that stopped it
            return it.records[-1]
        return it.records[min(k, len(it.records) - 1)]

    @property
    def blocked(self) -> str | None:
        """Why the cursor cannot move forward, or None."""
        current = self.current
        if current is None or current.ok:
            return None
        if current.mismatch is not None:
            return (f"the shape mismatch at {current.step.label} stops this iteration: "
                    "step back with p, or fix the scenario")
        return f"the error at {current.step.label} stops this iteration: step back with p"

    def next(self) -> Record | None:
        """Do the next step; None when blocked (see ``blocked``)."""
        if self.blocked:
            return None
        record = self.record(self.position)
        self.position += 1
        return record

    def back(self) -> Record | None:
        if self.position > 0:
            self.position -= 1
        return self.current

    def goto(self, position: int) -> Record | None:
        """Move to a position; going forward stops at a mismatch."""
        position = max(0, position)
        if position <= self.position:
            self.position = position
        else:
            while self.position < position and self.next() is not None:
                pass
        return self.current

    def run_to(self, kind: str, layer: int | None = None) -> Record | None:
        """Step forward until the current step is of this kind (and layer), at most one
        iteration; a watchpoint that fires on the way stops it there."""
        for _ in range(self.S):
            if self.next() is None:
                break
            step = self.current.step
            if step.kind == kind and (layer is None or step.layer == layer):
                break
            if self.alert(self.current):
                break
        return self.current

    def alert(self, record: Record | None) -> str | None:
        """The watchpoint this step trips, if any (judged now: watchpoints can be toggled)."""
        if record is None or not record.ok or not self.watch.active:
            return None
        step = record.step
        results = {c.result.name: c.result.value for c in record.computed if c.result is not None}
        activation = (self.scenario.layers[step.layer - 1].activation
                      if step.kind == plan.FORWARD else None)
        previous = (self.loss_history[record.iteration - 1]
                    if 0 < record.iteration <= len(self.loss_history) else None)
        with np.errstate(all="ignore"):  # ‖dW‖ of an Inf-filled dW is Inf, not a warning
            return self.watch.fires(step.kind, step.layer, results, activation, previous)

    def reset(self) -> None:
        self.position = 0

    # ---- frames: what the screen shows ------------------------------------------------

    @property
    def network(self) -> Network:
        if self._network is None:
            scenario = self.scenario
            X, Y = data_columns(scenario.X, scenario.Y, scenario.examples_axis,
                                scenario.y_examples_axis)
            self._network = Network(scenario.name, scenario.title, tuple(self.sizes),
                                    tuple(layer.activation for layer in scenario.layers),
                                    scenario.loss, scenario.learning_rate, scenario.m,
                                    tuple(self.steps), tuple(scenario.bugs), X, Y,
                                    scenario.seed)
        return self._network

    def frame(self) -> Frame:
        """Everything the screen shows at the cursor, frozen: the step just done, every
        quantity as it stands after it, the one before, this iteration's J, the watch."""
        record = self.current
        if record is None:
            values, before, iteration = self.starting_values(0), {}, 0
            expected = expected_shapes(self.sizes, self.batches.m_of(0))
        else:
            previous = self.previous
            values, iteration, expected = record.env, record.iteration, record.expected
            before = previous.env if previous is not None else self.starting_values(0)
        return Frame(self.network, self.position, iteration, record, frozen(values),
                     frozen(before), frozen(expected), Costs(self.loss_history), self.watch,
                     alert=self.alert(record), blocked=self.blocked, cost=self.cost(iteration))

    def cost(self, i: int) -> float | None:
        """J of iteration i: from the history when known, else one forward pass (the
        same compiled equations, so the same number); None when it cannot be done."""
        if i < len(self.loss_history):
            return self.loss_history[i]
        if self._ahead is not None and self._ahead[0] == i:  # every step until the cost
            return self._ahead[1]
        try:
            J = None if self.iterations.stop_before(i) is not None else \
                float(self.cost_function(i)(self.history.get(i))[0])
        except Exception:  # noqa: BLE001 - a mismatch in the forward pass: no J to show
            J = None
        self._ahead = (i, J)  # an iteration's J is a pure function of it: kept once known
        return J

    def training_frame(self, i: int, done: int, total: int) -> Frame:
        """What a training thread shows: iteration i about to start, its parameters and
        batch, the cost so far.  Called from the thread that trains."""
        m = self.batches.m_of(i)
        return Frame(self.network, i * self.S, i, None, frozen(self.starting_values(i)), frozen({}),
                     frozen(expected_shapes(self.sizes, m)), Costs(self.loss_history),
                     self.watch, training=Training(done, total))

    def starting_values(self, i: int) -> dict:
        """What exists before iteration i's first step: its parameters and its batch."""
        X, Y = self.batches(i)
        return {**self.history.get(i), "A[0]": X, "Y": Y}

    # ---- computing an iteration ---------------------------------------------------

    def _data(self, i: int) -> list:
        """What iteration i needs besides the parameters: A[0], Y, 1/m, α."""
        X, Y = self.batches(i)
        return [X, Y, 1.0 / self.batches.m_of(i), self.scenario.learning_rate]

    def _start(self, i: int) -> Iteration:
        X, Y, inverse_m, alpha = self._data(i)
        env = {**self.history.get(i), "A[0]": X, "Y": Y, "1/m": inverse_m, "α": alpha}
        m = self.batches.m_of(i)
        return Iteration(i, env, expected_shapes(self.sizes, m), m)

    def _run_step(self, it: Iteration, k: int) -> Record:
        step = self.steps[k]
        record = run_step(it, step, it.index * self.S + k)
        if record.ok and step.kind == plan.COST:
            self._remember_cost(it.index, it.env["J"])
        elif record.ok and step.kind == plan.UPDATE:
            self.history.put(it.index + 1, {name: it.env[name] for name in self.compiled.parameters})
        return record

    def _remember_cost(self, i: int, J: float) -> None:
        if i == len(self.loss_history):
            self.loss_history.append(float(J))

    def _advance(self, params: Params, i: int) -> Params:
        """Iteration i, unchecked: the parameters of iteration i+1.  Raises Unreachable
        when NumPy refuses it or a silent broadcast changes a parameter's shape: the
        checked steps of iteration i then show where it stops."""
        names_ = self.compiled.parameters
        try:
            with np.errstate(all="ignore"):
                *new, J = self.compiled.iterate(*[params[name] for name in names_], *self._data(i))
        except Exception as error:  # noqa: BLE001 - any failure: the checked run explains it
            raise Unreachable(i) from error
        new = dict(zip(names_, new))
        if any(np.shape(new[name]) != np.shape(params[name]) for name in new):
            raise Unreachable(i)
        self._remember_cost(i, J)
        return new

    # ---- training and the gradient check --------------------------------------------

    def train(self, n: int, progress: Callable[[int], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> TrainResult:
        """Train n iterations from the start of the current one (training.py)."""
        return training.train(self, n, progress, should_stop)

    def cost_at(self, params: Params, i: int) -> tuple[float, np.ndarray]:
        """J of iteration i's batch at these parameters, and the ReLU pattern (Compiled.cost)."""
        return self.compiled.cost(params, self._data(i))

    def cost_function(self, i: int) -> Callable[[Params], tuple[float, np.ndarray]]:
        """J of iteration i's batch at any parameters, and the ReLU pattern (see cost_at),
        with the batch taken now: safe to call from another thread while this engine moves."""
        data, compiled = self._data(i), self.compiled
        return lambda params: compiled.cost(params, data)

    def gradient_check_inputs(self, i: int) -> tuple[Params, dict, Callable] | None:
        """What a gradient check of iteration i needs, safe to hand to another thread: its
        parameters, every quantity it computed (the gradients among them) and J at any
        parameters on its batch; None when a step of it fails."""
        env = self.iteration_env(i)
        if env is None:
            return None
        return self.parameters(i), env, self.cost_function(i)

    def gradient_check(self, i: int | None = None, progress=None) -> list[gradcheck.ParamCheck] | None:
        """Iteration i's dW, db against central differences; None if a step of it fails."""
        i = self.iteration if i is None else i
        env = self.iteration_env(i)
        if env is None:
            return None
        params = self.history.get(i)
        return gradcheck.check(params, env, lambda p: self.cost_at(p, i), self.L,
                               self.scenario.seed, progress=progress)

    def iteration_env(self, i: int) -> dict | None:
        """Every quantity of iteration i before its update (what --export writes);
        None when a step of it fails."""
        it = self.iterations.whole(i)
        if it.stopped:
            return None
        return it.records[self.S - 2].env

    def parameters(self, i: int) -> Params | None:
        """W[l], b[l] as iteration i starts; None when an earlier iteration stops."""
        if self.iterations.stop_before(i) is not None:
            return None
        return self.history.get(i)
