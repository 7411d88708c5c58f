"""The post's equations as small expression trees.

Each tree evaluates two ways, and both run the very same NumPy calls in the same
order, so stepping and training give bit-identical numbers:

* ``expr.check(env, ctx)``: stepping; every operand's shape is compared with the
  rule for it first, and a broken rule raises ``Broken``, which the engine turns
  into a ShapeMismatch value;
* ``expr.code(ns)``: the same computation as Python source, which
  ``compile_equations`` joins into one straight-line function for training and the
  gradient check.  ``expr(env)`` evaluates a tree directly (what NumPy itself says
  about operands that break a rule, the decision boundary's forward pass).

``str(expr)`` writes the equation in the post's notation: ``1/m · dZ[2]·A[1]ᵀ``, and
``expr.expansion(index, letters, env)`` one element of it in index notation with every
term's number (elements.py): ``1/m Σ_i dZ[2]_{0,i} · A[1]_{1,i}``.

A node carries all of its rules: its children, its precedence, how it is written, how
it is checked and computed, how one element of it is written and expanded.  Nothing
outside this file asks which kind of node it holds, so adding a node is one class.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass, field, fields, replace
from typing import Callable, ClassVar, Iterator, dataclass_transform

import numpy as np

from bpdebug.engine.elements import (Cell, Expansion, Factor, Part, Sum, Term, applied, cell,
                                     fill, letter, one, operand, product)
from bpdebug.engine.names import identifier, subscripted
from bpdebug.engine.notation import plain
from bpdebug.engine.shapes import Operand, Shape, fmt, likely_cause, rule_for

Array = np.ndarray
Env = dict  # name ("W[1]", "A[0]", "Y", "1/m", "α") -> array or float
Index = tuple  # an element's (row, column), or index letters ("j", "i")
# How tightly a node binds, for writing it as another's operand: a product or an atom
# needs no parentheses there, a sum or a formula does.
SUM, PRODUCT, ATOM = 1, 2, 3
_add_reduce = np.add.reduce  # one object, so the compiled code names it once


class Broken(Exception):
    """A rule was broken while checking; carries what the mismatch needs."""

    def __init__(self, rule: str, offender: str, cause: str | None = None,
                 numpy: str = "", expected: Shape | None = None, actual: Shape | None = None):
        super().__init__(rule)
        self.rule, self.offender, self.cause, self.numpy = rule, offender, cause, numpy
        self.expected, self.actual = expected, actual


@dataclass
class Check:
    """What a checked evaluation has seen so far: the operands, as written, with shapes."""

    expected: dict[str, Shape]
    operands: list[Operand] = field(default_factory=list)


def numpy_says(op: Callable[[], object]) -> str:
    """What NumPy itself does with operands that break a rule: raise, or broadcast."""
    try:
        with np.errstate(all="ignore"):
            out = op()
    except Exception as error:  # noqa: BLE001 - we report NumPy's own words
        return f"NumPy raises: {str(error).splitlines()[0]}"
    return f"NumPy does not complain: it silently broadcasts to {fmt(np.shape(out))}"


@dataclass_transform(frozen_default=True)
class Expr:
    """A node of an equation.  Every node is a frozen dataclass of its operands (and
    whatever else it needs to be written and computed)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        dataclass(frozen=True)(cls)

    def __call__(self, env: Env) -> Array:
        raise NotImplementedError

    def code(self, ns: dict) -> str:
        """The same computation as Python source, for compile_equations."""
        raise NotImplementedError

    def check(self, env: Env, ctx: Check) -> Array:
        raise NotImplementedError

    atom: ClassVar[bool] = False  # an atom is shown as one operand with one shape under it
    precedence: ClassVar[int] = SUM

    # ---- the tree -----------------------------------------------------------------

    def children(self) -> tuple[Expr, ...]:
        """The operands: the fields that are nodes, in the order they are written."""
        return tuple(value for f in fields(self)
                     if isinstance(value := getattr(self, f.name), Expr))

    def names(self) -> Iterator[Name]:
        """Every Name this expression reads."""
        for child in self.children():
            yield from child.names()

    def operands(self, env: Env) -> Iterator[Operand]:
        """Every operand as written, with its shape where it can be had."""
        if not self.atom:
            for child in self.children():
                yield from child.operands(env)
            return
        try:
            with np.errstate(all="ignore"):
                yield Operand(str(self), np.shape(self(env)))
        except Exception:  # noqa: BLE001 - a missing or unfit operand is simply left out
            pass

    def expected_operands(self, expected: dict[str, Shape]) -> Iterator[Operand]:
        """The operands as written, with the shapes they must have (a step's preview)."""
        for child in self.children():
            yield from child.expected_operands(expected)

    def wrapped(self) -> str:
        """As another node's operand: in parentheses unless it binds as tightly as a product."""
        return str(self) if self.precedence >= PRODUCT else f"({self})"

    # ---- one element -----------------------------------------------------------------

    def written(self, idx: Index, used: set[str]) -> str:
        """One element in index notation; ``idx`` holds letters (j, i) or the element's
        indices, ``used`` the letters already taken by enclosing sums."""
        raise TypeError(f"cannot write {type(self).__name__} element by element")

    def expand(self, idx: Index, env: Env, used: set[str]) -> list[Part]:
        """The element idx as parts that add up to it, every number read from env."""
        raise TypeError(f"cannot expand {type(self).__name__} element by element")

    def expansion(self, index: Index, letters: Index, env: Env) -> Expansion:
        """The element ``index`` of this right-hand side, written with ``letters`` and with
        its own indices, and expanded into its parts."""
        return Expansion(*self.headings(index, letters),
                         tuple(self.expand(index, env, set(letters))))

    def headings(self, index: Index, letters: Index) -> tuple[str, str]:
        """This right-hand side for any element (in letters) and for the element ``index``."""
        used = set(letters)
        return self.written(letters, used), self.written(tuple(str(v) for v in index), used)


class Name(Expr):
    """A named matrix of the post: W[l], b[l], A[l-1], dZ[l], Y ..."""

    name: str
    atom = True
    precedence = ATOM

    def __call__(self, env: Env) -> Array:
        return env[self.name]

    def check(self, env: Env, ctx: Check) -> Array:
        value = env[self.name]
        shape = np.shape(value)
        ctx.operands.append(Operand(self.name, shape))
        expected = ctx.expected.get(self.name)
        if expected is not None and shape != expected:
            raise Broken(rule_for(self.name, expected), self.name,
                         likely_cause(self.name, shape, expected),
                         expected=expected, actual=shape)
        return value

    def code(self, ns: dict) -> str:
        return identifier(self.name)

    def __str__(self) -> str:
        return self.name

    def names(self) -> Iterator[Name]:
        yield self

    def expected_operands(self, expected: dict[str, Shape]) -> Iterator[Operand]:
        if self.name in expected:
            yield Operand(self.name, expected[self.name])

    def written(self, idx: Index, used: set[str]) -> str:
        return subscripted(self.name, idx)

    def expand(self, idx: Index, env: Env, used: set[str]) -> list[Part]:
        entry = cell(env, self.name, idx)
        return [Term((Factor(entry, entry.value),), entry.value)]


class Transformed(Expr):
    """One named matrix put through a function, shown as one operand with the shape of
    the result: A[l-1]ᵀ, relu'(Z[1]).  A subclass has the field x and says ``of``."""

    atom = True
    precedence = ATOM

    def of(self, value: Array) -> Array:
        raise NotImplementedError

    def shape_of(self, shape: Shape) -> Shape:
        """The result's shape for an operand of this shape."""
        return shape

    def __call__(self, env: Env) -> Array:
        return self.of(self.x(env))

    def expected_operands(self, expected: dict[str, Shape]) -> Iterator[Operand]:
        if self.x.name in expected:
            yield Operand(str(self), self.shape_of(expected[self.x.name]))

    def check(self, env: Env, ctx: Check) -> Array:
        value = self.of(self.x.check(env, ctx))
        ctx.operands[-1] = Operand(str(self), np.shape(value))
        return value


class T(Transformed):
    """Transpose: A[l-1]ᵀ."""

    x: Name

    def of(self, value: Array) -> Array:
        return value.T

    def shape_of(self, shape: Shape) -> Shape:
        return tuple(reversed(shape))

    def code(self, ns: dict) -> str:
        return f"{self.x.code(ns)}.T"

    def __str__(self) -> str:
        return f"{self.x}ᵀ"

    def written(self, idx: Index, used: set[str]) -> str:
        return self.x.written(idx[::-1], used)

    def expand(self, idx: Index, env: Env, used: set[str]) -> list[Part]:
        return self.x.expand(idx[::-1], env, used)


class Apply(Transformed):
    """An element-wise function of one matrix: relu(Z[1]), sigmoid'(Z[2])."""

    label: str  # "relu" or "relu'"
    fn: Callable[[Array], Array]
    x: Name

    def of(self, value: Array) -> Array:
        return self.fn(value)

    def code(self, ns: dict) -> str:
        return f"{constant(ns, self.fn)}({self.x.code(ns)})"

    def __str__(self) -> str:
        return f"{self.label}({self.x})"

    def written(self, idx: Index, used: set[str]) -> str:
        return f"{self.label}({self.x.written(idx, used)})"

    def expand(self, idx: Index, env: Env, used: set[str]) -> list[Part]:
        entry = cell(env, self.x.name, idx)
        return [product((Factor(entry, applied(self.fn, entry.value), self.label),))]


class Softmax(Apply):
    """softmax(Z[L]): each column's e^z normalised by the column's sum, so one element
    depends on its whole column: e^(Z_{j,i}) / Σ_r e^(Z_{r,i})."""

    def written(self, idx: Index, used: set[str]) -> str:
        r = letter(used, "r")
        return (f"e^({self.x.written(idx, used)}) / "
                f"Σ_{r} e^({self.x.written((r, idx[1]), used | {r})})")

    def expand(self, idx: Index, env: Env, used: set[str]) -> list[Part]:
        raise TypeError("a softmax is written element by element only as a whole equation")

    def expansion(self, index: Index, letters: Index, env: Env) -> Expansion:
        Z = np.asarray(env[self.x.name])
        j, i = index
        column = Z[:, i]
        # e^z overflows past z ≈ 709; the engine always shifts by the column's max, which
        # cancels in the ratio, so the shift is shown only where it is needed.
        shift = float(column.max()) if column.max() > 700 else 0.0
        fn = "e^" if shift == 0 else f"e^(-{plain(shift)})·e^"

        def term(r: int) -> Term:
            z = float(column[r])
            return product((Factor(Cell(self.x.name, (r, i), z), math.exp(z - shift), fn),))

        notes = (f"each e^z is taken as e^(z − {plain(shift)}), the column's largest z, "
                 "which cancels in the ratio (as the engine does)",) if shift else ()
        return Expansion(*self.headings(index, letters), (term(j),),
                         over=Sum("r", tuple(term(r) for r in range(Z.shape[0]))), notes=notes)


class MatMul(Expr):
    """A matrix product a·b: the inner dimensions must agree."""

    a: Expr
    b: Expr
    precedence = PRODUCT

    def __call__(self, env: Env) -> Array:
        return self.a(env) @ self.b(env)

    def check(self, env: Env, ctx: Check) -> Array:
        a, b = self.a.check(env, ctx), self.b.check(env, ctx)
        sa, sb = np.shape(a), np.shape(b)
        if len(sa) != 2 or len(sb) != 2:
            flat = self.a if len(sa) != 2 else self.b
            raise Broken(f"a product · needs two matrices, but {flat} is {fmt(np.shape(flat(env)))}",
                         str(flat), f"{flat} is a 1-D array: write it as a matrix [[...], [...]]",
                         numpy_says(lambda: a @ b), actual=np.shape(flat(env)))
        if sa[1] != sb[0]:
            raise Broken(f"the inner dimensions of a product must agree: {self.a} is {fmt(sa)}, "
                         f"{self.b} is {fmt(sb)}, and {sa[1]} ≠ {sb[0]}",
                         str(self), numpy=numpy_says(lambda: a @ b))
        return a @ b

    def code(self, ns: dict) -> str:
        return f"({self.a.code(ns)} @ {self.b.code(ns)})"

    def __str__(self) -> str:
        return f"{self.a.wrapped()}·{self.b.wrapped()}"

    def written(self, idx: Index, used: set[str]) -> str:
        s = letter(used)
        return (f"Σ_{s} {self.a.written((idx[0], s), used | {s})} · "
                f"{self.b.written((s, idx[1]), used | {s})}")

    def expand(self, idx: Index, env: Env, used: set[str]) -> list[Part]:
        s = letter(used)
        terms = []
        for v in range(np.shape(self.a(env))[1]):
            a = one(self.a.expand((idx[0], v), env, used | {s}))
            b = one(self.b.expand((v, idx[1]), env, used | {s}))
            terms.append(product(a.factors + b.factors, a.sign * b.sign))
        return [Sum(s, tuple(terms))]


def _same_shape(op: str, what: str, left: Expr, right: Expr, a: Array, b: Array,
                do: Callable[[], object]) -> None:
    if np.shape(a) != np.shape(b):
        raise Broken(f"{what} needs two matrices of the same shape: {left} is {fmt(np.shape(a))}, "
                     f"{right} is {fmt(np.shape(b))}", f"{left} {op} {right}", numpy=numpy_says(do))


class ElementWise(Expr):
    """a ∘ b of two same-shaped matrices, for an operator ∘ a subclass names."""

    a: Expr
    b: Expr
    op: ClassVar[Callable[[Array, Array], Array]]
    symbol: ClassVar[str]  # as the post writes it: *, −, +
    python: ClassVar[str]  # as the compiled code writes it: *, -, +
    what: ClassVar[str]  # in a broken rule's words
    sign: ClassVar[int] = 1  # an element of a ∘ b is a's plus (or minus) b's

    def __call__(self, env: Env) -> Array:
        return self.op(self.a(env), self.b(env))

    def check(self, env: Env, ctx: Check) -> Array:
        a, b = self.a.check(env, ctx), self.b.check(env, ctx)
        _same_shape(self.symbol, self.what, self.a, self.b, a, b, lambda: self.op(a, b))
        return self.op(a, b)

    def code(self, ns: dict) -> str:
        return f"({self.a.code(ns)} {self.python} {self.b.code(ns)})"

    def __str__(self) -> str:
        return f"{self.a.wrapped()} {self.symbol} {self.b.wrapped()}"

    def b_index(self, idx: Index) -> Index:
        """b's element that goes with a's element idx."""
        return idx

    def written(self, idx: Index, used: set[str]) -> str:
        return (f"{self.a.written(idx, used)} {self.symbol} "
                f"{self.b.written(self.b_index(idx), used)}")

    def expand(self, idx: Index, env: Env, used: set[str]) -> list[Part]:
        b = self.b.expand(self.b_index(idx), env, used)
        return self.a.expand(idx, env, used) + ([p.negated() for p in b] if self.sign < 0 else b)


class Times(ElementWise):
    """The element-wise product a * b."""

    op, symbol, python, what = operator.mul, "*", "*", "an element-wise product"

    def written(self, idx: Index, used: set[str]) -> str:
        return f"{self.a.written(idx, used)} · {self.b.written(idx, used)}"

    def expand(self, idx: Index, env: Env, used: set[str]) -> list[Part]:
        a, b = one(self.a.expand(idx, env, used)), one(self.b.expand(idx, env, used))
        return [product(a.factors + b.factors, a.sign * b.sign)]


class Minus(ElementWise):
    """a − b."""

    op, symbol, python, what = operator.sub, "−", "-", "a difference"
    sign = -1


class Plus(ElementWise):
    """a + b (the update with the sign flipped)."""

    op, symbol, python, what = operator.add, "+", "+", "a sum"


class AddBias(ElementWise):
    """a + b, where the column b is added to every example: b must be n×1."""

    op, symbol, python, what = operator.add, "+", "+", "a bias"

    def b_index(self, idx: Index) -> Index:
        return (idx[0], "0" if isinstance(idx[0], str) else 0)

    def check(self, env: Env, ctx: Check) -> Array:
        z, b = self.a.check(env, ctx), self.b.check(env, ctx)
        if len(np.shape(z)) != 2 or np.shape(b) != (np.shape(z)[0], 1):
            rows = np.shape(z)[0] if np.ndim(z) else "n"
            raise Broken(f"a bias is one column added to every example: {self.b} must be {rows}×1 "
                         f"to go with {self.a} {fmt(np.shape(z))}, but it is {fmt(np.shape(b))}",
                         str(self.b), likely_cause(str(self.b), np.shape(b), (rows, 1))
                         if isinstance(rows, int) else None,
                         numpy_says(lambda: z + b), actual=np.shape(b))
        return z + b


class Scale(Expr):
    """A scalar from the environment times a matrix: 1/m · (...), α · dW[l]."""

    factor: str  # "1/m" or "α"
    x: Expr
    precedence = PRODUCT

    def __call__(self, env: Env) -> Array:
        return env[self.factor] * self.x(env)

    def check(self, env: Env, ctx: Check) -> Array:
        return env[self.factor] * self.x.check(env, ctx)

    def code(self, ns: dict) -> str:
        return f"({identifier(self.factor)} * {self.x.code(ns)})"

    def __str__(self) -> str:
        return f"{self.factor} · {self.x.wrapped()}"

    def written(self, idx: Index, used: set[str]) -> str:
        return f"{self.factor} {self.x.written(idx, used)}"

    def expand(self, idx: Index, env: Env, used: set[str]) -> list[Part]:
        factor = Factor(Cell(self.factor, (), float(env[self.factor])), float(env[self.factor]))
        inner = self.x.expand(idx, env, used)
        if len(inner) == 1 and isinstance(inner[0], Sum) and inner[0].scale is None:
            return [replace(inner[0], scale=factor)]  # 1/m · Σ_i ...
        term = one(inner)
        return [product((factor,) + term.factors, term.sign)]


class SumExamples(Expr):
    """Σ over the examples, i.e. along each row (axis=1), kept as a column."""

    x: Expr
    axis: int = 1
    keepdims: bool = True
    precedence = PRODUCT

    def __call__(self, env: Env) -> Array:
        return np.sum(self.x(env), axis=self.axis, keepdims=self.keepdims)

    def check(self, env: Env, ctx: Check) -> Array:
        return np.sum(self.x.check(env, ctx), axis=self.axis, keepdims=self.keepdims)

    def code(self, ns: dict) -> str:
        # np.sum on an array is np.add.reduce after a Python-level dispatch: the same
        # numbers, a microsecond sooner, which matters on xor-sized matrices.
        return (f"{constant(ns, _add_reduce)}({self.x.code(ns)}, axis={self.axis}, "
                f"keepdims={self.keepdims})")

    def __str__(self) -> str:
        # A wrong axis or a dropped keepdims is written out, so the screen shows it.
        how = [] if self.axis == 1 else [f"axis={self.axis}"]
        how += [] if self.keepdims else ["no keepdims"]
        return f"Σ{'(' + ', '.join(how) + ')' if how else ''} {self.x.wrapped()}"

    def _inner(self, idx: Index, v) -> Index:
        """The summed matrix's index for a value v of the summation letter."""
        out = list(idx)
        if self.keepdims:
            out[self.axis] = v
        else:
            out.insert(self.axis, v)
        return tuple(out)

    def _letter(self, used: set[str]) -> str:
        return letter(used, "i" if self.axis == 1 else "j")

    def written(self, idx: Index, used: set[str]) -> str:
        s = self._letter(used)
        return f"Σ_{s} {self.x.written(self._inner(idx, s), used | {s})}"

    def expand(self, idx: Index, env: Env, used: set[str]) -> list[Part]:
        s = self._letter(used)
        n = np.shape(self.x(env))[self.axis]
        return [Sum(s, tuple(one(self.x.expand(self._inner(idx, v), env, used | {s}))
                             for v in range(n)))]


class Cost(Expr):
    """J from the output layer: A[L] and Y must have the same shape."""

    formula: str
    fn: Callable[[Array, Array, Array], float]
    Z: Name
    A: Name
    Y: Name

    def __call__(self, env: Env) -> float:
        return self.fn(self.Z(env), self.A(env), self.Y(env))

    def check(self, env: Env, ctx: Check) -> float:
        Z, A, Y = self.Z(env), self.A.check(env, ctx), self.Y.check(env, ctx)
        _same_shape("vs", "the cost compares A[L] with Y, which", self.A, self.Y, A, Y, lambda: A - Y)
        return self.fn(Z, A, Y)

    def code(self, ns: dict) -> str:
        return f"{constant(ns, self.fn)}({self.Z.code(ns)}, {self.A.code(ns)}, {self.Y.code(ns)})"

    def __str__(self) -> str:
        return self.formula

    def expansion(self, index: Index, letters: Index, env: Env) -> Expansion:
        """J as the sum of its per-example costs J^(i), each the loss of one column."""
        Zn, An, Yn = str(self.Z), str(self.A), str(self.Y)
        Z, A, Y = (np.asarray(env[n]) for n in (Zn, An, Yn))
        m = Y.shape[1]
        per_example = fill(self.formula.replace("Σ ", "Σ_j ", 1),
                           {An: subscripted(An, ("j", "i")), Yn: subscripted(Yn, ("j", "i"))})
        terms = []
        for i in range(m):
            # The cost of one column is the loss's own function on an m = 1 batch.
            value = self.fn(Z[:, [i]], A[:, [i]], Y[:, [i]]) / m
            reads = tuple(Cell(n, (j, i), float(M[j, i])) for j in range(Y.shape[0])
                          for n, M in ((An, A), (Yn, Y)))
            numbers = ""
            if Y.shape[0] == 1:  # one output: the formula itself, with the numbers in
                numbers = fill(self.formula.replace("Σ ", "", 1),
                               {An: operand(float(A[0, i])), Yn: operand(float(Y[0, i]))})
                numbers = re.sub(r"(?<![A-Za-z])m(?![A-Za-z])", str(m),
                                 re.sub(r"(?<=\d)m(?![A-Za-z])", f"·{m}", numbers))
            terms.append(Term((), value, label=f"J^({i})", label_numbers=numbers, reads=reads))
        return Expansion(f"Σ_i J^(i),  J^(i) = {per_example}", "Σ_i J^(i)",
                         (Sum("i", tuple(terms)),))


class LossGrad(Expr):
    """dA[L] = m·∂J/∂A[L], for an output layer that does not match its loss."""

    formula: str
    fn: Callable[[Array, Array], Array]
    A: Name
    Y: Name

    def __call__(self, env: Env) -> Array:
        return self.fn(self.A(env), self.Y(env))

    def check(self, env: Env, ctx: Check) -> Array:
        A, Y = self.A.check(env, ctx), self.Y.check(env, ctx)
        _same_shape("vs", "the loss gradient compares A[L] with Y, which", self.A, self.Y, A, Y,
                    lambda: A - Y)
        return self.fn(A, Y)

    def code(self, ns: dict) -> str:
        return f"{constant(ns, self.fn)}({self.A.code(ns)}, {self.Y.code(ns)})"

    def __str__(self) -> str:
        return self.formula

    def written(self, idx: Index, used: set[str]) -> str:
        A, Y = str(self.A), str(self.Y)
        return fill(self.formula, {A: subscripted(A, idx), Y: subscripted(Y, idx)})

    def expand(self, idx: Index, env: Env, used: set[str]) -> list[Part]:
        a, y = cell(env, str(self.A), idx), cell(env, str(self.Y), idx)
        value = float(self.fn(np.full((1, 1), a.value), np.full((1, 1), y.value))[0, 0])
        names = {str(self.A): str(a), str(self.Y): str(y)}
        numbers = {str(self.A): operand(a.value), str(self.Y): operand(y.value)}
        return [Term((), value, label=fill(self.formula, names),
                     label_numbers=fill(self.formula, numbers), reads=(a, y))]


def constant(ns: dict, value: object) -> str:
    """Put a function into the generated code's namespace and return its name there."""
    for key, known in ns.items():
        if known is value:
            return key
    key = f"f{len(ns)}"
    ns[key] = value
    return key


def compile_equations(equations: list["Equation"], inputs: list[str], outputs: list[str],
                      name: str = "run"):
    """One straight-line Python function computing these equations in order, with the
    very same NumPy calls as evaluating the trees, so the numbers are bit-identical.
    Equations whose result nothing downstream needs (dA[0] while training) are left out.
    """
    needed = set(outputs)
    keep = []
    for eq in reversed(equations):
        if eq.target in needed:
            keep.append(eq)
            needed.discard(eq.target)
            needed |= {n.name for n in eq.expr.names()}
    keep.reverse()
    ns: dict = {}
    lines = [f"def {name}({', '.join(identifier(n) for n in inputs)}):"]
    lines += [f"    {identifier(eq.target)} = {eq.expr.code(ns)}" for eq in keep]
    lines.append(f"    return ({', '.join(identifier(n) for n in outputs)},)")
    exec(compile("\n".join(lines), f"<bpdebug {name}>", "exec"), ns)
    return ns[name], "\n".join(lines)


@dataclass(frozen=True)
class Equation:
    """target = expr, e.g. dW[2] = 1/m · dZ[2]·A[1]ᵀ; ``mistake`` names an injected bug."""

    target: str
    expr: Expr
    mistake: str | None = None
    assign: str = "="  # ":=" for the update

    def __str__(self) -> str:
        return f"{self.target} {self.assign} {self.expr}"
