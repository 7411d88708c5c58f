"""What stepping back needs: the parameters at the start of each iteration.

An iteration is a pure function of its starting parameters and its batch, so
those parameters are all that must be kept to recompute any step bit for bit.
Keeping them all would grow without bound while training, so this keeps:

* recently used iterations, in an LRU;
* sparse checkpoints every ``spacing`` iterations; when there are too many the
  spacing doubles and every other one is dropped, so their count stays bounded.

Both together stay within a byte budget: for a big network (parameters of
hundreds of MiB) that means two checkpoints and one recent iteration, and
stepping back replays more; ``history_bytes`` is what the memory guard counts.

An iteration that is neither is replayed from the nearest earlier one.  No array
is ever modified in place (the update builds new ones), so keeping a reference
is as good as a copy.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

from bpdebug.engine.parameters import Params, nbytes

MAX_CHECKPOINTS = 24
BUDGET = 24 << 20  # bytes of parameters the history keeps, unless that is fewer than 3 sets
# What an array costs beyond its data (NumPy's header, the dict entry), measured: for
# xor's tiny matrices it is most of a parameter set's memory.
PER_ARRAY = 300


def slots(size: int, budget: int = BUDGET) -> tuple[int, int]:
    """How many parameter sets of ``size`` bytes the history keeps: (checkpoints, recent).
    At least 2 checkpoints (iteration 0 and one more) and 1 recent, whatever the budget."""
    sets = max(3, budget // max(size, 1))
    checkpoints = min(MAX_CHECKPOINTS, max(2, sets // 2))
    return checkpoints, max(1, sets - checkpoints)


def history_bytes(size: int, budget: int = BUDGET) -> int:
    """The most the history holds at once: its slots, plus the checkpoint that is
    briefly one too many before the spacing doubles."""
    checkpoints, recent = slots(size, budget)
    return (checkpoints + 1 + recent) * size


class History:
    def __init__(self, first: Params, advance: Callable[[Params, int], Params],
                 budget: int = BUDGET):
        self.advance = advance  # params of iteration i -> params of iteration i+1
        self.size = nbytes(first) + PER_ARRAY * len(first)
        self.max_checkpoints, self.recent_cap = slots(self.size, budget)
        self.spacing = 1
        self.checkpoints: dict[int, Params] = {0: first}
        self.recent: OrderedDict[int, Params] = OrderedDict()

    def put(self, i: int, params: Params) -> None:
        if i % self.spacing == 0 and i not in self.checkpoints:
            self.checkpoints[i] = params
            if len(self.checkpoints) > self.max_checkpoints:
                self.spacing *= 2
                self.checkpoints = {k: v for k, v in self.checkpoints.items()
                                    if k % self.spacing == 0}
        if i in self.checkpoints:
            return
        self.recent[i] = params
        self.recent.move_to_end(i)
        while len(self.recent) > self.recent_cap:
            self.recent.popitem(last=False)

    def get(self, i: int) -> Params:
        if i in self.checkpoints:
            return self.checkpoints[i]
        if i in self.recent:
            self.recent.move_to_end(i)
            return self.recent[i]
        start = max(k for k in (*self.checkpoints, *self.recent) if k <= i)
        params = self.get(start)
        for j in range(start, i):
            params = self.advance(params, j)
            self.put(j + 1, params)
        return params
