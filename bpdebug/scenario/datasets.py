"""The data generators a scenario can name instead of writing X and Y out.

Each returns X as features × examples (the post's convention) and, for the
classification sets, an integer class label per example; the loader turns the
labels into the Y the output layer expects.  Every random choice comes from
default_rng([seed, 0]), so a scenario's data is a pure function of its seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

# The ranges a scenario may ask for (the loader refuses anything outside them, so
# generated data is always finite): examples 1..10^9 (then the memory guard),
# noise 0..MAX_NOISE (the standard deviation of the Gaussian added to points that
# lie within a few units of 0), classes 2..10^6, features 1..10^9.
MAX_NOISE = 1e3


@dataclass(frozen=True)
class Generator:
    name: str
    classes: int | None  # fixed class count; None = the scenario chooses; 0 = regression
    features: int | None  # fixed feature count; None = the scenario chooses
    make: Callable[..., tuple[np.ndarray, np.ndarray]]
    about: str


def _xor(rng, m, noise, classes, features):
    corners = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=np.float64)
    pick = np.arange(m) % 4  # m = 4 with no noise is exactly the truth table
    X = corners[:, pick] + noise * rng.standard_normal((2, m))
    return X, (corners[0, pick] != corners[1, pick]).astype(int)


def _moons(rng, m, noise, classes, features):
    label = np.arange(m) % 2
    t = rng.uniform(0, np.pi, m)
    X = np.where(label == 0, [np.cos(t), np.sin(t)], [1 - np.cos(t), 0.5 - np.sin(t)])
    return X + noise * rng.standard_normal((2, m)), label


def _circles(rng, m, noise, classes, features):
    label = np.arange(m) % 2  # 1 = the inner circle
    t = rng.uniform(0, 2 * np.pi, m)
    radius = np.where(label == 1, 0.5, 1.0)
    X = radius * np.array([np.cos(t), np.sin(t)])
    return X + noise * rng.standard_normal((2, m)), label


def _spiral(rng, m, noise, classes, features):
    # cs231n's spiral: k arms, each a class, winding out from the centre.
    label = np.arange(m) % classes
    r = rng.uniform(0.05, 1.0, m)
    t = label * (2 * np.pi / classes) + 4 * r + noise * rng.standard_normal(m)
    return r * np.array([np.sin(t), np.cos(t)]), label


def _blobs(rng, m, noise, classes, features):
    centres = rng.standard_normal((features, classes))
    label = np.arange(m) % classes
    return centres[:, label] + noise * rng.standard_normal((features, m)), label


def _sine(rng, m, noise, classes, features):
    x = np.sort(rng.uniform(-np.pi, np.pi, m))
    return x[None, :], np.sin(x) + noise * rng.standard_normal(m)


GENERATORS: dict[str, Generator] = {
    g.name: g
    for g in (
        Generator("xor", 2, 2, _xor, "the four corners of the unit square, labelled x1 xor x2"),
        Generator("moons", 2, 2, _moons, "two interleaving half circles"),
        Generator("circles", 2, 2, _circles, "a small circle inside a large one"),
        Generator("spiral", None, 2, _spiral, "k spiral arms, one class each"),
        Generator("blobs", None, None, _blobs, "k Gaussian clusters in any number of features"),
        Generator("sine", 0, 1, _sine, "y = sin(x) plus noise: a regression"),
    )
}


def generate(name: str, seed: int, examples: int, noise: float, classes: int,
             features: int) -> tuple[np.ndarray, np.ndarray]:
    """X (features × examples) and labels (or real targets for a regression)."""
    rng = np.random.default_rng([seed, 0])
    return GENERATORS[name].make(rng, examples, noise, classes, features)
