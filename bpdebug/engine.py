"""The engine: one training iteration, step by step, with a cursor that moves
both ways in time.  Pure NumPy: nothing here knows about screens.

Time is a single number, ``position``: how many steps have been done since the
start.  Step s (0-based) is step ``s % S`` of iteration ``s // S``, where an
iteration has S = 2L + 2 steps: forward [1..L], cost J, backward [L..1], update.
The record on screen is that of step ``position - 1``.
"""

from __future__ import annotations

import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from bpdebug import gradcheck, names, plan, timeline
from bpdebug.batches import Batches
from bpdebug.frame import Costs, Frame, Network, Training, data_columns, frozen
from bpdebug.equations import (Broken, Check, Equation, compile_equations, numpy_says,
                               operands)
from bpdebug.losses import LOSSES
from bpdebug.mistakes import CATALOGUE
from bpdebug.parameters import Params, initial_parameters
from bpdebug.scenario import Scenario
from bpdebug.shapes import Operand, Shape, ShapeMismatch, fmt, likely_cause, rule_for
from bpdebug.timeline import History


@dataclass(frozen=True)
class Quantity:
    """A computed matrix with the shape it must have."""

    name: str
    value: object  # np.ndarray, or a float for J
    expected: Shape | None

    @property
    def shape(self) -> Shape:
        return np.shape(self.value)

    @property
    def ok(self) -> bool:
        return self.expected is None or self.shape == self.expected


@dataclass(frozen=True)
class Computed:
    """One equation of a step as it was evaluated: its operands' shapes and its result."""

    equation: Equation
    operands: tuple[Operand, ...]
    result: Quantity | None  # None when a rule broke before NumPy was asked

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok


@dataclass(frozen=True)
class Record:
    """What one step computed, everything the screen shows about it."""

    index: int  # global step index s
    iteration: int
    step: plan.Step
    computed: tuple[Computed, ...]
    env: dict  # every named matrix as it stands after this step
    expected: dict
    m: int
    mismatch: ShapeMismatch | None = None
    error: str | None = None  # an unexpected exception, shown, never raised

    @property
    def ok(self) -> bool:
        return self.mismatch is None and self.error is None


@dataclass
class _Iteration:
    index: int
    env: dict
    expected: dict
    m: int
    records: list[Record] = field(default_factory=list)

    @property
    def stopped(self) -> bool:
        return bool(self.records) and not self.records[-1].ok


CACHED_ITERATIONS = 3  # whole iterations kept for stepping (the memory guard counts them)


class Unreachable(Exception):
    """Iteration i does not complete, so no later iteration exists."""

    def __init__(self, i: int):
        super().__init__(f"iteration {i} stops before its update")
        self.i = i


@dataclass(frozen=True)
class TrainResult:
    done: int  # iterations completed
    stopped: bool  # stopped early on request
    record: Record | None = None  # the step that stopped it: a mismatch, an error, a watchpoint
    alert: str | None = None  # the watchpoint that fired


def expected_shapes(sizes: list[int], m: int) -> dict[str, Shape]:
    """The shape every quantity must have: the post's sanity checks, as data."""
    L = len(sizes) - 1
    out: dict[str, Shape] = {"A[0]": (sizes[0], m), "dA[0]": (sizes[0], m),
                             "Y": (sizes[L], m), "J": ()}
    for l in range(1, L + 1):
        n, n_prev = sizes[l], sizes[l - 1]
        for name in ("Z", "A", "dZ", "dA"):
            out[f"{name}[{l}]"] = (n, m)
        out[f"W[{l}]"] = out[f"dW[{l}]"] = (n, n_prev)
        out[f"b[{l}]"] = out[f"db[{l}]"] = (n, 1)
    return out


class Engine:
    def __init__(self, scenario: Scenario, history_budget: int = timeline.BUDGET):
        self.scenario = scenario
        self.sizes = scenario.sizes
        self.L = scenario.L
        self.loss = LOSSES[scenario.loss]
        self.bugs = frozenset(scenario.bugs)
        self.steps = plan.iteration([layer.activation for layer in scenario.layers],
                                    self.loss, self.bugs)
        self.S = len(self.steps)
        self._param_names = names.parameters(self.L)
        # Training and the gradient check run the same equations compiled to straight-line
        # functions: the same NumPy calls, without walking trees or checking shapes.
        inputs = self._param_names + ["A[0]", "Y", "1/m", "α"]
        everything = [eq for step in self.steps for eq in step.equations]
        self._iterate, _ = compile_equations(everything, inputs, self._param_names + ["J"],
                                             "iteration")
        forward = [eq for step in self.steps if step.kind in (plan.FORWARD, plan.COST)
                   for eq in step.equations]
        self._kinked = [f"Z[{l}]" for l, layer in enumerate(scenario.layers, 1)
                        if layer.activation in ("relu", "leaky_relu")]
        self._forward, _ = compile_equations(forward, inputs, ["J"] + self._kinked, "forward")
        self.batches = Batches(scenario, examples_as_rows="examples_as_rows" in self.bugs)
        self.loss_history: list[float] = []  # loss_history[i]: J at the start of iteration i
        self.history = History(initial_parameters(scenario), self._advance, history_budget)
        self.position = 0
        self._iterations: OrderedDict[int, _Iteration] = OrderedDict()
        self.watch = scenario.watch
        self._first_stop: int | None = None  # the first iteration known to stop at a step
        self._checked_zero = False
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
        it = self._materialise(i, k)
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
            J = None if self._stop_before(i) is not None else \
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

    def _start(self, i: int, params: Params) -> _Iteration:
        X, Y = self.batches(i)
        m = self.batches.m_of(i)
        env = dict(params)
        env.update({"A[0]": X, "Y": Y, "1/m": 1.0 / m, "α": self.scenario.learning_rate})
        return _Iteration(i, env, expected_shapes(self.sizes, m), m)

    def _materialise(self, i: int, k: int) -> _Iteration:
        it = self._iterations.get(i)
        if it is None:
            blocker = self._stop_before(i)
            if blocker is not None:  # iteration i is never reached: time ends at that stop
                return blocker
            it = self._start(i, self.history.get(i))
            self._iterations[i] = it
            while len(self._iterations) > CACHED_ITERATIONS:
                self._iterations.popitem(last=False)
        self._iterations.move_to_end(i)
        while len(it.records) <= k and not it.stopped:
            it.records.append(self._run_step(it, len(it.records)))
        return it

    def _stop_before(self, i: int) -> _Iteration | None:
        """The stopped iteration that comes before iteration i, if one does."""
        if i == 0:
            return None
        if self._first_stop is None and not self._checked_zero:
            self._checked_zero = True  # iteration 0 runs checked once, whatever is asked
            if self._materialise(0, self.S - 1).stopped:
                self._first_stop = 0
        if self._first_stop is not None and self._first_stop < i:
            return self._materialise(self._first_stop, self.S - 1)
        try:
            self.history.get(i)
        except Unreachable as stop:
            self._first_stop = stop.i
            return self._materialise(stop.i, self.S - 1)
        return None

    def _run_step(self, it: _Iteration, k: int) -> Record:
        step = self.steps[k]
        s = it.index * self.S + k
        computed: list[Computed] = []
        try:
            with np.errstate(all="ignore"):
                for eq in step.equations:
                    failure = self._evaluate(it, step, eq, computed)
                    if failure is not None:
                        return Record(s, it.index, step, tuple(computed), dict(it.env),
                                      it.expected, it.m, mismatch=failure)
        except Exception:  # noqa: BLE001 - errors are data: shown, never raised
            error = traceback.format_exc(limit=-3).strip()
            return Record(s, it.index, step, tuple(computed), dict(it.env), it.expected, it.m,
                          error=error)
        if step.kind == plan.COST:
            self._remember_cost(it.index, it.env["J"])
        elif step.kind == plan.UPDATE:
            self.history.put(it.index + 1, {name: it.env[name] for name in self._param_names})
        return Record(s, it.index, step, tuple(computed), dict(it.env), it.expected, it.m)

    def _evaluate(self, it: _Iteration, step: plan.Step, eq: Equation,
                  computed: list[Computed]) -> ShapeMismatch | None:
        ctx = Check(it.expected)
        expected = it.expected.get(eq.target)
        value = None
        try:
            value = eq.expr.check(it.env, ctx)
            shape = np.shape(value)
            if expected is not None and shape != expected:
                # NumPy did not raise, but broadcast silently into the wrong shape.
                raise Broken(rule_for(eq.target, expected), eq.target,
                             likely_cause(eq.target, shape, expected),
                             expected=expected, actual=shape,
                             numpy=f"NumPy does not complain: it silently gives {fmt(shape)}")
        except Broken as broken:
            result = Quantity(eq.target, value, expected) if value is not None else None
            computed.append(Computed(eq, tuple(ctx.operands), result))
            if value is not None:
                it.env[eq.target] = value
            cause = CATALOGUE[eq.mistake].cause if eq.mistake else broken.cause
            # The panel to outline: the operand that broke its rule, else the result.
            offender = broken.offender if broken.offender in it.env else eq.target
            said = broken.numpy or numpy_says(lambda: eq.expr(it.env))
            return ShapeMismatch(step.label, str(eq), operands(eq.expr, it.env), broken.rule,
                                 cause, offender, broken.expected, broken.actual, said)
        if isinstance(value, np.ndarray):
            value.flags.writeable = False  # records share arrays; nobody may change them
        it.env[eq.target] = value
        computed.append(Computed(eq, tuple(ctx.operands), Quantity(eq.target, value, expected)))
        return None

    def _remember_cost(self, i: int, J: float) -> None:
        if i == len(self.loss_history):
            self.loss_history.append(float(J))

    def _inputs(self, params: Params, i: int) -> list:
        X, Y = self.batches(i)
        m = self.batches.m_of(i)
        return [params[name] for name in self._param_names] + [X, Y, 1.0 / m,
                                                               self.scenario.learning_rate]

    def _advance(self, params: Params, i: int) -> Params:
        """Iteration i, unchecked: the parameters of iteration i+1.  Raises Unreachable
        when NumPy refuses it or a silent broadcast changes a parameter's shape: the
        checked steps of iteration i then show where it stops."""
        try:
            with np.errstate(all="ignore"):
                *new, J = self._iterate(*self._inputs(params, i))
        except Exception as error:  # noqa: BLE001 - any failure: the checked run explains it
            raise Unreachable(i) from error
        new = dict(zip(self._param_names, new))
        if any(np.shape(new[name]) != np.shape(params[name]) for name in new):
            raise Unreachable(i)
        self._remember_cost(i, J)
        return new

    # ---- training -----------------------------------------------------------------

    def train(self, n: int, progress: Callable[[int], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> TrainResult:
        """Train n iterations from the start of the current one; the cursor ends after
        the last update.  The first iteration runs checked, so a shape mismatch stops
        training on the step that broke, as stepping would."""
        i0 = self.iteration
        done = 0
        if n <= 0:
            return TrainResult(0, False)
        if self.watch.active:
            return self._train_watched(n, progress, should_stop)
        first = self._materialise(i0, self.S - 1)
        if first.stopped:
            self.position = first.records[-1].index + 1
            return TrainResult(0, False, first.records[-1])
        params = self.history.get(i0 + 1)
        done = 1
        stopped = False
        # _advance, inlined: on xor-sized matrices the Python around the NumPy calls is a
        # fifth of an iteration, so what does not change is looked up once, here.
        names, iterate, put = self._param_names, self._iterate, self.history.put
        history, batches, alpha = self.loss_history, self.batches, self.scenario.learning_rate
        shapes = [np.shape(params[name]) for name in names]
        whole = batches.size == batches.m  # every iteration sees the same A[0], Y, 1/m
        data = [*batches(i0), 1.0 / batches.m, alpha] if whole else None
        values = [params[name] for name in names]
        # NumPy's result shapes follow from its operands' shapes alone: with the same
        # batch every time, one iteration that keeps the parameters' shapes keeps them
        # for good, so only the first is checked.  Mini-batches are checked every time.
        check = True
        with np.errstate(all="ignore"):  # one context for the loop (callbacks included)
            while done < n:
                if should_stop is not None and should_stop():
                    stopped = True
                    break
                if progress is not None:
                    progress(done)
                i = i0 + done
                try:
                    if not whole:
                        data = [*batches(i), 1.0 / batches.m_of(i), alpha]
                    *values, J = iterate(*values, *data)
                    if i == len(history):
                        history.append(float(J))
                    changed = check and [np.shape(v) for v in values] != shapes
                except Exception:  # noqa: BLE001 - find and show the step that broke
                    changed = True
                if changed:
                    self._iterations.pop(i, None)
                    it = self._materialise(i, self.S - 1)
                    self.position = it.records[-1].index + 1
                    return TrainResult(done, False, it.records[-1])
                check = not whole
                done += 1
                put(i + 1, dict(zip(names, values)))
        if progress is not None:
            progress(done)
        self.position = (i0 + done) * self.S
        return TrainResult(done, stopped)

    def _train_watched(self, n, progress, should_stop) -> TrainResult:
        """Training with watchpoints on: every iteration runs checked, so the step that
        trips one is found exactly.  Steps already on screen do not fire again."""
        i0, seen = self.iteration, self.position
        for done in range(n):
            if should_stop is not None and should_stop():
                self.position = (i0 + done) * self.S
                return TrainResult(done, True)
            if progress is not None:
                progress(done)
            it = self._materialise(i0 + done, self.S - 1)
            for record in it.records:
                reason = None if record.ok else "stopped"
                if record.ok and record.index >= seen:
                    reason = self.alert(record)
                if reason:
                    self.position = record.index + 1
                    return TrainResult(done, False, record, None if reason == "stopped" else reason)
        if progress is not None:
            progress(n)
        self.position = (i0 + n) * self.S
        return TrainResult(n, False)

    def cost_at(self, params: Params, i: int) -> tuple[float, np.ndarray]:
        """J of iteration i's batch at these parameters (the forward pass only), and the
        on/off pattern of every ReLU-like unit, which tells the gradient check where the
        kinks are."""
        with np.errstate(all="ignore"):
            J, *Z = self._forward(*self._inputs(params, i))
        pattern = [np.ravel(z) > 0 for z in Z]
        return J, np.concatenate(pattern) if pattern else np.zeros(0, bool)

    def cost_function(self, i: int) -> Callable[[Params], tuple[float, np.ndarray]]:
        """J of iteration i's batch at any parameters, and the ReLU pattern (see cost_at),
        with the batch taken now: safe to call from another thread while this engine moves."""
        X, Y = self.batches(i)
        fixed = [X, Y, 1.0 / self.batches.m_of(i), self.scenario.learning_rate]
        names_, forward = self._param_names, self._forward

        def cost(params: Params) -> tuple[float, np.ndarray]:
            with np.errstate(all="ignore"):
                J, *Z = forward(*[params[name] for name in names_], *fixed)
            pattern = [np.ravel(z) > 0 for z in Z]
            return J, np.concatenate(pattern) if pattern else np.zeros(0, bool)

        return cost

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
        it = self._materialise(i, self.S - 1)
        if it.stopped:
            return None
        return it.records[self.S - 2].env

    def parameters(self, i: int) -> Params | None:
        """W[l], b[l] as iteration i starts; None when an earlier iteration stops."""
        if self._stop_before(i) is not None:
            return None
        return self.history.get(i)

