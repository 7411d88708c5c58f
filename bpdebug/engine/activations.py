"""Activation functions: g and g' side by side, as the post pairs them.

A[l] = g(Z[l]) on the way forward, dZ[l] = dA[l] * g'(Z[l]) on the way back.
Adding an activation is one entry in ACTIVATIONS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray

LEAKY_SLOPE = 0.01


def sigmoid(Z: Array) -> Array:
    # 1/(1+e^-z) written so that neither branch ever exponentiates a large
    # positive number: no overflow warning for |Z| up to 1e3 and far beyond.
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def sigmoid_prime(Z: Array) -> Array:
    S = sigmoid(Z)
    return S * (1.0 - S)


def relu(Z: Array) -> Array:
    return np.maximum(Z, 0.0)


def relu_prime(Z: Array) -> Array:
    # The post's convention: ReLU'(0) = 0.
    return (Z > 0).astype(Z.dtype)


def leaky_relu(Z: Array) -> Array:
    return np.where(Z > 0, Z, LEAKY_SLOPE * Z)


def leaky_relu_prime(Z: Array) -> Array:
    return np.where(Z > 0, 1.0, LEAKY_SLOPE)


def tanh(Z: Array) -> Array:
    return np.tanh(Z)


def tanh_prime(Z: Array) -> Array:
    T = np.tanh(Z)
    return 1.0 - T * T


def linear(Z: Array) -> Array:
    return Z


def linear_prime(Z: Array) -> Array:
    return np.ones_like(Z)


def softmax(Z: Array) -> Array:
    # Column-wise (each column is an example); shifting by the column's max
    # keeps exp() from overflowing.
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


@dataclass(frozen=True)
class Activation:
    name: str
    g: Callable[[Array], Array]
    g_prime: Callable[[Array], Array] | None  # None: not element-wise (softmax)
    formula: str
    derivative: str
    kinked: bool = False  # the slope jumps at z = 0: a difference across it mixes two slopes


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("relu", relu, relu_prime, "max(0, z)", "1 if z > 0 else 0", kinked=True),
        Activation(
            "leaky_relu", leaky_relu, leaky_relu_prime,
            "z if z > 0 else 0.01 z", "1 if z > 0 else 0.01", kinked=True,
        ),
        Activation("sigmoid", sigmoid, sigmoid_prime, "1 / (1 + e^-z)", "g(z) (1 - g(z))"),
        Activation("tanh", tanh, tanh_prime, "tanh(z)", "1 - tanh(z)^2"),
        Activation("linear", linear, linear_prime, "z", "1"),
        # softmax mixes a whole column, so it has no element-wise g'; it is only
        # allowed as the output layer with cross_entropy, where dZ[L] = A[L] - Y.
        Activation("softmax", softmax, None, "e^z / sum(e^z)", "(a Jacobian, not element-wise)"),
    )
}

# The ReLU family: He initialisation suits them, and the gradient check and the nudge
# watch their units cross the kink.
KINKED = tuple(name for name, a in ACTIVATIONS.items() if a.kinked)
