"""The Textual app, driven headless with Pilot: the keys of the contract, time travel
on screen, the shape-mismatch teaching moment, training in the background, the picker,
and sizes from 20×8 to 200×60."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest
from textual.widgets import OptionList
from textual.worker import WorkerCancelled, WorkerFailed

from bpdebug.app.app import BpdebugApp
from bpdebug.app.components.equation_panel import EquationPanel
from bpdebug.app.components.help_screen import HelpScreen
from bpdebug.app.components.loss_panel import LossPanel
from bpdebug.app.components.matrix_grid import MatrixGrid
from bpdebug.app.components.matrix_pane import MatrixPane
from bpdebug.app.components.network_strip import NetworkStrip
from bpdebug.app.components.picker import PickerScreen
from bpdebug.engine import plan
from bpdebug.engine.equations import Equation, Expr
from bpdebug.engine.notation import notation
from bpdebug.engine.shapes import fmt
from bpdebug.scenario.errors import ScenarioError
from bpdebug.scenario.files import bundled
from bpdebug.scenario.reader import load
from bpdebug.teach.report import network_line

from tests.waiting import event, until

SIZE = (120, 36)


def text(app, selector) -> str:
    return str(app.query_one(selector).content)


def equations(app) -> str:
    return str(app.query_one(EquationPanel).content)


def plain(title) -> str:
    return title.plain if title is not None else ""


def matrices(app) -> dict[str, MatrixPane]:
    """Each matrix panel by the name in its title."""
    return {view.matrix_name: view
            for view in app.query_one(MatrixGrid).views}


def screen_state(app) -> tuple:
    """Everything the screen says about the current step (the rendered text)."""
    grid = app.query_one(MatrixGrid)
    views = [(plain(v.border_title), str(v.border_subtitle),
              [v.render_line(y).text for y in range(v.height - 2)]) for v in grid.views]
    panel = app.query_one(EquationPanel)
    return (text(app, NetworkStrip), equations(app), plain(panel._border_title),
            text(app, "#status"), views)


def engine_state(app) -> tuple:
    engine = app.engine
    record = engine.current
    env = {} if record is None else {k: np.array(v) for k, v in record.env.items()
                                     if isinstance(v, np.ndarray)}
    return engine.position, engine.iteration, env


def same_engine_state(a, b) -> bool:
    return (a[:2] == b[:2] and a[2].keys() == b[2].keys()
            and all(np.array_equal(a[2][k], b[2][k], equal_nan=True) for k in a[2]))


def squeezed(text: str) -> str:
    """Without spaces: the panel spaces an equation out so shapes sit under operands."""
    return "".join(text.split())


def chart_columns(app) -> int:
    """How many columns of the cost chart have a bar."""
    lines = text(app, LossPanel).splitlines()[:-2]  # the headline and the history line
    return max((sum(c != " " for c in line) for line in lines), default=0)


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def settle(pilot):
    await pilot.pause()
    await pilot.pause()


# ---- what is on screen before and after a step ---------------------------------------

async def test_before_any_step_the_panel_shows_what_the_first_step_will_compute():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        engine = app.engine
        assert engine.position == 0
        shown = equations(app)
        first = engine.steps[0]
        assert first.kind == plan.FORWARD and first.layer == 1
        for equation in first.equations:
            assert squeezed(str(equation)) in squeezed(shown)
        n0, n1, m = engine.sizes[0], engine.sizes[1], engine.scenario.m
        assert f"{n1}×{m}" in shown and f"{n1}×{n0}" in shown and f"{n0}×{m}" in shown
        assert text(app, NetworkStrip).splitlines()[0].startswith(network_line(engine))


async def test_the_network_strip_names_every_layer_the_direction_and_the_iteration():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        scenario = app.engine.scenario
        await pilot.press("n")
        strip = text(app, NetworkStrip)
        for l, layer in enumerate(scenario.layers, 1):
            assert f"[{l}] {layer.activation} {layer.units}" in strip
        assert "iteration 0" in strip and "forward" in strip
        await pilot.press("f")
        assert "cost" in text(app, NetworkStrip)
        await pilot.press("n")
        assert "backward" in text(app, NetworkStrip)
        await pilot.press("e")
        assert "update" in text(app, NetworkStrip)
        await pilot.press("n")
        assert "iteration 1" in text(app, NetworkStrip)


async def test_every_result_has_its_shape_under_it_and_a_tick():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        engine = app.engine
        await pilot.press("f", "n")  # backward [L]
        record = engine.current
        assert record.step.kind == plan.BACKWARD and record.step.layer == engine.L
        lines = equations(app).splitlines()
        for computed in record.computed:
            at = next(k for k, line in enumerate(lines)
                      if squeezed(str(computed.equation)) in squeezed(line))
            assert "✓" in lines[at]
            under = lines[at + 1]
            # dW[L] has W[L]'s shape, written under the dW[L] that starts the line
            assert under.split()[0] == fmt(computed.result.shape)
            for operand in computed.operands:
                assert fmt(operand.shape) in under
        assert "dW[2] 1×3 ✓" in plain(matrices(app)["dW[2]"].border_title)


async def test_matrix_panels_show_the_current_layer_with_changes_marked():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        views = matrices(app)
        assert {"W[1]", "b[1]", "Z[1]", "A[1]", "dZ[1]", "dW[1]", "db[1]"} <= views.keys()
        Z = app.engine.current.env["Z[1]"]
        assert plain(views["Z[1]"].border_title) == f"Z[1] {fmt(Z.shape)} ✓"
        stats = str(views["Z[1]"].border_subtitle)
        # one footer style, in the cells' notation: min and max read as their cells do
        write = notation(Z, views["Z[1]"].figures, whole=True)
        assert stats.startswith(f"[{write(Z.min())}, {write(Z.max())}]")
        await pilot.press("e", "n")  # forward [1] of iteration 1: Z[1] changed since iteration 0
        assert "•" in "".join(line for line in screen_state(app)[4][2][2])


# ---- the keys ------------------------------------------------------------------------

async def test_n_right_and_space_step_forward_p_and_left_step_back():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        engine = app.engine
        await pilot.press("n")
        assert engine.position == 1
        await pilot.press("right")
        assert engine.position == 2
        await pilot.press("space")
        assert engine.position == 3
        await pilot.press("p")
        assert engine.position == 2
        await pilot.press("left")
        assert engine.position == 1
        app.query_one(MatrixGrid).focus()  # a focused matrix: n, space, p still step
        await pilot.press("n", "space", "p")
        assert engine.position == 2
        await pilot.press("p")
        assert engine.position == 1
        await pilot.press("p", "p")
        assert engine.position == 0
        assert any("start" in n for n in notes(app))


async def test_stepping_forward_then_back_restores_the_engine_and_the_screen():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        engine = app.engine
        steps = 2 * engine.S + 1  # across the update, into the third iteration
        await settle(pilot)  # the first layout: panels sized to their matrices
        seen = []
        for _ in range(steps):
            seen.append((engine_state(app), screen_state(app)))
            await pilot.press("n")
        assert engine.position == steps and engine.current.iteration == 2
        for k in reversed(range(steps)):
            await pilot.press("p")
            engine_now, screen_now = engine_state(app), screen_state(app)
            assert same_engine_state(engine_now, seen[k][0]), f"engine differs at {k}"
            assert screen_now == seen[k][1], f"screen differs at position {k}"


async def test_f_runs_to_the_cost_and_e_to_the_end_of_the_iteration():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        engine = app.engine
        await pilot.press("f")
        assert engine.current.step.kind == plan.COST
        assert "J" in text(app, NetworkStrip)
        assert "J=" in squeezed(equations(app))
        await pilot.press("e")
        assert engine.current.step.kind == plan.UPDATE and engine.position == engine.S
        W_after = engine.current.env["W[1]"].copy()
        await pilot.press("n")
        assert engine.current.iteration == 1
        await pilot.press("p")  # back across the update: exactly the same W[1]
        assert engine.current.step.kind == plan.UPDATE
        assert np.array_equal(engine.current.env["W[1]"], W_after)
        await pilot.press("f")
        assert engine.current.step.kind == plan.COST and engine.current.iteration == 1
        assert len(engine.loss_history) == 2


async def test_digits_jump_to_that_layers_step_in_the_current_direction():
    app = BpdebugApp(load("moons"))
    async with app.run_test(size=SIZE) as pilot:
        engine = app.engine
        L = engine.L
        await pilot.press(str(L))
        assert (engine.current.step.kind, engine.current.step.layer) == (plan.FORWARD, L)
        await pilot.press("1")  # forward, back in time to forward [1]
        assert (engine.current.step.kind, engine.current.step.layer) == (plan.FORWARD, 1)
        await pilot.press("f", "n")  # now going backward
        await pilot.press("1")
        assert (engine.current.step.kind, engine.current.step.layer) == (plan.BACKWARD, 1)
        assert engine.current.iteration == 0
        position = engine.position
        await pilot.press("9")
        assert engine.position == position
        assert any("no layer 9" in n for n in notes(app))
        assert matrices(app).keys() >= {"W[1]", "dW[1]"}


async def test_r_resets_to_iteration_0():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "e", "n")
        assert app.engine.iteration == 2
        start = screen_state(app)
        await pilot.press("r")
        assert app.engine.position == 0
        assert "The first step will compute" in equations(app)
        assert screen_state(app) != start


async def test_question_mark_opens_help_and_closes_it():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = app.screen.text()
        for key in ("Equations", "Matrices", "Cost J", "Network strip", "space", "Esc"):
            assert key in help_text
        await pilot.press("n")  # keys under the help do not step
        assert app.engine.position == 0
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark", "question_mark")
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_the_help_wraps_each_text_in_its_own_column_beside_its_term(size):
    def checked_on_screen() -> set[str]:
        """The entries wholly in view, each text checked: every word there, within its
        own column, the term's column beside it free."""
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        view = app.screen.query_one("#help").content_region
        seen = set()
        for entry in app.screen.query(".entry"):
            term, text = entry.query(".term").first(), entry.query(".text").first()
            region = text.region
            if not view.contains_region(region):
                continue  # scrolled out of sight, wholly or in part
            assert region.x >= term.region.right and region.right <= size[0]
            shown = [line[region.x:region.right] for line in lines[region.y:region.bottom]]
            assert " ".join(shown).split() == str(text.content).split()
            assert not "".join(line[term.region.x:region.x] for line in
                               lines[region.y + 1:region.bottom]).strip()
            seen.add(str(term.content).strip())
        return seen

    app = BpdebugApp(load("xor"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        top = checked_on_screen()
        await pilot.press("end")
        await until(pilot, lambda: app.screen.query_one("#help").scroll_y > 0)
        bottom = checked_on_screen()
        assert "Network strip" in top and "q" in bottom and len(top | bottom) >= 4


@pytest.mark.parametrize("before", ["n", "question_mark"])  # from the debugger and the help
async def test_q_quits_with_exit_code_0(before):
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(before, "q")
        await pilot.pause()
    assert app.return_code == 0


async def test_every_action_is_in_the_command_palette():
    from bpdebug.app.commands import DebuggerCommands
    from bpdebug.app.keys import ACTIONS

    def offered() -> dict[str, str]:
        """title -> the action the palette runs for it."""
        provider = DebuggerCommands(app.screen)
        out = {}
        for title, callback, _ in provider._commands():
            assert callback.func == app.run_action
            out[title] = callback.args[0]
        return out

    from dataclasses import replace

    app = BpdebugApp(replace(load("xor"), iterations=10 ** 9))  # trains until stopped
    async with app.run_test(size=SIZE) as pilot:
        layers = {f"layer({l})" for l in range(3, 10)}  # xor has layers 1 and 2
        every = {key.title: key.action for key in ACTIONS if key.action not in layers}
        assert offered() == {t: a for t, a in every.items() if a != "stop"}
        assert {"explain", "nudge", "scroll_matrix(-1)", "scroll_matrix(1)"} <= set(offered().values())
        await pilot.press("ctrl+p", *"step f", "enter")
        await settle(pilot)
        assert app.engine.position == 1
        await pilot.press("ctrl+p", *"end of", "enter")
        await settle(pilot)
        assert app.engine.current.step.kind == plan.UPDATE
        await pilot.press("ctrl+p", *"reset", "enter")
        await settle(pilot)
        assert app.engine.position == 0
        await pilot.press("t")  # while training, stopping is offered too
        await until(pilot, lambda: app.training)
        assert offered() == every
        await pilot.press("ctrl+p", *"stop tr", "enter")
        await until(pilot, lambda: not app.training)


# ---- the shape mismatch ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["wrong-w", "b-row", "x-transposed", "bug-dw-no-transpose"])
async def test_a_mismatch_turns_the_panel_red_with_shapes_rule_and_cause(name):
    app = BpdebugApp(load(name))
    async with app.run_test(size=SIZE) as pilot:
        engine = app.engine
        await pilot.press("e")  # runs until the step that breaks
        record = engine.current
        mismatch = record.mismatch
        assert mismatch is not None
        panel = app.query_one(EquationPanel)
        assert panel.has_class("mismatch")
        shown = equations(app)
        for line in mismatch.lines():
            assert line.strip() in shown
        for operand in mismatch.operands:
            assert f"{operand.text} {fmt(operand.shape)}" in shown
        outlined = [v for v in app.query_one(MatrixGrid).views if v.offending]
        assert [v.matrix_name for v in outlined] == [mismatch.offender]

        position = engine.position
        await pilot.press("n")
        assert engine.position == position
        assert "blocked" in text(app, "#status")
        assert any("mismatch" in n for n in notes(app))
        await pilot.press("p")  # stepping back still works, and the red goes
        assert engine.position == position - 1
        assert not panel.has_class("mismatch")
        await pilot.press("question_mark", "escape", "q")
    assert app.return_code == 0


async def test_the_wrong_w_mismatch_is_at_forward_2_and_names_w2():
    app = BpdebugApp(load("wrong-w"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n")
        record = app.engine.current
        assert record.step.label == "forward [2]"
        W2 = record.env["W[2]"]
        shown = equations(app)
        assert f"W[2] {fmt(np.shape(W2))}" in shown
        assert "rule:" in shown and "W[2] must be" in shown
        assert app.query_one(MatrixGrid).views[0].offending  # the first panel, outlined


class Boom(Expr):
    """An operand whose evaluation raises: an unexpected error inside a step."""

    def check(self, env, ctx):
        raise RuntimeError("boom inside the step")

    __call__ = check

    def __str__(self):
        return "boom()"


async def test_an_error_inside_a_step_is_shown_in_the_app_and_blocks_stepping():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        engine = app.engine
        first = engine.steps[0]
        engine.steps[0] = dataclasses.replace(first, equations=(Equation("Z[1]", Boom()),))
        await pilot.press("n")
        assert engine.current.error is not None
        assert app.query_one(EquationPanel).has_class("mismatch")
        assert "boom inside the step" in equations(app)
        await pilot.press("n")
        assert engine.position == 1 and "blocked" in text(app, "#status")


async def test_an_exception_in_an_action_becomes_a_message_not_a_traceback(monkeypatch):
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        def broken():
            raise ValueError("the engine broke")
        monkeypatch.setattr(app.engine, "next", broken)
        await pilot.press("n")
        assert any("the engine broke" in n for n in notes(app))
        assert "the engine broke" in text(app, "#status")
        monkeypatch.undo()
        await pilot.press("n")
        assert app.engine.position == 1
    assert app.return_code in (0, None)


# ---- training in the background ---------------------------------------------------------

def endless(name: str = "spiral"):
    return dataclasses.replace(load(name), iterations=10_000_000)


async def wait_for_training(app, pilot):
    """The training worker has finished and the app has handled its end."""
    if app.training:
        try:
            await app.trainer.wait()
        except (WorkerFailed, WorkerCancelled):
            pass  # the app shows it: the tests look at the screen
    await until(pilot, lambda: not app.training)


async def answer(app, pilot, key: str, answered) -> None:
    """Press a key while the training thread runs and wait for the app to act on it.
    (Pilot.press waits for the process to go idle, which it never does while training.)"""
    app.simulate_key(key)
    await until(pilot, answered)


def trained_some(app) -> bool:
    """At least one progress message of the training worker has arrived."""
    return "training" in text(app, NetworkStrip) and "training 0/" not in text(app, NetworkStrip)


@pytest.mark.parametrize("stop_key", ["escape", "t"])
async def test_training_runs_in_the_background_keys_answer_and_it_stops(stop_key):
    app = BpdebugApp(endless())
    async with app.run_test(size=SIZE) as pilot:
        engine = app.engine
        await answer(app, pilot, "t", lambda: app.training)
        await until(pilot, lambda: trained_some(app))
        assert app.training  # ten million iterations: still going
        await answer(app, pilot, "n", lambda: "then step" in text(app, "#status"))
        assert engine.position == 0  # refused while training, with the reason
        await answer(app, pilot, "question_mark", lambda: isinstance(app.screen, HelpScreen))
        await answer(app, pilot, "escape", lambda: not isinstance(app.screen, HelpScreen))
        assert app.training  # Esc closed the help, not the training
        assert chart_columns(app) > 1  # the cost chart follows live
        assert "training" in text(app, NetworkStrip)
        await answer(app, pilot, stop_key, lambda: not app.training)
        await settle(pilot)
        done = len(engine.loss_history)
        assert 1 < done < 10_000_000
        assert engine.position == engine.iteration * engine.S  # right after an update
        assert "stopped" in text(app, "#status")
        await pilot.press("n")
        assert engine.current.step == engine.steps[0]


async def test_a_key_read_while_training_holds_the_training_thread_until_its_frame():
    # The terminal's driver tells the app of a key from its own thread, before the app's
    # loop (busy painting a training frame) gets to it: the training thread waits from then
    # until the key's frame is drawn.  run_test() has its own headless driver, so the
    # driver the app gets for a terminal or a browser is given the key here by hand.
    from textual import events
    from textual.drivers.headless_driver import HeadlessDriver

    from bpdebug.app.app import answering

    sent = []

    class Reading(HeadlessDriver):  # what reaches the app's loop, not the app itself
        def process_message(self, message) -> None:
            sent.append(message)

    app = BpdebugApp(endless())
    assert app.get_driver_class().__name__.startswith("Answering")
    async with app.run_test(size=SIZE) as pilot:
        await answer(app, pilot, "t", lambda: app.training)
        await until(pilot, lambda: trained_some(app))
        driver = answering(Reading)(app)
        key = events.Key("question_mark", "?")
        reader = threading.Thread(target=driver.process_message, args=(key,))
        reader.start()
        reader.join()
        assert sent == [key] and not app._ui_free.is_set()  # the trainer waits
        await answer(app, pilot, "question_mark", lambda: isinstance(app.screen, HelpScreen))
        await until(pilot, app._ui_free.is_set)  # the key's frame is drawn: it goes on
        done = len(app.engine.loss_history)
        await until(pilot, lambda: len(app.engine.loss_history) > done)
        await answer(app, pilot, "escape", lambda: not isinstance(app.screen, HelpScreen))
        await answer(app, pilot, "escape", lambda: not app.training)


async def test_training_to_the_end_updates_the_cost_panel():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        engine = app.engine
        n = engine.scenario.iterations
        await pilot.press("t")
        await wait_for_training(app, pilot)
        await settle(pilot)
        assert len(engine.loss_history) == n
        assert engine.position == n * engine.S
        assert engine.loss_history[-1] < engine.loss_history[0]
        assert chart_columns(app) == min(n, app.query_one(LossPanel).content_region.width)
        # the headline is the J of the iteration on screen: the last one trained
        assert engine.current.iteration == n - 1
        assert f"J = {engine.loss_history[n - 1]:.6g} at iteration {n - 1}" in text(app, LossPanel)
        assert f"costs of {n} iterations" in text(app, LossPanel)
        assert f"trained {n} iterations" in text(app, "#status")


async def test_training_stops_at_a_mismatch_and_shows_it():
    app = BpdebugApp(load("bug-db-no-keepdims"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await wait_for_training(app, pilot)
        await settle(pilot)
        assert app.engine.current.mismatch is not None
        assert app.query_one(EquationPanel).has_class("mismatch")


async def test_a_notice_waits_for_the_help_to_close_rather_than_cover_it():
    from tests.test_screen_numbers import screen_lines

    app = BpdebugApp(endless())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:  # toasts drawn
        await answer(app, pilot, "t", lambda: app.training)
        await answer(app, pilot, "question_mark", lambda: isinstance(app.screen, HelpScreen))
        assert app.training  # ten million iterations: still going under the help
        app.action_stop()  # what t does (under the help, the help has the keys)
        await wait_for_training(app, pilot)
        await until(pilot, lambda: "training stopped after" in text(app, "#status"))
        await settle(pilot)
        # the notice is not drawn over the help: no toast there, no word of it on screen
        assert isinstance(app.screen, HelpScreen) and not app.screen.query("Toast")
        assert not any("stopped after" in line for line in screen_lines(app))
        await pilot.press("escape")
        # once the help is closed, the notice shows, on the debugger's screen
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen)
                    and bool(app.screen.query("Toast")))
        await settle(pilot)
        shown = " ".join(" ".join(screen_lines(app)).replace("▌", " ").split())
        assert "training stopped after" in shown


async def test_quitting_while_training_exits_cleanly():
    app = BpdebugApp(endless())
    async with app.run_test(size=SIZE) as pilot:
        await answer(app, pilot, "t", lambda: app.training)
        await until(pilot, lambda: trained_some(app))
        app.simulate_key("q")
        await until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 0


def test_the_cost_is_log_scaled_when_it_spans_decades():
    from bpdebug.engine.sparkline import bars, log_scale

    assert log_scale([1000.0, 10.0, 1.0]) and not log_scale([0.7, 0.5, 0.4])
    # log10: 3, 1, 0 put the middle bar a third of the way up, not at the bottom
    assert bars([1000.0, 10.0, 1.0], 3, 3) == ["█  ", "█▁ ", "██▁"]
    assert bars([1.0, float("nan")], 2)[0] == "▁!"  # a diverged run: drawn at the top


# ---- sizes -------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(80, 24), (120, 36), (200, 60)])
async def test_every_panel_is_on_screen(size):
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("f", "n")
        await settle(pilot)
        width, height = size
        grid = app.query_one(MatrixGrid)
        panels = [app.query_one(NetworkStrip), app.query_one(EquationPanel),
                  app.query_one("#loss"), app.query_one("#status"), *grid.views]
        for panel in panels:
            region = grid.region_of(panel) if panel in grid.views else panel.region
            assert region.width > 0 and region.height > 0, panel
            assert region.right <= width and region.bottom <= height, panel
        if size != (80, 24):  # at 120×36 and more nothing scrolls
            eq = app.query_one("#equations-scroll")
            assert eq.max_scroll_y == 0
        assert " = 1/m · dZ[2]·A[1]ᵀ" in app.export_screenshot().replace("&#160;", " ")


async def test_resizing_to_tiny_sizes_and_back_never_raises():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "n")
        before = screen_state(app)
        position = app.engine.position
        for size in [(40, 12), (20, 8), (80, 24), (40, 12), SIZE]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            app.export_screenshot()
        await pilot.press("n", "p")
        assert app.engine.position == position
        assert screen_state(app)[:4] == before[:4]
    assert app.return_code in (0, None)


async def test_the_784_wide_scenario_draws_only_the_cells_on_screen():
    # How quick it is belongs in bench/, not here.
    app = BpdebugApp(load("mnist-size"))
    async with app.run_test(size=SIZE) as pilot:
        engine = app.engine
        assert engine.sizes[0] == 784
        for _ in range(engine.S + 1):
            await pilot.press("n")
        await pilot.press("p")
        await settle(pilot)
        W1 = matrices(app)
        assert engine.current.step.kind == plan.UPDATE
        view = W1["W[1]"]
        assert plain(view.border_title).startswith("W[1] 128×784")
        assert view.rows_shown().stop < view.grid_shape[0]  # more rows than it shows
        # Only the cells on screen are drawn: a line is as wide as the panel, no more.
        assert all(len(view.render_line(y).text) <= view.width - 2 for y in range(view.height - 2))


# ---- the picker ---------------------------------------------------------------------------

async def test_no_argument_opens_the_picker_and_choosing_opens_the_debugger():
    app = BpdebugApp(None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        options = app.screen.query_one(OptionList)
        names = [name for name, _, _ in bundled()]
        assert options.option_count == len(names)
        titles = {name: title for name, title, _ in bundled()}
        assert titles["xor"] in str(options.get_option("xor").prompt)
        await pilot.press("n")  # no engine yet: the step key does nothing
        options.highlighted = names.index("xor")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, PickerScreen)
        assert app.engine is not None and app.engine.scenario.name == "xor"
        await pilot.press("n")
        assert app.engine.position == 1
        assert "forward [1]" in str(app.query_one(EquationPanel)._border_title.plain)
        await pilot.press("q")
    assert app.return_code == 0


async def test_a_scenario_that_does_not_load_is_explained_in_the_picker(monkeypatch):
    import bpdebug.scenario

    def refuse(name, *args, **kwargs):
        raise ScenarioError(f"{name}.toml", "layers[1].units", "must be a whole number", 7)

    monkeypatch.setattr(bpdebug.scenario, "load", refuse)
    app = BpdebugApp(None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        error = str(app.screen.query_one("#picker-error").content)
        assert "layers[1].units" in error and "must be a whole number" in error
        await pilot.press("q")
    assert app.return_code == 0


async def test_the_picker_shows_every_mistake_of_a_file_as_check_does(monkeypatch, tmp_path):
    import bpdebug.scenario
    from tests.test_loader import FOUR_MISTAKES

    path = tmp_path / "four.toml"
    path.write_text(FOUR_MISTAKES)
    load = bpdebug.scenario.load
    with pytest.raises(ScenarioError) as caught:
        load(path)
    monkeypatch.setattr(bpdebug.scenario, "load", lambda name, *args, **kwargs: load(path))
    app = BpdebugApp(None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        shown = str(app.screen.query_one("#picker-error").content).splitlines()
        assert shown == caught.value.lines() and len(shown) == 4
        await pilot.press("q")


# ---- hook points ----------------------------------------------------------------------------

async def test_extra_panels_mount_in_the_right_column_and_follow_the_cursor():
    from textual.widgets import Static

    class Echo(Static):
        def show(self, frame):
            self.update(f"position {frame.position}")

    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        extras = app.query_one("#extras")
        assert not extras.display or extras.region.width == 0
        echo = Echo(id="echo")
        app.add_panel(echo)
        await settle(pilot)
        assert extras.region.width > 0
        await pilot.press("n", "n")
        assert str(echo.content) == "position 2"


# ---- the teaching screens and panels, by their keys ---------------------------------------

async def test_g_checks_the_gradients_of_the_current_iteration_and_esc_closes_it():
    from bpdebug.app.components.gradcheck_screen import GradCheckScreen

    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "n")
        await pilot.press("g")
        screen = app.screen
        assert isinstance(screen, GradCheckScreen) and screen.iteration == 1
        await event(screen.finished)
        await until(pilot, lambda: screen.checks is not None)
        assert {c.name for c in screen.checks} >= {"dW[1]", "db[1]", "dW[2]", "db[2]"}
        assert all(c.ok for c in screen.checks)
        position = app.engine.position
        await pilot.press("n")  # the keys belong to the screen on top
        assert app.engine.position == position
        await pilot.press("escape")
        assert not isinstance(app.screen, GradCheckScreen)


async def test_w_opens_the_watchpoints_and_a_watchpoint_stops_the_run():
    from bpdebug.app.components.watch_screen import WatchScreen

    app = BpdebugApp(load("diverge"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w")
        assert isinstance(app.screen, WatchScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, WatchScreen)
        assert "watchpoints" in text(app, "#status")
        app.engine.watch = dataclasses.replace(app.engine.watch, cost_rises=True)
        await pilot.press("t")
        await wait_for_training(app, pilot)
        assert "watchpoint" in text(app, "#status")
        assert len(app.engine.loss_history) < app.engine.scenario.iterations


async def test_x_shows_and_hides_the_decision_boundary_and_gradient_norms():
    app = BpdebugApp(load("moons"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await settle(pilot)
        assert len(app.query("#teaching-boundary, #teaching-norms")) == 2
        assert app.query_one("#extras").region.width > 0
        await pilot.press("f", "n")
        assert "dW[2]" in str(app.query_one("#teaching-norms").content)
        await pilot.press("x")
        await settle(pilot)
        assert len(app.query("#teaching-boundary, #teaching-norms")) == 0
        assert app.query_one("#extras").region.width == 0


@pytest.mark.parametrize("file,first", [("missing_transpose.py", "dW2"), ("forgot_m.py", "dW2"),
                                        ("g_not_gprime.py", "dZ1"), ("raises.py", "dA1"),
                                        ("correct.py", None)])
async def test_with_a_student_file_their_code_is_compared_beside_the_reference(file, first):
    from bpdebug.app.components.student_panel import StudentPanel
    from bpdebug.teach.homework.run import load_student

    from tests.students import compared

    module = load_student("scenarios/students/post/" + file)
    app = BpdebugApp(load("xor"), student=module)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(StudentPanel)
        await compared(pilot, app)  # the comparison worker's completion, not the clock
        await pilot.press("f", "n", "n")  # backward [1]: every entry compared so far
        await settle(pilot)
        assert panel.comparison is not None
        verdict = str(panel.query_one("#student-verdict").content)
        if first is None:
            assert panel.comparison.first_divergence is None
            assert "first divergence" not in verdict
        else:
            assert panel.comparison.first_divergence.key == first
            assert first in verdict and "first divergence" in verdict


async def test_m_writes_the_iteration_as_a_markdown_handout(tmp_path, monkeypatch):
    from bpdebug.teach.transcript import transcript

    monkeypatch.chdir(tmp_path)
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "n", "n", "m")  # into iteration 1
        await event(app.handout_done)  # written in a thread
        await pilot.pause()
        written = tmp_path / "xor-iteration-1.md"
        assert written.read_text() == transcript(app.engine, 1)
        assert "xor-iteration-1.md" in text(app, "#status")
        assert written.read_text().startswith("# XOR")


async def test_the_handout_is_written_in_a_thread_and_the_engine_waits_for_it(tmp_path,
                                                                             monkeypatch):
    """m builds the handout (its gradient check takes seconds on a large network) off the
    app's thread; a step meanwhile is refused with a word, and the file is the iteration's."""
    import bpdebug.teach.transcript as handout

    real, release = handout.transcript, threading.Event()

    def held(engine, i=None):
        release.wait(600)  # until the test has pressed n
        return real(engine, i)

    monkeypatch.setattr(handout, "transcript", held)
    monkeypatch.chdir(tmp_path)
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "m")
        position = app.engine.position
        await pilot.press("n")  # while the handout is being written
        assert app.engine.position == position
        assert "writing the handout of iteration 0" in text(app, "#status")
        release.set()
        await event(app.handout_done)
        await pilot.pause()
        assert (tmp_path / "xor-iteration-0.md").read_text() == real(app.engine, 0)
        await pilot.press("n")  # and the engine moves again
        assert app.engine.position == position + 1


async def test_g_with_a_student_checks_the_students_own_gradients():
    from bpdebug.app.components.gradcheck_screen import GradCheckScreen
    from bpdebug.teach.homework.run import load_student

    from tests.students import compared

    app = BpdebugApp(load("xor"), student=load_student("scenarios/students/post/forgot_m.py"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "n")
        assert await compared(pilot, app) is not None  # the student's code runs in a worker
        await pilot.press("g")
        screen = app.screen
        assert isinstance(screen, GradCheckScreen)
        await pilot.pause()
        await screen.worker.wait()  # the check's own worker, not the clock
        await pilot.pause()
        await pilot.pause()
        table = str(screen.query_one("#gradcheck-table").content)
        assert "student" in str(screen.query_one("#gradcheck-title").content).lower()
        assert "dW[2]" in table and "wrong" in table


async def test_the_strip_highlights_the_current_step_even_when_only_styles_change():
    # backward [2] -> backward [1] changes which piece is highlighted, not the text.
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "n", "n")
        await pilot.pause()
        content = app.query_one(NetworkStrip).content
        timeline_starts = content.plain.index("\n") + 1
        highlighted = [content.plain[span.start:span.end].strip() for span in content.spans
                       if span.start >= timeline_starts and "reverse" in str(span.style)]
        assert highlighted == ["←1"]
