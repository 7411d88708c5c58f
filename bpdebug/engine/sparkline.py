"""The cost history as bars, for the screen and the terminal alike.

One rule for the scale, written once: when the finite costs span more than a factor
of DECADES, the bars show log10 J, so the slow tail of training still shows.  A NaN or
an Inf is drawn as "!" at full height: it has no place on the scale, and it is the top.
"""

from __future__ import annotations

import math

BARS = "▁▂▃▄▅▆▇█"
DECADES = 100  # max/min above this: the bars show log10 J
NON_FINITE = "!"


def log_scale(values: list[float]) -> bool:
    finite = [v for v in values if math.isfinite(v)]
    return bool(finite) and min(finite) > 0 and max(finite) / min(finite) > DECADES


def columns(n: int, width: int) -> list[int]:
    """Which value each of at most ``width`` columns shows: all of them when they fit,
    else the last value of each equal bucket (training reads left to right) and the
    first value in the first column."""
    if n <= width:
        return list(range(n))
    if width == 1:
        return [n - 1]
    step = n / width
    return [0] + [min(n - 1, int((k + 1) * step) - 1) for k in range(1, width - 1)] + [n - 1]


def column_of(i: int, n: int, width: int) -> int | None:
    """The column that stands for value i (the bucket holding it)."""
    if not 0 <= i < n:
        return None
    if n <= width:
        return i
    shown = columns(n, width)
    return next((k for k, last in enumerate(shown) if last >= i), len(shown) - 1)


def shown(values, width: int) -> list[float]:
    """The values the ``width`` columns stand for (any sequence: only these are read)."""
    return [values[k] for k in columns(len(values), width)]


def bars(values, width: int, height: int = 1) -> list[str]:
    """The history squeezed into ``width`` columns of ``height`` rows (the top row first)."""
    if not len(values) or width <= 0 or height <= 0:
        return [""] * max(height, 0)
    picked = shown(values, width)
    finite = [v for v in picked if math.isfinite(v)]
    log = log_scale(picked)
    scale = math.log10 if log else (lambda v: v)
    lo, hi = (scale(min(finite)), scale(max(finite))) if finite else (0.0, 0.0)
    top = 8 * height
    levels = []
    for v in picked:
        if not math.isfinite(v):
            levels.append(None)
            continue
        fraction = 0.0 if hi == lo else (scale(v) - lo) / (hi - lo)
        levels.append(1 + min(top - 1, int(fraction * top)))
    rows = []
    for r in range(height - 1, -1, -1):  # the top row first
        row = []
        for level in levels:
            if level is None:
                row.append(NON_FINITE if r == height - 1 else BARS[-1])
            elif level >= (r + 1) * 8:
                row.append(BARS[-1])
            elif level > r * 8:
                row.append(BARS[level - r * 8 - 1])
            else:
                row.append(" ")
        rows.append("".join(row))
    return rows
