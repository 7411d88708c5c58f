"""The teaching widgets: decision boundary, gradient norms, the gradient-check and watch
screens, and the student panel, each against what the post says it should show."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.widgets import Checkbox, Input, ProgressBar, Static
from textual.worker import WorkerState

from bpdebug.app.components import decision_boundary as db
from bpdebug.app.components import gradient_norms as gn
from bpdebug.app.components.decision_boundary import DecisionBoundary
from bpdebug.app.components.gradcheck_screen import GradCheckScreen, student_grads
from bpdebug.app.components.gradient_norms import GradientNorms
from bpdebug.app.components.matrix_view import MatrixView
from bpdebug.app.components.student_panel import StudentPanel, step_keys
from bpdebug.app.components.watch_screen import WatchScreen, toggled
from bpdebug.engine import gradcheck, plan
from bpdebug.engine import boundary as bd
from bpdebug.engine.cursor import Engine
from bpdebug.engine.frame import with_student
from bpdebug.engine.names import from_key
from bpdebug.engine.spec import LayerSpec, Scenario
from bpdebug.engine.watch import Watch
from bpdebug.teach.homework import run as student

from tests.waiting import event, until

STUDENTS = "scenarios/students/post/"


def xor(bugs=(), layers=None, **kw) -> Scenario:
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], float)
    Y = np.array([[0, 1, 1, 0]], float)
    layers = layers or (LayerSpec(3, "relu", "he"), LayerSpec(1, "sigmoid", "xavier"))
    return Scenario(name="xor", path="<xor>", title="XOR", description="", seed=0, X=X, Y=Y,
                    n0=2, m=4, examples_axis=1, y_examples_axis=1, layers=layers,
                    loss="binary_cross_entropy", learning_rate=0.5, iterations=100,
                    batch_size=0, bugs=tuple(bugs), **kw)


def deep_sigmoid() -> Scenario:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2, 40))
    Y = (X[0] * X[1] > 0).astype(float).reshape(1, -1)
    layers = tuple(LayerSpec(8, "sigmoid", "xavier") for _ in range(5)) + (LayerSpec(1, "sigmoid", "xavier"),)
    return Scenario(name="deep", path="<deep>", title="deep", description="", seed=0, X=X, Y=Y,
                    n0=2, m=40, examples_axis=1, y_examples_axis=1, layers=layers,
                    loss="binary_cross_entropy", learning_rate=0.5, iterations=10, batch_size=0)


class Host(App):
    """A bare app to mount one widget in, or to push a screen over."""

    def __init__(self, *widgets) -> None:
        super().__init__()
        self.widgets = widgets

    def compose(self) -> ComposeResult:
        yield from self.widgets or (Static("host"),)


# ---- the decision boundary ---------------------------------------------------------

def net(scenario):
    """The network as frames carry it (the data as features × examples)."""
    return Engine(scenario).network


def test_a_2_1_sigmoid_net_with_w_1_minus_1_puts_x_above_y_in_class_1():
    params = {"W[1]": np.array([[1.0, -1.0]]), "b[1]": np.zeros((1, 1))}
    bounds = (-1.0, 1.0, -1.0, 1.0)
    classes, confidence = bd.boundary(params, ["sigmoid"], bounds, 24, 16)
    xs, ys = bd.grid(bounds, 24, 16)
    assert classes.shape == (16, 24)
    assert ys[0] > ys[-1]  # the top row of the screen is the largest x2
    np.testing.assert_array_equal(classes, (xs[None, :] > ys[:, None]).astype(int))
    # sure far from the line x1 = x2, unsure on it
    assert confidence[-1, -1] > 0.5 and confidence[0, 0] > 0.5  # bottom right, top left
    assert confidence[0, -1] == pytest.approx(0, abs=0.05)  # top right, on the line


def test_a_bias_moves_the_boundary():
    params = {"W[1]": np.array([[1.0, 0.0]]), "b[1]": np.array([[-0.5]])}  # class 1 iff x1 > 0.5
    classes, _ = bd.boundary(params, ["sigmoid"], (-1.0, 1.0, -1.0, 1.0), 20, 4)
    xs, _ = bd.grid((-1.0, 1.0, -1.0, 1.0), 20, 4)
    assert (classes == (xs > 0.5).astype(int)[None, :]).all()


def test_softmax_colours_each_cell_by_its_argmax():
    # Three scores x1, x2 and -(x1 + x2): the largest one wins.
    params = {"W[1]": np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]), "b[1]": np.zeros((3, 1))}
    bounds = (-2.0, 2.0, -2.0, 2.0)
    classes, confidence = bd.boundary(params, ["softmax"], bounds, 16, 16)
    xs, ys = bd.grid(bounds, 16, 16)
    gx, gy = np.meshgrid(xs, ys)
    np.testing.assert_array_equal(classes, np.argmax(np.stack([gx, gy, -gx - gy]), axis=0))
    assert ((0 <= confidence) & (confidence <= 1)).all()


def test_the_picture_draws_two_grid_rows_per_line_and_the_points_on_top():
    scenario = xor(layers=(LayerSpec(1, "sigmoid", "xavier", np.array([[1.0, -1.0]]), np.zeros((1, 1))),))
    params = {"W[1]": np.array([[1.0, -1.0]]), "b[1]": np.zeros((1, 1))}
    picture = db.picture(net(scenario), params, 30, 10, db.Color(0, 0, 0), axes=False)
    assert len(picture.strips) == 10 and all(s.cell_length == 30 for s in picture.strips)
    text = "".join(s.text for s in picture.strips)
    # the four XOR points: (0,1) and (1,0) are y = 1, (0,0) and (1,1) are y = 0
    assert text.count("●") == 2 and text.count("○") == 2
    assert set(text) <= {"▀", "●", "○"}
    assert "y=1" in picture.legend.plain and picture.what == "decision boundary"


def test_the_plots_axes_are_labelled_with_their_names_and_ranges():
    scenario = xor()
    params = Engine(scenario).parameters(0)
    picture = db.picture(net(scenario), params, 40, 12, db.Color(0, 0, 0))
    lines = [s.text for s in picture.strips]
    assert len(lines) == 12 and all(len(line) == 40 for line in lines)
    x0, x1, y0, y1 = (db.plain(v, 2) for v in bd.bounds_of(net(scenario).X))
    assert lines[0].split()[0] == y1 and lines[-2].split()[0] == y0  # x2's range, top and bottom
    assert any(line.split()[0] == "x2" for line in lines[1:-2])
    bottom = lines[-1].split()
    assert bottom == [x0, "x1", x1], bottom  # x1's name between its range's ends
    # the plot beside the gutter still holds the four points
    assert "".join(lines).count("●") == 2 and "".join(lines).count("○") == 2


def test_x_written_examples_by_features_is_drawn_the_same():
    scenario = xor()
    flipped = replace(scenario, X=scenario.X.T, examples_axis=0)
    params = Engine(scenario).parameters(0)
    as_written = db.picture(net(scenario), params, 30, 10, db.Color(0, 0, 0), axes=False)
    transposed = db.picture(net(flipped), params, 30, 10, db.Color(0, 0, 0), axes=False)
    assert [s.text for s in as_written.strips] == [s.text for s in transposed.strips]


def test_more_than_two_features_gets_a_one_line_note():
    X = np.zeros((3, 5))
    scenario = replace(xor(), X=X, n0=3, m=5, Y=np.zeros((1, 5)))
    params = {"W[1]": np.zeros((3, 3)), "b[1]": np.zeros((3, 1)),
              "W[2]": np.zeros((1, 3)), "b[2]": np.zeros((1, 1))}
    picture = db.picture(net(scenario), params, 40, 10, db.Color(0, 0, 0))
    assert len(picture.strips) == 1 and "n[0] = 3" in picture.strips[0].text


def test_a_wrong_explicit_w_is_a_note_not_a_crash():
    params = {"W[1]": np.zeros((3, 5)), "b[1]": np.zeros((3, 1)),
              "W[2]": np.zeros((1, 3)), "b[2]": np.zeros((1, 1))}
    picture = db.picture(net(xor()), params, 40, 10, db.Color(0, 0, 0))
    assert "cannot evaluate" in picture.strips[0].text


def test_a_1_d_regression_is_a_curve_over_the_points():
    x = np.linspace(-1, 1, 30).reshape(1, -1)
    scenario = Scenario(name="line", path="<line>", title="line", description="", seed=0,
                        X=x, Y=x.copy(), n0=1, m=30, examples_axis=1, y_examples_axis=1,
                        layers=(LayerSpec(1, "linear", "xavier"),), loss="mean_squared_error",
                        learning_rate=0.1, iterations=1, batch_size=0)
    params = {"W[1]": np.array([[1.0]]), "b[1]": np.zeros((1, 1))}  # y = x
    picture = db.picture(net(scenario), params, 40, 12, db.Color(0, 0, 0), axes=False)
    lines = [s.text for s in picture.strips]
    assert len(lines) == 12
    # the line y = x climbs from the bottom left to the top right
    first_column = [k for k, line in enumerate(lines) if line[0] in "▀▄█"]
    last_column = [k for k, line in enumerate(lines) if line[-1] in "▀▄█"]
    assert first_column and last_column and min(first_column) > max(last_column)
    # no column is left empty: the curve is one connected line
    assert all(any(line[c] in "▀▄█" for line in lines) for c in range(40))


async def test_the_widget_follows_the_frame():
    engine = Engine(xor())
    widget = DecisionBoundary()
    app = Host(widget)
    async with app.run_test(size=(60, 20)) as pilot:
        widget.show(engine.frame())
        await pilot.pause()
        assert "iteration 0" in widget.border_title
        before = [widget.render_line(y).text for y in range(widget.size.height)]
        assert all("▀" in line or "●" in line or "○" in line for line in before[:-1])
        assert before[-1].split()[1] == "x1"  # the axis under the plot
        engine.train(200)
        widget.show(engine.frame())  # after the update of iteration 199
        await pilot.pause()
        assert "after iteration 199" in widget.border_title  # its update, as the strip says
        after = [widget.render_line(y).text for y in range(widget.size.height)]
        assert len(after) == widget.size.height


# ---- gradient norms ----------------------------------------------------------------

def test_the_bars_are_logarithmic_from_1e_8_to_1e2():
    assert gn.fraction(1e-8) == 0 and gn.fraction(1e2) == 1 and gn.fraction(1e-3) == pytest.approx(0.5)
    assert gn.fraction(0.0) == 0 and gn.fraction(float("inf")) == 1
    lengths = [len(gn.bar(v, 40).rstrip()) for v in (1e-9, 1e-7, 1e-5, 1e-3, 1e-1, 1e3)]
    assert lengths == sorted(lengths) and lengths[0] == 0 and lengths[-1] == 40
    # each decade is the same length: 40 cells over 10 decades
    assert len(gn.bar(1e-4, 40).rstrip()) - len(gn.bar(1e-6, 40).rstrip()) == 8


def test_a_deep_sigmoid_network_shows_its_gradients_vanish_towards_layer_1():
    engine = Engine(deep_sigmoid())
    engine.run_to(plan.UPDATE)
    norms = gn.layer_norms(engine.current.env, engine.L)
    dW = [n.dW for n in norms]
    assert all(v is not None and v > 0 for v in dW)
    assert dW[0] < dW[-1] / 100  # at least two decades between dW[1] and dW[6]
    lines = [line.plain for line in gn.lines(norms, Watch(gradient_norm_below=dW[0] * 2), 80)]
    row = {line.split()[0]: line for line in lines[1:]}
    assert row["dW[1]"].count("█") < row["dW[6]"].count("█")
    assert "<" in row["dW[1]"] and "<" not in row["dW[6]"]


async def test_layers_the_backward_pass_has_not_reached_are_pending():
    engine = Engine(deep_sigmoid())
    widget = GradientNorms()
    app = Host(widget)
    async with app.run_test(size=(100, 30)) as pilot:
        engine.run_to(plan.BACKWARD, 4)  # dW[6], dW[5], dW[4] done; 3, 2, 1 not yet
        widget.show(engine.frame())
        await pilot.pause()
        text = widget.content.plain
        row = {line.split()[0]: line for line in text.splitlines()[1:]}
        assert gn.PENDING in row["dW[3]"] and gn.PENDING in row["db[1]"]
        assert gn.PENDING not in row["dW[4]"] and "e-" in row["dW[6]"]


# ---- the gradient-check screen -----------------------------------------------------

async def run_gradcheck(engine, comparison=None) -> tuple[list, GradCheckScreen, str]:
    app = Host()
    async with app.run_test(size=(130, 36)) as pilot:
        screen = GradCheckScreen(engine, comparison=comparison)
        app.push_screen(screen)
        await pilot.pause()
        await screen.worker.wait()
        await pilot.pause()
        bar = screen.query_one(ProgressBar)
        assert bar.total and bar.progress == bar.total  # the progress reached the end
        text = (screen.query_one("#gradcheck-table", Static).content.plain + "\n"
                + screen.query_one("#gradcheck-verdict", Static).content.plain)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen
        return screen.checks, screen, text


async def test_a_correct_network_checks_out():
    checks, _, text = await run_gradcheck(Engine(xor()))
    assert {c.name for c in checks} == {"dW[1]", "db[1]", "dW[2]", "db[2]"}
    assert all(c.ok for c in checks)
    assert "every gradient checks out" in text


async def test_a_forgotten_1_over_m_is_wrong_everywhere():
    checks, _, text = await run_gradcheck(Engine(xor(bugs=("forgot_one_over_m",))))
    assert {c.name: c.band for c in checks} == dict.fromkeys(["dW[2]", "db[2]", "dW[1]", "db[1]"],
                                                             gradcheck.WRONG)
    assert "wrong" in text and "gradient check failed for dW[2], db[2], dW[1], db[1]" in text


async def test_g_instead_of_g_prime_is_wrong_below_the_output():
    checks, _, text = await run_gradcheck(Engine(xor(bugs=("activation_not_derivative",))))
    bands = {c.name: c.band for c in checks}
    assert bands["dW[1]"] == gradcheck.WRONG and bands["db[1]"] == gradcheck.WRONG
    assert bands["dW[2]"] == gradcheck.GOOD
    assert "failed for dW[1], db[1]" in text


async def test_the_check_runs_on_a_students_gradients():
    scenario = xor()
    comparison = student.run(scenario, student.load_student(STUDENTS + "forgot_m.py"))
    checks, _, text = await run_gradcheck(Engine(scenario), comparison)
    bands = {c.name: c.band for c in checks}
    assert bands["dW[2]"] == gradcheck.WRONG and bands["dW[1]"] == gradcheck.GOOD
    correct = student.run(scenario, student.load_student(STUDENTS + "correct.py"))
    checks, _, _ = await run_gradcheck(Engine(scenario), correct)
    assert len(checks) == 4 and all(c.ok for c in checks)


@pytest.mark.process
def test_a_students_crash_leaves_gradients_that_cannot_be_checked():
    comparison = student.run(xor(), student.load_student(STUDENTS + "missing_transpose.py"))
    grads, unchecked = student_grads(comparison)
    assert grads == {} and dict(unchecked)["dW[2]"].startswith("the student's code raised")


async def test_esc_closes_and_stops_a_long_check():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 5000))  # each forward pass takes milliseconds: seconds in all
    scenario = replace(xor(), X=X, n0=100, m=5000, Y=(X[:1] > 0).astype(float),
                       layers=(LayerSpec(256, "tanh", "xavier"), LayerSpec(1, "sigmoid", "xavier")))
    app = Host()
    async with app.run_test() as pilot:
        screen = GradCheckScreen(Engine(scenario))
        await app.push_screen(screen)
        bar = screen.query_one(ProgressBar)
        await until(pilot, lambda: bar.progress > 0)  # a Progress message came: under way
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen and screen.checks is None
        await event(screen.finished)  # the thread stops at its next progress call
        await until(pilot, lambda: screen.worker.state == WorkerState.CANCELLED)
        assert screen.worker.state == WorkerState.CANCELLED


# ---- the student panel -------------------------------------------------------------

@pytest.mark.parametrize("name,step,key,status", [
    ("missing_transpose.py", (plan.BACKWARD, 2), "dW2", "raised"),
    ("forgot_m.py", (plan.BACKWARD, 2), "dW2", "values"),
    ("g_not_gprime.py", (plan.BACKWARD, 1), "dZ1", "values"),
    ("raises.py", (plan.BACKWARD, 2), "dA1", "raised"),
])
async def test_the_panel_names_the_first_divergence(name, step, key, status):
    comparison = student.run(xor(), student.load_student(STUDENTS + name))
    panel = StudentPanel()
    app = Host(panel)
    async with app.run_test(size=(130, 44)) as pilot:
        panel.show_comparison(comparison, *step, 2)
        await pilot.pause()
        verdict = panel.query_one("#student-verdict", Static).content.plain
        assert verdict.startswith(f"✗ first divergence: {key}:")
        entries = panel.query_one("#student-entries", Static).content.plain
        line = next(l for l in entries.splitlines() if f" {key} " in l)
        assert status in line and "first divergence" in line
        assert panel.selected == key  # drawn beside the reference
        student_view = panel.query_one("#student-actual", MatrixView)
        assert student_view.has_class("offending") and key in student_view.pane.border_title.plain
        crash = panel.query_one("#student-crash", Static)
        if status == "raised":
            assert crash.display
            text = crash.content.plain
            assert f"{name}:" in text and f"while computing {key}" in text and "×" in text
        else:  # where the first wrong value was made, and its likely cause
            assert crash.display
            text = crash.content.plain
            assert f"first wrong value {from_key(key)} at {STUDENTS}{name}:" in text
            assert "likely: " in text
            first = comparison.first_divergence
            subtitle = student_view.pane.border_subtitle.plain
            assert f"first wrong {first.first_wrong}" in subtitle


async def test_a_correct_student_shows_nothing_wrong():
    comparison = student.run(xor(), student.load_student(STUDENTS + "correct.py"))
    engine = Engine(xor())
    engine.run_to(plan.BACKWARD, 2)
    panel = StudentPanel()
    app = Host(panel)
    async with app.run_test(size=(130, 44)) as pilot:
        panel.show(with_student(engine.frame(), comparison))
        await pilot.pause()
        assert "every entry matches" in panel.query_one("#student-verdict", Static).content.plain
        entries = panel.query_one("#student-entries", Static).content.plain
        assert "✗" not in entries and entries.count("✓") == len(step_keys(plan.BACKWARD, 2, 2))
        assert panel.selected == "dW2"
        assert not panel.query_one("#student-actual", MatrixView).has_class("offending")
        assert not panel.query_one("#student-crash", Static).display
        panel.focus()
        await pilot.press("right_square_bracket")
        assert panel.selected == "db2"


# ---- the watch screen --------------------------------------------------------------

def test_turning_a_watchpoint_on_uses_its_default_threshold():
    assert toggled(Watch(), "gradient_norm_above").gradient_norm_above == 1e3
    assert toggled(Watch(), "gradient_norm_below").gradient_norm_below == 1e-6
    assert toggled(Watch(), "dead_relu_percent").dead_relu_percent == 50
    assert toggled(Watch(), "nan").nan is True
    assert toggled(Watch(nan=True), "nan").nan is False
    assert toggled(Watch(dead_relu_percent=80), "dead_relu_percent").dead_relu_percent is None


async def test_the_watch_screen_toggles_the_engines_watchpoints():
    engine = Engine(xor())
    assert not engine.watch.active
    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        results = []
        app.push_screen(WatchScreen(engine), results.append)
        await pilot.pause()
        await pilot.press("1", "3")
        await pilot.pause()
        assert engine.watch.nan and engine.watch.gradient_norm_below == 1e-6
        nan = app.screen.query_one("#watch-nan", Checkbox)
        assert nan.value and "✓" in str(nan.render())  # on is a mark, not only a colour
        await pilot.press("1")
        await pilot.pause()
        assert not engine.watch.nan and "✓" not in str(nan.render())
        await pilot.click("#watch-cost_rises")
        await pilot.pause()
        assert engine.watch.cost_rises
        box = app.screen.query_one("#watch-dead_relu_percent-threshold", Input)
        box.focus()
        box.value = ""
        await pilot.press("7", "5", "enter")
        await pilot.pause()
        assert engine.watch.dead_relu_percent == 75
        await pilot.press("escape")
        await pilot.pause()
        assert results == [engine.watch] and engine.watch.active
