"""What the engine runs: a Scenario, the network, the data, training and teaching
settings that a scenario file describes once it has been read and checked
(bpdebug.scenario makes one from a file; tests and benchmarks make their own)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bpdebug.engine.activations import KINKED
from bpdebug.engine.watch import Watch

INITS = ("he", "xavier", "normal", "zeros")


def default_init(activation: str) -> str:
    """He for the ReLU family, Xavier for the rest: what keeps activations' variance steady."""
    return "he" if activation in KINKED else "xavier"


@dataclass(frozen=True)
class LayerSpec:
    units: int
    activation: str
    init: str  # he | xavier | normal | zeros
    W: np.ndarray | None = None  # explicit W[l], any shape: a wrong one is teaching material
    b: np.ndarray | None = None  # explicit b[l], any shape


@dataclass(frozen=True)
class Scenario:
    name: str  # bundled name or file stem
    path: str  # what to print in messages
    title: str
    description: str
    seed: int
    X: np.ndarray  # as written: normally n[0]×m; examples_axis says where the examples are
    Y: np.ndarray
    n0: int  # features per example
    m: int  # examples in the whole data set
    examples_axis: int  # 1 as the post writes it; 0 when X was written examples × features
    y_examples_axis: int
    layers: tuple[LayerSpec, ...]
    loss: str
    learning_rate: float
    iterations: int
    batch_size: int
    bugs: tuple[str, ...] = ()
    watch: Watch = field(default_factory=Watch)  # [watch]: what stops stepping and training

    @property
    def L(self) -> int:
        return len(self.layers)

    @property
    def sizes(self) -> list[int]:
        """n[0], n[1], ..., n[L]."""
        return [self.n0] + [layer.units for layer in self.layers]
