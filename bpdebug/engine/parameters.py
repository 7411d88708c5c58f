"""Initial parameters W[l], b[l], from the scenario's explicit values or its init scheme."""

from __future__ import annotations

import numpy as np

from bpdebug.engine.names import post
from bpdebug.engine.spec import Scenario


Params = dict  # "W[1]" -> array, "b[1]" -> array, ...


def initial_parameters(scenario: Scenario) -> Params:
    """W[l] ~ N(0, scale²) by the layer's init scheme, b[l] = 0, unless written explicitly.

    Each layer draws from its own stream, default_rng([seed, l]), so adding a layer
    never changes the numbers of the layers before it.  Explicit W and b are kept
    exactly as written, whatever their shape: a wrong shape is teaching material.
    """
    params: Params = {}
    n = scenario.sizes
    for l, layer in enumerate(scenario.layers, start=1):
        if layer.W is not None:
            W = np.array(layer.W, dtype=np.float64)
        else:
            rng = np.random.default_rng([scenario.seed, l])
            scale = {
                "he": np.sqrt(2.0 / n[l - 1]),      # keeps ReLU activations' variance steady
                "xavier": np.sqrt(1.0 / n[l - 1]),  # the same for tanh / sigmoid
                "normal": 0.01,                     # small random numbers, as in the course
                "zeros": 0.0,                       # every unit identical: the symmetry lesson
            }[layer.init]
            W = rng.standard_normal((n[l], n[l - 1])) * scale
        b = np.array(layer.b, dtype=np.float64) if layer.b is not None else np.zeros((n[l], 1))
        params[post("W", l)], params[post("b", l)] = W, b
    return params


def nbytes(params: Params) -> int:
    return sum(np.asarray(v).nbytes for v in params.values())
