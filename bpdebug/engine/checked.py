"""Checked evaluation: one step's equations evaluated with every operand's shape
compared with its rule first.  A broken rule is not raised: it becomes the step's
ShapeMismatch, and an unexpected exception its error, both shown on screen."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

import numpy as np

from bpdebug.engine import plan
from bpdebug.engine.equations import Broken, Check, Equation, numpy_says
from bpdebug.engine.mistakes import CATALOGUE
from bpdebug.engine.names import post
from bpdebug.engine.shapes import Operand, Shape, ShapeMismatch, fmt, likely_cause, rule_for


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
class Iteration:
    """One iteration being stepped through: its quantities so far and its records."""

    index: int
    env: dict  # name -> value, the parameters, A[0], Y, 1/m and α to begin with
    expected: dict
    m: int
    records: list[Record] = field(default_factory=list)

    @property
    def stopped(self) -> bool:
        return bool(self.records) and not self.records[-1].ok


def expected_shapes(sizes: list[int], m: int) -> dict[str, Shape]:
    """The shape every quantity must have: the post's sanity checks, as data."""
    L = len(sizes) - 1
    out: dict[str, Shape] = {"A[0]": (sizes[0], m), "dA[0]": (sizes[0], m),
                             "Y": (sizes[L], m), "J": ()}
    for l in range(1, L + 1):
        n, n_prev = sizes[l], sizes[l - 1]
        for name in ("Z", "A", "dZ", "dA"):
            out[post(name, l)] = (n, m)
        out[post("W", l)] = out[post("dW", l)] = (n, n_prev)
        out[post("b", l)] = out[post("db", l)] = (n, 1)
    return out


def run_step(it: Iteration, step: plan.Step, s: int) -> Record:
    """Step s (global index) of iteration ``it``: its equations in order, each result
    added to the iteration's quantities; the first that breaks a rule ends the step."""
    computed: list[Computed] = []

    def record(**ending) -> Record:
        return Record(s, it.index, step, tuple(computed), dict(it.env), it.expected, it.m,
                      **ending)

    try:
        with np.errstate(all="ignore"):
            for eq in step.equations:
                mismatch = _evaluate(it, step, eq, computed)
                if mismatch is not None:
                    return record(mismatch=mismatch)
    except Exception:  # noqa: BLE001 - errors are data: shown, never raised
        return record(error=traceback.format_exc(limit=-3).strip())
    return record()


def _evaluate(it: Iteration, step: plan.Step, eq: Equation,
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
        return ShapeMismatch(step.label, str(eq), tuple(eq.expr.operands(it.env)), broken.rule,
                             cause, offender, broken.expected, broken.actual, said)
    if isinstance(value, np.ndarray):
        value.flags.writeable = False  # records share arrays; nobody may change them
    it.env[eq.target] = value
    computed.append(Computed(eq, tuple(ctx.operands), Quantity(eq.target, value, expected)))
    return None
