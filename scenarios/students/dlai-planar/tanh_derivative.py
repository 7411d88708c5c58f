"""tanh's derivative written as 1 - A1 instead of 1 - A1²: dZ1 = W2ᵀ·dZ2 * (1 - A1).

Every shape fits and the output layer is right.  This API returns only dW and db, so the
first entry that differs is dW1; the first wrong value is dZ[1], named on its own line: exit 1.

    bpdebug grade-planar --check --impl scenarios/students/dlai-planar/tanh_derivative.py
"""
import numpy as np

from planar_utils import load_planar_dataset, plot_decision_boundary  # the course's file


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward_propagation(X, parameters):
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def compute_cost(A2, Y, parameters):
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    return float(np.squeeze(-np.sum(logprobs) / m))


def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * (1 - A1)
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    parameters = {"W1": np.random.randn(n_h, X.shape[0]) * 0.01, "b1": np.zeros((n_h, 1)),
                  "W2": np.random.randn(1, n_h) * 0.01, "b2": np.zeros((1, 1))}
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        for key in grads:
            parameters[key[1:]] -= 1.2 * grads[key]
    return parameters


X, Y = load_planar_dataset()
parameters = nn_model(X, Y, n_h=4, num_iterations=10000, print_cost=True)
plot_decision_boundary(lambda x: forward_propagation(x.T, parameters)[0] > 0.5, X, Y)
