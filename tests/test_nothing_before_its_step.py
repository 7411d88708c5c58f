"""Nothing before its step: the class can guess a value before the step that computes it,
so no panel shows one earlier, J included.  Steps through the whole of xor's iteration 0
and into iteration 1, and at every step reads the screen: the cost panel, the matrix
panels, the gradient norms, the decision boundary, the strip and the status line.

J is computed here independently (tests/build.py) from each iteration's own parameters
and batch, so a panel that showed the engine's J early would be caught."""

from __future__ import annotations

import re

import numpy as np
import pytest

from bpdebug.app.app import BpdebugApp
from bpdebug.app.components.decision_boundary import DecisionBoundary
from bpdebug.app.components.gradient_norms import PENDING, GradientNorms
from bpdebug.app.components.loss_panel import LossPanel
from bpdebug.app.components.matrix_grid import MatrixGrid
from bpdebug.app.components.matrix_pane import NOT_COMPUTED, NOT_YET
from bpdebug.engine import plan
from bpdebug.engine.cursor import Engine
from bpdebug.engine.names import is_parameter
from bpdebug.engine.notation import plain
from bpdebug.scenario.reader import load
from tests import build
from tests.test_screen_numbers import crop, placed, screen_lines


def costs_by_hand(name: str, iterations: int) -> list[float]:
    """J of iterations 0, 1, ... from their own parameters and batch (tests/build.py)."""
    engine = Engine(load(name))
    activations = [layer.activation for layer in engine.scenario.layers]
    engine.train(iterations)  # only for the parameters each iteration starts from
    out = []
    for i in range(iterations):
        params = engine.parameters(i)
        X, Y = engine.batches(i)
        pairs = [(params[f"W[{l}]"], params[f"b[{l}]"]) for l in range(1, engine.L + 1)]
        out.append(build.J(X, Y, pairs, activations, engine.scenario.loss))
    return out


def ahead(steps, k: int) -> set[str]:
    """The quantities the steps after step k of the iteration compute (k = -1: all)."""
    return {eq.target for step in steps[k + 1:] for eq in step.equations}


def region_text(app, widget) -> str:
    return "\n".join(crop(screen_lines(app), widget.region))


def check_screen(app, J: list[float], where: str) -> None:
    frame = app.debugger.frame
    steps, i, k = frame.network.steps, frame.iteration, frame.k
    cost_step = next(n for n, step in enumerate(steps) if step.kind == plan.COST)
    screen = "\n".join(screen_lines(app))
    later = ahead(steps, k)

    # J: an iteration's cost appears only once the cursor has done its cost step.
    for j, cost in enumerate(J):
        done = j < i or (j == i and k >= cost_step)
        for written in (plain(cost), f"{cost:.4f}"):
            if not done:
                assert written not in screen, (where, j, written)
    loss = app.query_one(LossPanel).content.plain
    lines = loss.split("\n")
    headline, history = lines[-2], lines[-1]
    if headline.startswith("at iteration"):  # a narrow panel: the iteration on its own line
        headline = f"{lines[-3]} {headline}"
    n = i + (k >= cost_step)  # the costs computed: this iteration's from its cost step on
    if n:  # the last, with its own iteration
        assert headline in (f"J = {plain(J[n - 1])} at iteration {n - 1}",
                            f"J = {plain(J[n - 1])} at iteration {n - 1} (the last computed)"), \
            (where, headline)
        if k >= cost_step:
            assert "(the last computed)" not in headline, (where, headline)
        plural = "s" if n != 1 else ""
        assert history.startswith((f"costs of {n} iteration{plural}",
                                   f"costs: {n} iteration{plural}", f"costs of {n} it.",
                                   f"{n} it.")), (where, history)
        assert "J[" not in loss, (where, loss)  # J[i] would read as layer i
    else:
        assert "=" not in loss and not history, (where, loss)

    # The matrix panels: a quantity the iteration has not reached says so, and no number.
    grid = app.query_one(MatrixGrid)
    for pane in grid.views:
        name = pane.matrix_name
        if name not in later or is_parameter(name):  # W, b: the last update's until this one
            continue
        region, shown = placed(app, pane)
        if shown is None or not shown.area:
            continue
        text = "\n".join(crop(screen_lines(app), shown))
        assert NOT_COMPUTED in text or NOT_YET in text, (where, name, text)

    # The gradient norms: pending until the backward pass reaches the layer.
    norms = app.query_one(GradientNorms)
    drawn = [line for line in region_text(app, norms).splitlines() if "[" in line]
    for l in range(1, frame.network.L + 1):
        for which in ("dW", "db"):
            line = next(line for line in drawn if f"{which}[{l}]" in line)
            assert (PENDING in line) == (f"{which}[{l}]" in later), (where, line)

    # The decision boundary: the parameters the iteration starts from until its update.
    boundary = app.query_one(DecisionBoundary)
    _, params, when = boundary._source
    updated = k == len(steps) - 1
    start = app.engine.parameters(i + updated)
    assert all(np.array_equal(params[name], value) for name, value in start.items()), where
    assert when.startswith("after iteration" if updated else "iteration"), (where, when)

    # The status line names nothing the cursor has not computed; the strip shows no value
    # at all (its only decimal is α).
    status = app.query_one("#status").content.plain
    for name in later:
        assert not re.search(rf"(?<![A-Za-z]){re.escape(name)} ", status), (where, name, status)
    strip = app.query_one("#strip").content.plain
    assert set(re.findall(r"\d+\.\d+", strip)) <= {str(frame.network.learning_rate)}, strip


@pytest.mark.parametrize("size", [(120, 36), (200, 60)])
async def test_no_panel_shows_a_value_before_the_step_that_computes_it(size):
    app = BpdebugApp(load("xor"))
    J = costs_by_hand("xor", 2)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        if not app.query(GradientNorms):
            await pilot.press("x")  # the plots, where they do not show on their own
        await pilot.pause()
        S = app.engine.S
        for position in range(2 * S + 1):
            if position:
                await pilot.press("n")
                await pilot.pause()
            assert app.engine.position == position
            check_screen(app, J, f"{size} at position {position}")
        # and back again: stepping back over the cost step takes its J off the screen
        for position in range(2 * S - 1, S - 1, -1):
            await pilot.press("p")
            await pilot.pause()
            check_screen(app, J, f"{size} back at position {position}")
