"""The data of a scenario: X and Y as written (and which of their axes holds the
examples), or a generator's points with Y made to fit the output layer."""

from __future__ import annotations

import numpy as np

from bpdebug.engine.notation import plain
from bpdebug.engine.spec import LayerSpec
from bpdebug.scenario.datasets import GENERATORS, MAX_NOISE, generate
from bpdebug.scenario.memory import too_big
from bpdebug.scenario.typed import Reader, entry


def read_data(r: Reader, data: dict, specs: list[LayerSpec], loss: str, seed: int):
    """[data] as X, Y, the axis of each that holds the examples, n[0] and m."""
    nL, L = specs[-1].units, len(specs)
    if "generator" in data:
        for key in ("X", "Y"):
            if key in data:
                r.fail(f"data.{key}", "give X and Y, or a generator, not both")
        return _generated(r, data, specs, loss, seed)
    for key in ("examples", "noise", "classes", "features"):
        if key in data:
            r.fail(f"data.{key}", "only goes with a generator")
    for key in ("X", "Y"):
        if key not in data:
            r.fail(f"data.{key}", "is required (or name a generator instead of X and Y)")
    flat = "a flat list: write it as a matrix, one row per {}: {} = [[...], ...]"
    X = r.matrix(data["X"], "data.X", flat.format("feature", "X"))
    Y = r.matrix(data["Y"], "data.Y", flat.format("output", "Y"))
    (rx, cx), (ry, cy) = X.shape, Y.shape
    # The post writes examples as columns.  A file that wrote X or Y the other
    # way round still loads (the mismatch it causes is the lesson): the examples'
    # axes are the first of X's and Y's that agree, columns first.
    axes = next(((x, y) for x, y in ((1, 1), (0, 1), (1, 0), (0, 0))
                 if X.shape[x] == Y.shape[y]), None)
    if axes is None:
        r.fail("data.Y", f"Y is {ry}×{cy} but X is {rx}×{cx}: they must have the same "
               "number m of examples (columns)")
    x_axis, y_axis = axes
    m = X.shape[x_axis]
    n0 = X.shape[1 - x_axis]
    _guard(r, [n0] + [s.units for s in specs], m, "data.X")
    outputs = Y.shape[1 - y_axis]
    if outputs != nL and not (nL == 1 and y_axis == 0):
        r.fail("data.Y", f"Y has {outputs} output row{'s' * (outputs != 1)} per example but "
               f"the output layer [{L}] has {nL} unit{'s' * (nL != 1)}")
    _targets(r, Y, y_axis, loss)
    return X, Y, x_axis, y_axis, n0, m


def _targets(r: Reader, Y: np.ndarray, y_axis: int, loss: str) -> None:
    """The targets the loss needs, the first entry (or example) that is not one named
    as Y is written, counting from 0: Y[0,3], column 3 of Y."""
    if loss not in ("binary_cross_entropy", "cross_entropy"):
        return
    outside = np.argwhere((Y < 0) | (Y > 1))
    if len(outside):
        at = tuple(int(i) for i in outside[0])
        needs = "targets between 0 and 1" if loss == "binary_cross_entropy" else \
            "one-hot targets, each 0 or 1"
        r.fail("data.Y", f"{entry('Y', at)} = {plain(Y[at])} is outside 0..1: {loss} needs "
               f"{needs}")
    if loss == "cross_entropy":
        sums = Y.sum(axis=1 - y_axis)  # one sum per example
        wrong = np.flatnonzero(~np.isclose(sums, 1.0))
        if len(wrong):
            which = ("column", "columns") if y_axis == 1 else ("row", "rows")
            r.fail("data.Y", f"{which[0]} {wrong[0]} of Y (counting from 0) sums to "
                   f"{plain(sums[wrong[0]])}: cross_entropy needs one-hot {which[1]}: each "
                   f"example's {which[0]} holds a single 1 for its class")


def _generated(r: Reader, data: dict, specs: list[LayerSpec], loss: str, seed: int):
    name = r.choice(data["generator"], "data.generator", GENERATORS)
    gen = GENERATORS[name]
    nL, L, output = specs[-1].units, len(specs), specs[-1].activation
    m = r.integer(data, "examples", "data.examples", 200, 1, 10**9)
    noise = r.number(data, "noise", "data.noise", 0.1, 0, high=MAX_NOISE)
    default_classes = gen.classes if gen.classes is not None else (nL if nL > 1 else 2)
    classes = r.integer(data, "classes", "data.classes", default_classes, 2, 10**6) \
        if gen.classes != 0 else 0
    if gen.classes and classes != gen.classes:
        r.fail("data.classes", f"{name} always has {gen.classes} classes")
    features = r.integer(data, "features", "data.features", gen.features or 2, 1, 10**9)
    if gen.features is not None and features != gen.features:
        r.fail("data.features", f"{name} always has {gen.features} feature"
               f"{'s' * (gen.features != 1)}")
    n0 = features
    _guard(r, [n0] + [s.units for s in specs], m, "data.examples")  # before generating
    X, labels = generate(name, seed, m, noise, classes, features)
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(labels))):  # a guard: the ranges prevent it
        r.fail("data.generator", f"{name} made data that is not finite: data must be finite")
    # Y fits the output layer: 0/1 for one unit, one-hot for k units, real for a regression.
    if classes == 0:
        misfit = f"{name} is a regression with one target: the output layer needs 1 unit" \
            if nL != 1 else None
    elif nL == 1:
        misfit = f"{classes} classes need {classes} output units (a softmax with " \
            "cross_entropy); one unit tells only 2 apart" if classes != 2 else None
    else:
        misfit = f"{name} has {classes} classes, so the output layer needs {classes} units, " \
            f"not {nL}" if classes != nL else None
    if misfit:
        r.fail(f"layers[{L}].units", misfit)
    if classes == 0 and loss == "binary_cross_entropy":
        r.fail("network.loss", f"{name} is a regression: use mean_squared_error "
               "with a linear output")
    Y = labels[None, :].astype(np.float64) if nL == 1 else np.eye(nL)[:, labels]
    if output == "tanh" and classes:
        Y = 2 * Y - 1  # tanh's range is -1..1
    return X, Y, 1, 1, n0, m


def _guard(r: Reader, sizes: list[int], m: int, data_key: str) -> None:
    """Refuse sizes whose matrices would need more than the memory limit, before
    anything that big is made."""
    complaint = too_big(sizes, m, r.max_memory, data_key)
    if complaint is not None:
        r.fail(*complaint)
