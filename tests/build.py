"""Scenarios built in code, without TOML, and small random problems for the engine tests.

Nothing here calls the engine: the tests compare it with what is computed here.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from bpdebug.engine.spec import LayerSpec, Scenario
from bpdebug.engine.watch import parse as parse_watch

# Which output activations each loss goes with (the pairings the engine accepts).
OUTPUTS = {
    "binary_cross_entropy": ("sigmoid",),
    "cross_entropy": ("softmax",),
    "mean_squared_error": ("linear", "sigmoid", "tanh", "relu", "leaky_relu"),
}
HIDDEN = ("relu", "leaky_relu", "sigmoid", "tanh", "linear")
PAIRINGS = [(out, loss) for loss, outs in OUTPUTS.items() for out in outs]


def scenario(X, Y, sizes: Sequence[int], activations: Sequence[str], loss: str,
             params=None, bugs=(), lr: float = 0.1, seed: int = 0, batch_size: int = 0,
             watch: dict | None = None, iterations: int = 10, init: str = "xavier",
             name: str = "test") -> Scenario:
    """A Scenario as the loader would make it.  ``sizes`` are n[1..L] (the units);
    ``params`` is a list of (W, b) or None for the init scheme."""
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    assert len(sizes) == len(activations)
    layers = []
    for l, (units, g) in enumerate(zip(sizes, activations)):
        W = b = None
        if params is not None:
            W, b = (np.array(p, dtype=np.float64) for p in params[l])
        layers.append(LayerSpec(units, g, init, W, b))
    parsed, problems = parse_watch(dict(watch or {}))
    assert not problems, problems
    return Scenario(name=name, path="<test>", title=name, description="", seed=seed,
                    X=X, Y=Y, n0=X.shape[0], m=X.shape[1], examples_axis=1,
                    y_examples_axis=1, layers=tuple(layers), loss=loss,
                    learning_rate=lr, iterations=iterations, batch_size=batch_size,
                    bugs=tuple(bugs), watch=parsed)


def targets(rng: np.random.Generator, loss: str, k: int, m: int) -> np.ndarray:
    if loss == "cross_entropy":
        return np.eye(k)[rng.integers(0, k, size=m)].T
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, size=(k, m)).astype(float)
    return rng.normal(size=(k, m))


def problem(seed: int, activations: Sequence[str], loss: str, n: Sequence[int], m: int = 6,
            scale: float = 0.8):
    """Random X, Y and explicit parameters for a network with sizes n = [n0, n1, ..., nL]."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n[0], m))
    Y = targets(rng, loss, n[-1], m)
    params = [(rng.normal(size=(n[l], n[l - 1])) * scale / np.sqrt(n[l - 1]),
               rng.normal(size=(n[l], 1)) * 0.3) for l in range(1, len(n))]
    return X, Y, params


def random_scenario(seed: int, activations: Sequence[str], loss: str, n: Sequence[int],
                    m: int = 6, **kw) -> Scenario:
    X, Y, params = problem(seed, activations, loss, n, m)
    return scenario(X, Y, n[1:], activations, loss, params=params, seed=seed, **kw)


def param_list(params: dict, L: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The engine's {"W[1]": ..., "b[1]": ...} as [(W1, b1), ...]."""
    return [(params[f"W[{l}]"], params[f"b[{l}]"]) for l in range(1, L + 1)]


# ---- the post's equations, written out once more, independently of bpdebug -----------

def _sigmoid(Z):
    return 0.5 * (1.0 + np.tanh(0.5 * Z))  # a different formula from the engine's on purpose


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


G = {
    "relu": lambda Z: np.where(Z > 0, Z, 0.0),
    "leaky_relu": lambda Z: np.where(Z > 0, Z, 0.01 * Z),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "linear": lambda Z: Z.copy(),
    "softmax": _softmax,
}
G_PRIME = {
    "relu": lambda Z, A: (Z > 0) * 1.0,
    "leaky_relu": lambda Z, A: np.where(Z > 0, 1.0, 0.01),
    "sigmoid": lambda Z, A: A * (1.0 - A),
    "tanh": lambda Z, A: 1.0 - A ** 2,
    "linear": lambda Z, A: np.ones_like(Z),
}


def cost(loss: str, A: np.ndarray, Y: np.ndarray) -> float:
    m = Y.shape[1]
    if loss == "binary_cross_entropy":
        return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    if loss == "cross_entropy":
        return float(-np.sum(Y * np.log(A)) / m)
    return float(np.sum((A - Y) ** 2) / (2 * m))


def forward(X, params, activations):
    """Z[1..L], A[0..L] as lists (Z[0] is None)."""
    Z, A = [None], [X]
    for (W, b), g in zip(params, activations):
        Z.append(W @ A[-1] + b)
        A.append(G[g](Z[-1]))
    return Z, A


def J(X, Y, params, activations, loss) -> float:
    return cost(loss, forward(X, params, activations)[1][-1], Y)


def backprop(X, Y, params, activations, loss, alpha=0.0):
    """Every quantity of one iteration, keyed like the engine's env, straight from the post."""
    L, m = len(params), X.shape[1]
    Z, A = forward(X, params, activations)
    out = {"A[0]": X, "Y": Y, "J": cost(loss, A[L], Y)}
    for l in range(1, L + 1):
        out[f"W[{l}]"], out[f"b[{l}]"] = params[l - 1]
        out[f"Z[{l}]"], out[f"A[{l}]"] = Z[l], A[l]
    matching = {"binary_cross_entropy": "sigmoid", "cross_entropy": "softmax",
                "mean_squared_error": "linear"}[loss]
    for l in range(L, 0, -1):
        W, b = params[l - 1]
        g = activations[l - 1]
        if l == L and g == matching:
            dZ = A[L] - Y                                   # dZ[L] = A[L] − Y
        else:
            if l == L:                                      # dA[L] = m·∂J/∂A[L]
                if loss == "binary_cross_entropy":
                    out[f"dA[{L}]"] = -(Y / A[L]) + (1 - Y) / (1 - A[L])
                elif loss == "cross_entropy":
                    out[f"dA[{L}]"] = -(Y / A[L])
                else:
                    out[f"dA[{L}]"] = A[L] - Y
            dZ = out[f"dA[{l}]"] * G_PRIME[g](Z[l], A[l])    # dZ[l] = dA[l] * g'(Z[l])
        out[f"dZ[{l}]"] = dZ
        out[f"dW[{l}]"] = dZ @ A[l - 1].T / m               # dW[l] = 1/m dZ[l]·A[l-1]ᵀ
        out[f"db[{l}]"] = dZ.sum(axis=1, keepdims=True) / m  # db[l] = 1/m Σ dZ[l]
        out[f"dA[{l - 1}]"] = W.T @ dZ                      # dA[l-1] = W[l]ᵀ·dZ[l]
    new = [(W - alpha * out[f"dW[{l}]"], b - alpha * out[f"db[{l}]"])
           for l, (W, b) in enumerate(params, start=1)]
    return out, new


def numeric_gradients(X, Y, params, activations, loss, eps=1e-6):
    """Central differences of J (computed here, not by the engine) for every W[l], b[l]."""
    out = {}
    for l in range(len(params)):
        for which in (0, 1):
            theta = params[l][which]
            grad = np.zeros_like(theta)
            for idx in np.ndindex(theta.shape):
                values = []
                for sign in (1, -1):
                    nudged = [list(p) for p in params]
                    t = theta.copy()
                    t[idx] += sign * eps
                    nudged[l][which] = t
                    values.append(J(X, Y, nudged, activations, loss))
                grad[idx] = (values[0] - values[1]) / (2 * eps)
            out[f"{'dW' if which == 0 else 'db'}[{l + 1}]"] = grad
    return out


def rel_error(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    diff = float(np.linalg.norm(a - b))
    return 0.0 if diff == 0 else diff / max(float(np.linalg.norm(a) + np.linalg.norm(b)), 1e-300)


def assert_gradients_close(got: dict, want: dict, rel=1e-6, noise=1e-9, what=""):
    """Relative error below ``rel``, where a difference below ``noise`` (what a central
    difference with eps = 1e-6 cannot resolve) counts as none."""
    for name, w in want.items():
        g = got[name]
        assert np.shape(g) == np.shape(w), f"{name} {what}: {np.shape(g)} ≠ {np.shape(w)}"
        diff = float(np.linalg.norm(np.asarray(g) - w))
        error = rel_error(g, w)
        assert diff <= noise or error < rel, f"{name} {what}: relative error {error:.2e}"


def min_abs_Z(X, params, activations) -> float:
    Z, _ = forward(X, params, activations)
    return min(float(np.min(np.abs(z))) for z in Z[1:])


def away_from_kinks(X, params, activations, margin=1e-3, seed=0, tries=200):
    """Nudge the biases until no pre-activation Z lies within ``margin`` of 0 (ReLU kinks)."""
    rng = np.random.default_rng([seed, 99])
    params = [(np.array(W), np.array(b)) for W, b in params]
    for _ in range(tries):
        if min_abs_Z(X, params, activations) > margin:
            return params
        params = [(W, b + rng.normal(scale=0.05, size=b.shape)) for W, b in params]
    raise AssertionError("could not move every Z away from the ReLU kink")


# ---- exact comparison, for time travel ---------------------------------------------------

def bits(value) -> bytes:
    """A value's exact bits (and shape), so NaN == NaN and -0.0 ≠ 0.0."""
    a = np.asarray(value, dtype=np.float64)
    return repr(a.shape).encode() + a.tobytes()


def snapshot(record):
    """Everything a record says, as plain comparable data."""
    if record is None:
        return None
    computed = [(str(c.equation), tuple((o.text, o.shape) for o in c.operands),
                 None if c.result is None else (c.result.name, bits(c.result.value)))
                for c in record.computed]
    return (record.index, record.iteration, record.step, record.m, record.mismatch,
            record.error, tuple(computed), {k: bits(v) for k, v in record.env.items()},
            dict(record.expected))


def params_bits(params):
    return {k: bits(v) for k, v in params.items()}
