"""The screen tells the truth: every panel draws the frame of the cursor and nothing
else, at every size from 80×24 to 200×60.

Nothing here waits on the clock: training is stopped through an Event the training
thread sets, and the tests wait on the worker, never on a pause of some length.
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import re
import threading
from pathlib import Path

import numpy as np
import pytest
from textual.app import App, ComposeResult

from bpdebug.app.app import BpdebugApp
from bpdebug.app.components.debugger import stepping
from bpdebug.app.components.equation_panel import EquationPanel, shape_row, spaced
from bpdebug.app.components.loss_panel import LossPanel
from bpdebug.app.keys import STEPPING, line_of
from bpdebug.app.components.matrix_grid import MatrixGrid, Need, share, widths, wrapped
from bpdebug.engine import plan
from bpdebug.engine.cursor import Engine
from bpdebug.engine.frame import Frame, Network, frozen
from bpdebug.engine.watch import Watch
from bpdebug.scenario.reader import load
from tests.waiting import until

APP = Path(__file__).resolve().parent.parent / "bpdebug" / "app"


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def plain(text) -> str:
    return getattr(text, "plain", str(text or ""))


def panels(app) -> dict[str, object]:
    return {view.matrix_name: view
            for view in app.query_one(MatrixGrid).views}


async def train_until(app, pilot, enough: int | None = None):
    """Press t; with ``enough``, stop once the training thread has reported that many
    progress calls.  Waits on the worker, not on the clock."""
    reached = threading.Event()
    train = app.engine.train

    def counting(n, progress=None, should_stop=None):
        calls = [0]

        def counted(done):
            calls[0] += 1
            if enough is not None and calls[0] >= enough:
                reached.set()
            if progress is not None:
                progress(done)
        return train(n, counted, should_stop)

    app.engine.train = counting
    await pilot.press("t")
    worker = app.trainer
    if enough is not None:
        assert await asyncio.to_thread(reached.wait, 120)  # a hang guard, not a wait
        app.action_stop()
    await worker.wait()
    await pilot.pause()
    await pilot.pause()
    return worker.result


# ---- the cost --------------------------------------------------------------------

async def test_after_training_and_a_reset_the_cost_panel_shows_iteration_0s_j():
    app = BpdebugApp(dataclasses.replace(load("xor"), iterations=10**7))
    async with app.run_test(size=(120, 36)) as pilot:
        result = await train_until(app, pilot, enough=50)
        assert result.stopped
        status = app.query_one("#status").content.plain
        done = result.done
        fresh = Engine(load("xor"))
        fresh.train(done)  # what `bpdebug xor --train DONE` prints last
        assert f"stopped after {done} iterations" in status
        assert f"J = {fresh.loss_history[-1]:.6g} at iteration {done - 1}" in status
        await pilot.press("r")
        cost = app.query_one(LossPanel).content.plain
        assert "J = " not in cost and "costs of" not in cost  # reset: nothing computed yet
        await pilot.press("f")
        cost = app.query_one(LossPanel).content.plain
        assert "J = 0.724146 at iteration 0" in cost and "costs of 1 iteration" in cost


async def test_the_cost_chart_marks_the_iteration_on_screen():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=(120, 36)) as pilot:
        await train_until(app, pilot)
        panel = app.query_one(LossPanel)

        def marked() -> list[tuple[str, str]]:
            """Each marked cell of the chart, with what its line has up to it."""
            plain = panel.content.plain
            return [(plain[s.start:s.end], plain[plain.rfind("\n", 0, s.start) + 1:s.end])
                    for s in panel.content.spans if "reverse" in str(s.style)]

        assert marked()  # the iteration on screen: the last computed, the rightmost bar
        width = max(len(line.rstrip()) for line in panel.content.plain.splitlines()[:-2])
        assert all(len(upto) == width for _, upto in marked()), (marked(), width)
        await pilot.press("n")  # the next iteration, before its cost: no bar of its own yet
        assert not marked() and "(the last computed)" in panel.content.plain


# ---- watchpoints and the student keep step with the cursor --------------------------

async def test_training_stops_on_the_step_where_the_nan_appears():
    stepping = Engine(load("diverge"))
    stepping.watch = dataclasses.replace(stepping.watch, cost_rises=False)
    while stepping.next() is not None and not stepping.frame().alert:
        pass
    app = BpdebugApp(load("diverge"))
    async with app.run_test(size=(120, 36)) as pilot:
        app.engine.watch = stepping.watch
        result = await train_until(app, pilot)
        assert result.alert
        assert app.engine.position == stepping.position
        assert "forward [2]" in app.query_one("#status").content.plain
        assert app.query_one(EquationPanel)._border_title.plain.startswith("forward [2]")


async def test_the_first_student_comparison_is_drawn_without_a_key_and_only_up_to_the_cursor():
    from bpdebug.app.components.student_panel import StudentPanel
    from bpdebug.teach.homework.run import load_student

    app = BpdebugApp(load("xor"), student=load_student("scenarios/students/post/forgot_m.py"))
    async with app.run_test(size=(120, 36)) as pilot:
        for worker in list(app.workers):
            if worker.group == "student":
                await worker.wait()
        await pilot.pause()
        await pilot.pause()
        panel = app.query_one(StudentPanel)
        entries = str(panel.query_one("#student-entries").content)
        verdict = str(panel.query_one("#student-verdict").content)
        assert "A0" in entries and "A1" not in entries and "Z1" not in entries
        assert "first divergence" not in verdict
        await pilot.press("f", "n")  # backward [2]: dW2 is where the 1/m goes missing
        verdict = str(panel.query_one("#student-verdict").content)
        assert "first divergence: dW2" in verdict


async def test_x_shows_the_plots_while_training():
    app = BpdebugApp(dataclasses.replace(load("moons"), iterations=10**7))
    async with app.run_test(size=(120, 36)) as pilot:
        reached = threading.Event()
        train = app.engine.train

        def counting(n, progress=None, should_stop=None):
            def counted(done):
                reached.set()
                progress(done)
            return train(n, counted, should_stop)

        app.engine.train = counting
        await pilot.press("t")
        assert await asyncio.to_thread(reached.wait, 120)
        app.simulate_key("x")  # Pilot.press would wait for an idle that training never gives
        worker = app.trainer
        app.action_stop()
        await worker.wait()
        await pilot.pause()
        await pilot.pause()
        assert len(app.debugger.panels) == 2
        assert "then step" not in app.query_one("#status").content.plain


# ---- sizes --------------------------------------------------------------------------

async def test_at_80x24_every_key_hint_fits():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=(80, 24)) as pilot:
        # the footer lists its keys once the screen has announced its bindings
        await until(pilot, lambda: "Next" in screen_lines(app)[-1])
        footer = screen_lines(app)[-1]
        for binding in app.BINDINGS:
            # Stop shows while training; the cells' keys have a line of their own from
            # 100 columns (tests/test_findable_keys.py)
            if binding.show and binding.action != "stop" and line_of(binding.action) == STEPPING:
                key = "?" if binding.key == "question_mark" else binding.key.split(",")[0]
                assert re.search(rf"(^|\s){re.escape(key)} {re.escape(binding.description)}(\s|$)",
                                 footer), (key, footer)


@pytest.mark.parametrize("keys", ["n", "f", "fn", "fnn"])
async def test_at_80x24_every_matrix_panel_of_xor_shows_three_columns(keys):
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*keys)
        await pilot.pause()
        for name, view in panels(app).items():
            value = app.debugger.frame.values.get(name)
            if value is None or np.ndim(value) != 2 or np.shape(value)[1] != 4:
                continue
            header = view.render_line(0).text.split()
            assert header[:3] == ["0", "1", "2"], (name, header)


async def test_the_update_shows_every_layers_w_and_b():
    """Six layers' W, b, dW and db: the rows of panels that do not fit under the update's
    twelve equations are below, and tab brings each on screen."""
    app = BpdebugApp(load("deep-sigmoid"))
    async with app.run_test(size=(120, 36)) as pilot:
        app.engine.watch = Watch()  # its vanishing-gradient watchpoint would stop "e" early
        await pilot.press("e")
        await pilot.pause()
        L = app.engine.L
        grid = app.query_one(MatrixGrid)
        every = grid.every_pane
        assert [p.matrix_name for p in every] == [
            name for l in range(1, L + 1) for name in (f"W[{l}]", f"b[{l}]", f"dW[{l}]", f"db[{l}]")]
        assert any(pane not in grid.views for pane in every)  # not all fit: some are below
        assert "more rows of panels below" in "".join(screen_lines(app))
        every[0].focus()
        for pane in every:
            await pilot.pause()
            assert pane in grid.views and grid.current is pane  # brought on screen
            region = grid.region_of(pane)
            top = screen_lines(app)[region.y][region.x:region.right]
            assert plain(pane.border_title).endswith("✓") and plain(pane.border_title) in top
            await pilot.press("tab")


async def test_a_wide_screen_shows_what_produced_da():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("f", "n", "n")  # backward [1]: dA[1] = W[2]ᵀ·dZ[2]
        await pilot.pause()
        shown = panels(app)
        assert {"W[2]", "dZ[2]", "dA[1]", "dZ[1]", "dA[0]"} <= shown.keys()
        await pilot.press("p")  # backward [2]: dZ[2] = A[2] − Y
        await pilot.pause()
        assert {"A[2]", "Y"} <= panels(app).keys()


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (200, 60)])
async def test_panels_are_as_tall_as_their_matrices(size):
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("f", "n", "n")
        await pilot.pause()
        grid = app.query_one(MatrixGrid)
        values = app.debugger.frame.values
        for pane in grid.views:
            row = [p for p in grid.views if grid.places[p].y == grid.places[pane].y]
            rows = max(np.shape(values[p.matrix_name])[0] for p in row)
            # a border, the column numbers, the row's rows: never a tall box, no scrollbar
            assert grid.places[pane].height <= rows + 3, (size, plain(pane.border_title))
        # as wide as the widest step's equations, so that stepping keeps the width
        equations = app.query_one("#equations-scroll")
        longest = max(len(line) for line in app.query_one(EquationPanel).content.plain.splitlines())
        assert longest + 4 <= equations.size.width <= stepping(app.debugger.frame)[0]


async def test_the_gradient_check_screen_reaches_its_verdict_at_80x24():
    from bpdebug.app.components.gradcheck_screen import GradCheckScreen

    app = BpdebugApp(load("mnist-size"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")  # a verdict needs the backward pass done (nothing before its step)
        await pilot.press("g")
        screen = app.screen
        assert isinstance(screen, GradCheckScreen)
        await screen.worker.wait()
        await pilot.pause()
        await pilot.pause()
        verdict = screen.query_one("#gradcheck-verdict")
        verdict.scroll_visible(animate=False)
        await pilot.pause()
        assert "gradient" in verdict.content.plain
        assert any("gradient" in line and ("✓" in line or "✗" in line)
                   for line in screen_lines(app))


async def test_the_gradient_check_at_80x24_cuts_no_number_and_keeps_every_column():
    # At 80 columns the whole --check row is wider than the dialog: its numbers must be
    # read whole on the screen (a cut "0.1984" beside "0.1984178" reads as a disagreement),
    # and the columns that do not fit go under their row, not off the screen.
    from bpdebug.app.components.gradcheck_screen import GradCheckScreen
    from bpdebug.teach.report import GRADCHECK_COLUMNS, gradcheck_table

    app = BpdebugApp(load("xor"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e", "g")
        screen = app.screen
        assert isinstance(screen, GradCheckScreen)
        await screen.worker.wait()
        await until(pilot, lambda: screen.checks is not None)
        await pilot.pause()
        whole = gradcheck_table(screen.checks)
        assert max(map(len, whole)) > 80  # the case at hand: --check's rows do not fit
        table = screen.query_one("#gradcheck-table")
        assert table.size.width <= screen.query_one("#gradcheck-scroll").scrollable_content_region.width
        text = "\n".join(screen_lines(app))
        assert "every gradient checks out" in text
        for check, row in zip(screen.checks, whole[1:]):
            cells = re.split(r"\s{2,}", row.strip())
            cells = dict(zip(GRADCHECK_COLUMNS, cells[:7] + ["  ".join(cells[7:])]))
            # the pair compared, side by side and whole, as --check writes them
            assert re.search(rf"{re.escape(check.name)}\s+{re.escape(cells['rel. error'])}\s+"
                             rf"{cells['band']}\s+{re.escape(cells['analytic'])}\s+"
                             rf"{re.escape(cells['numeric'])} ", text), (check.name, text)
            # and the rest, under its row, with its column's name
            assert f"differs most at {cells['differs most at']}" in text
            assert " ".join(f"checked {cells['checked']}".split()) in " ".join(text.split())


# ---- widgets draw a hand-built frame -----------------------------------------------

class Host(App):
    def __init__(self, *widgets) -> None:
        super().__init__()
        self.widgets = widgets

    def compose(self) -> ComposeResult:
        yield from self.widgets


def hand_built() -> Frame:
    """A 1-1 network at forward [1], every number chosen by hand."""
    steps = tuple(Engine(load("sine")).steps[:0])  # no engine state: only the step list
    from bpdebug.engine.equations import Equation, Name
    forward = plan.Step(plan.FORWARD, 1, (Equation("Z[1]", Name("W[1]")),))
    network = Network("hand", "hand", (1, 2), ("linear",), "mean_squared_error", 0.5, 3,
                      steps + (forward,))
    values = {"W[1]": np.array([[1.5], [-2.25]]), "b[1]": np.array([[0.125], [0.0]]),
              "A[0]": np.array([[3.0, 4.0, 5.0]]), "Z[1]": np.array([[7.0, 8.5, 10.0],
                                                                     [-6.5, -9.0, -11.25]])}
    return Frame(network, 0, 4, None, frozen(values), frozen({}),
                 frozen({"W[1]": (2, 1), "b[1]": (2, 1), "A[0]": (1, 3), "Z[1]": (2, 3)}),
                 (0.5, 0.25, 0.125, 0.0625, 0.03125), None)


async def test_the_matrices_and_the_cost_draw_a_hand_built_frame():
    frame = hand_built()
    grid, loss = MatrixGrid(), LossPanel()
    async with Host(grid, loss).run_test(size=(120, 30)) as pilot:
        grid.styles.height, loss.styles.height = 20, 8
        await pilot.pause()
        grid.show(frame)
        grid.place(grid.size)
        loss.show(frame)
        await pilot.pause()
        shown = {v.matrix_name: v for v in grid.views}
        z = "\n".join(shown["Z[1]"].render_line(y).text for y in range(4))
        assert "-11.25" in z and "8.5" in z
        # the frame is at the start of iteration 4: its J is not computed yet
        assert "J = 0.0625 at iteration 3" in loss.content.plain
        assert "0.03125" not in loss.content.plain


# ---- layout helpers -----------------------------------------------------------------

def test_a_shape_sits_centred_under_its_operand_whatever_its_length():
    anchors = [("Z[1]", "128×256"), ("W[1]", "128×784"), ("A[0]", "784×256"), ("b[1]", "128×1")]
    written = spaced("Z[1] = W[1]·A[0] + b[1]", anchors)
    row = shape_row(written, anchors)
    for operand, label in anchors:
        centre = written.index(operand) + len(operand) / 2
        at = row.index(label)
        assert abs(at + len(label) / 2 - centre) <= 1, (operand, written, row)


def ladder(first: int = 2) -> Need:
    """A panel whose columns are 10 wide: one at 10, two at 20, three (all) at 30."""
    return Need(10, (20, 30), 30, 5, first, lambda width: min(3, width // 10),
                lambda width: (width // 10 + 1) * 10 if width < 30 else None)


def test_room_is_shared_by_need():
    assert share(80, [18, 12, 32, 32], [10] * 4) == [18, 12, 25, 25]
    assert share(20, [6, 6, 6], [5] * 3) == [6, 6, 6]
    assert share(12, [6, 6, 6], [5] * 3) == [5, 5, 5]
    # a column at a time for every panel of a row before more for any one
    assert sorted(widths(45, [ladder(), ladder()])) == [22, 23]
    # the step's own result first, when both cannot have a second column
    late, first = widths(35, [ladder(2), ladder(0)])
    assert first >= 20 > late
    # a row whose panels cannot all be whole wraps, when there is room below, in order
    a, b = ladder(), ladder()
    assert wrapped([[a, b]], 35) == [[a], [b]]
    assert wrapped([[a, b]], 35, height=9) == [[a, b]]  # no room for a second row
    assert wrapped([[a, b]], 60) == [[a, b]]  # whole as it is


# ---- the wall: widgets read frames, not the engine ----------------------------------

# What the app may ask of an engine: move it, and get the frame of its cursor.
ENGINE_API = {"frame", "training_frame", "next", "back", "goto", "run_to", "reset", "train",
              "blocked", "position", "iteration", "L", "S", "steps", "network", "scenario",
              "watch", "gradient_check_inputs", "cost_function", "parameters"}


def test_nothing_in_the_app_reaches_into_the_engines_internals():
    used: dict[str, set[str]] = {}
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Attribute):
                continue
            owner = node.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if name in ("engine", "clone"):
                used.setdefault(node.attr, set()).add(path.name)
    outside = {attr: files for attr, files in used.items() if attr not in ENGINE_API}
    assert not outside, f"the app reads the engine's internals: {outside}"


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_narrow_panel_keeps_its_shape_check_rather_than_cut_it(size):
    """A title that does not fit gives up the shape, then the space, before the ✓ or ✗:
    every matrix title on screen is drawn whole, never ended with …  (On xor at 80×24,
    whose panels are held to two figures, every title now fits: mnist-size's do not.)"""
    app = BpdebugApp(load("xor" if size != (80, 24) else "mnist-size"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("f", *"n" * app.engine.network.L)  # backward [1]: eight panels
        assert app.engine.current.step.label == "backward [1]"  # ✓ on every result
        await pilot.pause()
        lines = screen_lines(app)
        short = []
        grid = app.query_one(MatrixGrid)
        for name, view in panels(app).items():
            title = plain(view.border_title)
            region = grid.region_of(view)
            top = lines[region.y][region.x:region.right]
            assert title in top and "…" not in top, (name, title, top)
            if "×" not in title:  # the shape given up: the mark stays while it fits
                assert title in (f"{name} ✓", f"{name}✓", name), title
                short.append(title)
        if size == (80, 24):
            assert any("✓" in title for title in short), short


@pytest.mark.parametrize("name", ["bug-dw-no-transpose", "bug-post-typo", "b-row"])
async def test_a_mismatchs_whole_story_is_on_screen_when_there_is_room(name):
    """The best moment of a lecture: at 120×36 every line of the story, the likely cause
    last, is on the screen, its long lines wrapped, not below the fold of a scrolled panel."""
    app = BpdebugApp(load(name))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("e")
        await until(pilot, lambda: app.engine.blocked is not None)
        app.clear_notifications()
        await pilot.pause()
        mismatch = app.engine.current.mismatch
        assert mismatch is not None
        text = " ".join(" ".join(screen_lines(app)).split())
        cause = " ".join(mismatch.cause.split()) if mismatch.cause else ""
        assert "likely cause:" in text and cause[:40] in text, cause
