"""The catalogue of classic backprop mistakes a scenario can inject with [teach] bugs.

Each entry says what the wrong line computes, what students see, and what to
tell them.  Shape checks catch the shape mistakes; the gradient check catches
the value mistakes.  plan.py applies them where the equations are written.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    name: str
    wrong: str  # the line as the student wrote it
    kind: str  # "shape" (the shape checks catch it) or "value" (the gradient check does)
    symptom: str  # what students see, and where
    cause: str  # what bpdebug says when it is the likely cause


CATALOGUE: dict[str, Mistake] = {
    m.name: m
    for m in (
        Mistake(
            "dW_no_transpose", "dW[l] = 1/m dZ[l]·A[l-1]", "shape",
            "shape mismatch at backward [L], dW[L]: the inner dimensions m and n[L-1] disagree",
            "missing transpose: dW[l] = 1/m dZ[l]·A[l-1]ᵀ (n[l]×m times m×n[l-1])",
        ),
        Mistake(
            "dA_no_transpose", "dA[l-1] = W[l]·dZ[l]", "shape",
            "shape mismatch at backward [L], dA[L-1]: W[L] is n[L]×n[L-1] and dZ[L] is n[L]×m",
            "missing transpose: dA[l-1] = W[l]ᵀ·dZ[l] (n[l-1]×n[l] times n[l]×m)",
        ),
        Mistake(
            "db_wrong_axis", "db[l] = 1/m np.sum(dZ[l], axis=0, keepdims=True)", "shape",
            "shape mismatch at backward [L], db[L]: 1×m instead of n[L]×1",
            "summed over the units instead of the examples: db[l] sums each row, axis=1",
        ),
        Mistake(
            "db_no_keepdims", "db[l] = 1/m np.sum(dZ[l], axis=1)", "shape",
            "shape mismatch at backward [L], db[L]: (n,) instead of n×1, which the update "
            "b − α·db would silently broadcast into an n×n matrix",
            "np.sum without keepdims=True drops the column axis; b[l] − α·db[l] would then "
            "silently broadcast b[l] to n[l]×n[l]",
        ),
        Mistake(
            "forgot_one_over_m", "dW[l] = dZ[l]·A[l-1]ᵀ and db[l] = Σ dZ[l]", "value",
            "no shape error; the gradient check fails for every dW and db (they are m times "
            "too large) and the cost jumps about unless the learning rate is tiny",
            "the 1/m is missing: dW and db are averages over the m examples",
        ),
        Mistake(
            "activation_not_derivative", "dZ[l] = dA[l] * g(Z[l])", "value",
            "no shape error; the gradient check fails for every layer below the output",
            "g(Z[l]) was used where the chain rule needs g'(Z[l])",
        ),
        Mistake(
            "output_derivative_everywhere", "dZ[l] = dA[l] * g'(Z[L])", "shape",
            "the post's recap typo: when n[l] ≠ n[L], a shape mismatch at backward [L-1], "
            "dZ[L-1] (NumPy would silently broadcast); when they are equal, the gradient "
            "check fails instead",
            "g' must be taken at this layer's own Z[l], not the output's Z[L] (the post's "
            "recap writes g'(Z^[L]) where it means g'(Z^[l]))",
        ),
        Mistake(
            "examples_as_rows", "A[0] = X with X stored as examples × features", "shape",
            "shape mismatch at forward [1], Z[1]: W[1] is n[1]×n[0] but A[0] is m×n[0]",
            "X seems to be examples × features: transpose it (columns are examples)",
        ),
        Mistake(
            "gradient_ascent", "W[l] := W[l] + α·dW[l]", "value",
            "no shape error and the gradients check out; the cost rises every iteration",
            "the update must go against the gradient: W[l] := W[l] − α·dW[l]",
        ),
        Mistake(
            "dZ_output_sign", "dZ[L] = Y − A[L]", "value",
            "no shape error; the gradient check fails for every layer and the cost rises",
            "dZ[L] = A[L] − Y: the prediction minus the target",
        ),
    )
}
