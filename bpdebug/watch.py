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

from bpdebug.floats import NotAFloat, as_float

KEYS = {
    "nan": bool,
    "gradient_norm_above": float,
    "gradient_norm_below": float,
    "dead_relu_percent": float,
    "cost_rises": bool,
}


@dataclass
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
        def state(value, text):
            return f"{'on ' if value not in (None, False) else 'off'}  {text}"
        return [
            state(self.nan, "nan: a NaN or Inf appears"),
            state(self.gradient_norm_above,
                  f"gradient_norm_above: ‖dW[l]‖ > {self.gradient_norm_above or '…'}"),
            state(self.gradient_norm_below,
                  f"gradient_norm_below: ‖dW[l]‖ < {self.gradient_norm_below or '…'}"),
            state(self.dead_relu_percent,
                  f"dead_relu_percent: more than {self.dead_relu_percent or '…'}% of a ReLU "
                  "layer's units are 0 for every example"),
            state(self.cost_rises, "cost_rises: J goes up from one iteration to the next"),
        ]

    def fires(self, kind: str, layer: int, env: dict, activation: str | None,
              previous_cost: float | None) -> str | None:
        """Why this step trips a watchpoint, or None.  ``env`` holds the step's results."""
        if self.nan:
            bad = [name for name, value in env.items() if _non_finite(value)]
            if bad:
                return f"watch nan: {', '.join(bad)} holds NaN or Inf"
        if kind == "backward":
            norm = float(np.linalg.norm(env[f"dW[{layer}]"]))
            if self.gradient_norm_above is not None and norm > self.gradient_norm_above:
                return f"watch gradient_norm_above: ‖dW[{layer}]‖ = {norm:.3g} > {self.gradient_norm_above:g}"
            if self.gradient_norm_below is not None and norm < self.gradient_norm_below:
                return f"watch gradient_norm_below: ‖dW[{layer}]‖ = {norm:.3g} < {self.gradient_norm_below:g}"
        if kind == "forward" and self.dead_relu_percent is not None and activation == "relu":
            A = np.asarray(env[f"A[{layer}]"])
            if A.ndim == 2 and A.shape[0]:
                dead = 100.0 * float(np.mean(np.all(A <= 0, axis=1)))
                if dead > self.dead_relu_percent:
                    return (f"watch dead_relu_percent: {dead:.0f}% of layer {layer}'s units are 0 "
                            f"for every example (> {self.dead_relu_percent:g}%)")
        if kind == "cost" and self.cost_rises and previous_cost is not None:
            J = env["J"]
            if math.isfinite(previous_cost) and J > previous_cost:
                return f"watch cost_rises: J = {J:.6g} > {previous_cost:.6g} the iteration before"
        return None


def _non_finite(value) -> bool:
    return isinstance(value, (float, np.ndarray)) and not np.all(np.isfinite(value))


def parse(table: dict) -> tuple[Watch, list[tuple[str, str]]]:
    """A Watch from a scenario's [watch] table, and the problems: (key, message)."""
    watch, problems = Watch(), []
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
                setattr(watch, key, number)
        else:
            setattr(watch, key, value)
    return watch, problems
