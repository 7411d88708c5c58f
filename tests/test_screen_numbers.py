"""The screen tells the truth: every number in every matrix panel, read off the RENDERED
screen (the compositor's lines, cropped to each panel), is the engine's value written by
bpdebug.engine.notation, and parses back to within half a unit of its last digit.

At 80×24, 120×36 and 200×60; on xor, moons, mnist-size, deep-sigmoid, diverge (NaN and
inf after a few iterations) and a shape mismatch; at the start, forward, cost, backward,
update, after training, and scrolled sideways."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from bpdebug.app.app import BpdebugApp
from bpdebug.app.components.explain_panel import ExplainPanel
from bpdebug.app.components.heatmap import CHANGED_MARK
from bpdebug.app.components.matrix_grid import MatrixGrid
from bpdebug.app.components.array_facts import as_floats, as_grid
from bpdebug.app.components.matrix_pane import (AT_LEAST, MORE, NOT_COMPUTED, NOT_YET,
                                                MatrixPane)
from bpdebug.app.components.matrix_view import MatrixView
from bpdebug.engine.notation import FIGURES, notation
from bpdebug.engine.watch import Watch
from bpdebug.scenario.reader import load

ROOT = Path(__file__).resolve().parent.parent
SIZES = [(80, 24), (120, 36), (200, 60)]
SCENARIOS = {"xor": 30, "moons": 30, "mnist-size": 2, "deep-sigmoid": 20, "diverge": 5,
             "bug-dw-no-transpose": 0}  # how many iterations "after training" trains
NUMBER = re.compile(r"^-?\d+(\.\d+)?(e[+-]\d+)?$")


def engine_value(app, name: str):
    """The value a panel titled `name` must show: the engine's, at the cursor.  (The record's
    env, or before the first step the parameters and the first batch.)"""
    engine = app.engine
    record = engine.current
    if record is None:
        X, Y = engine.batches(0)
        return {**engine.parameters(0), "A[0]": X, "Y": Y}.get(name)
    return record.env.get(name)


def panels(app) -> list[MatrixPane]:
    return app.query_one(MatrixGrid).views


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def crop(lines: list[str], region) -> list[str]:
    return [line[region.x:region.right] for line in lines[region.y:region.bottom]]



def last_digit(text: str) -> Decimal:
    mantissa, _, exponent = text.partition("e")
    return Decimal(10) ** (int(exponent or 0) - len(mantissa.partition(".")[2]))


def placed(app, pane: MatrixPane):
    """Where the pane's box is on the screen, and the part of it the screen shows (a
    container may clip it); None when it is not on screen."""
    grid = app.query_one(MatrixGrid)
    shown = app.screen._compositor.visible_widgets.get(grid)
    if shown is None:
        return None, None
    region = grid.region_of(pane)
    return region, region.intersection(shown[1])


def check_panel(pane: MatrixPane, region, lines: list[str], value, where: str, clip) -> int:
    """Every number the pane's box shows, checked, and the marks of what it hides: "…" in
    its border where there are more columns (beside the column numbers) or more rows
    (above or below the row labels).  Returns how many numbers there were."""
    name = pane.matrix_name
    inner = region.shrink((1, 1, 1, 1))
    inside = crop(lines, inner.intersection(clip))  # inside the border
    if value is None:
        assert inside[0].strip() in (NOT_COMPUTED, NOT_YET), (where, name, inside[0])
        return 0
    grid = as_grid(as_floats(value))
    # four figures, or the fewer the grid holds the quantity to (what it gave up at
    # another step of this width); a pane gives up a figure more only when one more
    # would not leave room for three columns, and then columns before figures
    figures = pane.figures
    assert pane.most_figures <= FIGURES and figures <= pane.most_figures
    assert figures == pane.most_figures or \
        inner.width < pane.content_width(AT_LEAST, figures + 1), \
        (where, name, figures, inner.width)
    write = notation(grid, figures, whole=True)  # worked out here from the engine's value
    header, rows = inside[0].split(), inside[1:]
    columns = [int(t) for t in header]
    assert columns == list(range(columns[0], columns[0] + len(columns))) if columns else True
    full = crop(lines, region)
    if columns:  # whole columns only, and an ellipsis on each side that has more
        assert (full[1][0] == MORE) == (columns[0] > 0), (where, name, full[1])
        assert (full[1][-1] == MORE) == (columns[-1] < grid.shape[1] - 1), (where, name, full[1])
    shown_rows = []
    checked = 0
    for line in rows:
        if not line.strip():
            continue
        line = line.replace("[", " ").replace("]", " ")  # a focused panel's cell cursor
        label, *cells = line.split()
        row = int(label)
        shown_rows.append(row)
        assert len(cells) == len(columns), (where, name, header, line)
        for column, text in zip(columns, cells):
            text = text.removeprefix(CHANGED_MARK)
            truth = float(grid[row, column])
            assert text == write(truth), (where, name, row, column, text, truth, write)
            if np.isfinite(truth):
                assert NUMBER.match(text), (where, name, text)
                assert abs(Decimal(text) - Decimal(truth)) <= last_digit(text) / 2, \
                    (where, name, row, column, text, truth)
            checked += 1
    if shown_rows and clip.contains_region(region):  # whole rows, marked above and below
        assert shown_rows == list(range(shown_rows[0], shown_rows[-1] + 1)), (where, name)
        assert (full[0][1] == MORE) == (shown_rows[0] > 0), (where, name, full[0])
        assert (full[-1][1] == MORE) == (shown_rows[-1] < grid.shape[0] - 1), (where, name, full[-1])
    return checked


def check_footer(pane: MatrixPane, region, lines: list[str], value, where: str, clip) -> None:
    """The stats line is drawn whole and keeps the NaN / inf counts."""
    if value is None or not clip.contains(region.x, region.bottom - 1):
        return
    footer = str(pane.border_subtitle or "")
    bottom = lines[region.bottom - 1][region.x:region.right]
    assert footer in bottom, (where, footer, bottom)
    array = as_floats(value)
    n_nan, n_inf = int(np.isnan(array).sum()), int(np.isinf(array).sum())
    for word, n in (("nan", n_nan), ("inf", n_inf)):
        if n:
            assert f"{word} {n}" in footer, (where, footer)
    if not n_nan and not n_inf:
        assert "nan " not in footer and "inf " not in footer.replace("nan/inf 0", "")


async def check_screen(app, pilot, where: str) -> int:
    app.clear_notifications()  # a toast drawn over a panel is not the panel's
    await pilot.pause()
    await pilot.pause()
    lines = screen_lines(app)
    checked = 0
    for pane in panels(app):
        name = pane.matrix_name
        value = engine_value(app, name)
        region, clip = placed(app, pane)
        if clip is not None and region.shrink((1, 1, 1, 1)).intersection(clip).area:
            checked += check_panel(pane, region, lines, value, f"{where} {name}", clip)
            check_footer(pane, region, lines, value, f"{where} {name}", clip)
    return checked


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_every_number_on_screen_is_the_engines(name, size):
    app = BpdebugApp(load(name))
    async with app.run_test(size=size) as pilot:
        checked = await check_screen(app, pilot, "start")
        for where, keys in (("forward", "n"), ("cost", "f"), ("backward", "n"), ("update", "e")):
            await pilot.press(*keys)
            checked += await check_screen(app, pilot, where)
        if SCENARIOS[name]:
            app.engine.watch = Watch()  # diverge must reach NaN and inf, past its watchpoints
            app.engine.train(SCENARIOS[name])
            for where, keys in (("trained forward", "n"), ("trained backward", "fn"),
                                ("trained update", "e")):
                await pilot.press(*keys)
                checked += await check_screen(app, pilot, where)
        wide = [v for v in panels(app)
                if v.grid_shape and 0 < v.columns_shown().stop < v.grid_shape[1]]
        if wide:  # scrolled sideways: whole columns still, an ellipsis on the left
            wide[0].focus()
            await pilot.press("shift+right", "shift+right")
            assert wide[0].first_column > 0
            checked += await check_screen(app, pilot, "scrolled")
            if wide[0].rows_shown().stop < wide[0].grid_shape[0]:  # and down
                await pilot.press("pagedown")
                assert wide[0].first_row > 0
                checked += await check_screen(app, pilot, "scrolled down")
        assert checked > 0


async def test_the_diverging_network_shows_nan_and_inf_spelled_out():
    app = BpdebugApp(load("diverge"))
    async with app.run_test(size=(200, 60)) as pilot:
        app.engine.watch = Watch()
        app.engine.train(5)
        await pilot.press("n", "f", "n")  # backward [2]: inf in dZ[2], NaN in dW[2]
        await check_screen(app, pilot, "diverged")
        text = "\n".join(screen_lines(app))
        assert re.search(r"(?<![\w.])(nan|-?inf)(?![\w.])", text)
        assert "nan " in "".join(str(v.border_subtitle) for v in panels(app))


@pytest.mark.parametrize("size", [(130, 44), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_student_panel_shows_the_numbers_it_compares(size):
    """The student panel's two matrices, the reference's and the student's, read off the
    screen like every other panel: each number the comparison's, at the digits shown."""
    from bpdebug.app.components.student_panel import StudentPanel, student_value
    from bpdebug.teach.homework.run import load_student
    from tests.students import compared

    student = load_student(ROOT / "scenarios" / "students" / "post" / "forgot_m.py")
    app = BpdebugApp(load("xor"), student=student)
    async with app.run_test(size=size) as pilot:
        await compared(pilot, app)
        await pilot.press("f", "n")  # backward [2]: dW2 is the first divergence
        await pilot.pause()
        panel = app.query_one(StudentPanel)
        entry = next(e for e in panel.comparison.entries if e.key == panel.selected)
        assert entry.status == "values"  # 1/m forgotten: the numbers differ, the shapes not
        app.clear_notifications()
        await pilot.pause()
        lines = screen_lines(app)
        for selector, value in (("#student-reference", entry.expected),
                                ("#student-actual", student_value(entry))):
            view = panel.query_one(selector, MatrixView)
            shown = app.screen._compositor.visible_widgets.get(view)
            assert shown is not None, selector
            # whole columns, at least one: a narrow panel says … where there are more
            assert check_panel(view.pane, view.region, lines, value, selector, shown[1]) >= 1, \
                selector


def read_entry(app, name: str, row: int, column: int) -> str | None:
    """The text of one entry of the panel titled `name`, as the screen shows it; None
    when no panel shows it (not on screen, not computed yet, scrolled away)."""
    lines = screen_lines(app)
    for pane in panels(app):
        region, clip = placed(app, pane)
        if pane.matrix_name != name or clip is None or pane.grid_shape is None:
            continue
        inside = crop(lines, region.shrink((1, 1, 1, 1)).intersection(clip))
        header = [int(t) for t in inside[0].split()]
        for line in inside[1:]:
            label, *cells = line.replace("[", " ").replace("]", " ").split() or ["", ""]
            if label == str(row) and column in header:
                return cells[header.index(column)].removeprefix(CHANGED_MARK)
    return None


def three_two_one():
    from tests import build

    X, Y, params = build.problem(11, ["tanh", "sigmoid"], "binary_cross_entropy", [3, 2, 1], 4)
    return build.scenario(X, Y, [2, 1], ["tanh", "sigmoid"], "binary_cross_entropy",
                          params=params)


READ = [(f"{q}[{l}]", (0, 0)) for l in (1, 2) for q in ("W", "b", "Z", "dW")]


@pytest.mark.parametrize("size", [(120, 36), (80, 24)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("scenario", ["xor", "3-2-1"])
async def test_an_unchanged_entry_reads_the_same_text_at_every_step(scenario, size):
    """W[1][0,0] read 0.51630 at the update and 0.5163 one step later: now an entry of W,
    b, Z and dW reads the same text at every step of an iteration (and the next one's
    start) where its value has not changed, whatever else the step shows beside it."""
    app = BpdebugApp(load("xor") if scenario == "xor" else three_two_one())
    async with app.run_test(size=size) as pilot:
        seen: dict[tuple, set[str]] = {}  # (name, value) -> the texts it was read as
        reads = 0
        for _ in range(2 * 6 + 2):  # L = 2: 2L + 2 steps an iteration; two, and the next start
            await pilot.pause()
            await pilot.pause()
            values = app.engine.current.env if app.engine.current is not None else {}
            for name, (row, column) in READ:
                text = read_entry(app, name, row, column)
                if text is None or name not in values:
                    continue
                value = float(as_grid(as_floats(values[name]))[row, column])
                seen.setdefault((name, value), set()).add(text)
                reads += 1
            await pilot.press("n")
        assert reads >= 20 and {name for name, _ in seen} == {name for name, _ in READ}
        assert any(len(texts) == 1 for texts in seen.values())
        differ = {key: texts for key, texts in seen.items() if len(texts) > 1}
        assert not differ, differ


async def test_zeros_read_0_on_mnist_size():
    """The help says a value that rounds to zero reads 0: not 0.000e+0, not 0.0000."""
    app = BpdebugApp(load("mnist-size"))
    async with app.run_test(size=(200, 60)) as pilot:
        zeros = 0
        for keys in ("", "n", "fn"):
            if keys:
                await pilot.press(*keys)
            await pilot.pause()
            await pilot.pause()
            lines = screen_lines(app)
            for pane in panels(app):
                value = engine_value(app, pane.matrix_name)
                region, clip = placed(app, pane)
                if value is None or clip is None or pane.grid_shape is None:
                    continue
                grid = as_grid(as_floats(value))
                inside = crop(lines, region.shrink((1, 1, 1, 1)).intersection(clip))
                header = [int(t) for t in inside[0].split()]
                for line in inside[1:]:
                    label, *cells = line.split() or [""]
                    for column, text in zip(header, cells):
                        if grid[int(label), column] == 0:
                            assert text.removeprefix(CHANGED_MARK) == "0", \
                                (pane.matrix_name, label, column, text)
                            zeros += 1
            text = "\n".join(lines)
            assert not re.search(r"(?<![\w.])-?0\.0+(e[+-]\d+)?(?![\w.])|(?<![\w.])0e[+-]\d", text)
        assert zeros > 0


# A teacher's own 3-2-1 network, explicit W and b: Z[1]_{0,2} = -0.05 beside Z[1] entries
# up to 1.8 in size, so two figures would write it 0 beside tanh(Z[1])_{0,2} = -0.05.
MINE = """
title = "Mine 3-2-1"
seed = 0

[data]
X = [[1.0, 0.0, 2.0, -1.0], [0.5, -1.0, 1.0, 0.0], [0.0, 1.0, -0.5, 2.0]]
Y = [[1, 0, 1, 0]]

[[layers]]
units = 2
activation = "tanh"
W = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]
b = [[0.1], [-0.2]]

[[layers]]
units = 1
activation = "sigmoid"
W = [[0.7, -0.8]]
b = [[0.05]]
"""


def mine(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(MINE)
    return load(path)


EXPLAINED_READ = [("W[1]", (0, 0)), ("Z[1]", (0, 2)), ("A[1]", (0, 2))]


@pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_an_entry_reads_the_same_with_the_explain_panel_open_or_closed(size, tmp_path):
    """At 120×36, tab then + turned W[1]'s 0.10 into 0.1000 and Z[1]'s 0 into -0.050: the
    explained element gives the grid another width, which was held to figures of its
    own.  Now one entry of W, Z and A reads the same text with the panel closed, open
    and closed again, at forward [1] and at backward [1]."""
    app = BpdebugApp(mine(tmp_path))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()  # the first screen, as a class sees it before the first step
        await pilot.pause()
        for steps, opens in ((1, "plus"), (4, "enter")):  # forward [1], then backward [1]
            await pilot.press(*["n"] * steps)
            texts: dict[str, set[str]] = {name: set() for name, _ in EXPLAINED_READ}
            for keys, explaining in (((), False), (("tab", opens), True), (("escape",), False)):
                await pilot.press(*keys)
                await pilot.pause()
                await pilot.pause()
                assert app.query_one(ExplainPanel).display == explaining, (steps, keys)
                for name, (row, column) in EXPLAINED_READ:
                    text = read_entry(app, name, row, column)
                    assert text is not None, (steps, keys, name)
                    texts[name].add(text)
            assert all(len(seen) == 1 for seen in texts.values()), (steps, texts)


def unused_beside(app, pane: MatrixPane) -> int:
    """The columns of the grid that stay blank on every line of the pane's row of
    panels."""
    grid = app.query_one(MatrixGrid)
    region = grid.region_of(pane)
    lines = screen_lines(app)[region.y:region.bottom]
    box = grid.content_region
    return sum(all(line[x] == " " for line in lines) for x in range(box.x, box.right))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_value_that_is_not_zero_never_reads_0_while_its_row_has_room(size, tmp_path):
    """At 120×36 Z[1] read -0.05 as 0 (and 0.45 as 0.5) beside A[1]'s -0.05, with 21
    columns blank beside it: the rehearsal of backward [1] split the gradients' row twice
    and left W, b, Z and A four to a row, at 2 figures.  Now no entry of Z[1] or A[1]
    that is not zero reads 0 while its row of panels leaves 20 columns unused, at any
    step of the iteration."""
    app = BpdebugApp(mine(tmp_path))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()  # the first screen, as a class sees it before the first step
        await pilot.pause()
        checked = 0
        for _ in range(app.engine.network.S):
            await pilot.press("n")
            await pilot.pause()
            await pilot.pause()
            values = app.engine.current.env
            for pane in panels(app):
                name = pane.matrix_name
                if name not in ("Z[1]", "A[1]") or name not in values:
                    continue
                if unused_beside(app, pane) < 20:
                    continue
                grid = as_grid(as_floats(values[name]))
                for (row, column), truth in np.ndenumerate(grid):
                    text = read_entry(app, name, row, column)
                    if text is not None and truth != 0:
                        assert text != "0", (size, app.engine.current.step.label, name,
                                             row, column, truth)
                        checked += 1
        if size != (80, 24):  # where rows of panels leave room at all
            assert checked > 0
