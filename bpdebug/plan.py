"""One training iteration as the post walks it: forward l = 1..L, the cost,
backward l = L..1, then the update.  Each step is a short list of equations.

Injected mistakes (mistakes.py) are applied right here, where the equation they
corrupt is written, so the wrong line reads next to the right one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpdebug.activations import ACTIVATIONS, Activation
from bpdebug.equations import (AddBias, Apply, Cost, Equation, LossGrad, MatMul, Minus, Name,
                               Plus, Scale, SumExamples, T, Times)
from bpdebug.losses import Loss

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


def W(l): return Name(f"W[{l}]")
def b(l): return Name(f"b[{l}]")
def Z(l): return Name(f"Z[{l}]")
def A(l): return Name(f"A[{l}]")
def dZ(l): return Name(f"dZ[{l}]")
def dA(l): return Name(f"dA[{l}]")
def dW(l): return Name(f"dW[{l}]")
def db(l): return Name(f"db[{l}]")


Y = Name("Y")


def forward(l: int, g: Activation) -> Step:
    return Step(FORWARD, l, (
        Equation(f"Z[{l}]", AddBias(MatMul(W(l), A(l - 1)), b(l))),   # Z[l] = W[l]·A[l-1] + b[l]
        Equation(f"A[{l}]", Apply(g.name, g.g, Z(l))),                  # A[l] = g(Z[l])
    ))


def cost(L: int, loss: Loss) -> Step:
    formula = loss.formula.replace("[L]", f"[{L}]")
    return Step(COST, L, (Equation("J", Cost(formula.removeprefix("J = "), loss.cost, Z(L), A(L), Y)),))


def backward(l: int, L: int, g: Activation, loss: Loss,
             bugs: frozenset[str]) -> Step:
    eqs: list[Equation] = []
    if l == L and loss.matching == g.name:
        if "dZ_output_sign" in bugs:
            eqs.append(Equation(f"dZ[{L}]", Minus(Y, A(L)), "dZ_output_sign"))
        else:
            eqs.append(Equation(f"dZ[{L}]", Minus(A(L), Y)))            # dZ[L] = A[L] − Y
    else:
        if l == L:                                                      # dA[L] = m·∂J/∂A[L]
            eqs.append(Equation(f"dA[{L}]", LossGrad(loss.dA_formula.replace("[L]", f"[{L}]"),
                                                     loss.dA, A(L), Y)))
        if "activation_not_derivative" in bugs:                          # dZ[l] = dA[l] * g(Z[l])
            eqs.append(Equation(f"dZ[{l}]", Times(dA(l), Apply(g.name, g.g, Z(l))),
                                "activation_not_derivative"))
        elif "output_derivative_everywhere" in bugs and l < L:            # ... * g'(Z[L])
            eqs.append(Equation(f"dZ[{l}]", Times(dA(l), Apply(f"{g.name}'", g.g_prime, Z(L))),
                                "output_derivative_everywhere"))
        else:                                                           # dZ[l] = dA[l] * g'(Z[l])
            eqs.append(Equation(f"dZ[{l}]", Times(dA(l), Apply(f"{g.name}'", g.g_prime, Z(l)))))

    prev = A(l - 1)
    if "dW_no_transpose" in bugs:
        eqs.append(Equation(f"dW[{l}]", Scale("1/m", MatMul(dZ(l), prev)), "dW_no_transpose"))
    elif "forgot_one_over_m" in bugs:
        eqs.append(Equation(f"dW[{l}]", MatMul(dZ(l), T(prev)), "forgot_one_over_m"))
    else:
        eqs.append(Equation(f"dW[{l}]", Scale("1/m", MatMul(dZ(l), T(prev)))))  # 1/m dZ·A[l-1]ᵀ

    if "db_wrong_axis" in bugs:
        eqs.append(Equation(f"db[{l}]", Scale("1/m", SumExamples(dZ(l), axis=0)), "db_wrong_axis"))
    elif "db_no_keepdims" in bugs:
        eqs.append(Equation(f"db[{l}]", Scale("1/m", SumExamples(dZ(l), keepdims=False)),
                            "db_no_keepdims"))
    elif "forgot_one_over_m" in bugs:
        eqs.append(Equation(f"db[{l}]", SumExamples(dZ(l)), "forgot_one_over_m"))
    else:
        eqs.append(Equation(f"db[{l}]", Scale("1/m", SumExamples(dZ(l)))))   # 1/m Σ dZ[l]

    if "dA_no_transpose" in bugs:
        eqs.append(Equation(f"dA[{l - 1}]", MatMul(W(l), dZ(l)), "dA_no_transpose"))
    else:
        eqs.append(Equation(f"dA[{l - 1}]", MatMul(T(W(l)), dZ(l))))   # dA[l-1] = W[l]ᵀ·dZ[l]
    return Step(BACKWARD, l, tuple(eqs))


def update(L: int, bugs: frozenset[str]) -> Step:
    step = Plus if "gradient_ascent" in bugs else Minus
    mistake = "gradient_ascent" if "gradient_ascent" in bugs else None
    eqs = []
    for l in range(1, L + 1):
        eqs.append(Equation(f"W[{l}]", step(W(l), Scale("α", dW(l))), mistake, ":="))
        eqs.append(Equation(f"b[{l}]", step(b(l), Scale("α", db(l))), mistake, ":="))
    return Step(UPDATE, 0, tuple(eqs))


def iteration(activations: list[str], loss: Loss, bugs: frozenset[str]) -> list[Step]:
    """The steps of one iteration; activations[l-1] is layer l's g."""
    L = len(activations)
    g = [None] + [ACTIVATIONS[name] for name in activations]
    steps = [forward(l, g[l]) for l in range(1, L + 1)]
    steps.append(cost(L, loss))
    steps += [backward(l, L, g[l], loss, bugs) for l in range(L, 0, -1)]
    steps.append(update(L, bugs))
    return steps
