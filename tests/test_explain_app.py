"""One element at a time, on screen: a cell cursor in a focused matrix panel, enter
writes the element out as the post derives it, + nudges a parameter.  The expansion is
checked against the engine's own numbers and an independent sum in the test."""

from __future__ import annotations

import re

import numpy as np

from bpdebug.app.app import BpdebugApp
from bpdebug.app.components.equation_panel import EquationPanel
from bpdebug.app.components.explain_panel import ExplainPanel
from bpdebug.app.components.matrix_grid import MatrixGrid
from bpdebug.app.components.matrix_view import MatrixView
from bpdebug.scenario.reader import load


def views(app) -> dict[str, MatrixView]:
    return {view.matrix_name: view for view in app.query_one(MatrixGrid).views}


def panel_text(app) -> str:
    return app.query_one(ExplainPanel).content.plain


def explaining(app) -> bool:
    """The explanation is on screen in the equations' place, with its title."""
    panel, equations = app.query_one(ExplainPanel), app.query_one(EquationPanel)
    assert panel.display != equations.display  # one or the other, never both
    return panel.display and "explain" in panel._border_title.plain


async def point(app, pilot, name: str, cell: tuple[int, int]):
    view = views(app)[name]
    view.focus()
    await pilot.pause()
    for _ in range(cell[0]):
        await pilot.press("down")
    for _ in range(cell[1]):
        await pilot.press("right")
    assert view.cursor == cell
    return view


async def explain(app, pilot, name: str, cell: tuple[int, int]) -> None:
    """Put the cell cursor on name[cell] and press enter."""
    await point(app, pilot, name, cell)
    await pilot.press("enter")


async def test_the_arrows_move_the_cell_cursor_of_a_focused_panel_and_step_otherwise():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("right")  # nothing focused: a step
        assert app.engine.position == 1
        view = await point(app, pilot, "Z[1]", (2, 3))
        assert app.engine.position == 1  # the arrows moved the cursor, not the engine
        await pilot.press("down", "right")  # held at the last row and column
        assert view.cursor == (2, 3)
        # the border, the header, then rows 0, 1, 2: a box around the cell, not colour
        # alone (at the last column its "]" may be in the border: the cursor takes no room)
        line = "".join(segment.text for segment in view.line(4, view.host.palette))
        assert re.search(r"\[\s*\S+\]", line), line
        await pilot.press("n")  # n still steps
        assert app.engine.position == 2


async def test_enter_writes_dw_out_and_the_sum_is_the_panels_value():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f", "n", "n")  # backward [1]
        await explain(app, pilot, "dW[1]", (0, 1))
        await pilot.pause()
        text = panel_text(app)
        env = app.engine.current.env
        dZ, A0 = env["dZ[1]"], env["A[0]"]
        want = env["dW[1]"][0, 1]
        # an independent sum: 1/m Σ_i dZ[1]_{0,i} · A[0]_{1,i}
        terms = [dZ[0, i] * A0[1, i] for i in range(dZ.shape[1])]
        assert abs(sum(terms) / dZ.shape[1] - want) <= 1e-12 * max(1.0, abs(want))
        assert "dW[1]_{0,1} = 1/m Σ_i dZ[1]_{0,i} · A[0]_{1,i}" in text
        assert "4 terms" in text
        last = text.strip().splitlines()[-1]
        assert last.endswith(f"= {want:.6g}"), last
        shown = views(app)
        # the operands' cells are highlighted in their own panels, A[0] brought on screen
        assert shown["dZ[1]"].highlighted == {(0, i) for i in range(4)}
        assert shown["A[0]"].highlighted == {(1, i) for i in range(4)}
        await pilot.press("escape")
        assert not explaining(app)
        assert not views(app)["dZ[1]"].highlighted


async def test_the_nudge_agrees_with_dw_and_changes_nothing():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f", "n", "n")
        engine = app.engine
        before = {k: np.array(v) for k, v in engine.parameters(0).items()}
        position = engine.position
        await point(app, pilot, "W[1]", (0, 1))
        await pilot.press("plus")
        await pilot.pause()
        text = panel_text(app)
        ratio = float(re.search(r"ΔJ/ε\s+=\s+(\S+)", text).group(1))
        dW = float(engine.current.env["dW[1]"][0, 1])
        assert abs(ratio - dW) / abs(dW) < 1e-4
        assert "agree" in text
        assert engine.position == position
        for name, value in engine.parameters(0).items():
            np.testing.assert_array_equal(value, before[name])


async def test_a_784_term_sum_elides_and_says_how_many():
    app = BpdebugApp(load("mnist-size"))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("n")  # forward [1]: Z[1] = W[1]·A[0] + b[1]
        await explain(app, pilot, "Z[1]", (0, 0))
        await pilot.pause()
        text = panel_text(app)
        assert "784 terms" in text and "more" in text
        assert len(text.splitlines()) < 20  # elided, not 784 lines
        want = app.engine.current.env["Z[1]"][0, 0]
        assert text.strip().splitlines()[-1].endswith(f"= {want:.6g}")


async def test_moving_the_cursor_or_stepping_closes_the_explanation():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("n")
        await explain(app, pilot, "A[1]", (1, 1))
        assert explaining(app)
        await pilot.press("right")
        assert not explaining(app)
        await pilot.press("enter", "n")
        assert not explaining(app)


async def test_a_parameter_before_any_update_is_the_initial_value():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("n")
        await explain(app, pilot, "W[1]", (0, 0))
        assert "initial parameters" in panel_text(app)
        await pilot.press("e", "n")  # iteration 1: W[1] is what the update made
        await explain(app, pilot, "W[1]", (0, 0))
        text = panel_text(app)
        assert "W[1]_{0,0} := W[1]_{0,0} − α dW[1]_{0,0}" in text
        want = app.engine.current.env["W[1]"][0, 0]
        assert text.strip().splitlines()[-1].endswith(f"{want:.6g}")


def iterations_named(app) -> tuple[set[str], set[str]]:
    """The iterations the explain panel's title names, and those its body writes about."""
    panel = app.query_one(ExplainPanel)
    title = panel._border_title.plain.rsplit("·", 1)[1]
    return set(re.findall(r"\d+", title)), set(re.findall(r"iteration (\d+)", panel_text(app)))


async def test_the_title_names_the_iteration_the_body_writes_about():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=(120, 36)) as pilot:
        cases = [(("n",), "Z[1]", {"0"}),  # iteration 0, forward [1]
                 (("e",), "W[1]", {"0"}),  # iteration 0's update makes W[1]
                 (("n",), "Z[1]", {"1"}),  # iteration 1, forward [1]
                 ((), "W[1]", {"0"}),  # iteration 1 uses the W[1] iteration 0's update made
                 (("f", "n", "n"), "dW[1]", {"1"})]  # iteration 1, backward [1]
        for keys, name, want in cases:
            if keys:
                app.set_focus(None)
                await pilot.press(*keys)
            await explain(app, pilot, name, (0, 0))
            await pilot.pause()
            assert explaining(app), name
            title, body = iterations_named(app)
            assert title == body == want, (keys, name, title, body)
        # the W[1] of iteration 1 explained, then nudged: the update of iteration 0 made
        # the value, iteration 1 uses it, and the title names both
        await explain(app, pilot, "W[1]", (0, 0))
        await pilot.press("plus")
        await pilot.pause()
        title, body = iterations_named(app)
        assert title == body == {"0", "1"}, (title, body)
