"""MatrixView: a matrix as a heat map in a box it draws itself, only where the screen can
see it, with "…" where there is more and no scrollbars."""

from __future__ import annotations

from contextlib import asynccontextmanager

import numpy as np
import pytest
from textual.app import App, ComposeResult

from bpdebug.app.components.array_facts import facts
from bpdebug.app.components.heatmap import CHANGED_MARK
from bpdebug.app.components.matrix_view import MORE, NOT_COMPUTED, MatrixView


class OneMatrix(App):
    def compose(self) -> ComposeResult:
        yield MatrixView(id="matrix")


@asynccontextmanager
async def matrix_view(size: tuple[int, int] = (80, 24)):
    app = OneMatrix()
    async with app.run_test(size=size) as pilot:
        yield app, pilot, app.query_one(MatrixView)


def lines(view: MatrixView) -> list[str]:
    return [view.render_line(y).text for y in range(view.size.height)]


def plain_title(view: MatrixView) -> str:
    return view.pane.border_title.plain


def box(view: MatrixView) -> list[str]:
    """Every line the widget draws, its border included."""
    return [strip.text for strip in view.render_lines(view.size.region)]


async def test_a_3x2_matrix_shows_its_values_its_shape_and_a_tick():
    dW = np.array([[0.5, -0.25], [1.0, 0.0], [-2.0, 0.125]])
    async with matrix_view() as (app, pilot, view):
        view.show("dW[2]", dW, expected=(3, 2))
        await pilot.pause()
        assert plain_title(view) == "dW[2] 3×2 ✓"
        shown = lines(view)
        assert "-0.25" in shown[1] and "0.125" in shown[3]
        assert shown[1].startswith("0") and shown[3].startswith("2")
        svg = app.export_screenshot()
        assert "3×2" in svg and "0.125" in svg
        # one style, in the cells' notation: min and max read as the cells that hold them
        assert view.pane.border_subtitle == "[-2.000, 1.000] μ -0.104 σ 0.937 nan/inf 0"
        drawn = box(view)
        assert drawn[0].startswith("╭─ dW[2] 3×2 ✓ ") and drawn[-1].startswith("╰─ [-2.000, 1.000]")
        assert all(len(line) == view.size.width for line in drawn)  # no scrollbar anywhere


async def test_a_wrong_shape_gets_a_red_cross():
    async with matrix_view() as (app, pilot, view):
        view.show("dW[2]", np.zeros((2, 3)), expected=(3, 2))
        await pilot.pause()
        assert plain_title(view) == "dW[2] 2×3 ✗"
        assert any("red" in str(span.style) for span in view.pane.border_title.spans)
        view.show("dW[2]", np.zeros((2, 3)))
        assert plain_title(view) == "dW[2] 2×3"


async def test_a_784x256_matrix_draws_only_the_visible_rows_and_follows_the_scroll():
    W = np.random.default_rng(0).normal(size=(784, 256))
    async with matrix_view() as (app, pilot, view):
        drawn: set[int] = set()
        pane = view.pane
        render_row = pane._row

        def counting_render_row(row, *args):
            drawn.add(row)
            return render_row(row, *args)

        pane._row = counting_render_row
        view.show("W[1]", W, expected=(784, 256))
        await pilot.pause()
        rows = view.size.height - 3  # the border's two lines and the column numbers
        assert drawn == set(range(rows))
        drawn_box = box(view)
        assert drawn_box[1].endswith(MORE) and not drawn_box[1].startswith(MORE)  # more columns →
        assert drawn_box[-1].startswith("╰" + MORE)  # more rows below, marked under the labels
        assert drawn_box[0].startswith("╭─ W[1]")  # none above

        drawn.clear()
        view.scroll_pane(pane, rows=500, columns=10)
        await pilot.pause()
        assert (pane.first_row, pane.first_column) == (500, 10)
        assert drawn == set(range(500, 500 + rows))
        first = view.render_line(1).text
        assert first.split()[:2] == ["500", pane.notation(W[500, 10])]
        assert view.render_line(0).text.split()[0] == "10"
        drawn_box = box(view)
        assert drawn_box[1].startswith(MORE) and drawn_box[0].startswith("╭" + MORE)
        shown = pane.columns_shown()
        # scrolled away from the corner, the footer says which rows and columns show
        assert f"rows 500–{500 + rows - 1}" in str(pane.border_subtitle)
        assert f"columns 10–{shown.stop - 1}" in str(pane.border_subtitle)

        view.show("W[1]", -W, expected=(784, 256))  # same shape: stay where we are
        await pilot.pause()
        assert (pane.first_row, pane.first_column) == (500, 10)
        assert view.render_line(1).text.split()[:2] == ["500", pane.notation(-W[500, 10])]


async def test_arrow_keys_move_the_cell_cursor_and_scroll_to_keep_it_in_view():
    async with matrix_view() as (app, pilot, view):
        view.show("W[1]", np.ones((784, 256)))
        view.focus()
        await pilot.pause()
        rows = view.size.height - 3  # the border and the column numbers take three lines
        await pilot.press(*["down"] * (rows + 1), "right")
        assert view.cursor == (rows + 1, 1)
        assert view.pane.first_row == 2  # just enough to bring the cursor's row on screen
        last = view.render_line(rows).text
        assert last.lstrip().startswith(f"{rows + 1} ") and "[" in last
        await pilot.press(*["right"] * 40)
        assert view.cursor[1] == 41 and view.pane.first_column > 0
        await pilot.press("pagedown")  # the page keys still scroll
        assert view.pane.first_row > 2


async def test_changed_marks_appear_only_on_changed_entries():
    before = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 0.0]])
    after = np.array([[1.0, np.nan, 3.5], [4.0, 5.0, np.nan]])
    async with matrix_view() as (app, pilot, view):
        view.show("W[1]", after, previous=before)
        await pilot.pause()
        row0, row1 = view.render_line(1).text, view.render_line(2).text
        assert row0.count(CHANGED_MARK) == 1 and f" {CHANGED_MARK}3.500" in row0
        assert row1.count(CHANGED_MARK) == 1 and f" {CHANGED_MARK}nan" in row1
        # the mark has a column of its own: it never takes the place of the gap; the
        # decimals are the range's (3.5 beside 1 and 5), not the final zeros'
        assert row0.split() == ["0", "1.000", "nan", f"{CHANGED_MARK}3.500"]

        view.show("W[1]", after, previous=after.copy())
        assert CHANGED_MARK not in "".join(lines(view))
        view.show("W[1]", after, previous=np.zeros((3, 2)))  # another shape: nothing to compare
        assert CHANGED_MARK not in "".join(lines(view))


async def test_whole_number_cells_keep_a_mean_that_is_not_one():
    # Y = 1 0 1 0 1 reads [0, 1] like its cells, but its mean is 0.6, not "1".
    async with matrix_view() as (app, pilot, view):
        view.show("Y", np.array([[1.0, 0.0, 1.0, 0.0, 1.0]]))
        assert view.pane.border_subtitle == "[0, 1] μ 0.6 σ 0.49 nan/inf 0"
        view.show("Y", np.array([[1.0, 3.0]]))  # whole numbers stay whole
        assert view.pane.border_subtitle == "[1, 3] μ 2 σ 1 nan/inf 0"


async def test_nan_and_inf_are_counted_apart_and_kept_out_of_the_stats():
    Z = np.array([[1.0, np.nan, np.inf], [-np.inf, np.nan, 3.0]])
    async with matrix_view() as (app, pilot, view):
        view.show("Z[1]", Z)
        assert view.pane.border_subtitle == "nan 2 inf 2 · [1, 3] μ 2 σ 1"
        view.show("Z[1]", np.array([[1.0, 2.0]]))
        assert view.pane.border_subtitle.endswith("nan/inf 0")  # none left once finite
        view.show("Z[1]", np.full((2, 2), np.nan))
        assert view.pane.border_subtitle == "nan 4 · no finite values"
        await pilot.pause()
        assert view.render_line(1).text.split() == ["0", "nan", "nan"]


@pytest.mark.parametrize(
    "value, title, first_row",
    [
        (None, "J", NOT_COMPUTED),
        (0.6931, "J scalar ✓", "0 0.6931"),
        (np.float64(2.0), "J scalar ✓", "0 2"),
        (np.array([1.0, 2.0, 3.0]), "J (3,) 1-D ✗", "0 1 2 3"),
        (np.zeros((0, 3)), "J 0×3 ✗", "empty: 0×3"),
        (np.array([[1e308, -1e308, 1e-300]]), "J 1×3 ✗", "0 1.000e+308 -1.000e+308 1.000e-300"),
        (np.array([[1, 2], [3, 4]], dtype=np.int64), "J 2×2 ✗", "1 2"),
        (np.array([[True, False]]), "J 1×2 ✗", "1 0"),
        (np.zeros((2, 2, 2)), "J 2×2×2 ✗", "0 0 0 0"),
        ([[1.0, 2.0], [3.0]], "J", "cannot show"),
    ],
)
async def test_odd_values_never_raise(value, title, first_row):
    async with matrix_view() as (app, pilot, view):
        view.show("J", value, expected=())
        await pilot.pause()
        assert plain_title(view) == title
        assert first_row in " ".join(" ".join(lines(view)).split())
        app.export_screenshot()


async def test_the_offending_quantity_is_outlined_until_the_next_show():
    async with matrix_view() as (app, pilot, view):
        view.show("dW[2]", np.zeros((1, 3)), expected=(1, 2), offending=True)
        await pilot.pause()
        assert view.has_class("offending")
        assert box(view)[0].startswith("┏━ dW[2]")  # a heavy border, drawn by the view
        view.show("dW[2]", np.zeros((1, 2)), expected=(1, 2))
        await pilot.pause()
        assert not view.has_class("offending") and box(view)[0].startswith("╭─ dW[2]")


def test_show_works_before_the_view_is_mounted():
    view = MatrixView()
    view.show("W[1]", np.ones((5, 4)), expected=(5, 4))
    view.show("W[1]", np.ones((6, 4)), expected=(5, 4))
    assert plain_title(view) == "W[1] 6×4 ✗"


def test_an_arrays_facts_are_worked_out_once_per_array_keyed_on_its_data():
    """The same numbers seen through a new object (a view, as a frame hands X over again)
    are not summed up again; other numbers are."""
    X = np.random.default_rng(1).normal(size=(64, 32))
    X.flags.writeable = False
    first = facts(X)
    assert facts(X[:, :]) is first  # another object, the same data
    assert facts(X.copy()) is not first  # the same numbers elsewhere: worked out anew
    assert first.notation(4) is first.notation(4)
    other = facts(X[:, ::2])  # other entries of the same memory
    assert other is not first and other.grid.shape == (64, 16)
    assert first.stats.values[1] == X.max() and other.stats.values[1] == X[:, ::2].max()
