"""Where time ends.  Stepping keeps the last few iterations, run checked, and knows
the first iteration that stops at a step (a shape mismatch, an error): no iteration
after it exists, so the cursor's timeline ends at that step."""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

from bpdebug.engine.checked import Iteration, Record

CACHED_ITERATIONS = 3  # whole iterations kept for stepping (the memory guard counts them)


class Unreachable(Exception):
    """Iteration i does not complete, so no later iteration exists."""

    def __init__(self, i: int):
        super().__init__(f"iteration {i} stops before its update")
        self.i = i


class Iterations:
    """Iterations run checked, step by step, as far as they are asked for.

    ``reach(i)`` raises Unreachable when an iteration before i stops, ``start(i)``
    makes iteration i ready to step, ``step(it, k)`` runs its step k.
    """

    def __init__(self, S: int, reach: Callable[[int], object], start: Callable[[int], Iteration],
                 step: Callable[[Iteration, int], Record]):
        self.S, self._reach, self._start, self._step = S, reach, start, step
        self._kept: OrderedDict[int, Iteration] = OrderedDict()
        self._first_stop: int | None = None  # the first iteration known to stop at a step
        self._checked_zero = False

    def get(self, i: int, k: int) -> Iteration:
        """Iteration i run up to step k (or to the step that stops it); past a stop, the
        iteration that stopped."""
        it = self._kept.get(i)
        if it is None:
            blocker = self.stop_before(i)
            if blocker is not None:  # iteration i is never reached: time ends at that stop
                return blocker
            it = self._start(i)
            self._kept[i] = it
            while len(self._kept) > CACHED_ITERATIONS:
                self._kept.popitem(last=False)
        self._kept.move_to_end(i)
        while len(it.records) <= k and not it.stopped:
            it.records.append(self._step(it, len(it.records)))
        return it

    def whole(self, i: int) -> Iteration:
        """Iteration i run to its end, or to the step that stops it."""
        return self.get(i, self.S - 1)

    def forget(self, i: int) -> None:
        """Drop iteration i, to run it checked afresh."""
        self._kept.pop(i, None)

    def stop_before(self, i: int) -> Iteration | None:
        """The stopped iteration that comes before iteration i, if one does."""
        if i == 0:
            return None
        if self._first_stop is None and not self._checked_zero:
            self._checked_zero = True  # iteration 0 runs checked once, whatever is asked
            if self.whole(0).stopped:
                self._first_stop = 0
        if self._first_stop is not None and self._first_stop < i:
            return self.whole(self._first_stop)
        try:
            self._reach(i)
        except Unreachable as stop:
            self._first_stop = stop.i
            return self.whole(stop.i)
        return None
