"""The catalogue of classic backprop mistakes a scenario can inject with [teach] bugs.

Each entry says what the wrong line computes, what students see, and what to
tell them, and owns its rewrite: the one equation of the post it corrupts, and how.
plan.py writes the right equations and hands each to the active mistakes; a
mistake that recognises its equation returns the wrong one.  Adding a mistake is
one entry here.  Two mistakes that rewrite the same equation cannot both apply
(which wins would be arbitrary), so such a combination is refused when loaded.

Shape checks catch the shape mistakes; the gradient check catches the value mistakes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from bpdebug.engine.equations import (AddBias, Apply, Equation, Expr, MatMul, Minus, Name, Plus,
                                      Scale, SumExamples, T, Times)
from bpdebug.engine.names import post

# The equations a mistake can corrupt, as the post writes them.
DZ_OUTPUT = "dZ[L] = A[L] − Y"
DZ = "dZ[l] = dA[l] * g'(Z[l])"
DW = "dW[l] = 1/m dZ[l]·A[l-1]ᵀ"
DB = "db[l] = 1/m Σ dZ[l]"
DA = "dA[l-1] = W[l]ᵀ·dZ[l]"
UPDATE = "W[l] := W[l] − α dW[l]"
DATA = "A[0] = X"
Z = "Z[l] = W[l]·A[l-1] + b[l]"


@dataclass(frozen=True)
class Site:
    """Where an equation is written: its layer, the output layer, and this layer's g."""

    l: int
    L: int
    g: object  # activations.Activation of layer l


Rewrite = Callable[[Expr, Site], "Expr | None"]


@dataclass(frozen=True)
class Mistake:
    name: str
    wrong: str  # the line as the student wrote it
    kind: str  # "shape" (the shape checks catch it) or "value" (the gradient check does)
    symptom: str  # what students see, and where
    cause: str  # what bpdebug says when it is the likely cause
    corrupts: frozenset[str] = frozenset()  # the post's equations it rewrites
    rewrite: Rewrite | None = None  # the right expression -> the wrong one, None: not here
    reveal: str = ""  # what a scenario needs for this mistake to give a different answer

    def apply(self, equation: Equation, site: Site) -> Equation:
        """The equation as a student with this mistake writes it (unchanged elsewhere)."""
        wrong = self.rewrite(equation.expr, site) if self.rewrite is not None else None
        return equation if wrong is None else replace(equation, expr=wrong, mistake=self.name)


# ---- the catalogue: each mistake, then its rewrite of the right expression (a rewrite
# that does not recognise the expression it is shown falls through: None, unchanged) ----

CATALOGUE: dict[str, Mistake] = {}


def mistake(name: str, wrong: str, kind: str, symptom: str, cause: str, *corrupts: str,
            reveal: str = ""):
    """Enter a mistake into the catalogue, with the function under it as its rewrite of
    the equations it corrupts."""
    def enter(rewrite: Rewrite | None) -> Rewrite | None:
        CATALOGUE[name] = Mistake(name, wrong, kind, symptom, cause, frozenset(corrupts), rewrite,
                                  reveal)
        return rewrite
    return enter


@mistake("dW_no_transpose", "dW[l] = 1/m dZ[l]·A[l-1]", "shape",
         "shape mismatch at backward [L], dW[L]: the inner dimensions m and n[L-1] disagree",
         "missing transpose: dW[l] = 1/m dZ[l]·A[l-1]ᵀ (n[l]×m times m×n[l-1])", DW,
         reveal="a number of examples m that is not the size of a layer, n[l-1]")
def _no_transpose_in_dW(expr: Expr, site: Site) -> Expr | None:
    match expr:  # 1/m · dZ[l]·A[l-1]ᵀ  ->  1/m · dZ[l]·A[l-1]
        case Scale("1/m", MatMul(Name() as dZ, T(prev))) if dZ.name.startswith("dZ"):
            return Scale("1/m", MatMul(dZ, prev))


@mistake("dA_no_transpose", "dA[l-1] = W[l]·dZ[l]", "shape",
         "shape mismatch at backward [L], dA[L-1]: W[L] is n[L]×n[L-1] and dZ[L] is n[L]×m",
         "missing transpose: dA[l-1] = W[l]ᵀ·dZ[l] (n[l-1]×n[l] times n[l]×m)", DA,
         reveal="a W[l] that is not symmetric (and better, not square)")
def _no_transpose_in_dA(expr: Expr, site: Site) -> Expr | None:
    match expr:  # W[l]ᵀ·dZ[l]  ->  W[l]·dZ[l]
        case MatMul(T(W), Name() as dZ) if dZ.name.startswith("dZ"):
            return MatMul(W, dZ)


def _db_sum(**how) -> Rewrite:
    def rewrite(expr: Expr, site: Site) -> Expr | None:
        match expr:  # 1/m · Σ dZ[l]  ->  1/m · np.sum(dZ[l], ...)
            case Scale("1/m", SumExamples(dZ)):
                return Scale("1/m", SumExamples(dZ, **how))
    return rewrite


mistake("db_wrong_axis", "db[l] = 1/m np.sum(dZ[l], axis=0, keepdims=True)", "shape",
        "shape mismatch at backward [L], db[L]: 1×m instead of n[L]×1",
        "summed over the units instead of the examples: db[l] sums each row, axis=1",
        DB, reveal="a number of examples m that is not a layer's size")(_db_sum(axis=0))
mistake("db_no_keepdims", "db[l] = 1/m np.sum(dZ[l], axis=1)", "shape",
        "shape mismatch at backward [L], db[L]: (n,) instead of n×1, which the update "
        "b − α·db would silently broadcast into an n×n matrix",
        "np.sum without keepdims=True drops the column axis; b[l] − α·db[l] would then "
        "silently broadcast b[l] to n[l]×n[l]", DB, reveal="")(_db_sum(keepdims=False))


@mistake("forgot_one_over_m", "dW[l] = dZ[l]·A[l-1]ᵀ and db[l] = Σ dZ[l]", "value",
         "no shape error; the gradient check fails for every dW and db (they are m times "
         "too large) and the cost jumps about unless the learning rate is tiny",
         "the 1/m is missing: dW and db are averages over the m examples", DW, DB,
         reveal="more than one example (m > 1)")
def _without_one_over_m(expr: Expr, site: Site) -> Expr | None:
    match expr:  # 1/m · (...) in dW and db  ->  (...)
        case Scale("1/m", MatMul(Name() as dZ, T()) as product) if dZ.name.startswith("dZ"):
            return product
        case Scale("1/m", SumExamples() as total):
            return total


@mistake("activation_not_derivative", "dZ[l] = dA[l] * g(Z[l])", "value",
         "no shape error; the gradient check fails for every layer below the output",
         "g(Z[l]) was used where the chain rule needs g'(Z[l])", DZ,
         reveal="hidden units whose Z[l] gives g(Z) ≠ g′(Z) (for ReLU: a positive Z other than 1)")
def _g_not_g_prime(expr: Expr, site: Site) -> Expr | None:
    match expr:  # dA[l] * g'(Z[l])  ->  dA[l] * g(Z[l])
        case Times(dA, Apply(label, _, Z)) if label.endswith("'"):
            return Times(dA, Apply(site.g.name, site.g.g, Z))


@mistake("output_derivative_everywhere", "dZ[l] = dA[l] * g'(Z[L])", "shape",
         "the post's recap typo: when n[l] ≠ n[L], a shape mismatch at backward [L-1], "
         "dZ[L-1] (NumPy would silently broadcast); when they are equal, the gradient "
         "check fails instead",
         "g' must be taken at this layer's own Z[l], not the output's Z[L] (the post's "
         "recap writes g'(Z^[L]) where it means g'(Z^[l]))", DZ,
         reveal="a hidden layer of another size than the output, n[l] ≠ n[L]")
def _output_derivative(expr: Expr, site: Site) -> Expr | None:
    match expr:  # dA[l] * g'(Z[l])  ->  dA[l] * g'(Z[L]), below the output only
        case Times(dA, Apply(label, fn, Name())) if label.endswith("'") and site.l < site.L:
            return Times(dA, Apply(label, fn, Name(post("Z", site.L))))


# The data is wrong, not an equation: batches.py turns X, so there is nothing to rewrite.
mistake("examples_as_rows", "A[0] = X with X stored as examples × features", "shape",
        "shape mismatch at forward [1], Z[1]: W[1] is n[1]×n[0] but A[0] is m×n[0]",
        "X seems to be examples × features: transpose it (columns are examples)", DATA,
        reveal="")(None)


@mistake("gradient_ascent", "W[l] := W[l] + α·dW[l]", "value",
         "no shape error and the gradients check out; the cost rises every iteration",
         "the update must go against the gradient: W[l] := W[l] − α·dW[l]", UPDATE,
         reveal="training, or a method that updates in place: one iteration's gradients are right")
def _ascent(expr: Expr, site: Site) -> Expr | None:
    match expr:  # W[l] − α dW[l]  ->  W[l] + α dW[l]
        case Minus(Name() as p, Scale("α", grad)):
            return Plus(p, Scale("α", grad))


@mistake("dZ_output_sign", "dZ[L] = Y − A[L]", "value",
         "no shape error; the gradient check fails for every layer and the cost rises",
         "dZ[L] = A[L] − Y: the prediction minus the target", DZ_OUTPUT,
         reveal="predictions A[L] that differ from the targets Y")
def _target_minus_prediction(expr: Expr, site: Site) -> Expr | None:
    match expr:  # A[L] − Y  ->  Y − A[L]
        case Minus(Name() as A, Name("Y") as Y) if A.name.startswith("A["):
            return Minus(Y, A)


@mistake("forward_no_bias", "Z[l] = W[l]·A[l-1]", "value",
         "no shape error; the forward pass is wrong from Z[1] on, unless every b[l] is 0; "
         "the gradient check fails for every db (J no longer depends on b)",
         "the bias is missing: Z[l] = W[l]·A[l-1] + b[l]", Z,
         reveal="a non-zero b[l] (with every b at 0, leaving b out changes nothing)")
def _without_bias(expr: Expr, site: Site) -> Expr | None:
    match expr:  # W[l]·A[l-1] + b[l]  ->  W[l]·A[l-1]
        case AddBias(MatMul() as product, Name()):
            return product


@mistake("one_over_m_twice", "dW[l] = 1/m · 1/m dZ[l]·A[l-1]ᵀ and db[l] = 1/m · 1/m Σ dZ[l]",
         "value", "no shape error; the gradient check fails for every dW and db (they are m "
         "times too small) and training crawls",
         "the 1/m is applied twice: once where dZ is averaged and again in dW and db", DW, DB,
         reveal="more than one example (m > 1)")
def _twice_one_over_m(expr: Expr, site: Site) -> Expr | None:
    match expr:  # 1/m · (...)  ->  1/m · 1/m · (...)
        case Scale("1/m", MatMul(Name() as dZ, T())) if dZ.name.startswith("dZ"):
            return Scale("1/m", expr)
        case Scale("1/m", SumExamples()):
            return Scale("1/m", expr)


@mistake("g_prime_of_A", "dZ[l] = dA[l] * g'(A[l])", "value",
         "no shape error; the gradient check fails below the output",
         "g' was taken at A[l] = g(Z[l]); the chain rule needs g'(Z[l])", DZ,
         reveal="a sigmoid or tanh layer (ReLU's g' is the same at A and at Z)")
def _g_prime_at_A(expr: Expr, site: Site) -> Expr | None:
    match expr:  # dA[l] * g'(Z[l])  ->  dA[l] * g'(A[l])
        case Times(dA, Apply(label, fn, Name(z))) if label.endswith("'") and z.startswith("Z["):
            return Times(dA, Apply(label, fn, Name("A" + z[1:])))


@mistake("dA_after_update", "dA[l-1] = (W[l] − α dW[l])ᵀ·dZ[l]", "value",
         "no shape error; every gradient below the top layer is off, by α dW[l]ᵀ·dZ[l]",
         "W[l] was updated before dA[l-1] = W[l]ᵀ·dZ[l] used it: compute dA[l-1] first, "
         "then update", DA,
         reveal="a learning rate and a gradient that are not zero")
def _updated_too_soon(expr: Expr, site: Site) -> Expr | None:
    match expr:  # W[l]ᵀ·dZ[l]  ->  W[l]ᵀ·dZ[l] − α · dW[l]ᵀ·dZ[l]
        case MatMul(T(Name(w)), Name() as dZ) if dZ.name.startswith("dZ"):
            return Minus(expr, Scale("α", MatMul(T(Name("d" + w)), dZ)))


def collisions(names: list[str] | tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(first, second, equation) for every two mistakes that rewrite the same equation."""
    out = []
    for k, a in enumerate(names):
        for b in names[k + 1:]:
            shared = CATALOGUE[a].corrupts & CATALOGUE[b].corrupts
            if shared and a != b:
                out.append((a, b, sorted(shared)[0]))
    return out


def rewritten(equation: Equation, site: Site, names) -> Equation:
    """The equation as the active mistakes write it (at most one rewrites any equation)."""
    for name in names:
        equation = CATALOGUE[name].apply(equation, site)
    return equation
