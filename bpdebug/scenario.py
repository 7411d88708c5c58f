"""Scenario files: the TOML format and its loader.

An unusable file raises ScenarioError (one line: file, line where known, key
path), which the CLI prints before exiting with code 2.  A valid file whose
shapes do not fit loads fine: that is teaching material for the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class ScenarioError(Exception):
    """An unusable scenario file. str() is the one line the user sees."""

    def __init__(self, file: str, key: str, message: str, line: int | None = None):
        self.file, self.key, self.message, self.line = file, key, message, line
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


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
    extra: dict = field(default_factory=dict)  # later tables ([watch] ...), already validated

    @property
    def L(self) -> int:
        return len(self.layers)

    @property
    def sizes(self) -> list[int]:
        """n[0], n[1], ..., n[L]."""
        return [self.n0] + [layer.units for layer in self.layers]
