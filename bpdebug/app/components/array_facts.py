"""What a matrix panel needs to know about an array, worked out once per array.

A step shows eight to eleven matrices, and most of them were shown by the step before:
W[1], X and Y stay the same for a whole iteration.  Their stats (min, max, mean, std,
NaN and inf counts), their notation at each number of figures, and which entries
changed against the step before are worked out here once and kept, keyed on the
array's data, not on the Python object: the same X comes back as a new object on
every frame (a view, or the file's own array copied into a frozen one), and a 784×256
X costs 2 ms of stats and 5 ms a notation.

The engine never writes into an array after it is made (a frame stays true), so the
memory an array's data sits in, its shape, strides and type say which numbers it holds
for as long as the array lives; the cache keeps the array, so the memory is not reused
while its entry is kept.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bpdebug.engine.notation import Notation, notations

KEPT = 64  # arrays whose facts are kept: every quantity of a few steps of a deep network
FIGURES_TRIED = (2, 3, 4)  # what a panel tries as its width changes: worked out together


def as_floats(value: Any) -> np.ndarray:
    """Float64 values that cannot change under the panel: the engine's own frozen
    (read-only) arrays are taken as they are; anything else is copied, once."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            array = np.asarray(value)
        except Warning as warning:  # ragged rows: NumPy < 1.24 warns where later ones raise
            raise ValueError(str(warning).split(".")[0]) from None
    if np.iscomplexobj(array):
        array = array.real
    if array.dtype == np.float64 and not array.flags.writeable:
        return array  # a 784×256 matrix is not copied on every step
    array = np.array(array, dtype=np.float64)
    array.flags.writeable = False
    return array


def as_grid(array: np.ndarray) -> np.ndarray:
    """Rows × columns as drawn: a scalar is 1×1, a 1-D array one row, more dims fold into columns."""
    if array.ndim <= 1:
        return array.reshape(1, array.size)
    return array.reshape(array.shape[0], math.prod(array.shape[1:]))


@dataclass(frozen=True)
class Stats:
    """What the footer says: NaN and ±inf counted apart, the rest from finite entries only."""

    n_nan: int
    n_inf: int
    values: tuple[float, float, float, float] | None  # min, max, mean, std; None: no finite entry

    @property
    def scale(self) -> float:
        """The colour scale: the largest |finite value|."""
        return 0.0 if self.values is None else max(abs(self.values[0]), abs(self.values[1]))


def stats(array: np.ndarray) -> Stats:
    finite = np.isfinite(array)
    n_nan = int(np.count_nonzero(np.isnan(array)))
    n_inf = array.size - int(np.count_nonzero(finite)) - n_nan
    values = array if n_nan + n_inf == 0 else array[finite]
    if not values.size:
        return Stats(n_nan, n_inf, None)
    low, high = float(values.min()), float(values.max())
    # in units of the largest |value|: the mean and std of 1e200s would overflow to inf
    scale = max(abs(low), abs(high)) or 1.0
    with np.errstate(all="ignore"):
        unit = values / scale
        return Stats(n_nan, n_inf, (low, high, float(unit.mean()) * scale, float(unit.std()) * scale))


def changed_mask(current: np.ndarray, before: np.ndarray) -> np.ndarray | None:
    """Which entries differ from the step before, as drawn (rows × columns); None when
    none does.  NaN that stays NaN has not changed."""
    if before.shape != current.shape:
        return None
    with np.errstate(invalid="ignore"):
        differs = np.not_equal(current, before) & ~(np.isnan(current) & np.isnan(before))
    return as_grid(differs) if differs.any() else None


@dataclass(eq=False)
class Facts:
    """One array as a panel draws it: its values as rows × columns, its stats, and its
    notations and changed masks as they are first asked for."""

    array: np.ndarray  # float64, frozen
    grid: np.ndarray  # rows × columns as drawn
    stats: Stats
    _notations: dict[int, Notation] = field(default_factory=dict)
    _changed: tuple[Facts | None, np.ndarray | None] | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    def notation(self, figures: int) -> Notation:
        """The one notation of every entry, the largest keeping `figures` figures; its
        decimals hang on the range of the values alone (notation's `whole`), so an entry
        that has not changed reads the same when others have, while the range holds."""
        found = self._notations.get(figures)
        if found is None:
            self._notations.update(notations(self.grid, {figures, *FIGURES_TRIED}, whole=True))
            found = self._notations[figures]
        return found

    def changed(self, before: Facts | None) -> np.ndarray | None:
        """Which entries differ from `before` (rows × columns), or None."""
        if before is None:
            return None
        if self._changed is None or self._changed[0] is not before:
            self._changed = (before, changed_mask(self.array, before.array))
        return self._changed[1]


_kept: dict[tuple, tuple[object, Facts]] = {}


def _key(value: Any) -> tuple | None:
    """Where an array's numbers are: the same for two views of the same data."""
    if not isinstance(value, np.ndarray):
        return None
    return (value.__array_interface__["data"][0], value.shape, value.strides, value.dtype.str)


def facts(value: Any) -> Facts:
    """The facts of an array (or a number, a list), worked out once per array.

    Raises TypeError, ValueError or OverflowError for what cannot be drawn as numbers."""
    key = _key(value)
    if key is not None:
        kept = _kept.get(key)
        if kept is not None:
            _kept[key] = _kept.pop(key)  # most recently used last
            return kept[1]
    array = as_floats(value)
    found = Facts(array, as_grid(array), stats(array) if array.size else Stats(0, 0, None))
    if key is not None:
        _kept[key] = (value, found)  # the source too: its memory is not reused while kept
        while len(_kept) > KEPT:
            del _kept[next(iter(_kept))]
    return found
