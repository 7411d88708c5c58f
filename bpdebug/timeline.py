"""What stepping back needs: the parameters at the start of each iteration.

An iteration is a pure function of its starting parameters and its batch, so
those parameters are all that must be kept to recompute any step bit for bit.
Keeping them all would grow without bound while training, so this keeps:

* recently used iterations, in an LRU bounded in bytes;
* sparse checkpoints every ``spacing`` iterations; when there are too many the
  spacing doubles and every other one is dropped, so their count stays bounded.

An iteration that is neither is replayed from the nearest earlier one.  No array
is ever modified in place (the update builds new ones), so keeping a reference
is as good as a copy.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

from bpdebug.parameters import Params, nbytes

MAX_CHECKPOINTS = 24


class History:
    def __init__(self, first: Params, advance: Callable[[Params, int], Params],
                 budget: int = 24 << 20):
        self.advance = advance  # params of iteration i -> params of iteration i+1
        self.size = max(nbytes(first), 1)
        self.recent_cap = max(4, budget // self.size)
        self.spacing = 1
        self.checkpoints: dict[int, Params] = {0: first}
        self.recent: OrderedDict[int, Params] = OrderedDict()

    def put(self, i: int, params: Params) -> None:
        if i % self.spacing == 0 and i not in self.checkpoints:
            self.checkpoints[i] = params
            if len(self.checkpoints) > MAX_CHECKPOINTS:
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
