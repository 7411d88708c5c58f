"""The layout uses the room: read off the rendered screen at 80×24, 120×36 and 200×60,
at every step of an iteration, on xor, a 3-2-1 network, mnist-size and a student's
code beside xor (--impl):

- every equation of the step is on screen, whole;
- no matrix panel hides columns while more than 3 rows or 20 columns of the screen sit
  empty;
- at 80×24, every gradient the step computes shows all its columns, up to three;
- an element explained with enter never wraps its terms.
"""

from __future__ import annotations

import pytest

from bpdebug.app.app import BpdebugApp
from bpdebug.app.components.equation_panel import EquationPanel
from bpdebug.app.components.matrix_grid import MatrixGrid
from bpdebug.scenario.reader import load
from bpdebug.teach.homework.run import load_student
from tests.students import compared
from tests.waiting import until

SIZES = [(80, 24), (120, 36), (200, 60)]
CASES = ["xor", "3-2-1", "mnist-size", "--impl"]
BOX = set("│┃─━╭╮╰╯┏┓┗┛ ")
EMPTY_ROWS, EMPTY_COLUMNS = 3, 20

THREE_TWO_ONE = """
title = "3-2-1: three features, two hidden units, five examples"
seed = 3

[data]
X = [[0.1, 0.5, -0.3, 0.8, 0.2],
     [1.0, -0.4, 0.6, 0.0, -0.9],
     [0.3, 0.3, -0.7, 0.5, 0.1]]
Y = [[1, 0, 1, 0, 1]]

[network]
loss = "binary_cross_entropy"

[[layers]]
units = 2
activation = "relu"

[[layers]]
units = 1
activation = "sigmoid"
"""


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def squeezed(text: str) -> str:
    return "".join(text.split())


def make_app(case: str, tmp_path) -> BpdebugApp:
    if case == "3-2-1":
        path = tmp_path / "three-two-one.toml"
        path.write_text(THREE_TWO_ONE)
        return BpdebugApp(load(path))
    if case == "--impl":
        return BpdebugApp(load("xor"), student=load_student("scenarios/students/post/correct.py"))
    return BpdebugApp(load(case))


def step_equations(app) -> list[str]:
    """The equations the panel must show: the step's, or before any step the first one's."""
    engine = app.engine
    record = engine.current
    if record is None:
        return [str(eq) for eq in engine.steps[0].equations]
    return [str(c.equation) for c in record.computed]


def check_equations(app, lines: list[str], where: str) -> None:
    scroll = app.query_one("#equations-scroll")
    assert scroll.max_scroll_y == 0, (where, "the equation panel scrolls")
    panel = app.query_one(EquationPanel)
    region = panel.region
    assert region.bottom <= len(lines) - 2, (where, "the equation panel is cut")
    shown = [squeezed(line[region.x:region.right]) for line in lines[region.y:region.bottom]]
    for equation in step_equations(app):
        assert any(squeezed(equation) in line for line in shown), (where, equation, shown)


def cut_panes(app) -> list:
    """The matrix panels on screen that hide some of their columns."""
    grid = app.query_one(MatrixGrid)
    return [pane for pane in grid.views if pane.grid_shape is not None
            and len(pane.columns_shown()) < pane.grid_shape[1]]


def check_room(app, lines: list[str], where: str) -> None:
    """When a panel hides columns, the screen has no more than 3 empty rows and, below
    the equations, no more than 20 empty columns."""
    cut = cut_panes(app)
    if not cut:
        return
    body = lines[2:-2]  # between the strip and the status line
    empty_rows = [y for y, line in enumerate(body) if set(line) <= BOX]
    assert len(empty_rows) <= EMPTY_ROWS, (where, [p.matrix_name for p in cut], empty_rows)
    top = app.query_one("#top").region
    below = lines[top.bottom:-2]
    width = len(lines[0])
    empty_columns = [x for x in range(width) if all(line[x] == " " for line in below)]
    assert len(empty_columns) <= EMPTY_COLUMNS, (where, [p.matrix_name for p in cut],
                                                 empty_columns)


def check_gradients(app, where: str) -> None:
    """Every gradient the step computes shows all its columns, up to three."""
    record = app.engine.current
    if record is None:
        return
    computed = {c.result.name for c in record.computed if c.result is not None}
    for pane in app.query_one(MatrixGrid).views:
        name = pane.matrix_name
        if name in computed and name.startswith("d") and pane.grid_shape is not None:
            assert len(pane.columns_shown()) >= min(3, pane.grid_shape[1]), \
                (where, name, pane.columns_shown())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("case", CASES)
async def test_every_step_shows_its_equations_and_uses_the_room(case, size, tmp_path):
    app = make_app(case, tmp_path)
    async with app.run_test(size=size) as pilot:
        if case == "--impl":
            await compared(pilot, app)
        for k in range(app.engine.S + 1):
            if k:
                await pilot.press("n")
                if case == "--impl":
                    await compared(pilot, app)
            app.clear_notifications()  # a toast drawn over a panel is not the panel's
            await pilot.pause()
            await pilot.pause()
            lines = screen_lines(app)
            where = f"{case} {size} position {app.engine.position}"
            check_equations(app, lines, where)
            check_room(app, lines, where)
            if size == (80, 24) and case in ("xor", "3-2-1"):
                # (mnist-size's four panels a row cannot show three columns each in 80;
                # beside a student's code the grid has half the width)
                check_gradients(app, where)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("case", ["xor", "mnist-size"])
async def test_an_explained_element_never_wraps_its_terms(case, size):
    app = BpdebugApp(load(case))
    async with app.run_test(size=size) as pilot:
        await pilot.press("f", *["n"] * app.engine.L)  # backward [1]
        view = app.query_one(MatrixGrid)
        pane = next(p for p in view.views if p.matrix_name == "dW[1]")
        pane.focus()
        await pilot.pause()
        await pilot.press("right", "enter")
        await until(pilot, lambda: app.debugger.explained.story)
        await pilot.pause()
        lines = screen_lines(app)
        for line in app.debugger.explained.content.plain.splitlines():
            if len(line) > size[0] - 4:
                continue  # longer than the screen inside a border and padding: it cannot be
            assert any(line.strip() in shown for shown in lines), (case, size, line)


async def test_a_roomy_screen_shows_the_plots_beside_whole_panels():
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("f", "n", "n")
        await pilot.pause()
        assert {p.id for p in app.debugger.panels} >= {"teaching-norms", "teaching-boundary"}
        assert not cut_panes(app)
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=(120, 36)) as pilot:  # no room for them beside the panels
        await pilot.press("f", "n", "n")
        await pilot.pause()
        assert not app.debugger.panels


@pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_x_gives_the_plots_a_column_and_every_panel_is_drawn_once_again(size):
    """x at 120×36 left the matrices drawn at their old width under the plots: a panel's
    title twice on screen, one of them cut.  After x on and off, each panel's title shows
    once, and the screen is what the grid says it holds."""
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("n")
        for _ in range(2):  # the plots on, then off
            await pilot.press("x")
            await pilot.pause()
            await pilot.pause()
            lines = screen_lines(app)
            for pane in app.query_one(MatrixGrid).views:
                name = pane.matrix_name
                shown = sum(line.count(f"─ {name} ") + line.count(f"─ {name}─")
                            for line in lines)
                assert shown == 1, (size, name, shown, "\n".join(lines))


def pane_texts(app) -> dict[str, tuple[range, list[str]]]:
    """Each matrix panel on screen: the columns it shows, and the text inside its box
    with the cursor's brackets read as the gaps they stand in."""
    grid = app.query_one(MatrixGrid)
    lines = screen_lines(app)
    texts = {}
    for pane in grid.views:
        region = grid.region_of(pane).shrink((1, 1, 1, 1))
        inside = [line[region.x:region.right].replace("[", " ").replace("]", " ")
                  for line in lines[region.y:region.bottom]]
        texts[pane.matrix_name] = (pane.columns_shown(), inside)
    return texts


@pytest.mark.parametrize("size", SIZES[:2], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_cell_cursor_costs_no_column(size, tmp_path):
    """tab into each panel in turn: it shows the same columns and the same numbers as
    before, only the cursor's mark is new (its "]" once cost the panel a column)."""
    app = make_app("3-2-1", tmp_path)
    async with app.run_test(size=size) as pilot:
        tabbed = cut = 0
        for keys in ("nn", "nnn", "n"):  # forward [2], backward [1], the update
            await pilot.press(*keys)
            await pilot.pause()
            before = pane_texts(app)
            grid = app.query_one(MatrixGrid)
            for _ in range(len(grid.views)):
                await pilot.press("tab")
                await pilot.pause()
                if app.focused is not grid or grid.current not in grid.views:
                    continue
                pane = grid.current
                if pane.grid_shape is None:
                    continue
                assert pane_texts(app) == before, (app.engine.position, pane.matrix_name)
                tabbed += 1
                cut += len(pane.columns_shown()) < pane.grid_shape[1]
            await pilot.press("escape")
            app.screen.set_focus(None)
        assert tabbed >= 8 and (cut or size != (80, 24))


@pytest.mark.parametrize("size", SIZES[1:], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_cost_chart_fills_the_rows_it_takes(size):
    """From iteration 1 the top grows for the cost chart; before the iteration's cost
    step the chart has one cost, and once drew nothing: 18 empty rows at 120×36.  Now
    J[0]'s bar stands there, the empty column where J[1] will come marked."""
    app = BpdebugApp(load("xor"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("e", "n")  # iteration 1, forward [1]: one cost computed
        for _ in range(app.engine.S):
            await pilot.pause()
            lines = screen_lines(app)
            top = app.query_one("#top").region
            band = [line[top.x:top.right] for line in lines[top.y + 1:top.bottom - 1]]
            empty = [y for y, line in enumerate(band) if set(line) <= BOX]
            assert not empty and len(band) > 4, (app.engine.position, empty, band)
            await pilot.press("n")


@pytest.mark.parametrize("L", [1, 2, 3])
def test_each_quantity_has_one_panel_at_every_step(L):
    """On a wide screen backward [L] showed A[L] twice: in the first row and beside Y."""
    from bpdebug.app.components.matrix_grid import panel_names
    from bpdebug.engine import plan

    for kind in (plan.FORWARD, plan.COST, plan.BACKWARD, plan.UPDATE, None):
        for layer in range(1, L + 1):
            for wide in (False, True):
                names = [n for row in panel_names(kind, layer, None, L, wide) for n in row]
                assert len(names) == len(set(names)), (kind, layer, wide, names)
