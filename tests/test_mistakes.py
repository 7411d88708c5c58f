"""Every classic mistake in the catalogue shows the symptom mistakes.py promises, at
the step it promises: shape mistakes stop at a ShapeMismatch, value mistakes are
caught by the gradient check while the correct network passes it."""

import numpy as np
import pytest

from bpdebug.engine import plan
from bpdebug.engine.cursor import Engine
from bpdebug.engine.mistakes import CATALOGUE
from tests import build

# n[0..L] with every neighbouring size different from m and from each other, so that
# no wrong product happens to fit by accident.
N = [3, 4, 5, 2]
M = 6
ACTIVATIONS = ["tanh", "relu", "sigmoid"]
LOSS = "binary_cross_entropy"
L = len(N) - 1


def engine(bugs=(), n=N, activations=ACTIVATIONS, loss=LOSS, m=M, lr=0.1, seed=2):
    X, Y, params = build.problem(seed, activations, loss, n, m)
    params = build.away_from_kinks(X, params, activations, seed=seed)
    return Engine(build.scenario(X, Y, n[1:], activations, loss, params=params, bugs=bugs,
                                 lr=lr, seed=seed))


def stops_at(engine: Engine, label: str):
    """Step until blocked; the step that blocked is the documented one, all before it fine."""
    for _ in range(engine.S):
        if engine.next() is None:
            break
    record = engine.current
    assert record.mismatch is not None, f"no mismatch; stopped at {record.step.label}"
    assert record.error is None
    assert record.step.label == label
    assert record.mismatch.step == label
    for s in range(record.index):
        assert engine.record(s).ok, engine.record(s).step.label
    # The mismatch blocks the cursor and training alike.
    assert engine.blocked and engine.next() is None and engine.position == record.index + 1
    result = engine.train(5)
    assert result.done == 0 and result.record is not None
    assert result.record.step.label == label and engine.position == record.index + 1
    assert engine.iteration_env(0) is None and engine.gradient_check() is None
    return record.mismatch


def operand_shapes(mismatch):
    return {o.text: o.shape for o in mismatch.operands}


# ---- shape mistakes ---------------------------------------------------------------------

def test_dW_no_transpose_stops_at_dW_L():
    mismatch = stops_at(engine(["dW_no_transpose"]), f"backward [{L}]")
    assert mismatch.equation.startswith(f"dW[{L}] = ")
    assert "inner dimensions" in mismatch.rule and f"{M} ≠ {N[L - 1]}" in mismatch.rule
    shapes = operand_shapes(mismatch)
    assert shapes[f"dZ[{L}]"] == (N[L], M) and shapes[f"A[{L - 1}]"] == (N[L - 1], M)
    assert f"A[{L - 1}]ᵀ" not in shapes
    assert mismatch.cause == CATALOGUE["dW_no_transpose"].cause
    assert mismatch.numpy.startswith("NumPy raises")


def test_dA_no_transpose_stops_at_dA_L_minus_1():
    mismatch = stops_at(engine(["dA_no_transpose"]), f"backward [{L}]")
    assert mismatch.equation.startswith(f"dA[{L - 1}] = ")
    shapes = operand_shapes(mismatch)
    assert shapes[f"W[{L}]"] == (N[L], N[L - 1]) and shapes[f"dZ[{L}]"] == (N[L], M)
    assert "inner dimensions" in mismatch.rule and f"{N[L - 1]} ≠ {N[L]}" in mismatch.rule
    assert mismatch.cause == CATALOGUE["dA_no_transpose"].cause


def test_db_wrong_axis_gives_a_row_at_db_L():
    mismatch = stops_at(engine(["db_wrong_axis"]), f"backward [{L}]")
    assert mismatch.equation.startswith(f"db[{L}] = ")
    assert mismatch.offender == f"db[{L}]"
    assert mismatch.expected == (N[L], 1) and mismatch.actual == (1, M)
    assert f"db[{L}] must have b[{L}]'s shape" in mismatch.rule
    assert mismatch.cause == CATALOGUE["db_wrong_axis"].cause


def test_db_no_keepdims_gives_a_1d_array_at_db_L():
    mismatch = stops_at(engine(["db_no_keepdims"]), f"backward [{L}]")
    assert mismatch.equation.startswith(f"db[{L}] = ")
    assert mismatch.offender == f"db[{L}]"
    assert mismatch.expected == (N[L], 1) and mismatch.actual == (N[L],)
    assert mismatch.cause == CATALOGUE["db_no_keepdims"].cause
    # The documented danger: NumPy would have broadcast the update into n×n silently.
    b, db = np.zeros((N[L], 1)), np.zeros(N[L])
    assert (b - 0.1 * db).shape == (N[L], N[L])


def test_output_derivative_everywhere_with_different_sizes_stops_at_dZ_L_minus_1():
    mismatch = stops_at(engine(["output_derivative_everywhere"]), f"backward [{L - 1}]")
    assert mismatch.equation.startswith(f"dZ[{L - 1}] = ")
    assert f"Z[{L}]" in mismatch.equation
    shapes = operand_shapes(mismatch)
    assert shapes[f"dA[{L - 1}]"] == (N[L - 1], M)
    assert shapes[f"relu'(Z[{L}])"] == (N[L], M)
    assert "element-wise" in mismatch.rule
    assert mismatch.cause == CATALOGUE["output_derivative_everywhere"].cause
    assert "broadcast" in mismatch.numpy or "raises" in mismatch.numpy


def test_output_derivative_everywhere_with_equal_sizes_fails_the_gradient_check():
    n = [3, 2, 2, 2]
    wrong = engine(["output_derivative_everywhere"], n=n)
    checks = {c.name: c for c in wrong.gradient_check()}
    for l in (1, 2):
        assert not checks[f"dW[{l}]"].ok and not checks[f"db[{l}]"].ok, l
    assert checks[f"dW[{L}]"].ok and checks[f"db[{L}]"].ok
    assert all(c.ok for c in engine(n=n).gradient_check())


def test_examples_as_rows_stops_at_forward_1():
    mismatch = stops_at(engine(["examples_as_rows"]), "forward [1]")
    assert mismatch.equation.startswith("Z[1] = ")
    assert mismatch.offender == "A[0]"
    assert mismatch.expected == (N[0], M) and mismatch.actual == (M, N[0])
    shapes = operand_shapes(mismatch)
    assert shapes["W[1]"] == (N[1], N[0]) and shapes["A[0]"] == (M, N[0])
    assert mismatch.cause == CATALOGUE["examples_as_rows"].cause


# ---- value mistakes ---------------------------------------------------------------------

def no_shape_error(e: Engine, iterations=1):
    for s in range(iterations * e.S):
        assert e.next() is not None and e.current.ok, e.current.step.label
    e.reset()


def checks_of(e: Engine):
    return {c.name: c for c in e.gradient_check()}


def test_the_correct_network_passes_the_gradient_check():
    checks = checks_of(engine())
    assert len(checks) == 2 * L and all(c.ok for c in checks.values())


def test_forgot_one_over_m_fails_every_dW_and_db():
    wrong, right = engine(["forgot_one_over_m"]), engine()
    no_shape_error(wrong)
    checks = checks_of(wrong)
    assert len(checks) == 2 * L and not any(c.ok for c in checks.values())
    # They are m times too large: exactly the right gradient without the 1/m.
    w, r = wrong.iteration_env(0), right.iteration_env(0)
    for l in range(1, L + 1):
        for d in ("dW", "db"):
            np.testing.assert_allclose(w[f"{d}[{l}]"], M * r[f"{d}[{l}]"], rtol=1e-12)


def test_activation_not_derivative_fails_every_layer_below_the_output():
    wrong = engine(["activation_not_derivative"])
    no_shape_error(wrong)
    checks = checks_of(wrong)
    for l in range(1, L):
        assert not checks[f"dW[{l}]"].ok and not checks[f"db[{l}]"].ok, l
    assert checks[f"dW[{L}]"].ok and checks[f"db[{L}]"].ok  # dZ[L] = A[L] − Y is untouched
    assert all(c.ok for c in checks_of(engine()).values())


def test_gradient_ascent_passes_the_check_but_the_cost_rises_every_iteration():
    wrong, right = engine(["gradient_ascent"], lr=0.05), engine(lr=0.05)
    no_shape_error(wrong, 2)
    assert all(c.ok for c in checks_of(wrong).values())
    wrong.train(12)
    right.train(12)
    assert all(b > a for a, b in zip(wrong.loss_history, wrong.loss_history[1:]))
    assert all(b < a for a, b in zip(right.loss_history, right.loss_history[1:]))
    # The update went along the gradient: W[l] := W[l] + α·dW[l].
    env, after = wrong.iteration_env(0), wrong.parameters(1)
    np.testing.assert_array_equal(after["W[1]"], env["W[1]"] + 0.05 * env["dW[1]"])


def test_dZ_output_sign_fails_every_layer_and_the_cost_rises():
    wrong = engine(["dZ_output_sign"], lr=0.05)
    no_shape_error(wrong, 2)
    checks = checks_of(wrong)
    assert len(checks) == 2 * L and not any(c.ok for c in checks.values())
    wrong.train(12)
    assert all(b > a for a, b in zip(wrong.loss_history, wrong.loss_history[1:]))


def test_forward_no_bias_changes_the_forward_pass_and_fails_every_db():
    wrong, right = engine(["forward_no_bias"]), engine()
    no_shape_error(wrong)
    w, r = wrong.iteration_env(0), right.iteration_env(0)
    np.testing.assert_array_equal(w["Z[1]"], r["W[1]"] @ r["A[0]"])  # no + b[1]
    checks = checks_of(wrong)
    # J no longer depends on b: every numeric db is 0 while the analytic one is not.
    assert not any(checks[f"db[{l}]"].ok for l in range(1, L + 1))


def test_one_over_m_twice_makes_every_dW_and_db_m_times_too_small():
    wrong, right = engine(["one_over_m_twice"]), engine()
    no_shape_error(wrong)
    checks = checks_of(wrong)
    assert len(checks) == 2 * L and not any(c.ok for c in checks.values())
    w, r = wrong.iteration_env(0), right.iteration_env(0)
    for l in range(1, L + 1):
        for d in ("dW", "db"):
            np.testing.assert_allclose(w[f"{d}[{l}]"] * M, r[f"{d}[{l}]"], rtol=1e-12)


def test_g_prime_of_A_fails_below_the_output_for_tanh_and_sigmoid():
    wrong = engine(["g_prime_of_A"])
    no_shape_error(wrong)
    checks = checks_of(wrong)
    assert not checks["dW[1]"].ok  # tanh'(A[1]) ≠ tanh'(Z[1])
    assert checks[f"dW[{L}]"].ok  # dZ[L] = A[L] − Y is untouched
    # For ReLU it is the same function: relu'(relu(z)) = relu'(z), nothing to see.
    relu = ["relu", "relu", "sigmoid"]
    same = engine(["g_prime_of_A"], activations=relu).iteration_env(0)
    right = engine(activations=relu).iteration_env(0)
    np.testing.assert_array_equal(same["dW[1]"], right["dW[1]"])


def test_dA_after_update_uses_the_updated_W_below_the_top_layer():
    wrong, right = engine(["dA_after_update"]), engine()
    no_shape_error(wrong)
    checks = checks_of(wrong)
    assert checks[f"dW[{L}]"].ok and checks[f"db[{L}]"].ok
    assert not checks[f"dW[{L - 1}]"].ok
    w, r = wrong.iteration_env(0), right.iteration_env(0)
    updated = r[f"W[{L}]"] - 0.1 * r[f"dW[{L}]"]  # lr = 0.1
    np.testing.assert_allclose(w[f"dA[{L - 1}]"], updated.T @ r[f"dZ[{L}]"], rtol=1e-12)


def test_the_documented_kinds_match_what_catches_them():
    shape = {"dW_no_transpose", "dA_no_transpose", "db_wrong_axis", "db_no_keepdims",
             "examples_as_rows", "output_derivative_everywhere"}
    for name, mistake in CATALOGUE.items():
        assert mistake.kind == ("shape" if name in shape else "value"), name


def test_every_mistake_in_the_catalogue_is_tested_here():
    tests = " ".join(name for name in globals() if name.startswith("test_"))
    assert [name for name in CATALOGUE if f"test_{name}_" not in tests] == []


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_each_mistake_marks_the_equation_it_corrupts(name):
    wrong = engine([name])
    marked = {eq.mistake for step in wrong.steps for eq in step.equations} - {None}
    if name == "examples_as_rows":
        assert marked == set()  # the data is wrong, not an equation
        assert wrong.steps[0].kind == plan.FORWARD
    else:
        assert marked == {name}


# ---- mistakes are rewrites of one equation each ----------------------------------------

def test_the_backward_step_is_the_posts_four_equations_when_no_mistake_is_injected():
    step = engine().steps[engine().S - 2]  # backward [1]
    assert [str(eq) for eq in step.equations] == [
        "dZ[1] = dA[1] * tanh'(Z[1])",
        "dW[1] = 1/m · dZ[1]·A[0]ᵀ",
        "db[1] = 1/m · Σ dZ[1]",
        "dA[0] = W[1]ᵀ·dZ[1]",
    ]


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_a_mistake_rewrites_only_the_equations_it_names(name):
    right, wrong = engine(), engine([name])
    for a, b in zip(right.steps, wrong.steps):
        for x, y in zip(a.equations, b.equations):
            if y.mistake is None:
                assert str(x) == str(y)
            else:
                assert str(x) != str(y) and y.mistake == name


def test_two_mistakes_that_rewrite_the_same_equation_are_refused_when_loaded(tmp_path):
    from bpdebug.scenario.errors import ScenarioError
    from bpdebug.scenario.reader import load

    text = open("scenarios/bug-forgot-m.toml").read().replace(
        'bugs = ["forgot_one_over_m"]', 'bugs = ["forgot_one_over_m", "db_wrong_axis"]')
    path = tmp_path / "both.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as error:
        load(path)
    assert "teach.bugs" in str(error.value) and "both rewrite db[l]" in str(error.value)
    # two that rewrite different equations combine
    fine = text.replace('"db_wrong_axis"', '"dA_no_transpose"')
    path.write_text(fine)
    assert set(load(path).bugs) == {"forgot_one_over_m", "dA_no_transpose"}
