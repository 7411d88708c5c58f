"""The right answer a hand-in is compared with: one iteration of the reference engine
(the scenario without its injected mistakes), every quantity in the post's names, the
equation that computes each and the order the reference computes them in."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from bpdebug.engine import plan
from bpdebug.engine.cursor import Engine
from bpdebug.engine.equations import Equation
from bpdebug.engine.losses import LOSSES


class ReferenceError(Exception):
    """The reference itself cannot run this scenario's iteration."""


@dataclass(frozen=True)
class Reference:
    engine: Engine
    i: int
    env: dict  # post name -> array (and "J", "1/m", "α"), before the update
    equations: dict  # post name -> the Equation that computes it
    order: tuple[str, ...]  # the post's names, forward then backward, as computed

    @property
    def scenario(self):
        return self.engine.scenario

    @property
    def L(self) -> int:
        return self.engine.L

    @property
    def m(self) -> int:
        return int(round(1 / self.env["1/m"]))

    @property
    def activations(self) -> list[str]:
        return [layer.activation for layer in self.scenario.layers]

    @property
    def sizes(self) -> list[int]:
        return [int(np.shape(self.env["A[0]"])[0])] + [int(np.shape(self.env[f"W[{l}]"])[0])
                                                      for l in range(1, self.L + 1)]

    def equation(self, name: str) -> str:
        eq = self.equations.get(name)
        return str(eq) if eq is not None else ""

    def operands(self, name: str) -> list[str]:
        """What the equation of ``name`` reads (its inputs in the reference's terms)."""
        eq = self.equations.get(name)
        if eq is None:
            return []
        return [n.name for n in eq.expr.names() if n.name not in ("1/m", "α")]

    def stage(self, name: str) -> str:
        if name == "J" or name.startswith(("Z[", "A[")):
            return "forward"
        return "backward"

    def with_mistake(self, mistake: str, alpha: float | None = None) -> dict | None:
        """The same iteration with one mistake of the catalogue injected (α as the hand-in
        was given it), or None where that stops at a shape mismatch."""
        if (mistake, alpha) not in self._mistaken:
            self._mistaken[(mistake, alpha)] = self._run(mistake, alpha)
        return self._mistaken[(mistake, alpha)]

    def _run(self, mistake: str, alpha: float | None) -> dict | None:
        scenario = replace(self.scenario, bugs=(mistake,))
        if alpha is not None:
            scenario = replace(scenario, learning_rate=alpha)
        engine = Engine(scenario)
        if self.i:
            engine.train(self.i)
        env = engine.iteration_env(self.i)
        return None if env is None else with_loss_gradient(env, scenario, self.L)

    @cached_property
    def _mistaken(self) -> dict:
        return {}


def with_loss_gradient(env: dict, scenario, L: int) -> dict:
    """The iteration's quantities with dA[L] = m·∂J/∂A[L] from the loss, even where the
    output matches its loss and dZ[L] = A[L] − Y skips it: a course's code (dlai's
    L_model_backward) computes it, and its helpers are given it."""
    if f"dA[{L}]" not in env:
        loss = LOSSES[scenario.loss]
        with np.errstate(all="ignore"):
            env = {**env, f"dA[{L}]": loss.dA(env[f"A[{L}]"], env["Y"])}
    return env


def right_engine(scenario) -> Engine:
    """An engine on the scenario without its injected mistakes: the right answer."""
    return Engine(replace(scenario, bugs=()))


def reference(scenario, i: int = 0) -> Reference:
    """Iteration i of the scenario, without its injected mistakes: the student is compared
    with the right answer."""
    engine = right_engine(scenario)
    if i:
        engine.train(i)
    env = engine.iteration_env(i)
    if env is None:
        raise ReferenceError("the reference iteration itself stops at a shape mismatch: "
                             "fix the scenario first (see bpdebug SCENARIO --check)")
    L = engine.L
    equations: dict[str, Equation] = {}
    order = ["A[0]"]
    for step in engine.steps:
        if step.kind == plan.UPDATE:
            continue
        for eq in step.equations:
            equations[eq.target] = eq
            order.append(eq.target)
    return Reference(engine, i, with_loss_gradient(env, engine.scenario, L), equations,
                     tuple(order))
