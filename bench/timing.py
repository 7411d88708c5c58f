"""Small timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from typing import Callable


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def percentile(xs, q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a list of numbers."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(q / 100 * len(s) + 0.5)) - 1))
    return s[k]


def interleaved(runs: dict[str, Callable[[], None]], rounds: int,
                settle: float = 0.0) -> dict[str, list[float]]:
    """Time each callable once per round, in an order that rotates every round, so a
    slow spell of the machine (the other core busy, a frequency drop) is shared out.

    `settle` seconds of sleep before each block let the previous block's BLAS/OpenMP
    worker threads, which spin for a while after their last task (OpenBLAS for about
    0.1 s), go to sleep, so that they do not take a core from the next block."""
    names = list(runs)
    out: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            if settle:
                time.sleep(settle)
            t0 = time.perf_counter()
            runs[name]()
            out[name].append(time.perf_counter() - t0)
    return out
