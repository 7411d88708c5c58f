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
from bpdebug.app.components.heatmap import CHANGED_MARK
from bpdebug.app.components.matrix_grid import MatrixGrid
from bpdebug.app.components.matrix_view import AT_LEAST, FEWER, NOT_YET
from bpdebug.app.components.matrix_view import MORE, NOT_COMPUTED, MatrixView, as_floats, as_grid
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


def panels(app) -> list[MatrixView]:
    return list(app.query_one(MatrixGrid).query(MatrixView))


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def crop(lines: list[str], region) -> list[str]:
    return [line[region.x:region.right] for line in lines[region.y:region.bottom]]



def last_digit(text: str) -> Decimal:
    mantissa, _, exponent = text.partition("e")
    return Decimal(10) ** (int(exponent or 0) - len(mantissa.partition(".")[2]))


def visible(app, view: MatrixView):
    """The part of the panel the screen shows: a container may clip it."""
    shown = app.screen._compositor.visible_widgets.get(view)
    return None if shown is None else shown[1]

def check_panel(view: MatrixView, lines: list[str], value, where: str, clip) -> int:
    """Every number the panel shows, checked; returns how many there were."""
    name = view.matrix_name
    inside = crop(lines, view.scrollable_content_region.intersection(clip))  # not the scrollbars
    if value is None:
        assert inside[0].strip() in (NOT_COMPUTED, NOT_YET), (where, name, inside[0])
        return 0
    grid = as_grid(as_floats(value))
    # the default width keeps four figures; a panel too narrow for three columns with
    # four figures gives up a figure before a column
    room = view.scrollable_content_region.width
    assert view.figures >= FIGURES or (
        view.figures == FEWER and room < view.content_width(AT_LEAST, FIGURES)), (where, name)
    write = notation(grid, view.figures)  # worked out here from the engine's value
    header, rows = inside[0].split(), inside[1:]
    columns = [int(t) for t in header if t != MORE]
    assert columns == list(range(columns[0], columns[0] + len(columns))) if columns else True
    if columns:  # whole columns only, and an ellipsis on each side that has more
        assert (header[0] == MORE) == (columns[0] > 0), (where, name, header)
        assert (header[-1] == MORE) == (columns[-1] < grid.shape[1] - 1), (where, name, header)
    checked = 0
    for line in rows:
        if not line.strip():
            continue
        line = line.replace("[", " ").replace("]", " ")  # a focused panel's cell cursor
        assert all(line[k - 1] == " " for k, c in enumerate(line) if c == CHANGED_MARK), \
            (where, name, line)  # the mark never takes the place of the gap
        label, *cells = line.split()
        row = int(label)
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
    return checked


def check_footer(view: MatrixView, lines: list[str], value, where: str, clip) -> None:
    """The stats line is drawn whole (Textual would end a cut one with …) and keeps the
    NaN / inf counts."""
    if value is None or not clip.contains(view.region.x, view.region.bottom - 1):
        return
    footer = str(view.border_subtitle or "")
    bottom = lines[view.region.bottom - 1][view.region.x:view.region.right]
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
    for view in panels(app):
        name = view.matrix_name
        value = engine_value(app, name)
        clip = visible(app, view)
        if clip is not None and view.scrollable_content_region.intersection(clip).area:
            checked += check_panel(view, lines, value, f"{where} {name}", clip)
            check_footer(view, lines, value, f"{where} {name}", clip)
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
        wide = [v for v in panels(app) if v.virtual_size.width > v.size.width > 0]
        if wide:  # scrolled sideways: whole columns still, an ellipsis on the left
            wide[0].focus()
            await pilot.press("shift+right", "shift+right")
            checked += await check_screen(app, pilot, "scrolled")
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
            clip = visible(app, view)
            assert clip is not None, selector
            # whole columns, at least one: a narrow panel says … where there are more
            assert check_panel(view, lines, value, selector, clip) >= 1, selector
