"""Watchpoints: stepping or training stops on the step where something goes wrong.

    [watch]
    nan = true                      # a NaN or an Inf appears
    gradient_norm_above = 1e3       # ‖dW[l]‖ explodes
    gradient_norm_below = 1e-7      # ‖dW[l]‖ vanishes
    dead_relu_percent = 90          # more than this share of a ReLU layer's units never fire
    cost_rises = true               # J goes up from one iteration to the next

Each condition is judged on one step's own quantities, so the step that fires is
the step that produced the problem.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from bpdebug.engine.floats import NotAFloat, as_float
from bpdebug.engine.names import post
from bpdebug.engine.notation import plain

@dataclass(frozen=True)
class Watchpoint:
    """One condition: its [watch] key, its kind, what it watches, and the threshold the
    app offers when it is switched on (None for a yes/no watchpoint)."""

    key: str
    kind: type  # bool or float
    watches: str  # "a NaN or Inf appears"
    default: float | None = None


# Every watchpoint, once: the loader, the engine, the help and the app's screen read this.
WATCHPOINTS = (
    Watchpoint("nan", bool, "a NaN or Inf appears"),
    Watchpoint("gradient_norm_above", float, "‖dW[l]‖ explodes past", 1e3),
    Watchpoint("gradient_norm_below", float, "‖dW[l]‖ vanishes under", 1e-6),
    Watchpoint("dead_relu_percent", float,
               "share (%) of a ReLU layer's units that never fire above", 50.0),
    Watchpoint("cost_rises", bool, "J goes up from one iteration to the next"),
)
KEYS = {w.key: w.kind for w in WATCHPOINTS}


@dataclass(frozen=True)
class Watch:
    nan: bool = False
    gradient_norm_above: float | None = None
    gradient_norm_below: float | None = None
    dead_relu_percent: float | None = None
    cost_rises: bool = False

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) not in (None, False) for f in fields(self))

    def describe(self) -> list[str]:
        """One line a condition, on or off, for the screen."""
        lines = []
        for w in WATCHPOINTS:
            value = getattr(self, w.key)
            on = value not in (None, False)
            threshold = f" {plain(value)}" if w.kind is float and on else (" …" if w.kind is float else "")
            lines.append(f"{'on ' if on else 'off'}  {w.key}: {w.watches}{threshold}")
        return lines

    def fires(self, kind: str, layer: int, env: dict, activation: str | None,
              previous_cost: float | None) -> str | None:
        """Why this step trips a watchpoint, or None.  ``env`` holds the step's results."""
        if self.nan:
            bad = [name for name, value in env.items() if _non_finite(value)]
            if bad:
                return f"watch nan: {', '.join(bad)} holds NaN or Inf"
        if kind == "backward":
            norm = float(np.linalg.norm(env[post("dW", layer)]))
            if self.gradient_norm_above is not None and norm > self.gradient_norm_above:
                return (f"watch gradient_norm_above: ‖{post('dW', layer)}‖ = {plain(norm, 3)} > "
                        f"{plain(self.gradient_norm_above)}")
            if self.gradient_norm_below is not None and norm < self.gradient_norm_below:
                return (f"watch gradient_norm_below: ‖{post('dW', layer)}‖ = {plain(norm, 3)} < "
                        f"{plain(self.gradient_norm_below)}")
        if kind == "forward" and self.dead_relu_percent is not None and activation == "relu":
            A = np.asarray(env[post("A", layer)])
            if A.ndim == 2 and A.shape[0]:
                dead = 100.0 * float(np.mean(np.all(A <= 0, axis=1)))
                if dead > self.dead_relu_percent:
                    return (f"watch dead_relu_percent: {dead:.0f}% of layer {layer}'s units are 0 "
                            f"for every example (> {plain(self.dead_relu_percent)}%)")
        if kind == "cost" and self.cost_rises and previous_cost is not None:
            J = env["J"]
            if math.isfinite(previous_cost) and J > previous_cost:
                return f"watch cost_rises: J = {plain(J)} > {plain(previous_cost)} the iteration before"
        return None


def _non_finite(value) -> bool:
    return isinstance(value, (float, np.ndarray)) and not np.all(np.isfinite(value))


def parse(table: dict) -> tuple[Watch, list[tuple[str, str]]]:
    """A Watch from a scenario's [watch] table, and the problems: (key, message)."""
    found, problems = {}, []
    for key, value in table.items():
        kind = KEYS.get(key)
        if kind is None:
            problems.append((key, "unknown watchpoint"))
        elif kind is bool and not isinstance(value, bool):
            problems.append((key, "must be true or false"))
        elif kind is float:
            try:
                number = as_float(value)
            except NotAFloat as error:
                message = str(error)
                problems.append((key, message + " ≥ 0" if message == "must be a number" else message))
                continue
            if not math.isfinite(number) or number < 0:
                problems.append((key, "must be a number ≥ 0"))
            else:
                found[key] = number
        else:
            found[key] = value
    return Watch(**found), problems
