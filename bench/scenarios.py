"""The three network sizes the engine is timed at, as Scenario objects.

The bundled files are used where the loader has them (xor, mnist-size); the
middle size and any missing file are built here, so every implementation in a
run trains on exactly the same X, Y and initial parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpdebug.engine.parameters import initial_parameters
from bpdebug.engine.spec import LayerSpec, Scenario


@dataclass(frozen=True)
class Size:
    key: str  # "2-3-1"
    label: str  # what the table says
    scenario: Scenario


def _make(name, X, Y, layers, loss, lr, seed=0) -> Scenario:
    return Scenario(name, f"<bench {name}>", name, "", seed, X, Y, X.shape[0], X.shape[1], 1, 1,
                    tuple(layers), loss, lr, 1000, 0)


def xor() -> Scenario:
    try:
        from bpdebug.scenario.reader import load
        return load("xor")
    except Exception:  # noqa: BLE001 - the loader is optional: build the same thing
        X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], float)
        Y = np.array([[0, 1, 1, 0]], float)
        return _make("xor", X, Y, [LayerSpec(3, "relu", "he"), LayerSpec(1, "sigmoid", "xavier")],
                     "binary_cross_entropy", 0.5)


def two_16_16_1() -> Scenario:
    # Moons-like data, m = 200: ReLU, ReLU, sigmoid with binary cross-entropy.
    rng = np.random.default_rng([7, 0])
    label = np.arange(200) % 2
    t = rng.uniform(0, np.pi, 200)
    X = np.where(label == 0, [np.cos(t), np.sin(t)], [1 - np.cos(t), 0.5 - np.sin(t)])
    X = X + 0.1 * rng.standard_normal((2, 200))
    Y = label[None, :].astype(float)
    layers = [LayerSpec(16, "relu", "he"), LayerSpec(16, "relu", "he"),
              LayerSpec(1, "sigmoid", "xavier")]
    return _make("2-16-16-1", X, Y, layers, "binary_cross_entropy", 0.5, seed=7)


def mnist_size() -> Scenario:
    try:
        from bpdebug.scenario.reader import load
        s = load("mnist-size")
        if s.sizes == [784, 128, 64, 10] and s.m == 256:
            return s
    except Exception:  # noqa: BLE001
        pass
    rng = np.random.default_rng([0, 0])
    centres = rng.standard_normal((784, 10))
    label = np.arange(256) % 10
    X = centres[:, label] + rng.standard_normal((784, 256))
    Y = np.eye(10)[:, label]
    layers = [LayerSpec(128, "relu", "he"), LayerSpec(64, "relu", "he"),
              LayerSpec(10, "softmax", "xavier")]
    return _make("mnist-size", X, Y, layers, "cross_entropy", 0.1)


def sizes() -> list[Size]:
    return [Size("2-3-1", "2-3-1, m=4", xor()),
            Size("2-16-16-1", "2-16-16-1, m=200", two_16_16_1()),
            Size("784-128-64-10", "784-128-64-10, m=256", mnist_size())]


def data(scenario: Scenario) -> tuple[np.ndarray, np.ndarray, dict]:
    """X (n0×m), Y and the initial parameters, as float64 arrays every implementation copies."""
    X = np.ascontiguousarray(scenario.X, dtype=np.float64)
    Y = np.ascontiguousarray(scenario.Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[None, :]
    return X, Y, initial_parameters(scenario)


def matmul_flops(sizes: list[int], m: int) -> int:
    """Multiply-adds ×2 of one iteration's products: forward W·A, backward dZ·Aᵀ and,
    for l ≥ 2, Wᵀ·dZ (dA[0] is never computed when training)."""
    total = 0
    for l in range(1, len(sizes)):
        products = 3 if l >= 2 else 2
        total += products * 2 * sizes[l] * sizes[l - 1] * m
    return total
