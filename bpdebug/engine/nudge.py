"""The post's "nudge" as an experiment: ∂J/∂W_jk is "how much J would change if you gave
W_jk a little nudge".  One entry of W[l] or b[l] is moved by ε, J is recomputed with
everything else held fixed, and ΔJ/ε is set beside the gradient the backward pass
computed for that entry.

It is the gradient check (gradcheck.py) for one entry, one-sided, shown with its
numbers: the same ε, the same rounding noise, the same J with one entry moved and the
same test of which ReLU-like units the move sends across their kink.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bpdebug.engine import plan
from bpdebug.engine.elements import Cell, cell
from bpdebug.engine.gradcheck import EPS, crossed, moved, noise
from bpdebug.engine.names import of_gradient
from bpdebug.engine.notation import plain

if TYPE_CHECKING:
    from bpdebug.engine.cursor import Engine


@dataclass(frozen=True)
class Nudge:
    """J recomputed with one parameter nudged by ε and everything else held fixed, beside
    the gradient the backward pass computed for it."""

    iteration: int
    parameter: Cell  # W[l]_{j,k} as iteration i uses it
    gradient: Cell  # dW[l]_{j,k} as the engine computed it
    eps: float  # the nudge actually applied, (w + ε) − w
    J: float
    J_nudged: float
    crossed: tuple[Cell, ...]  # pre-activations the nudge moves across a ReLU kink
    mistakes: tuple[str, ...] = ()  # injected mistakes in the backward pass

    @property
    def delta(self) -> float:
        return self.J_nudged - self.J

    @property
    def ratio(self) -> float:
        return self.delta / self.eps

    @property
    def difference(self) -> float:
        return abs(self.ratio - self.gradient.value)

    @property
    def relative(self) -> float:
        """|ΔJ/ε − dW| / (|ΔJ/ε| + |dW|), 0 when both are 0."""
        diff = self.difference
        return 0.0 if diff == 0 else diff / (abs(self.ratio) + abs(self.gradient.value))

    @property
    def noise(self) -> float:
        """How far apart ΔJ/ε and the gradient may be for no reason at all."""
        return noise(self.J, self.eps)

    @property
    def finite(self) -> bool:
        return all(map(math.isfinite, (self.J, self.J_nudged, self.gradient.value)))


class TooSmall(ValueError):
    """ε does not change the entry: the parameter is too large for it."""


def measure(engine: Engine, env: dict, name: str, index: tuple[int, ...], i: int,
          eps: float = EPS) -> Nudge:
    """Nudge the entry of W[l] or b[l] whose gradient ``name`` (dW[l], db[l]) iteration i
    computed into ``env`` by ε.  Nothing is changed: the nudge works on a copy."""
    gradient = cell(env, name, index)
    param = of_gradient(name)
    params = engine.parameters(i)
    w = float(params[param][index])
    step = (w + eps) - w  # what a float can hold: the nudge actually made
    if step == 0:
        raise TooSmall(f"ε = {plain(eps)} is too small to change {param} = {plain(w)}")
    J, before = engine.cost_at(params, i)
    J_nudged, after = engine.cost_at(moved(params, param, index, w + eps), i)
    mistakes = tuple(dict.fromkeys(eq.mistake for s in engine.steps if s.kind == plan.BACKWARD
                                   for eq in s.equations if eq.mistake))
    return Nudge(i, Cell(param, index, w), gradient, step, float(J), float(J_nudged),
                 _crossed(engine.compiled.kinked, env, before, after), mistakes)


def _crossed(kinked: list[str], env: dict, before: np.ndarray,
             after: np.ndarray) -> tuple[Cell, ...]:
    """The Z entries whose side of 0 changed, named: the pattern lists the Z of every
    ReLU-like layer in order (Compiled.kinked), each flattened."""
    out, offset = [], 0
    for name in kinked:
        Z = np.asarray(env[name])
        for k in crossed(before[offset:offset + Z.size], after[offset:offset + Z.size]):
            at = tuple(int(v) for v in np.unravel_index(k, Z.shape))
            out.append(Cell(name, at, float(Z[at])))
        offset += Z.size
    return tuple(out)
