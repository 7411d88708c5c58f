"""One element of an equation written out: the cells it reads, the terms that add up to it.

The post works element by element:

    Z[l]_{j,i} = Σ_k W[l]_{j,k} · A[l-1]_{k,i} + b[l]_j
    dW[l]_{j,k} = 1/m Σ_i dZ[l]_{j,i} · A[l-1]_{k,i}

Each expression node (equations.py) expands one element of itself into the parts below,
every number read from the values the engine computed; they are data a screen can draw
(each term names the cells it reads, so a panel can underline them) with their text in
the post's notation.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from bpdebug.engine.names import subscripted
from bpdebug.engine.notation import plain

LETTERS = "kijrs"  # summation indices, in the post's order of preference


def total(values) -> float:
    """The correctly rounded sum; where it overflows or meets ∞ − ∞, the plain one (inf, nan)."""
    values = list(values)
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return sum(values)


def operand(x: float) -> str:
    """A number inside an expression: a negative one in parentheses, 0.5 · (-0.2)."""
    text = plain(x)
    return f"({text})" if text.startswith("-") else text


@dataclass(frozen=True)
class Cell:
    """One cell of a named matrix as the engine computed it, e.g. W[1]_{0,1} = 0.3.
    ``index`` is the (row, column) of its panel; () for a scalar (J, 1/m, α)."""

    name: str
    index: tuple[int, ...]
    value: float

    def __str__(self) -> str:
        return subscripted(self.name, self.index)


@dataclass(frozen=True)
class Factor:
    """A cell, or a function of one (relu'(Z[1]_{0,1}), e^(Z[3]_{2,0}))."""

    cell: Cell
    value: float
    fn: str | None = None

    def symbol(self) -> str:
        return self._call(str(self.cell))

    def number(self, lead: bool = False) -> str:
        if self.fn:
            return self._call(plain(self.cell.value))
        return plain(self.value) if lead else operand(self.value)

    def _call(self, arg: str) -> str:
        return f"{self.fn}({arg})" if self.fn else arg


@dataclass(frozen=True)
class Term:
    """One addend: sign · Π factors, or a labelled value (a per-example cost J^(i))."""

    factors: tuple[Factor, ...]
    value: float
    sign: int = 1
    label: str = ""  # written instead of the factors
    label_numbers: str = ""  # the label with numbers plugged in, where that reads well
    reads: tuple[Cell, ...] = ()  # cells it reads besides its factors

    @property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(f.cell for f in self.factors) + self.reads

    def symbol(self) -> str:
        return self.label or " · ".join(f.symbol() for f in self.factors)

    def substituted(self, lead: bool = True) -> str:
        """The numbers plugged in, functions not yet evaluated: 0.46 · relu'(1.24).
        ``lead``: the text starts an expression, so its first number needs no parentheses."""
        if self.label:
            return self.label_numbers
        return " · ".join(f.number(lead and k == 0) for k, f in enumerate(self.factors))

    def evaluated(self, lead: bool = True) -> str:
        """The functions evaluated: 0.46 · 1 (empty when there is no function)."""
        if self.label or not any(f.fn for f in self.factors):
            return ""
        return " · ".join(plain(f.value) if lead and k == 0 else operand(f.value)
                          for k, f in enumerate(self.factors))

    def negated(self) -> Term:
        return replace(self, sign=-self.sign, value=-self.value)

    def text(self, lead: bool, evaluated: bool) -> str:
        """In the line of numbers: the factors' numbers, or the functions evaluated."""
        return (evaluated and self.evaluated(lead)) or self.substituted(lead)

    def word(self) -> str:
        """In the line that says what is added: the term itself."""
        return self.symbol()


@dataclass(frozen=True)
class Sum:
    """Σ over one index letter: one term per value of the letter, in order."""

    letter: str
    terms: tuple[Term, ...]
    scale: Factor | None = None  # the 1/m in front
    sign: int = 1

    @property
    def total(self) -> float:
        return total(t.value for t in self.terms)

    @property
    def value(self) -> float:
        value = self.scale.value * self.total if self.scale is not None else self.total
        return -value if self.sign < 0 else value

    @property
    def cells(self) -> tuple[Cell, ...]:
        head = (self.scale.cell,) if self.scale is not None else ()
        return head + tuple(cell for term in self.terms for cell in term.cells)

    def negated(self) -> Sum:
        return replace(self, sign=-self.sign)

    def text(self, lead: bool, evaluated: bool) -> str:
        """In the line of numbers: the sum's total (times its scale)."""
        total_ = plain(self.total) if lead and not self.scale else operand(self.total)
        return f"{plain(self.scale.value)} · {total_}" if self.scale else total_

    def word(self) -> str:
        """In the line that says what is added: 1/m · Σ_i."""
        return f"{self.scale.cell.name} · Σ_{self.letter}" if self.scale else f"Σ_{self.letter}"


Part = Term | Sum


@dataclass(frozen=True)
class Expansion:
    """One element of an expression: its right-hand side in index letters and with the
    element's own indices, and the parts that add up to it (for a softmax, divided by
    ``over``)."""

    general: str  # 1/m Σ_i dZ[1]_{j,i} · A[0]_{k,i}
    instance: str  # 1/m Σ_i dZ[1]_{0,i} · A[0]_{1,i}
    parts: tuple[Part, ...]
    over: Sum | None = None
    notes: tuple[str, ...] = ()


# ---- what the nodes' expansions are made with ---------------------------------------------

def letter(used: set[str], prefer: str = "") -> str:
    """A summation letter not in use, the preferred one first."""
    for candidate in prefer + LETTERS:
        if candidate not in used:
            return candidate
    raise ValueError("no index letter left")  # the plan never nests sums this deep


def fill(formula: str, names: dict[str, str]) -> str:
    """A formula with its quantities replaced: Y -> Y_{j,i}, or by numbers."""
    pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.sub(rf"(?<![A-Za-z])(?:{pattern})(?![A-Za-z])",
                  lambda match: names[match.group(0)], formula)


def cell(env: dict, name: str, index: tuple[int, ...]) -> Cell:
    return Cell(name, index, float(np.asarray(env[name])[index]))


def applied(fn: Callable, value: float) -> float:
    # The engine applies g to whole matrices; a 1×1 matrix runs the very same operations.
    return float(fn(np.full((1, 1), value))[0, 0])


def product(factors: tuple[Factor, ...], sign: int = 1) -> Term:
    """The term sign · Π factors, its value multiplied out in order."""
    value = factors[0].value
    for factor in factors[1:]:
        value = value * factor.value
    return Term(factors, -value if sign < 0 else value, sign)


def one(parts: list[Part]) -> Term:
    """The one term an operand of a product must be."""
    if len(parts) != 1 or not isinstance(parts[0], Term):
        raise TypeError("a product of sums is not written element by element")
    return parts[0]
