"""Costs J and the gradient that starts the backward pass.

Gradient convention (the post's): dW and db are gradients of J, while dZ and dA
are per-example values with no 1/m, i.e. dA[L] = m * dJ/dA[L].  With a matching
output layer the post's shortcut holds: dZ[L] = A[L] - Y.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray


def _bce_from_logits(Z: Array, Y: Array) -> float:
    # -[y log a + (1-y) log(1-a)] with a = sigmoid(z) equals softplus(z) - y z,
    # which never takes the log of 0 however large |z| is.
    m = Y.shape[-1]
    return float(np.sum(np.logaddexp(0.0, Z) - Y * Z) / m)


def _ce_from_logits(Z: Array, Y: Array) -> float:
    # log softmax(z) = z - logsumexp(z), column by column.
    m = Y.shape[-1]
    top = Z.max(axis=0, keepdims=True)
    log_A = Z - top - np.log(np.sum(np.exp(Z - top), axis=0, keepdims=True))
    return float(-np.sum(Y * log_A) / m)


def _mse(A: Array, Y: Array) -> float:
    m = Y.shape[-1]
    D = A - Y
    return float(np.sum(D * D) / (2 * m))


def _bce_dA(A: Array, Y: Array) -> Array:
    return -(Y / A - (1.0 - Y) / (1.0 - A))


def _ce_dA(A: Array, Y: Array) -> Array:
    return -Y / A


def _mse_dA(A: Array, Y: Array) -> Array:
    return A - Y


@dataclass(frozen=True)
class Loss:
    name: str
    formula: str
    # J from the output layer's Z[L] and A[L]; logit-based where that is stabler.
    cost: Callable[[Array, Array, Array], float]
    dA: Callable[[Array, Array], Array]  # m * dJ/dA[L]
    dA_formula: str
    matching: str  # the output activation for which dZ[L] = A[L] - Y
    outputs: frozenset[str]  # output activations this loss can be paired with
    hint: str  # what to say when the pairing is refused


LOSSES: dict[str, Loss] = {
    l.name: l
    for l in (
        Loss(
            "binary_cross_entropy",
            "J = -1/m Σ [Y log A[L] + (1-Y) log(1-A[L])]",
            lambda Z, A, Y: _bce_from_logits(Z, Y),
            _bce_dA,
            "-(Y / A[L] - (1-Y) / (1-A[L]))",
            "sigmoid",
            frozenset({"sigmoid"}),
            "binary_cross_entropy takes the log of A[L] and 1-A[L], so the output must be sigmoid",
        ),
        Loss(
            "cross_entropy",
            "J = -1/m Σ Y log A[L]",
            lambda Z, A, Y: _ce_from_logits(Z, Y),
            _ce_dA,
            "-Y / A[L]",
            "softmax",
            frozenset({"softmax"}),
            "cross_entropy goes with a softmax output and a one-hot Y",
        ),
        Loss(
            "mean_squared_error",
            "J = 1/(2m) Σ (A[L] - Y)²",
            lambda Z, A, Y: _mse(A, Y),
            _mse_dA,
            "A[L] - Y",
            "linear",
            frozenset({"linear", "sigmoid", "tanh", "relu", "leaky_relu"}),
            "softmax needs cross_entropy; mean_squared_error works with any other output",
        ),
    )
}
