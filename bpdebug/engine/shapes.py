"""Shapes: what each quantity's shape must be, and how a wrong one is described.

A shape that does not fit is teaching material, so it is a value (ShapeMismatch),
never an exception that escapes the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpdebug.engine.names import split

Shape = tuple[int, ...]


def fmt(shape: Shape | None) -> str:
    """3×4 for a matrix, (3,) for a 1-D array, "scalar" for a number."""
    if shape is None:
        return "?"
    if len(shape) == 0:
        return "scalar"
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "×".join(str(d) for d in shape)


@dataclass(frozen=True)
class Operand:
    """One operand of an equation as it is written (A[1]ᵀ, relu'(Z[1])) and its shape."""

    text: str
    shape: Shape


@dataclass(frozen=True)
class ShapeMismatch:
    """An equation whose shapes do not fit: which one, with what, and why."""

    step: str  # the step's label, e.g. "backward [2]"
    equation: str  # the equation as the post writes it, with real indices
    operands: tuple[Operand, ...]
    rule: str  # the rule that was broken
    cause: str | None  # the likely classic mistake, where one is likely
    offender: str  # the quantity to outline on screen, e.g. "dW[2]" or "W[1]"
    expected: Shape | None = None  # the offender's expected shape, where one exists
    actual: Shape | None = None  # the offender's actual shape
    numpy: str = ""  # what NumPy itself does with these operands

    def lines(self) -> list[str]:
        """The whole story, one fact a line, as the screen and --check print it: the
        equation, its operands, the rule, the likely cause (the lesson, so a short screen
        keeps it), then what NumPy itself says."""
        out = [f"✗ shape mismatch at {self.step}: {self.equation}"]
        out.append("  operands: " + ", ".join(f"{o.text} {fmt(o.shape)}" for o in self.operands))
        out.append(f"  rule: {self.rule}")
        if self.cause:
            out.append(f"  likely cause: {self.cause}")
        if self.numpy:
            out.append(f"  numpy: {self.numpy}")
        return out


# Why each quantity has the shape it has, keyed by its letter(s) in the post.
RESULT_RULES = {
    "Z": "Z[l] = W[l]·A[l-1] + b[l] is n[l]×m",
    "A": "A[l] = g(Z[l]) keeps Z[l]'s shape n[l]×m",
    "dZ": "dZ[l] has Z[l]'s shape n[l]×m",
    "dA": "dA[l] has A[l]'s shape n[l]×m",
    "dW": "dW[l] must have W[l]'s shape n[l]×n[l-1]",
    "db": "db[l] must have b[l]'s shape n[l]×1 (a column)",
    "W": "W[l] must be n[l]×n[l-1]: rows are this layer's units, columns the previous layer's",
    "b": "b[l] must be a column n[l]×1",
    "J": "J is a single number",
}

INPUT_RULES = {
    "A[0]": "A[0] = X must be n[0]×m: features × examples, one column per example",
    "Y": "Y must be n[L]×m: outputs × examples, one column per example",
}

def letter(name: str) -> str:
    """dW[2] -> dW, A[0] -> A, Y -> Y."""
    return split(name)[0]


def index(name: str) -> int | None:
    return split(name)[1]


def rule_for(name: str, expected: Shape) -> str:
    if name in INPUT_RULES:
        return f"{INPUT_RULES[name]} = {fmt(expected)}"
    base = RESULT_RULES.get(letter(name), f"{name} must be {fmt(expected)}")
    l = index(name)
    if l is not None:
        base = base.replace("[l-1]", f"[{l - 1}]").replace("[l]", f"[{l}]")
    return f"{base} = {fmt(expected)}"


def likely_cause(name: str, actual: Shape, expected: Shape) -> str | None:
    """The classic mistake that most often produces this wrong shape."""
    kind = letter(name)
    reversed_ = len(actual) == 2 and tuple(reversed(actual)) == tuple(expected)
    if name == "A[0]" and reversed_:
        return "X seems to be examples × features: transpose it (columns are examples)"
    if name == "Y" and reversed_:
        return "Y seems to be examples × outputs: transpose it (columns are examples)"
    if name == "Y" and len(actual) == 2 and actual[0] == 1 and expected[0] > 1:
        return f"Y must be one-hot, {fmt(expected)}: one row per output unit, a 1 in each column"
    if kind in ("b", "db") and len(actual) == 2 and actual == (1, expected[0]):
        return f"{name} is written as a row: write it as a column, [[b1], [b2], ...]"
    if kind in ("b", "db") and actual == (expected[0],):
        return (f"{name} is a 1-D array: NumPy broadcasts it along the wrong axis;"
                " keep it a column with keepdims=True or reshape(-1, 1)")
    if kind == "W" and reversed_:
        return f"{name} seems transposed: it must be units of layer l × units of layer l-1"
    if len(actual) == 1:
        return f"{name} is a 1-D array: write it as a matrix [[...], [...]]"
    return None
