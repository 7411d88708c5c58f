"""How an API holds a quantity of the post, and back: examples as rows (cs231n) or
columns (the post), a weight matrix transposed, a bias as a 1-D array, the labels as
class numbers, one example of a per-example call, gradients as sums instead of means.
The child builds what it passes with ``to_api``; the parent compares the student's
arrays with the reference put through the same ``to_api``, and draws them beside the
reference through ``to_post``.
"""

from __future__ import annotations

import numpy as np

from bpdebug.teach.homework.api import EXAMPLE_INDEXED, GRADIENTS, Api, Quantity


def to_api(q: Quantity, array, api: Api, example: int | None = None, m: int = 1):
    """The reference's array (post layout: features × examples) as the API holds it.
    ``example``: the one example a per-example call gets, as a column (or row)."""
    if q.letter == "J":
        return float(np.asarray(array).reshape(()))
    a = np.array(array, dtype=float)
    if example is not None and q.letter in EXAMPLE_INDEXED:
        a = a[:, example:example + 1]
    if q.labels:
        return np.argmax(a, axis=0) if a.shape[0] > 1 else a.ravel().astype(int)
    if q.letter in GRADIENTS and api.gradients == "sum" and example is None:
        a = a * m
    if api.rows and q.letter in EXAMPLE_INDEXED:
        a = a.T
    if q.transposed:
        a = a.T
    if q.flat:
        a = a.ravel()
    return a


def conversion(q: Quantity, api: Api) -> str:
    """What ``to_api`` does to this quantity, in words ("" when nothing)."""
    done = []
    if api.rows and q.letter in EXAMPLE_INDEXED:
        done.append("examples as rows")
    if q.transposed:
        done.append("transposed")
    if q.flat:
        done.append("as a 1-D array")
    if q.labels:
        done.append("as class numbers")
    if q.letter in GRADIENTS and api.gradients == "sum":
        done.append("a sum over the examples, not a mean")
    return ", ".join(done)


def to_post(q: Quantity, array, api: Api, shape: tuple[int, ...], m: int = 1):
    """The student's array back in the post's layout, to draw beside the reference's
    (of ``shape``); the array as it is when it cannot be turned so."""
    a = np.asarray(array, dtype=float)
    if q.flat and a.ndim == 1:
        a = a.reshape(-1, 1) if not q.transposed else a.reshape(1, -1)
    if q.transposed and a.ndim == 2:
        a = a.T
    if api.rows and q.letter in EXAMPLE_INDEXED and a.ndim == 2:
        a = a.T
    if q.letter in GRADIENTS and api.gradients == "sum":
        a = a / m
    return a if a.shape == tuple(shape) else np.asarray(array, dtype=float)
