"""A node of an equation is one class with all its rules (engine/equations.py): adding one
here, in this file alone, gives an equation that is evaluated, checked, compiled and
explained element by element, with nothing else in bpdebug changed."""

from __future__ import annotations

import numpy as np
import pytest

from bpdebug.engine.elements import Factor, Sum, cell, product
from bpdebug.engine.equations import (Check, Equation, Name, Scale, SumExamples, Transformed,
                                      compile_equations)
from bpdebug.engine.shapes import Operand
from bpdebug.teach.explain import Explanation
from bpdebug.teach.render import explanation_lines


class Squared(Transformed):
    """Each entry squared, Z[1]², written as the product of the entry with itself."""

    x: Name

    def of(self, value):
        return value * value

    def code(self, ns: dict) -> str:
        return f"({self.x.code(ns)} * {self.x.code(ns)})"

    def __str__(self) -> str:
        return f"{self.x}²"

    def written(self, idx, used) -> str:
        return f"{self.x.written(idx, used)}²"

    def expand(self, idx, env, used):
        entry = cell(env, self.x.name, idx)
        return [product((Factor(entry, entry.value), Factor(entry, entry.value)))]


# Q = 1/m Σ_i Z[1]_{j,i}²: a node of its own inside the post's nodes
EQUATION = Equation("Q", Scale("1/m", SumExamples(Squared(Name("Z[1]")))))


@pytest.fixture
def env():
    Z = np.random.default_rng(5).normal(size=(3, 7))
    return {"Z[1]": Z, "1/m": 1 / 7}


def test_the_new_node_is_written_in_the_posts_notation():
    assert str(EQUATION) == "Q = 1/m · Σ Z[1]²"


def test_it_is_evaluated_checked_and_compiled_to_the_same_numbers(env):
    want = np.array([[np.sum(env["Z[1]"][j] ** 2) / 7] for j in range(3)])  # by hand
    direct = EQUATION.expr(env)
    np.testing.assert_allclose(direct, want, rtol=1e-14)
    check = Check({"Z[1]": (3, 7)})
    np.testing.assert_array_equal(EQUATION.expr.check(env, check), direct)
    assert check.operands == [Operand("Z[1]²", (3, 7))]
    assert list(EQUATION.expr.operands(env)) == [Operand("Z[1]²", (3, 7))]
    assert list(EQUATION.expr.expected_operands({"Z[1]": (3, 7)})) == [Operand("Z[1]²", (3, 7))]
    run, source = compile_equations([EQUATION], ["Z[1]", "1/m"], ["Q"])
    assert "(Z_1 * Z_1)" in source
    np.testing.assert_array_equal(run(env["Z[1]"], env["1/m"])[0], direct)  # bit-identical


def test_it_is_explained_element_by_element(env):
    expansion = EQUATION.expr.expansion((2, 0), ("j", "0"), env)
    assert expansion.general == "1/m Σ_i Z[1]_{j,i}²"
    assert expansion.instance == "1/m Σ_i Z[1]_{2,i}²"
    [total] = expansion.parts
    assert isinstance(total, Sum) and total.scale.cell.name == "1/m"
    Z = env["Z[1]"]
    assert [t.value for t in total.terms] == [Z[2, i] * Z[2, i] for i in range(7)]
    assert [c.index for t in total.terms for c in t.cells] == [(2, i) for i in range(7)
                                                               for _ in range(2)]
    value = float(EQUATION.expr(env)[2, 0])
    explained = Explanation(cell({"Q": EQUATION.expr(env)}, "Q", (2, 0)), 0, "a test",
                            "Q_j = " + expansion.general, "Q_2 = " + expansion.instance,
                            expansion.parts)
    assert explained.value == pytest.approx(value, rel=1e-14)
    text = "\n".join(explanation_lines(explained))
    assert "7 terms, i = 0..6" in text  # written whole: 7 terms
    assert f"i=6  Z[1]_{{2,6}} · Z[1]_{{2,6}} = " in text


def test_nothing_outside_equations_py_asks_which_kind_of_node_it_holds():
    import ast
    from pathlib import Path

    from bpdebug.engine import equations

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    nodes = {"Expr"} | {c.__name__ for c in subclasses(equations.Expr)
                        if c.__module__ == equations.__name__}
    assert {"Name", "MatMul", "Softmax", "Cost"} <= nodes
    package = Path(equations.__file__).resolve().parents[1]
    asked = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "equations.py" and path.parent.name == "engine":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance" \
                    and len(node.args) == 2:
                named = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
                named |= {n.attr for n in ast.walk(node.args[1]) if isinstance(n, ast.Attribute)
                          and getattr(n.value, "id", None) == "equations"}
                if named & nodes:
                    asked.append(f"{path.relative_to(package)}:{node.lineno}")
    assert asked == []
