"""The post's recap typo: dZ[l] = dA[l] * g'(Z[L]) in every layer.

NumPy broadcasts relu'(Z3) (1×6) against dA2 (4×6) without a word, so every shape fits;
the first divergence is dZ2 with wrong values: exit 1.

    bpdebug grade-deep --check --impl scenarios/students/post/post_typo.py
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
    cache = {"A0": X}
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
        grads["dZ" + str(l)] = np.multiply(grads["dA" + str(l)], relu(cache["Z" + str(L)], deriv=True))
        grads["dW" + str(l)] = (1 / m) * np.dot(grads["dZ" + str(l)], cache["A" + str(l - 1)].T)
        grads["db" + str(l)] = (1 / m) * np.sum(grads["dZ" + str(l)], axis=1, keepdims=True)
    return grads
