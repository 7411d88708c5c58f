"""The baseline: the post's equations as a bare NumPy training loop, no framework.

What someone would write after reading the post: a forward loop that caches
Z[l] and A[l], dZ[L] = A[L] − Y, then for l = L..1
    dW[l] = 1/m dZ[l]·A[l-1]ᵀ,  db[l] = 1/m Σ dZ[l],  dA[l-1] = W[l]ᵀ·dZ[l],
    dZ[l-1] = dA[l-1] * g'(Z[l-1]),
and the update W[l] := W[l] − α dW[l].  J is computed every iteration, as the
engine does for its loss history.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(Z):
    return 1.0 / (1.0 + np.exp(-Z))


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


G = {"relu": lambda Z: np.maximum(Z, 0.0), "sigmoid": _sigmoid, "softmax": _softmax,
     "tanh": np.tanh, "linear": lambda Z: Z}
G_PRIME = {"relu": lambda Z: Z > 0, "tanh": lambda Z: 1.0 - np.tanh(Z) ** 2,
           "sigmoid": lambda Z: _sigmoid(Z) * (1.0 - _sigmoid(Z))}


class Bare:
    def __init__(self, X, Y, params, activations, loss, lr):
        self.X, self.Y = X.copy(), Y.copy()
        self.L = len(activations)
        self.W = [None] + [params[f"W[{l}]"].copy() for l in range(1, self.L + 1)]
        self.b = [None] + [params[f"b[{l}]"].copy() for l in range(1, self.L + 1)]
        self.g = [None] + [G[a] for a in activations]
        self.g_prime = [None] + [G_PRIME.get(a) for a in activations]
        self.loss, self.lr = loss, lr
        self.m = X.shape[1]
        self.loss_history: list[float] = []

    def train(self, n: int) -> None:
        X, Y, W, b, L, m, lr = self.X, self.Y, self.W, self.b, self.L, self.m, self.lr
        g, g_prime, history = self.g, self.g_prime, self.loss_history
        bce = self.loss == "binary_cross_entropy"
        for _ in range(n):
            A, Z = [X], [None]
            for l in range(1, L + 1):
                Z.append(W[l] @ A[l - 1] + b[l])
                A.append(g[l](Z[l]))
            AL = A[L]
            if bce:
                J = -np.sum(Y * np.log(AL) + (1.0 - Y) * np.log(1.0 - AL)) / m
            else:
                J = -np.sum(Y * np.log(AL)) / m
            history.append(float(J))
            dZ = AL - Y
            dW, db = [None] * (L + 1), [None] * (L + 1)
            for l in range(L, 0, -1):
                dW[l] = (1.0 / m) * (dZ @ A[l - 1].T)
                db[l] = (1.0 / m) * np.sum(dZ, axis=1, keepdims=True)
                if l > 1:
                    dZ = (W[l].T @ dZ) * g_prime[l - 1](Z[l - 1])
            for l in range(1, L + 1):
                W[l] = W[l] - lr * dW[l]
                b[l] = b[l] - lr * db[l]
