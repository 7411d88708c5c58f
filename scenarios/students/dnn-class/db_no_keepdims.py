#!/usr/bin/env python3
"""db without keepdims: db = Σ dz / m has shape (n,), and b - alpha·db quietly turns each
b into an n×n matrix.

bpdebug reads the gradient back from the update: the first entry that differs is db2,
2×2 instead of 2×1, and the likely cause names the missing keepdims: exit 1.

    bpdebug grade-sigmoid --check --impl scenarios/students/dnn-class/db_no_keepdims.py
"""
import numpy as np


class DeepNeuralNetwork:
    """A deep neural network performing binary classification"""

    def __init__(self, nx, layers):
        if type(nx) is not int:
            raise TypeError("nx must be an integer")
        if nx < 1:
            raise ValueError("nx must be a positive integer")
        if type(layers) is not list or len(layers) == 0:
            raise TypeError("layers must be a list of positive integers")
        self.__L = len(layers)
        self.__cache = {}
        self.__weights = {}
        previous = nx
        for i, nodes in enumerate(layers, start=1):
            if type(nodes) is not int or nodes < 1:
                raise TypeError("layers must be a list of positive integers")
            self.__weights["W" + str(i)] = np.random.randn(nodes, previous) * np.sqrt(2 / previous)
            self.__weights["b" + str(i)] = np.zeros((nodes, 1))
            previous = nodes

    @property
    def L(self):
        return self.__L

    @property
    def cache(self):
        return self.__cache

    @property
    def weights(self):
        return self.__weights

    def forward_prop(self, X):
        """The activations of every layer, kept in the cache as A0 .. AL"""
        self.__cache["A0"] = X
        for i in range(1, self.__L + 1):
            Z = np.matmul(self.__weights["W" + str(i)], self.__cache["A" + str(i - 1)]) \
                + self.__weights["b" + str(i)]
            self.__cache["A" + str(i)] = 1 / (1 + np.exp(-Z))
        return self.__cache["A" + str(self.__L)], self.__cache

    def cost(self, Y, A):
        m = Y.shape[1]
        return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1.0000001 - A)) / m

    def gradient_descent(self, Y, cache, alpha=0.05):
        """One pass of gradient descent, from the last layer down"""
        m = Y.shape[1]
        dz = cache["A" + str(self.__L)] - Y
        for i in range(self.__L, 0, -1):
            A_prev = cache["A" + str(i - 1)]
            dw = np.matmul(dz, A_prev.T) / m
            db = np.sum(dz, axis=1) / m
            W = self.__weights["W" + str(i)]
            dz = np.matmul(W.T, dz) * A_prev * (1 - A_prev)
            self.__weights["W" + str(i)] = W - alpha * dw
            self.__weights["b" + str(i)] = self.__weights["b" + str(i)] - alpha * db


if __name__ == "__main__":
    deep = DeepNeuralNetwork(3, [4, 2, 1])
    print(deep.weights)
