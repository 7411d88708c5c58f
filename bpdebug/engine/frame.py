"""A frame: everything the screen shows for one cursor position, frozen.

The engine produces one frame for a position (``Engine.frame()``); every panel draws
from it and from nothing else, so every number on screen belongs to the same moment.
A frame never changes after it is made: a training thread can post one to the screen
while it goes on computing.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np

from bpdebug.engine import names, plan
from bpdebug.engine.checked import Record
from bpdebug.engine.shapes import Shape
from bpdebug.engine.watch import Watch

EMPTY: Mapping = MappingProxyType({})
Value = np.ndarray | float  # a matrix, or a number (J, 1/m, α)


@dataclass(frozen=True)
class Network:
    """What never changes while a scenario is open: its name, its layers, its steps, its data."""

    name: str
    title: str
    sizes: tuple[int, ...]  # n[0], n[1], ..., n[L]
    activations: tuple[str, ...]  # activations[l-1] is layer l's g
    loss: str
    learning_rate: float
    m: int  # examples in the whole data set
    steps: tuple[plan.Step, ...]
    bugs: tuple[str, ...] = ()
    # The data as features × examples and outputs × examples, for pictures of it.
    X: np.ndarray | None = None
    Y: np.ndarray | None = None
    seed: int = 0

    @property
    def L(self) -> int:
        return len(self.sizes) - 1

    @property
    def S(self) -> int:
        """Steps in an iteration: forward [1..L], J, backward [L..1], update."""
        return len(self.steps)

    def step_of(self, name: str) -> int:
        """Where a quantity (J, dW[2] ...) is computed in an iteration: its step's index."""
        return next(k for k, step in enumerate(self.steps)
                    if any(eq.target == name for eq in step.equations))

    def line(self) -> list[tuple[str, int | None]]:
        """The network line in pieces, each with the layer it stands for (None for X, 0 for J):
        X 2×4 → [1] relu 3 → [2] sigmoid 1 → J."""
        parts: list[tuple[str, int | None]] = [(f"X {self.sizes[0]}×{self.m}", None)]
        parts += [(f"[{l}] {g} {n}", l)
                  for l, (g, n) in enumerate(zip(self.activations, self.sizes[1:]), start=1)]
        return parts + [("J", 0)]


@dataclass(frozen=True)
class Student:
    """A student's comparison as far as the cursor has come: only the entries the steps
    done so far compute (the reference computes them in the same order)."""

    running: bool  # their code is running for this iteration
    comparison: object | None  # student.Comparison of the whole iteration, once it ran
    done: frozenset[str]  # the keys (A0, Z1, dW2 ...) the steps done so far compute
    error: str | None = None  # the comparison itself could not be made

    @property
    def entries(self) -> tuple:
        if self.comparison is None:
            return ()
        return tuple(e for e in self.comparison.entries if e.key in self.done)

    @property
    def first_divergence(self):
        """The first entry up to the cursor that differs, or None."""
        return next((e for e in self.entries if not e.ok and e.status != "not run"), None)

    @property
    def crash_shown(self) -> bool:
        """A crash is shown once the cursor reaches the entry it happened in."""
        crash = getattr(self.comparison, "crash", None)
        if crash is None:
            return False
        raised = next((e for e in self.comparison.entries if e.status == "raised"), None)
        return raised is None or raised.key in self.done


@dataclass(frozen=True)
class Frame:
    network: Network
    position: int  # steps done since the start of iteration 0
    iteration: int  # the iteration of the step on screen (at the start: 0)
    record: Record | None  # the step just done; None at the start of time
    values: Mapping[str, Value]  # every quantity as it stands after this step
    before: Mapping[str, Value]  # the same, one step earlier: what changed is marked
    expected: Mapping[str, Shape]  # the shape each quantity must have
    loss_history: Sequence[float]  # J of every iteration computed so far, from iteration 0
    watch: Watch  # the watchpoints in force
    alert: str | None = None  # the watchpoint this step trips
    blocked: str | None = None  # why the cursor cannot move forward
    student: Student | None = None
    training: Training | None = None  # set on the frames a training thread posts
    cost: float | None = None  # J of this iteration, worked out for the frame if need be

    # ---- where the cursor is ----------------------------------------------------

    @property
    def step(self) -> plan.Step | None:
        return self.record.step if self.record is not None else None

    @property
    def k(self) -> int:
        """The step on screen within its iteration (0 .. S-1); -1 before any step."""
        return self.record.index % self.network.S if self.record is not None else -1

    @property
    def next_step(self) -> plan.Step:
        return self.network.steps[self.position % self.network.S]

    @property
    def next_iteration(self) -> int:
        return self.position // self.network.S

    @property
    def ok(self) -> bool:
        return self.record is None or self.record.ok

    @property
    def layer(self) -> int | None:
        """The layer the step on screen is about (None at the start and for the update)."""
        step = self.step
        if step is None or step.kind == plan.UPDATE:
            return None
        return step.layer

    # ---- the cost -----------------------------------------------------------------

    @property
    def J(self) -> float | None:
        """This iteration's J: the cost of its own parameters on its own batch, whichever
        way the cursor came here (None only when its forward pass cannot be done)."""
        if self.cost is not None:
            return self.cost
        if self.iteration < len(self.loss_history):
            return self.loss_history[self.iteration]
        return None

    # ---- the cost as far as the cursor has computed it -------------------------------
    # The screen shows a J only once the cursor has done the step that computes it: the
    # class guesses J before the cost step, whatever the engine already knows (J above).

    @property
    def cost_done(self) -> bool:
        """Whether the cursor has done this iteration's cost step."""
        return self.done("J")

    def done(self, name: str) -> bool:
        """Whether the cursor has done this iteration's step that computes name (J, dW[2]):
        what the screen may show of it (a step that stops at a mismatch computes nothing)."""
        record = self.record
        if record is None:
            return False
        k = self.network.step_of(name)
        return self.k >= k and (record.ok or self.k != k)

    def pending(self, names) -> dict[str, str]:
        """The quantities among names that the cursor has not computed this iteration,
        each with the step that computes it: {"dW[1]": "backward [1]"}."""
        steps = self.network.steps
        return {name: steps[self.network.step_of(name)].label
                for name in names if not self.done(name)}

    @property
    def costs(self) -> Sequence[float]:
        """J of every iteration whose cost step the cursor has done, from iteration 0:
        what the screen may show of the history."""
        n = min(len(self.loss_history), self.iteration + self.cost_done)
        history = self.loss_history
        return history.first(n) if isinstance(history, Costs) else tuple(history[:n])

    @property
    def shown_J(self) -> float | None:
        """This iteration's J once its cost step is done; None before."""
        return self.J if self.cost_done else None

    @property
    def last_cost(self) -> tuple[int, float] | None:
        """The last J the cursor has computed, with its iteration; None before any."""
        costs = self.costs
        return (len(costs) - 1, costs[-1]) if len(costs) else None

    # ---- values -------------------------------------------------------------------

    def parameters(self) -> dict:
        """W[l], b[l] as they stand at this moment (after an update, the new ones)."""
        return {name: self.values[name] for name in names.parameters(self.network.L)
                if name in self.values}

    def computed_keys(self) -> frozenset[str]:
        """The dictionary keys (A0, Z1, dW2 ...) of every quantity this iteration has
        computed up to the cursor."""
        if self.record is None or self.training is not None:
            return frozenset({"A0"})
        done = {"A0"}
        for step in self.network.steps[:self.k + 1]:
            done |= {names.key(eq.target) for eq in step.equations}
        return frozenset(done)


class Costs(Sequence):
    """The cost history as it stood when a frame was made: the first n entries of the
    engine's list, which only ever grows by appending, so they never change.  A frame
    keeps this instead of a copy: ten million iterations cost nothing to freeze."""

    def __init__(self, costs: list[float], n: int | None = None) -> None:
        self._costs, self._n = costs, len(costs) if n is None else n

    def __len__(self) -> int:
        return self._n

    def first(self, n: int) -> "Costs":
        """The first n of these, as frozen as they are."""
        return Costs(self._costs, min(n, self._n))

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self._costs[j] for j in range(*k.indices(self._n))]
        if k < 0:
            k += self._n
        if not 0 <= k < self._n:
            raise IndexError(k)
        return self._costs[k]

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(other) == self._n and \
            all(a == b for a, b in zip(self, other))

    def __repr__(self) -> str:
        return f"Costs({self._n} of {len(self._costs)})"


def with_student(frame: Frame, comparison, running: bool = False) -> Frame:
    """The frame with a student's comparison of its iteration, as far as the cursor."""
    from dataclasses import replace
    return replace(frame, student=Student(running, comparison, frame.computed_keys()))


def data_columns(X: np.ndarray, Y: np.ndarray, x_axis: int, y_axis: int):
    """X as features × examples and Y as outputs × examples, however the file wrote them."""
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    X = X.reshape(1, -1) if X.ndim == 1 else (X.T if x_axis == 0 else X)
    Y = Y.reshape(1, -1) if Y.ndim == 1 else (Y.T if y_axis == 0 else Y)
    return X, Y


def frozen(mapping: Mapping | None) -> Mapping:
    return EMPTY if not mapping else MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Training:
    """How far a training run has come: done of total iterations."""

    done: int
    total: int
