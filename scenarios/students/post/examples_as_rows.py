"""A forward pass that expects examples as rows: Z[1] = W[1]·Xᵀ (examples_as_rows).

The student's dataset arrived m × n[0] and they transposed it inside forward; with the
post's X (n[0] × m) the cache's A0 is 6×3 instead of 3×6, the first divergence, and
np.dot then raises while computing Z1 (W1 is 5×3): the report shows both, exit 1.

Try it:  bpdebug grade-deep --check --impl scenarios/students/post/examples_as_rows.py
"""
import numpy as np


def relu(Z, deriv=False):
    if deriv:
        return (Z > 0).astype(float)  # ReLU'(0) = 0, as the post takes it
    return np.maximum(Z, 0)


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def forward(X, parameters):
    L = len(parameters) // 2
    cache = {"A0": X.T}  # "my data has one example per row"
    for l in range(1, L + 1):
        cache["Z" + str(l)] = np.dot(parameters["W" + str(l)], cache["A" + str(l - 1)]) + parameters["b" + str(l)]
        g = sigmoid if l == L else relu
        cache["A" + str(l)] = g(cache["Z" + str(l)])
    return cache["A" + str(L)], cache


def backpropagation(cache, Y, parameters):
    L = len(parameters) // 2
    m = Y.shape[1]
    grads = {}
    grads["dZ" + str(L)] = cache["A" + str(L)] - Y
    grads["dW" + str(L)] = (1 / m) * np.dot(grads["dZ" + str(L)], cache["A" + str(L - 1)].T)
    grads["db" + str(L)] = (1 / m) * np.sum(grads["dZ" + str(L)], axis=1, keepdims=True)
    for l in range(L - 1, 0, -1):
        grads["dA" + str(l)] = np.dot(parameters["W" + str(l + 1)].T, grads["dZ" + str(l + 1)])
        grads["dZ" + str(l)] = np.multiply(grads["dA" + str(l)], relu(cache["Z" + str(l)], deriv=True))
        grads["dW" + str(l)] = (1 / m) * np.dot(grads["dZ" + str(l)], cache["A" + str(l - 1)].T)
        grads["db" + str(l)] = (1 / m) * np.sum(grads["dZ" + str(l)], axis=1, keepdims=True)
    return grads
