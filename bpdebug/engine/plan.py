"""One training iteration as the post walks it: forward l = 1..L, the cost,
backward l = L..1, then the update.  Each step is a short list of equations.

The equations are written right, as the post's recap has them; an injected mistake
(mistakes.py) owns the rewrite of the one equation it corrupts, applied as the step
is built.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpdebug.engine.activations import ACTIVATIONS, Activation
from bpdebug.engine.equations import (AddBias, Apply, Cost, Equation, LossGrad, MatMul, Minus,
                                      Name, Scale, Softmax, SumExamples, T, Times)
from bpdebug.engine.losses import Loss
from bpdebug.engine.mistakes import Site, rewritten
from bpdebug.engine.names import post

FORWARD, COST, BACKWARD, UPDATE = "forward", "cost", "backward", "update"


@dataclass(frozen=True)
class Step:
    kind: str  # forward | cost | backward | update
    layer: int  # l for forward/backward, L for the cost, 0 for the update
    equations: tuple[Equation, ...]

    @property
    def label(self) -> str:
        if self.kind in (FORWARD, BACKWARD):
            return f"{self.kind} [{self.layer}]"
        return "cost J" if self.kind == COST else "update"


def W(l): return Name(post("W", l))
def b(l): return Name(post("b", l))
def Z(l): return Name(post("Z", l))
def A(l): return Name(post("A", l))
def dZ(l): return Name(post("dZ", l))
def dA(l): return Name(post("dA", l))
def dW(l): return Name(post("dW", l))
def db(l): return Name(post("db", l))


Y = Name("Y")


def forward(l: int, g: Activation, bugs=(), L: int = 0) -> Step:
    equations = [
        Equation(Z(l).name, AddBias(MatMul(W(l), A(l - 1)), b(l))),   # Z[l] = W[l]·A[l-1] + b[l]
        Equation(A(l).name, g_of(g, Z(l))),                             # A[l] = g(Z[l])
    ]
    site = Site(l, L, g)
    return Step(FORWARD, l, tuple(rewritten(eq, site, bugs) for eq in equations))


def g_of(g: Activation, Z: Name) -> Apply:
    """g(Z[l]): element by element, or a whole column at a time (softmax, which has no
    element-wise g')."""
    return Apply(g.name, g.g, Z) if g.g_prime is not None else Softmax(g.name, g.g, Z)


def cost(L: int, loss: Loss) -> Step:
    formula = loss.formula.replace("[L]", f"[{L}]")
    return Step(COST, L, (Equation("J", Cost(formula.removeprefix("J = "), loss.cost, Z(L), A(L), Y)),))


def backward(l: int, L: int, g: Activation, loss: Loss, bugs=()) -> Step:
    """The post's four equations for layer l, as its recap writes them (and as the
    active mistakes rewrite them)."""
    equations = [
        *dZ_of(l, L, g, loss),                                            # dZ[l] = dA[l] * g'(Z[l])
        Equation(dW(l).name, Scale("1/m", MatMul(dZ(l), T(A(l - 1))))),  # dW[l] = 1/m dZ[l]·A[l-1]ᵀ
        Equation(db(l).name, Scale("1/m", SumExamples(dZ(l)))),           # db[l] = 1/m Σ dZ[l]
        Equation(dA(l - 1).name, MatMul(T(W(l)), dZ(l))),                 # dA[l-1] = W[l]ᵀ·dZ[l]
    ]
    site = Site(l, L, g)
    return Step(BACKWARD, l, tuple(rewritten(eq, site, bugs) for eq in equations))


def dZ_of(l: int, L: int, g: Activation, loss: Loss) -> list[Equation]:
    """dZ[l] = dA[l] * g'(Z[l]), with g' taken at this layer's own Z[l].  At the output,
    an activation that matches its loss gives dZ[L] = A[L] − Y; any other output needs
    dA[L] = m·∂J/∂A[L] from the loss first."""
    if l == L and loss.matching == g.name:
        return [Equation(dZ(L).name, Minus(A(L), Y))]
    dZ_l = Equation(dZ(l).name, Times(dA(l), Apply(f"{g.name}'", g.g_prime, Z(l))))
    if l < L:
        return [dZ_l]
    formula = loss.dA_formula.replace("[L]", f"[{L}]")
    return [Equation(dA(L).name, LossGrad(formula, loss.dA, A(L), Y)), dZ_l]


def update(L: int, bugs=()) -> Step:
    """W[l] := W[l] − α dW[l] and b[l] := b[l] − α db[l], every layer."""
    equations = []
    for l in range(1, L + 1):
        equations.append(Equation(W(l).name, Minus(W(l), Scale("α", dW(l))), None, ":="))
        equations.append(Equation(b(l).name, Minus(b(l), Scale("α", db(l))), None, ":="))
    site = Site(0, L, None)
    return Step(UPDATE, 0, tuple(rewritten(eq, site, bugs) for eq in equations))


def iteration(activations: list[str], loss: Loss, bugs: frozenset[str]) -> list[Step]:
    """The steps of one iteration; activations[l-1] is layer l's g."""
    L = len(activations)
    g = [None] + [ACTIVATIONS[name] for name in activations]
    steps = [forward(l, g[l], bugs, L) for l in range(1, L + 1)]
    steps.append(cost(L, loss))
    steps += [backward(l, L, g[l], loss, bugs) for l in range(L, 0, -1)]
    steps.append(update(L, bugs))
    return steps
