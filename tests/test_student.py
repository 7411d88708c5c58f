"""Teaching mode: a student's own code, compared entry by entry with the reference."""

import numpy as np
import pytest

from bpdebug.cli.main import main
from bpdebug.engine.spec import LayerSpec, Scenario
from bpdebug.teach.homework import run as student

pytestmark = pytest.mark.process  # each test starts processes (a student's child, bpdebug)

STUDENTS = "scenarios/students/post/"


def xor(bugs=()):
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], float)
    Y = np.array([[0, 1, 1, 0]], float)
    layers = (LayerSpec(3, "relu", "he"), LayerSpec(1, "sigmoid", "xavier"))
    return Scenario("xor", "xor.toml", "XOR", "", 0, X, Y, 2, 4, 1, 1, layers,
                    "binary_cross_entropy", 0.5, 100, 0, tuple(bugs))


def compare(name, scenario=None):
    module = student.load_student(STUDENTS + name)
    return student.run(scenario or xor(), module)


def test_a_correct_implementation_matches_every_entry():
    result = compare("correct.py")
    assert result.ok and result.crash is None
    assert [e.key for e in result.entries][:3] == ["A0", "Z1", "A1"]
    assert {"dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"} <= {e.key for e in result.entries}


def test_a_missing_transpose_in_dW_is_caught_at_dW2_with_the_line_and_shapes():
    result = compare("missing_transpose.py")
    first = result.first_divergence
    assert first.key == "dW2" and first.status == "raised"
    crash = result.crash
    assert crash.entry == "dW2" and crash.file.endswith("missing_transpose.py")
    assert "np.dot" in crash.source and crash.line is not None
    shapes = dict(crash.operands)
    assert shapes['grads["dZ" + str(L)]'.replace('"', "'")] == "1×4"
    assert shapes["cache['A' + str(L - 1)]"] == "3×4"
    # what it filled in before it raised is still judged
    assert next(e for e in result.entries if e.key == "dZ2").ok


def test_a_missing_one_over_m_is_caught_at_dW2_as_wrong_values():
    first = compare("forgot_m.py").first_divergence
    assert (first.key, first.status) == ("dW2", "values")
    assert first.max_relative_error == pytest.approx(3.0)  # m - 1 with m = 4
    idx = first.first_wrong
    assert first.actual[idx] == pytest.approx(4 * first.expected[idx])


def test_g_instead_of_g_prime_is_caught_at_dZ1():
    first = compare("g_not_gprime.py").first_divergence
    assert (first.key, first.status) == ("dZ1", "values")


def test_the_post_typo_is_caught_at_dZ1():
    first = compare("post_typo.py").first_divergence
    assert (first.key, first.status) == ("dZ1", "values")


def test_db_without_keepdims_is_a_wrong_shape_at_db2():
    first = compare("db_no_keepdims.py").first_divergence
    assert (first.key, first.status) == ("db2", "shape")
    assert first.expected.shape == (1, 1) and first.actual.shape == (1,)


def test_a_function_that_raises_points_at_the_students_line():
    result = compare("raises.py")
    assert result.crash.entry == "dA1"
    assert "ValueError" in result.crash.error
    lines = "\n".join(result.crash.lines())
    assert "raises.py:" in lines and "2×3" in lines and "1×4" in lines


def test_the_reference_ignores_the_scenarios_injected_mistakes():
    # A scenario that injects a bug must not make a correct student look wrong.
    assert compare("correct.py", xor(bugs=("forgot_one_over_m",))).ok


@pytest.mark.parametrize("name,code", [("correct.py", 0), ("forgot_m.py", 1),
                                       ("missing_transpose.py", 1), ("raises.py", 1),
                                       ("g_not_gprime.py", 1)])
def test_check_impl_exit_codes(name, code, capsys):
    assert main(["xor", "--check", "--impl", STUDENTS + name]) == code
    out = capsys.readouterr().out
    assert "verdict" in out


def test_an_unusable_student_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.py"
    bad.write_text("def backpropagation(:\n")
    assert main(["xor", "--check", "--impl", str(bad)]) == 2
    assert "bad.py:1" in capsys.readouterr().err
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    assert main(["xor", "--check", "--impl", str(empty)]) == 2
    assert main(["xor", "--check", "--impl", str(tmp_path / "missing.py")]) == 2


# Every bundled student file: the entry its docstring names as the first divergence.
DOCUMENTED = {  # on grade-deep, the scenario the docstrings grade with
    "correct.py": (None, 0),
    "missing_transpose.py": ("dW3", 1),
    "forgot_m.py": ("dW3", 1),
    "g_not_gprime.py": ("dZ2", 1),
    "post_typo.py": ("dZ2", 1),
    "raises.py": ("dA2", 1),
    "db_no_keepdims.py": ("db3", 1),
    "db_wrong_axis.py": ("db3", 1),
    "da_no_transpose.py": ("dA2", 1),
    "dz_output_sign.py": ("dZ3", 1),
    "examples_as_rows.py": ("A0", 1),
    "forward_no_bias.py": ("Z1", 1),
}


def test_every_bundled_student_file_is_listed():
    from pathlib import Path
    assert {p.name for p in Path(STUDENTS).glob("*.py")} == set(DOCUMENTED)


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_each_student_file_gives_its_documented_first_divergence(name, capsys):
    key, code = DOCUMENTED[name]
    assert main(["grade-deep", "--check", "--impl", STUDENTS + name]) == code
    out = capsys.readouterr().out
    doc = open(STUDENTS + name).read().split('"""')[1]
    if key is None:
        assert "every entry matches the reference" in out
    else:
        assert f"first divergence: {key}:" in out or f"verdict: {key} is the first" in out
        assert key in doc and "exit 1" in doc


def test_a_forward_without_bias_diverges_at_z1_once_b_is_not_zero(capsys):
    assert main(["dying-relu", "--check", "--impl", STUDENTS + "forward_no_bias.py"]) == 1
    out = capsys.readouterr().out
    assert "first divergence: Z1: wrong values" in out
    assert "likely cause: Z[1] equals W[1]·A[0]: the bias is missing" in out


def test_a_scenario_that_cannot_tell_a_mistake_says_so_at_the_top(capsys):
    # xor's b all start at 0: a forward pass without b is right there, and the report
    # says so before it says "correct".
    assert main(["xor", "--check", "--impl", STUDENTS + "forward_no_bias.py"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "xor cannot tell 1 classic mistake from the right answer" in out[1]
    assert out[2].strip().startswith("forward_no_bias (Z[l] = W[l]·A[l-1]): it would take "
                                     "a non-zero b[l]")
    assert main(["grade-deep", "--check", "--impl", STUDENTS + "correct.py"]) == 0
    assert "cannot tell" not in capsys.readouterr().out
