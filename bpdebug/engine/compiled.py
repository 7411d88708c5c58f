"""The post's equations compiled to straight-line functions (equations.compile_equations):
the same NumPy calls as stepping, without walking trees or checking shapes, so
training and the gradient check give bit-identical numbers, faster."""

from __future__ import annotations

import numpy as np

from bpdebug.engine import plan
from bpdebug.engine.activations import KINKED
from bpdebug.engine.equations import compile_equations
from bpdebug.engine.names import post

DATA = ["A[0]", "Y", "1/m", "α"]  # what an iteration needs besides the parameters


class Compiled:
    """One whole iteration, and its forward pass with the cost."""

    def __init__(self, steps: list[plan.Step], parameters: list[str], activations: list[str]):
        self.parameters = parameters
        inputs = parameters + DATA
        everything = [eq for step in steps for eq in step.equations]
        # iterate(*W_b, *data) -> (*new W_b, J)
        self.iterate, _ = compile_equations(everything, inputs, parameters + ["J"], "iteration")
        forward = [eq for step in steps if step.kind in (plan.FORWARD, plan.COST)
                   for eq in step.equations]
        # The Z of every ReLU-like layer, whose signs make the pattern cost() returns.
        self.kinked = [post("Z", l) for l, g in enumerate(activations, 1) if g in KINKED]
        # forward(*W_b, *data) -> (J, *Z of every ReLU-like layer)
        self.forward, _ = compile_equations(forward, inputs, ["J"] + self.kinked, "forward")

    def cost(self, params: dict, data: list) -> tuple[float, np.ndarray]:
        """J at these parameters on this batch (the forward pass only), and the on/off
        pattern of every ReLU-like unit, which tells the gradient check where the kinks are."""
        with np.errstate(all="ignore"):
            J, *Z = self.forward(*[params[name] for name in self.parameters], *data)
        pattern = [np.ravel(z) > 0 for z in Z]
        return J, np.concatenate(pattern) if pattern else np.zeros(0, bool)
