"""Keys a class can find, and the small things on screen: the first tab shows a cell
cursor, the footer lists tab, enter, + and m, the start line names enter; a toast leaves
the status line alone, panel titles give up whole words, the plots' axes are labelled and
the gradient check's message wraps.  At 80×24, 120×36 and 200×60, read off the screen."""

from __future__ import annotations

import re

import pytest

from bpdebug.app.app import BpdebugApp
from bpdebug.app.components.decision_boundary import DecisionBoundary
from bpdebug.app.components.gradcheck_screen import GradCheckScreen
from bpdebug.app.components.gradient_norms import AXIS, GradientNorms
from bpdebug.app.components.matrix_view import MatrixPanes
from bpdebug.app.keys import ONE_LINE, SECOND_LINE
from bpdebug.scenario.reader import load
from tests.test_screen_numbers import crop, screen_lines
from tests.waiting import until

SIZES = [(80, 24), (120, 36), (200, 60)]
FOOTERS = SIZES + [(100, 30)]  # and the two-line footer


async def test_the_first_tab_puts_a_visible_cell_cursor_in_a_matrix_panel():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("n", "n", "n", "n")
        assert app.focused is None  # the arrows step until tab
        await pilot.press("tab")
        await pilot.pause()
        grid = app.focused
        assert isinstance(grid, MatrixPanes) and grid.cursor == (0, 0)
        region = grid.region_of(grid.current)
        shown = "\n".join(crop(screen_lines(app), region))
        assert re.search(r"\[\s*-?\d", shown), shown  # [ ] around the first cell, on screen
        await pilot.press("right")
        assert app.engine.position == 4 and grid.cursor == (0, 1)  # the cursor moved, not time
        first, names = grid.matrix_name, []
        for _ in range(len(grid.panes)):
            await pilot.press("tab")
            names.append(grid.matrix_name)
        assert names[-1] == first and len(set(names)) == len(names)  # each panel, then the first


@pytest.mark.parametrize("size", FOOTERS)
async def test_the_footer_lists_tab_enter_plus_and_m_where_they_apply(size):
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=size) as pilot:
        # the footers list their keys once the screen has announced its bindings
        await until(pilot, lambda: re.match(r"\s?n ?Next", screen_lines(app)[-1]))
        lines = screen_lines(app)
        assert re.match(r"\s?n ?Next", lines[-1])  # the stepping keys keep the bottom line
        start = app.query_one("#status").content.plain
        assert "tab" in start and "enter" in start and "? explains" not in start
        bindings = app.screen.active_bindings
        assert not bindings["enter"].enabled and not bindings["plus"].enabled  # no cell yet
        cells = ("tab Cells", "Explain", "+ Nudge", "m Handout")
        if size[0] >= ONE_LINE:  # beside the stepping keys, the status line above them
            assert all(shown in lines[-1] for shown in cells), lines[-1]
            assert start in lines[-2]
        elif size[0] >= SECOND_LINE:  # a line of their own above the stepping keys
            assert all(shown in lines[-2] for shown in cells), lines[-2]
            assert "n Next" not in lines[-2]
        else:  # the status line, whole, right above the stepping keys
            assert "Cells" not in lines[-2] and start.strip() in lines[-2]
        await pilot.press("tab")
        await pilot.pause()
        bindings = app.screen.active_bindings
        assert bindings["enter"].enabled and bindings["plus"].enabled


@pytest.mark.parametrize("size", FOOTERS)
async def test_a_toast_leaves_the_status_line_and_the_footer_uncovered(size):
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.press("n")
        app.notify("a toast with a long enough message to reach the status line",
                   title="toast")
        await until(pilot, lambda: any(t.region.area for t in app.screen.query("Toast")), 50)
        status = app.query_one("#status")
        for toast in app.screen.query("Toast"):
            assert toast.region.bottom <= status.region.y, (toast.region, status.region)
        assert "step 1/" in screen_lines(app)[status.region.y]


@pytest.mark.parametrize("size", SIZES)
async def test_plot_titles_give_up_whole_words_and_the_axes_are_labelled(size):
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        if not app.query(GradientNorms):
            await pilot.press("x")
        await pilot.press("f", "n")
        await pilot.pause()
        lines = screen_lines(app)
        for widget in (app.query_one(DecisionBoundary), app.query_one(GradientNorms)):
            region = widget.region
            if not region.area:
                continue
            top = lines[region.y][region.x:region.right]
            title = widget._border_title.plain
            assert title and title in top and "…" not in top, (size, top)
        norms = "\n".join(crop(lines, app.query_one(GradientNorms).region))
        assert AXIS in norms
        boundary = app.query_one(DecisionBoundary)
        if boundary.region.height >= 6 and boundary.region.width >= 20:
            drawn = crop(lines, boundary.region)
            assert "x1" in drawn[-2].split(), drawn[-2]  # the axis line, above the border
            assert any(line.strip("│ ").startswith("x2") for line in drawn), drawn


@pytest.mark.parametrize("size", SIZES)
async def test_the_gradient_check_message_wraps_instead_of_being_cut(size):
    app = BpdebugApp(load("bug-dw-no-transpose"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("f", "n")  # the iteration stops at its mismatch
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, GradCheckScreen))
        await pilot.pause()
        verdict = app.screen.query_one("#gradcheck-verdict")
        message = verdict.content.plain
        assert "fix the shapes first" in message
        shown = " ".join(line.strip("┃│ ") for line in crop(screen_lines(app), verdict.region))
        assert " ".join(shown.split()) == " ".join(message.split()), (shown, message)
