"""A tiny reverse-mode autograd over NumPy arrays, written for the tests only.

It knows nothing of layers, dZ or the post's equations: it differentiates the
cost J as a composition of elementary operations.  So when bpdebug's exported
gradients agree with it, they agree with an independent derivation.
"""

from __future__ import annotations

import numpy as np


class Tensor:
    __array_ufunc__ = None  # make NumPy arrays defer to Tensor's operators: Y * A, 1 - A

    def __init__(self, value, parents=(), backward=None):
        self.value = np.asarray(value, dtype=np.float64)
        self.parents = parents
        self._backward = backward  # grad of the output -> grads of the parents
        self.grad = np.zeros_like(self.value)

    # -- building blocks ---------------------------------------------------------------
    def __matmul__(self, other):
        return Tensor(self.value @ other.value, (self, other),
                      lambda g: (g @ other.value.T, self.value.T @ g))

    def __add__(self, other):
        other = lift(other)
        return Tensor(self.value + other.value, (self, other),
                      lambda g: (unbroadcast(g, self.value.shape), unbroadcast(g, other.value.shape)))

    __radd__ = __add__

    def __neg__(self):
        return Tensor(-self.value, (self,), lambda g: (-g,))

    def __sub__(self, other):
        return self + (-lift(other))

    def __rsub__(self, other):
        return lift(other) + (-self)

    def __mul__(self, other):
        other = lift(other)
        return Tensor(self.value * other.value, (self, other),
                      lambda g: (unbroadcast(g * other.value, self.value.shape),
                                 unbroadcast(g * self.value, other.value.shape)))

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = lift(other)
        return self * other.reciprocal()

    def __rtruediv__(self, other):
        return lift(other) * self.reciprocal()

    def reciprocal(self):
        return Tensor(1.0 / self.value, (self,), lambda g: (-g / self.value ** 2,))

    def exp(self):
        out = np.exp(self.value)
        return Tensor(out, (self,), lambda g: (g * out,))

    def log(self):
        return Tensor(np.log(self.value), (self,), lambda g: (g / self.value,))

    def tanh(self):
        out = np.tanh(self.value)
        return Tensor(out, (self,), lambda g: (g * (1 - out ** 2),))

    def relu(self, slope=0.0):
        on = self.value > 0
        return Tensor(np.where(on, self.value, slope * self.value), (self,),
                      lambda g: (g * np.where(on, 1.0, slope),))

    def sum(self, axis=None, keepdims=False):
        shape = self.value.shape

        def back(g):
            g = np.asarray(g)
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            return (np.broadcast_to(g, shape).copy(),)

        return Tensor(self.value.sum(axis=axis, keepdims=keepdims), (self,), back)

    def max_detached(self, axis):
        """The max as a constant: shifting a softmax by it changes nothing."""
        return Tensor(self.value.max(axis=axis, keepdims=True))

    @property
    def T(self):
        return Tensor(self.value.T, (self,), lambda g: (g.T,))

    # -- the backward pass ----------------------------------------------------------------
    def backward(self):
        order, seen = [], set()

        def visit(node):
            if id(node) in seen:
                return
            seen.add(id(node))
            for parent in node.parents:
                visit(parent)
            order.append(node)

        visit(self)
        self.grad = np.ones_like(self.value)
        for node in reversed(order):
            if node._backward is None:
                continue
            for parent, g in zip(node.parents, node._backward(node.grad)):
                parent.grad = parent.grad + g


def lift(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def sigmoid(z: Tensor) -> Tensor:
    return 1.0 / (1.0 + (-z).exp())


def softmax(z: Tensor) -> Tensor:
    e = (z - z.max_detached(axis=0)).exp()
    return e / e.sum(axis=0, keepdims=True)


ACTIVATIONS = {
    "relu": lambda z: z.relu(),
    "leaky_relu": lambda z: z.relu(0.01),
    "sigmoid": sigmoid,
    "tanh": lambda z: z.tanh(),
    "linear": lambda z: z,
    "softmax": softmax,
}


def cost(loss: str, A: Tensor, Y: np.ndarray) -> Tensor:
    m = Y.shape[1]
    if loss == "binary_cross_entropy":
        return -(Y * A.log() + (1 - Y) * (1 - A).log()).sum() / m
    if loss == "cross_entropy":
        return -(Y * A.log()).sum() / m
    if loss == "mean_squared_error":
        D = A - Y
        return (D * D).sum() / (2 * m)
    raise ValueError(loss)


def gradients(X, Y, params: list[tuple[np.ndarray, np.ndarray]], activations: list[str], loss: str):
    """J and every gradient as the engine's convention names them, by autodiff of J alone."""
    m = Y.shape[1]
    A = Tensor(X)
    tensors, Zs, As = [], [], [A]
    for (W, b), g in zip(params, activations):
        W, b = Tensor(W), Tensor(b)
        Z = W @ A + b
        A = ACTIVATIONS[g](Z)
        tensors.append((W, b))
        Zs.append(Z)
        As.append(A)
    J = cost(loss, A, Y)
    J.backward()
    out = {"cost": float(J.value)}
    for l, ((W, b), Z) in enumerate(zip(tensors, Zs), start=1):
        out[f"dW{l}"], out[f"db{l}"] = W.grad, b.grad
        out[f"dZ{l}"] = m * Z.grad  # per-example, as the post's dZ
        out[f"A{l}"], out[f"Z{l}"] = As[l].value, Z.value
    for l in range(len(params)):
        out[f"dA{l}"] = m * As[l].grad
    return out
