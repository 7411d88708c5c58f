"""The one conversion every number from a scenario goes through: TOML to float64.

TOML integers have no size limit, so 1 followed by 400 zeros parses; float64
stops at about 1.8e308.  Such a number is refused with a message, never an
OverflowError traceback.
"""

from __future__ import annotations

import numpy as np


class NotAFloat(ValueError):
    """str() is the message to show after the key path; ``index`` is the entry of an
    array it is about, counting from 0 as the screen does (() for a single number)."""

    def __init__(self, message: str, index: tuple[int, ...] = ()):
        super().__init__(message)
        self.index = index


def as_float(value) -> float:
    """A TOML number as a float64; booleans, strings and integers too big are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NotAFloat("must be a number")
    try:
        return float(value)
    except OverflowError:
        raise NotAFloat(too_big(value)) from None


def too_big(value: int) -> str:
    digits = len(str(abs(value))) if abs(value) < 10 ** 4000 else "thousands of"
    return f"an integer of {digits} digits is too big for a float64 (at most about 1.8e308)"


def as_float_array(value) -> np.ndarray:
    """Nested lists of numbers (already checked to be numbers) as a float64 array; an
    integer too big is refused with its entry's index (row, column), from 0."""
    try:
        return np.array(value, dtype=np.float64)
    except OverflowError:
        pass
    rows = value if value and isinstance(value[0], list) else [value]
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            try:
                as_float(v)
            except NotAFloat as error:
                raise NotAFloat(str(error), (r, c) if rows is value else (c,)) from None
    raise NotAFloat("a number is too big for a float64")
