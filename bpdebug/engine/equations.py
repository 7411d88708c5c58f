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

``str(expr)`` writes the equation in the post's notation: ``1/m · dZ[2]·A[1]ᵀ``.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Callable, ClassVar, dataclass_transform

import numpy as np

from bpdebug.engine.names import identifier
from bpdebug.engine.shapes import Operand, Shape, fmt, likely_cause, rule_for

Array = np.ndarray
Env = dict  # name ("W[1]", "A[0]", "Y", "1/m", "α") -> array or float
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


class Name(Expr):
    """A named matrix of the post: W[l], b[l], A[l-1], dZ[l], Y ..."""

    name: str
    atom = True

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


class Transformed(Expr):
    """One named matrix put through a function, shown as one operand with the shape of
    the result: A[l-1]ᵀ, relu'(Z[1]).  A subclass has the field x and says ``of``."""

    atom = True

    def of(self, value: Array) -> Array:
        raise NotImplementedError

    def __call__(self, env: Env) -> Array:
        return self.of(self.x(env))

    def check(self, env: Env, ctx: Check) -> Array:
        value = self.of(self.x.check(env, ctx))
        ctx.operands[-1] = Operand(str(self), np.shape(value))
        return value


class T(Transformed):
    """Transpose: A[l-1]ᵀ."""

    x: Name

    def of(self, value: Array) -> Array:
        return value.T

    def code(self, ns: dict) -> str:
        return f"{self.x.code(ns)}.T"

    def __str__(self) -> str:
        return f"{self.x}ᵀ"


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


def _wrap(x: Expr) -> str:
    return str(x) if x.atom or isinstance(x, (MatMul, Scale, SumExamples)) else f"({x})"


class MatMul(Expr):
    """A matrix product a·b: the inner dimensions must agree."""

    a: Expr
    b: Expr

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
        return f"{_wrap(self.a)}·{_wrap(self.b)}"


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

    def __call__(self, env: Env) -> Array:
        return self.op(self.a(env), self.b(env))

    def check(self, env: Env, ctx: Check) -> Array:
        a, b = self.a.check(env, ctx), self.b.check(env, ctx)
        _same_shape(self.symbol, self.what, self.a, self.b, a, b, lambda: self.op(a, b))
        return self.op(a, b)

    def code(self, ns: dict) -> str:
        return f"({self.a.code(ns)} {self.python} {self.b.code(ns)})"

    def __str__(self) -> str:
        return f"{_wrap(self.a)} {self.symbol} {_wrap(self.b)}"


class Times(ElementWise):
    """The element-wise product a * b."""

    op, symbol, python, what = operator.mul, "*", "*", "an element-wise product"


class Minus(ElementWise):
    """a − b."""

    op, symbol, python, what = operator.sub, "−", "-", "a difference"


class Plus(ElementWise):
    """a + b (the update with the sign flipped)."""

    op, symbol, python, what = operator.add, "+", "+", "a sum"


class AddBias(ElementWise):
    """a + b, where the column b is added to every example: b must be n×1."""

    op, symbol, python, what = operator.add, "+", "+", "a bias"

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

    def __call__(self, env: Env) -> Array:
        return env[self.factor] * self.x(env)

    def check(self, env: Env, ctx: Check) -> Array:
        return env[self.factor] * self.x.check(env, ctx)

    def code(self, ns: dict) -> str:
        return f"({identifier(self.factor)} * {self.x.code(ns)})"

    def __str__(self) -> str:
        return f"{self.factor} · {_wrap(self.x)}"


class SumExamples(Expr):
    """Σ over the examples, i.e. along each row (axis=1), kept as a column."""

    x: Expr
    axis: int = 1
    keepdims: bool = True

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
        return f"Σ{'(' + ', '.join(how) + ')' if how else ''} {_wrap(self.x)}"


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
            needed |= {n.name for n in names_in(eq.expr)}
    keep.reverse()
    ns: dict = {}
    lines = [f"def {name}({', '.join(identifier(n) for n in inputs)}):"]
    lines += [f"    {identifier(eq.target)} = {eq.expr.code(ns)}" for eq in keep]
    lines.append(f"    return ({', '.join(identifier(n) for n in outputs)},)")
    exec(compile("\n".join(lines), f"<bpdebug {name}>", "exec"), ns)
    return ns[name], "\n".join(lines)


def names_in(expr: Expr):
    """Every Name an expression reads."""
    if isinstance(expr, Name):
        yield expr
        return
    for child in vars(expr).values():
        if isinstance(child, Expr):
            yield from names_in(child)


def operands(expr: Expr, env: Env) -> tuple[Operand, ...]:
    """Every operand of an equation as written, with its shape where it can be had."""
    out: list[Operand] = []

    def walk(node: Expr) -> None:
        if node.atom:
            try:
                with np.errstate(all="ignore"):
                    out.append(Operand(str(node), np.shape(node(env))))
            except Exception:  # noqa: BLE001 - a missing or unfit operand is simply left out
                pass
            return
        for child in vars(node).values():
            if isinstance(child, Expr):
                walk(child)

    walk(expr)
    return tuple(out)


@dataclass(frozen=True)
class Equation:
    """target = expr, e.g. dW[2] = 1/m · dZ[2]·A[1]ᵀ; ``mistake`` names an injected bug."""

    target: str
    expr: Expr
    mistake: str | None = None
    assign: str = "="  # ":=" for the update

    def __str__(self) -> str:
        return f"{self.target} {self.assign} {self.expr}"
