"""Nothing before its step, for g and +: the gradient check and the nudge compute their
numeric side themselves (central differences, ΔJ/ε) and may show it at any step, but an
analytic dW[l], db[l] appears only once the cursor has done layer l's backward step in
this iteration.  Before that the row, or the nudge's last line, names the step that
computes it, with no verdict.

The gradients are computed here independently (tests/build.py, straight from the post),
so a screen that showed the engine's dW early would be caught, and one that showed a
wrong dW late too."""

from __future__ import annotations

import re

import numpy as np

from bpdebug.app.app import BpdebugApp
from bpdebug.app.components.gradcheck_screen import GradCheckScreen
from bpdebug.engine.frame import Frame
from bpdebug.engine.notation import plain
from bpdebug.scenario.reader import load
from bpdebug.teach.report import gradcheck_table
from tests import build
from tests.test_explain_app import panel_text, point
from tests.test_screen_numbers import screen_lines
from tests.waiting import event, until

SIZE = (120, 36)
GRADIENTS = ("dW[2]", "db[2]", "dW[1]", "db[1]")


def by_hand(engine) -> dict:
    """Iteration 0 of the engine's scenario, from the post's equations (tests/build.py)."""
    params = engine.parameters(0)
    X, Y = engine.batches(0)
    activations = [layer.activation for layer in engine.scenario.layers]
    out, _ = build.backprop(X, Y, build.param_list(params, engine.L), activations,
                            engine.scenario.loss)
    return out


def writings(value: float) -> set[str]:
    """The ways a screen could write an analytic value: every figure count bpdebug uses."""
    return {plain(value, f) for f in (4, 5, 6, 7, 8)} | {f"{value:.4f}", f"{value:.5f}"}


async def gradient_check(app, pilot) -> tuple[GradCheckScreen, str]:
    await pilot.press("g")
    screen = app.screen
    assert isinstance(screen, GradCheckScreen)
    await event(screen.finished)  # the check's thread returned
    await until(pilot, lambda: screen.checks is not None)  # and its result is drawn
    await pilot.pause()
    return screen, "\n".join(screen_lines(app))


async def test_g_before_the_backward_pass_shows_no_analytic_gradient():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")  # iteration 0, forward [1]
        assert app.debugger.frame.k == 0
        want = by_hand(app.engine)
        screen, text = await gradient_check(app, pilot)
        table = screen.query_one("#gradcheck-table").content.plain
        verdict = screen.query_one("#gradcheck-verdict").content.plain
        rows = {line.split()[1]: line for line in table.splitlines()[1:]}
        for name in GRADIENTS:
            assert rows[name].endswith(f"not computed yet: backward [{name[-2]}]"), table
            for value in np.ravel(want[name]):
                for written in writings(float(value)):
                    assert written not in text, (name, written)
        # no verdict for a gradient the cursor has not computed
        assert not re.search(r"\b(good|look closer|suspicious|wrong)\b", table), table
        assert "checks out" not in verdict and "failed" not in verdict, verdict
        assert "backward [2]" in verdict, verdict


async def test_g_shows_each_layer_once_its_backward_step_is_done():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "n")  # the cost, then backward [2]: dW[2], db[2], not dW[1]
        want = by_hand(app.engine)
        screen, text = await gradient_check(app, pilot)
        table = screen.query_one("#gradcheck-table").content.plain
        rows = {line.split()[1]: line for line in table.splitlines()[1:]}
        assert "not computed yet" not in rows["dW[2]"] and "good" in rows["dW[2]"]
        # the rows the cursor has reached read as --check writes them, digit for digit
        whole = gradcheck_table(app.engine.gradient_check(0))
        assert rows["dW[2]"] in whole and rows["db[2]"] in whole
        assert rows["dW[1]"].endswith("not computed yet: backward [1]")
        for value in np.ravel(want["dW[1]"]):
            assert not writings(float(value)) & set(text.split()), value
        await pilot.press("escape")


async def test_g_at_the_end_of_the_backward_pass_agrees_with_the_engine_and_check():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "n", "n")  # backward [1]: every gradient computed
        frame: Frame = app.debugger.frame
        assert frame.pending(GRADIENTS) == {}
        want = by_hand(app.engine)
        screen, _ = await gradient_check(app, pilot)
        table = screen.query_one("#gradcheck-table").content.plain
        assert "not computed yet" not in table
        # the same table --check and the handout print (they run after the whole iteration)
        assert table.splitlines() == gradcheck_table(app.engine.gradient_check(0))
        for check in screen.checks:
            row = next(line for line in table.splitlines() if f" {check.name} " in line)
            analytic = float(want[check.name][check.worst])
            assert abs(check.analytic - analytic) <= 1e-12 * max(1.0, abs(analytic))
            written = [float(t) for t in re.findall(r"-?\d+\.\d+", row)]
            assert any(abs(v - analytic) <= 5e-8 for v in written), (row, analytic)
        assert "every gradient checks out" in screen.query_one("#gradcheck-verdict").content.plain


async def test_nudge_before_the_backward_pass_shows_dj_over_eps_alone():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")  # iteration 0, forward [1]
        engine = app.engine
        want = by_hand(engine)
        await point(app, pilot, "W[1]", (0, 1))
        await pilot.press("plus")
        await pilot.pause()
        text = panel_text(app)
        assert "dW[1]_{0,1} not computed yet: backward [1]" in text, text
        assert "relative difference" not in text and "agree" not in text, text
        # ΔJ/ε agrees with dW to about 7 figures, so the gradient as the nudge writes it
        # (8 figures) is what must be absent, and any line giving dW[1]_{0,1} a value
        screen = "\n".join(screen_lines(app))
        assert plain(float(want["dW[1]"][0, 1]), 8) not in screen
        assert not re.search(r"dW\[1\]_\{0,1\}\s*=", screen), text
        # ΔJ/ε is the nudge's own: a one-sided difference of J, computed here independently
        ratio = float(re.search(r"ΔJ/ε\s+=\s+(\S+)", text).group(1))
        params = build.param_list(engine.parameters(0), engine.L)
        X, Y = engine.batches(0)
        activations = [layer.activation for layer in engine.scenario.layers]
        W = params[0][0].copy()
        eps = (W[0, 1] + 1e-7) - W[0, 1]
        W[0, 1] += 1e-7
        nudged = [(W, params[0][1])] + params[1:]
        J, J_nudged = (build.J(X, Y, p, activations, engine.scenario.loss) for p in (params, nudged))
        assert abs(ratio - (J_nudged - J) / eps) <= 1e-6 * abs(ratio)
        # Nor is J on screen before its step: only how much the nudge moves it.
        assert "J itself is not shown before its step: cost" in text, text
        for value in (J, J_nudged):
            for figures in (4, 6, 12):
                assert plain(value, figures) not in screen, (value, figures)
        assert not re.search(r"^\s*J(\(\+ε\)| at iteration \d+)\s*=", text, re.M), text


async def test_nudge_after_the_backward_pass_sets_dw_beside_dj_over_eps():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "n", "n")  # backward [1]
        want = by_hand(app.engine)
        await point(app, pilot, "W[1]", (0, 1))
        await pilot.press("plus")
        await pilot.pause()
        text = panel_text(app)
        assert "not computed yet" not in text
        dW = float(want["dW[1]"][0, 1])
        shown = float(re.search(r"dW\[1\]_\{0,1\}\s+=\s+(\S+)", text).group(1))
        assert shown == float(plain(dW, 8)), (shown, dW)
        assert "agree" in text
        # past the cost step, J is the nudge's first line, as the engine has it
        J = float(re.search(r"J at iteration 0\s+=\s+(\S+)", text).group(1))
        assert J == float(plain(app.engine.loss_history[0], 12))
