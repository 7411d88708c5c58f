"""One element at a time: an entry of one quantity written out as the post derives it,
with every term's number plugged in, and the post's "nudge" of a parameter beside it.

Nothing here re-decides an equation: the element is expanded by the very expression
tree the engine's plan evaluated (equations.py), so an injected mistake shows as the
wrong line it is, and every number is read from the records the engine computed.
The element is named by element.py; its text is written by render.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpdebug.engine.checked import Record
from bpdebug.engine.cursor import Engine
from bpdebug.engine.elements import Cell, Part, Sum, cell, total
from bpdebug.engine.equations import Equation, Name
from bpdebug.engine.gradcheck import EPS
from bpdebug.engine.names import gradient, is_parameter, letters, of_gradient, subscripted
from bpdebug.engine.nudge import Nudge, TooSmall, measure
from bpdebug.teach.element import INPUTS, BadElement, Element, check, unknown


@dataclass(frozen=True)
class Explanation:
    """One element: its equation in index notation and the numbers that make it.

    The element's value, as the engine computed it, is ``element.value``; the written-out
    terms give ``value``: the parts added up (and, for a softmax, divided by ``over``).
    """

    element: Cell
    iteration: int
    step: str  # the step that computes it, e.g. "backward [1]"
    general: str  # dW[1]_{j,k} = 1/m Σ_i dZ[1]_{j,i} · A[0]_{k,i}
    instance: str  # the same with the element's own indices: dW[1]_{0,1} = 1/m Σ_i ...
    parts: tuple[Part, ...]
    over: Sum | None = None  # a softmax's normalisation: e^(z_j) / Σ_r e^(z_r)
    mistake: str | None = None  # the injected mistake in this equation, if any
    assign: str = "="
    notes: tuple[str, ...] = ()

    @property
    def value(self) -> float:
        top = total(p.value for p in self.parts)
        return top / self.over.value if self.over is not None else top

    @property
    def sums(self) -> tuple[Sum, ...]:
        every = self.parts + ((self.over,) if self.over is not None else ())
        return tuple(p for p in every if isinstance(p, Sum))

    def cells(self) -> dict[str, tuple[tuple[int, ...], ...]]:
        """Every cell that feeds the element, by quantity, to highlight in its panel (the
        terms a long sum elides included).  Scalars (1/m, α, J) have the index ()."""
        out: dict[str, dict[tuple[int, ...], None]] = {}
        every = self.parts + ((self.over,) if self.over is not None else ())
        for part in every:
            for fed in part.cells:
                out.setdefault(fed.name, {})[fed.index] = None
        return {name: tuple(indices) for name, indices in out.items()}


@dataclass(frozen=True)
class Stopped:
    """The iteration stops (a shape mismatch, an error) before the element is computed."""

    name: str
    iteration: int
    record: Record  # the step that stopped it

    def line(self) -> str:
        record = self.record
        where = f"iteration {record.iteration} stops at {record.step.label}"
        if record.iteration != self.iteration:
            where = f"iteration {self.iteration} is never reached: {where}"
        broken = next((c for c in record.computed if not c.ok), None)
        why = ""
        if record.mismatch is not None:
            why = f" ({record.mismatch.equation}: {record.mismatch.rule}"
            mistake = broken.equation.mistake if broken is not None else None
            why += f"; injected mistake {mistake})" if mistake else ")"
        elif record.error is not None:
            why = f" (an error: {record.error.splitlines()[-1]})"
        target = broken.equation.target if broken is not None else None
        never = ("has no value to explain" if target == self.name
                 else "is never updated" if is_parameter(self.name)
                 else "is never computed")
        return f"{where}{why}, so {self.name} {never}"


def _find(engine: Engine, name: str, i: int) -> tuple[Equation, Record, dict] | Stopped:
    """The equation that computed name in iteration i, its record, and the values its
    operands had (for the update, those before it: W[l] := W[l] − α dW[l])."""
    S = engine.S
    for k in range(S):
        s = i * S + k
        record = engine.record(s)
        if record.index != s:  # the iteration stopped before step k, or is never reached
            return Stopped(name, i, record)
        for computed in record.computed:
            if computed.equation.target == name:
                if not computed.ok:
                    return Stopped(name, i, record)
                env = engine.record(s - 1).env if computed.equation.assign == ":=" else record.env
                return computed.equation, record, env
        if not record.ok:
            return Stopped(name, i, record)
    raise unknown(engine, name)


def explain(engine: Engine, element: Element, i: int | None = None) -> Explanation | Stopped:
    """The element of iteration i (the current one by default), written out."""
    with np.errstate(all="ignore"):  # a diverged network's inf and nan are shown, as on screen
        return _explain(engine, element, engine.iteration if i is None else i)


def _explain(engine: Engine, element: Element, i: int) -> Explanation | Stopped:
    name, index = element.name, element.index
    check(engine, element, i)
    if name in INPUTS:
        record = engine.record(i * engine.S)
        if record.iteration != i:
            return Stopped(name, i, record)
        entry = cell(record.env, name, index)
        row, example = index
        what = "feature" if name == INPUTS[0] else "target"
        itself = tuple(Name(name).expand(index, record.env, set()))
        return Explanation(entry, i, "an input",
                           f"{subscripted(name, letters(name, engine.L))} is given: the data",
                           f"{entry} is {what} {row} of example {example}", itself)
    found = _find(engine, name, i)
    if isinstance(found, Stopped):
        return found
    eq, record, env = found
    # The result is the record's (for the update, the new W[l]); its operands come from env.
    letters_ = letters(name, engine.L)
    expansion = eq.expr.expansion(index, letters_, env)
    head = f"{subscripted(name, letters_)} {eq.assign} "
    inst = f"{subscripted(name, tuple(str(v) for v in index))} {eq.assign} "
    return Explanation(cell(record.env, name, index), i, record.step.label,
                       head + expansion.general, inst + expansion.instance, expansion.parts,
                       expansion.over, eq.mistake, eq.assign, expansion.notes)


def nudge(engine: Engine, element: Element, i: int | None = None,
           eps: float | None = None) -> Nudge | Stopped:
    """Nudge W[l] or b[l] (named by itself or by its gradient dW[l], db[l]) at element's
    index by ε (engine/nudge.py); Stopped when iteration i never computes the gradient."""
    i = engine.iteration if i is None else i
    param = of_gradient(element.name)
    if not is_parameter(param):
        raise BadElement(f"only an entry of W[l] or b[l] (or dW[l], db[l]) can be nudged, "
                         f"not {element.name}")
    found = _find(engine, gradient(param), i)
    if isinstance(found, Stopped):
        return found
    _, _, env = found
    try:
        return measure(engine, env, gradient(param), element.index, i,
                     EPS if eps is None else float(eps))
    except TooSmall as error:
        raise BadElement(str(error)) from None
