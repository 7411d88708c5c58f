"""Which examples iteration i trains on: the whole set, or the i-th mini-batch.

Batches are a pure function of (seed, i), so replaying an iteration, or stepping
back into it, sees exactly the same examples.
"""

from __future__ import annotations

import numpy as np

from bpdebug.engine.spec import Scenario


# A stream of its own for shuffling, apart from the data ([seed, 0]) and the
# layers' init ([seed, l]).
SHUFFLE_STREAM = 1_000_003


class Batches:
    def __init__(self, scenario: Scenario, examples_as_rows: bool = False):
        self.X, self.Y = scenario.X, scenario.Y
        self.x_axis, self.y_axis = scenario.examples_axis, scenario.y_examples_axis
        self.m = scenario.m
        self.seed = scenario.seed
        size = scenario.batch_size
        self.size = size if 0 < size < self.m else self.m
        self.per_epoch = -(-self.m // self.size)
        self.examples_as_rows = examples_as_rows
        self._epoch, self._order = -1, None

    def __call__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """A[0] and Y for iteration i, each as its file wrote it (columns are examples)."""
        if self.size == self.m:
            X, Y = self.X, self.Y
        else:
            epoch, j = divmod(i, self.per_epoch)
            if epoch != self._epoch:
                rng = np.random.default_rng([self.seed, SHUFFLE_STREAM, epoch])
                self._epoch, self._order = epoch, rng.permutation(self.m)
            pick = self._order[j * self.size:(j + 1) * self.size]
            X = np.take(self.X, pick, axis=self.x_axis if self.X.ndim > 1 else 0)
            Y = np.take(self.Y, pick, axis=self.y_axis if self.Y.ndim > 1 else 0)
        if self.examples_as_rows and X.ndim == 2:
            X = X.T  # the injected mistake: examples stored as rows
        return X, Y

    def m_of(self, i: int) -> int:
        """How many examples iteration i sees (the last batch of an epoch may be short)."""
        if self.size == self.m:
            return self.m
        j = i % self.per_epoch
        return min(self.size, self.m - j * self.size)
