"""The decision boundary's maths: what a network predicts over the input plane (or along
one input), the class and confidence of every point, and where the data falls on a
grid of cells.  Plain NumPy, on the engine's side of the wall: the widget that draws
it (app/components/decision_boundary.py) only colours what this computes.

The prediction is the engine's own forward pass: plan.forward's equations, evaluated.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from bpdebug.engine import plan
from bpdebug.engine.activations import ACTIVATIONS
from bpdebug.engine.names import post

MARGIN = 0.1  # of the data's range, on every side
Bounds = tuple[float, float, float, float]  # x1 from, x1 to, x2 from, x2 to


def predict(params: dict, activations: Sequence[str], X: np.ndarray) -> np.ndarray:
    """A[L] for the columns of X (features × points): the engine's own forward steps
    (plan.forward, Z[l] = W[l]·A[l-1] + b[l] and A[l] = g(Z[l])), evaluated as written."""
    env = {name: np.asarray(value) for name, value in params.items()}
    env["A[0]"] = X
    with np.errstate(all="ignore"):
        for l, g in enumerate(activations, start=1):
            for equation in plan.forward(l, ACTIVATIONS[g]).equations:
                env[equation.target] = equation.expr(env)
    return np.asarray(env[post("A", len(activations))], dtype=np.float64)


def threshold(activation: str, Y: np.ndarray) -> float:
    """Where one output unit splits the classes: 0.5 for a sigmoid's P(y = 1), else the
    middle of the targets' range (a tanh output trained on ±1, say)."""
    if activation == "sigmoid" or Y.size == 0:
        return 0.5
    return float(np.min(Y) + np.max(Y)) / 2


def classify(AL: np.ndarray, activation: str, cut: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Each column's class (-1 where the output is not finite) and the confidence in 0..1.

    One output unit: class 1 above the cut, confidence |P − cut| scaled to reach 1 at the
    ends. Several (softmax): the argmax, confidence from 1/k (a guess) to 1 (certain)."""
    AL = np.atleast_2d(AL)
    finite = np.all(np.isfinite(AL), axis=0)
    with np.errstate(all="ignore"):
        if AL.shape[0] == 1:
            p = AL[0]
            classes = (p > cut).astype(int)
            if activation == "sigmoid":
                confidence = np.abs(p - cut) / max(cut, 1 - cut)
            else:
                spread = float(np.nanmax(np.abs(p - cut))) if finite.any() else 0.0
                confidence = np.abs(p - cut) / spread if spread > 0 else np.zeros_like(p)
        else:
            k = AL.shape[0]
            classes = np.argmax(np.where(np.isfinite(AL), AL, -np.inf), axis=0)
            confidence = (np.max(AL, axis=0) - 1 / k) / (1 - 1 / k)
    confidence = np.clip(np.where(finite, confidence, 0.0), 0.0, 1.0)
    return np.where(finite, classes, -1), confidence


def bounds_of(X: np.ndarray) -> Bounds:
    """The first two features' range with a margin; a flat feature gets ±1."""
    out = []
    for row in X[:2]:
        finite = row[np.isfinite(row)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
        if high - low < 1e-12:
            low, high = low - 1, high + 1
        pad = (high - low) * MARGIN
        out += [low - pad, high + pad]
    return tuple(out)  # type: ignore[return-value]


def centres(low: float, high: float, n: int) -> np.ndarray:
    """The middles of n equal cells from low to high."""
    return low + (np.arange(n) + 0.5) * (high - low) / n


def grid(bounds: Bounds, columns: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """x1 across, x2 up: row 0 is the top of the screen, so the largest x2."""
    x0, x1, y0, y1 = bounds
    return centres(x0, x1, columns), centres(y0, y1, rows)[::-1]


def boundary(params: dict, activations: Sequence[str], bounds: Bounds, columns: int, rows: int,
             cut: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """The predicted class and confidence of every grid cell, rows × columns."""
    xs, ys = grid(bounds, columns, rows)
    gx, gy = np.meshgrid(xs, ys)
    AL = predict(params, activations, np.vstack([gx.ravel(), gy.ravel()]))
    classes, confidence = classify(AL, activations[-1], cut)
    return classes.reshape(rows, columns), confidence.reshape(rows, columns)


def cell_of(values: np.ndarray, low: float, high: float, n: int, flip: bool = False) -> np.ndarray:
    """Which of n cells from low to high each value falls in (-1 outside)."""
    with np.errstate(all="ignore"):
        index = np.floor((values - low) / (high - low) * n)
    # Clipped before the cast: a diverged network puts points at ±1e300, past any int.
    index = np.where(np.isfinite(index), np.clip(index, -1, n), -1).astype(int)
    index = np.where((index >= 0) & (index < n), index, -1)
    return np.where(index >= 0, n - 1 - index, -1) if flip else index


def point_cells(X: np.ndarray, labels: np.ndarray, bounds: Bounds, columns: int,
                lines: int) -> dict[tuple[int, int], int]:
    """(line, column) → the class most of the examples in that terminal cell belong to."""
    x0, x1, y0, y1 = bounds
    cols = cell_of(X[0], x0, x1, columns)
    rows = cell_of(X[1], y0, y1, lines, flip=True)
    counts: dict[tuple[int, int], dict[int, int]] = {}
    for r, c, k in zip(rows.tolist(), cols.tolist(), labels.tolist()):
        if r >= 0 and c >= 0:
            seen = counts.setdefault((r, c), {})
            seen[k] = seen.get(k, 0) + 1
    return {cell: max(seen, key=seen.get) for cell, seen in counts.items()}


def labels_of(Y: np.ndarray, activation: str) -> np.ndarray:
    if Y.shape[0] == 1:
        return (Y[0] > threshold(activation, Y)).astype(int)
    return np.argmax(Y, axis=0)


def curve_rows(prediction: np.ndarray, low: float, high: float, rows: int) -> list[set[int]]:
    """The grid rows the curve covers in each column, joined to its neighbours halfway so a
    steep stretch stays one connected line."""
    index = cell_of(prediction, low, high, rows, flip=True)
    out: list[set[int]] = []
    for c, r in enumerate(index.tolist()):
        if r < 0:
            out.append(set())
            continue
        reach = [r]
        for n in (c - 1, c + 1):
            if 0 <= n < len(index) and index[n] >= 0:
                reach.append((r + int(index[n])) // 2)
        out.append(set(range(min(reach), max(reach) + 1)))
    return out
