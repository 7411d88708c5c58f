"""One element at a time: an entry of one quantity written out as the post derives it,
with every term's number plugged in, and the post's "nudge" made into an experiment.

The post works element by element:

    Z[l]_{j,i} = Σ_k W[l]_{j,k} · A[l-1]_{k,i} + b[l]_j
    dW[l]_{j,k} = 1/m Σ_i dZ[l]_{j,i} · A[l-1]_{k,i}
    dA[l-1]_{k,i} = Σ_j W[l]_{j,k} · dZ[l]_{j,i}      ...

Nothing here re-decides an equation: each element is expanded from the expression tree
the engine's plan actually evaluated (equations.py), so an injected mistake shows as the
wrong line it is, and every number is read from the records the engine computed.  The
result is data a screen can draw (each term names the cells it reads, so a panel can
highlight them) and plain text lines (``lines()``) for the CLI and the handout.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from bpdebug.engine import plan
from bpdebug.engine.checked import Record, expected_shapes
from bpdebug.engine.cursor import Engine
from bpdebug.engine.equations import (AddBias, Apply, Cost, Equation, Expr, LossGrad, MatMul, Minus,
                                      Name, Plus, Scale, SumExamples, T, Times)
from bpdebug.engine.mistakes import CATALOGUE

HEAD, TAIL = 3, 1  # a long sum shows its first HEAD and last TAIL terms, and how many between
LETTERS = "kijrs"  # summation indices, in the post's order of preference
KINKED = ("relu", "leaky_relu")  # activations whose slope jumps at z = 0


def _sum(values) -> float:
    """The correctly rounded sum; where it overflows or meets ∞ − ∞, the plain one (inf, nan)."""
    values = list(values)
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return sum(values)


def num(x: float) -> str:
    return "0" if x == 0 else f"{x:.6g}"  # -0.0 (relu'(0) times a negative) reads as 0


def _n(x: float) -> str:
    """A number inside an expression: a negative one in parentheses, 0.5 · (-0.2)."""
    text = num(x)
    return f"({text})" if text.startswith("-") else text


def _is_column(name: str) -> bool:
    return name.startswith(("b[", "db["))


def written(name: str, index: tuple) -> str:
    """W[1]_{0,1}, A[0]_{k,i}, b[1]_j (a bias is one column: the post writes b_j), J."""
    if not index:
        return name
    if _is_column(name):
        index = index[:1]
    inner = ",".join(str(v) for v in index)
    return f"{name}_{inner}" if len(index) == 1 else f"{name}_{{{inner}}}"


# ---- what an explanation is made of ------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One cell of a named matrix as the engine computed it, e.g. W[1]_{0,1} = 0.3.
    ``index`` is the (row, column) of its panel; () for a scalar (J, 1/m, α)."""

    name: str
    index: tuple[int, ...]
    value: float

    def __str__(self) -> str:
        return written(self.name, self.index)


@dataclass(frozen=True)
class Factor:
    """An entry, or a function of one (relu'(Z[1]_{0,1}), e^(Z[3]_{2,0}))."""

    entry: Entry
    value: float
    fn: str | None = None

    def symbol(self) -> str:
        return self._call(str(self.entry))

    def number(self, lead: bool = False) -> str:
        if self.fn:
            return self._call(num(self.entry.value))
        return num(self.value) if lead else _n(self.value)

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
    reads: tuple[Entry, ...] = ()  # cells it reads besides its factors

    @property
    def cells(self) -> tuple[Entry, ...]:
        return tuple(f.entry for f in self.factors) + self.reads

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
        return " · ".join(num(f.value) if lead and k == 0 else _n(f.value)
                          for k, f in enumerate(self.factors))


@dataclass(frozen=True)
class Sum:
    """Σ over one index letter: one term per value of the letter, in order."""

    letter: str
    terms: tuple[Term, ...]
    scale: Factor | None = None  # the 1/m in front
    sign: int = 1

    @property
    def total(self) -> float:
        return _sum(t.value for t in self.terms)

    @property
    def value(self) -> float:
        value = self.scale.value * self.total if self.scale is not None else self.total
        return -value if self.sign < 0 else value

    @property
    def cells(self) -> tuple[Entry, ...]:
        head = (self.scale.entry,) if self.scale is not None else ()
        return head + tuple(cell for term in self.terms for cell in term.cells)


Part = Term | Sum


@dataclass(frozen=True)
class Explanation:
    """One element: its equation in index notation and the numbers that make it.

    The element's value, as the engine computed it, is ``element.value``; the written-out
    terms give ``value``: the parts added up (and, for a softmax, divided by ``over``).
    """

    element: Entry
    iteration: int
    step: str  # the step that computes it, e.g. "backward [1]"
    general: str  # dW[1]_{j,k} = 1/m Σ_i dZ[1]_{j,i} · A[0]_{k,i}
    instance: str  # the same with the element's own indices: dW[1]_{0,1} = 1/m Σ_i ...
    parts: tuple[Part, ...]
    over: Sum | None = None  # a softmax's normalisation: e^(z_j) / Σ_r e^(z_r)
    mistake: str | None = None  # the injected mistake in this equation, if any
    assign: str = "="
    notes: tuple[str, ...] = ()

    @property
    def value(self) -> float:
        top = _sum(p.value for p in self.parts)
        return top / self.over.value if self.over is not None else top

    @property
    def sums(self) -> tuple[Sum, ...]:
        every = self.parts + ((self.over,) if self.over is not None else ())
        return tuple(p for p in every if isinstance(p, Sum))

    def cells(self) -> dict[str, tuple[tuple[int, ...], ...]]:
        """Every cell that feeds the element, by quantity, to highlight in its panel (the
        terms a long sum elides included).  Scalars (1/m, α, J) have the index ()."""
        out: dict[str, dict[tuple[int, ...], None]] = {}
        every = self.parts + ((self.over,) if self.over is not None else ())
        for part in every:
            for cell in part.cells:
                out.setdefault(cell.name, {})[cell.index] = None
        return {name: tuple(indices) for name, indices in out.items()}

    def lines(self) -> list[str]:
        out = [f"{self.element} at iteration {self.iteration}, {self.step}"]
        if self.mistake:
            out.append(f"  ✗ injected mistake {self.mistake}, the equation as it is written; "
                       f"{CATALOGUE[self.mistake].cause}")
        out.append(f"  {self.general}")
        sums = self.sums
        if self.instance != self.general or sums:
            count = "; ".join(_count(s) for s in sums)
            out.append(f"  {self.instance}" + (f"        {count}" if count else ""))
        for s in sums:
            out += _sum_lines(s)
        out.append(f"  {self.element} {self.assign} " + " = ".join(self._steps()))
        out += [f"  {note}" for note in self.notes]
        return out

    def _steps(self) -> list[str]:
        """The right-hand side in numbers, then evaluated, then the value."""
        def joined(texts: list[tuple[int, str]]) -> str:
            out = ""
            for k, (sign, text) in enumerate(texts):
                if k == 0:
                    out = text if sign > 0 else f"−{text}"
                else:
                    out += f" {'+' if sign > 0 else '−'} {text}"
            return out

        def text(part: Part, lead: bool, evaluated: bool) -> str:
            if isinstance(part, Sum):
                total = num(part.total) if lead and not part.scale else _n(part.total)
                return f"{num(part.scale.value)} · {total}" if part.scale else total
            return (evaluated and part.evaluated(lead)) or part.substituted(lead)

        def row(evaluated: bool) -> str:
            return joined([(p.sign, text(p, k == 0 and p.sign > 0, evaluated))
                           for k, p in enumerate(self.parts)])

        steps = [row(False)]
        if any(isinstance(p, Term) and p.evaluated() for p in self.parts):
            steps.append(row(True))
        if self.over is not None:
            steps = [f"{steps[-1]} / {_n(self.over.total)}"]
        if self.sums:  # first the shape of it in words: 1/m · Σ_i, Σ_k + b[1]_0
            def word(part: Part) -> str:
                if isinstance(part, Term):
                    return part.symbol()
                return f"{part.scale.entry.name} · Σ_{part.letter}" if part.scale \
                    else f"Σ_{part.letter}"
            shape = joined([(p.sign, word(p)) for p in self.parts])
            steps.insert(0, f"{shape} / Σ_{self.over.letter}" if self.over else shape)
        shown, engine = num(self.value), num(self.element.value)
        if len(self.parts) > 1 or self.over is not None or steps[-1] != shown:
            steps.append(shown)
        if shown != engine:  # never hidden, though it only differs in the last bits
            steps[-1] += f" (the engine's value: {engine})"
        return steps


def _count(s: Sum) -> str:
    n = len(s.terms)
    return f"{n} term{'s' if n != 1 else ''}, {s.letter} = 0" + (f"..{n - 1}" if n > 1 else "")


def _term_line(letter: str, v: int, term: Term) -> str:
    text = f"    {letter}={v}  {term.symbol()}"
    plain = len(term.factors) == 1 and not term.factors[0].fn  # a bare entry: its value
    for step in ([] if plain else [term.substituted(), term.evaluated()]) + [num(term.value)]:
        if step and not text.endswith(f"= {step}"):
            text += f" = {step}"
    return text


def _sum_lines(s: Sum) -> list[str]:
    n = len(s.terms)
    shown = range(n) if n <= HEAD + TAIL + 1 else [*range(HEAD), *range(n - TAIL, n)]
    out = []
    for v in shown:
        if v == n - TAIL and n > HEAD + TAIL + 1:
            out.append(f"    … {n - HEAD - TAIL} more ({s.letter} = {HEAD}..{n - TAIL - 1})")
        out.append(_term_line(s.letter, v, s.terms[v]))
    out.append(f"    Σ_{s.letter} = {num(s.total)}")
    return out


# ---- from an equation's tree to the element's terms ---------------------------------------

def _letter(used: set[str], prefer: str = "") -> str:
    for letter in prefer + LETTERS:
        if letter not in used:
            return letter
    raise ValueError("no index letter left")  # the plan never nests sums this deep


def _fill(formula: str, names: dict[str, str]) -> str:
    """A loss's formula with its quantities replaced: Y -> Y_{j,i}, or by numbers."""
    pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.sub(rf"(?<![A-Za-z])(?:{pattern})(?![A-Za-z])",
                  lambda match: names[match.group(0)], formula)


def _written(expr: Expr, idx: tuple[str, ...], used: set[str]) -> str:
    """An expression for one element: idx holds letters (j, i) or the element's indices."""
    if isinstance(expr, Name):
        return written(expr.name, idx)
    if isinstance(expr, T):
        return _written(expr.x, idx[::-1], used)
    if isinstance(expr, Apply):
        if expr.label == "softmax":
            r = _letter(used, "r")
            return (f"e^({_written(expr.x, idx, used)}) / "
                    f"Σ_{r} e^({_written(expr.x, (r, idx[1]), used | {r})})")
        return f"{expr.label}({_written(expr.x, idx, used)})"
    if isinstance(expr, Times):
        return f"{_written(expr.a, idx, used)} · {_written(expr.b, idx, used)}"
    if isinstance(expr, (Minus, Plus)):
        op = "−" if isinstance(expr, Minus) else "+"
        return f"{_written(expr.a, idx, used)} {op} {_written(expr.b, idx, used)}"
    if isinstance(expr, AddBias):
        return f"{_written(expr.a, idx, used)} + {_written(expr.b, (idx[0], '0'), used)}"
    if isinstance(expr, Scale):
        return f"{expr.factor} {_written(expr.x, idx, used)}"
    if isinstance(expr, MatMul):
        s = _letter(used)
        return (f"Σ_{s} {_written(expr.a, (idx[0], s), used | {s})} · "
                f"{_written(expr.b, (s, idx[1]), used | {s})}")
    if isinstance(expr, SumExamples):
        s = _letter(used, "i" if expr.axis == 1 else "j")
        return f"Σ_{s} {_written(expr.x, _inner(idx, expr, s), used | {s})}"
    if isinstance(expr, LossGrad):
        return _fill(expr.formula, {str(expr.A): written(str(expr.A), idx),
                                    str(expr.Y): written(str(expr.Y), idx)})
    raise TypeError(f"cannot write {type(expr).__name__} element by element")


def _inner(idx: tuple, expr: SumExamples, v) -> tuple:
    """The summed matrix's index for a value v of the summation letter."""
    out = list(idx)
    if expr.keepdims:
        out[expr.axis] = v
    else:
        out.insert(expr.axis, v)
    return tuple(out)


def _entry(env: dict, name: str, index: tuple[int, ...]) -> Entry:
    return Entry(name, index, float(np.asarray(env[name])[index]))


def _apply(fn, value: float) -> float:
    # The engine applies g to whole matrices; a 1×1 matrix runs the very same operations.
    return float(fn(np.full((1, 1), value))[0, 0])


def _term(factors: tuple[Factor, ...], sign: int = 1) -> Term:
    value = factors[0].value
    for factor in factors[1:]:
        value = value * factor.value
    return Term(factors, -value if sign < 0 else value, sign)


def _negate(part: Part) -> Part:
    if isinstance(part, Term):
        return replace(part, sign=-part.sign, value=-part.value)
    return replace(part, sign=-part.sign)


def _single(parts: list[Part]) -> Term:
    if len(parts) != 1 or not isinstance(parts[0], Term):
        raise TypeError("a product of sums is not written element by element")
    return parts[0]


def _expand(expr: Expr, idx: tuple[int, ...], env: dict, used: set[str]) -> list[Part]:
    """The element idx of expr as parts that add up to it, read from env."""
    if isinstance(expr, Name):
        entry = _entry(env, expr.name, idx)
        return [Term((Factor(entry, entry.value),), entry.value)]
    if isinstance(expr, T):
        return _expand(expr.x, idx[::-1], env, used)
    if isinstance(expr, Apply):
        entry = _entry(env, expr.x.name, idx)
        return [_term((Factor(entry, _apply(expr.fn, entry.value), expr.label),))]
    if isinstance(expr, Times):
        a = _single(_expand(expr.a, idx, env, used))
        b = _single(_expand(expr.b, idx, env, used))
        return [_term(a.factors + b.factors, a.sign * b.sign)]
    if isinstance(expr, (Minus, Plus)):
        b = _expand(expr.b, idx, env, used)
        return _expand(expr.a, idx, env, used) + (
            [_negate(p) for p in b] if isinstance(expr, Minus) else b)
    if isinstance(expr, AddBias):
        return _expand(expr.a, idx, env, used) + _expand(expr.b, (idx[0], 0), env, used)
    if isinstance(expr, Scale):
        factor = Factor(Entry(expr.factor, (), float(env[expr.factor])), float(env[expr.factor]))
        inner = _expand(expr.x, idx, env, used)
        if len(inner) == 1 and isinstance(inner[0], Sum) and inner[0].scale is None:
            return [replace(inner[0], scale=factor)]
        term = _single(inner)
        return [_term((factor,) + term.factors, term.sign)]
    if isinstance(expr, MatMul):
        s = _letter(used)
        inner = np.shape(expr.a(env))[1]
        terms = []
        for v in range(inner):
            a = _single(_expand(expr.a, (idx[0], v), env, used | {s}))
            b = _single(_expand(expr.b, (v, idx[1]), env, used | {s}))
            terms.append(_term(a.factors + b.factors, a.sign * b.sign))
        return [Sum(s, tuple(terms))]
    if isinstance(expr, SumExamples):
        s = _letter(used, "i" if expr.axis == 1 else "j")
        n = np.shape(expr.x(env))[expr.axis]
        return [Sum(s, tuple(_single(_expand(expr.x, _inner(idx, expr, v), env, used | {s}))
                             for v in range(n)))]
    if isinstance(expr, LossGrad):
        a, y = _entry(env, str(expr.A), idx), _entry(env, str(expr.Y), idx)
        value = float(expr.fn(np.full((1, 1), a.value), np.full((1, 1), y.value))[0, 0])
        names = {str(expr.A): str(a), str(expr.Y): str(y)}
        numbers = {str(expr.A): _n(a.value), str(expr.Y): _n(y.value)}
        return [Term((), value, label=_fill(expr.formula, names),
                     label_numbers=_fill(expr.formula, numbers), reads=(a, y))]
    raise TypeError(f"cannot expand {type(expr).__name__} element by element")


def _letters(name: str, L: int) -> tuple[str, ...]:
    """The post's index letters for a quantity: W_{j,k}, b_j, Z_{j,i}, and k for the
    units of a layer below: A[0]_{k,i}, dA[l-1]_{k,i} (but dA[L]_{j,i}, from the loss)."""
    if name == "J":
        return ()
    if name.startswith(("W[", "dW[")):
        return ("j", "k")
    if _is_column(name):
        return ("j", "0")
    if name == "A[0]" or (name.startswith("dA[") and name != f"dA[{L}]"):
        return ("k", "i")
    return ("j", "i")


def _softmax(eq: Equation, index: tuple[int, int], env: dict) -> dict:
    Z = np.asarray(env[eq.expr.x.name])
    j, i = index
    column = Z[:, i]
    # e^z overflows past z ≈ 709; the engine always shifts by the column's max, which
    # cancels in the ratio, so the shift is shown only where it is needed.
    shift = float(column.max()) if column.max() > 700 else 0.0
    fn = "e^" if shift == 0 else f"e^(-{num(shift)})·e^"

    def term(r: int) -> Term:
        z = float(column[r])
        return _term((Factor(Entry(eq.expr.x.name, (r, i), z), math.exp(z - shift), fn),))

    notes = (f"each e^z is taken as e^(z − {num(shift)}), the column's largest z, "
             "which cancels in the ratio (as the engine does)",) if shift else ()
    return dict(parts=(term(j),), over=Sum("r", tuple(term(r) for r in range(Z.shape[0]))),
                notes=notes)


def _cost(eq: Equation, env: dict, m: int) -> dict:
    cost: Cost = eq.expr
    Zn, An, Yn = str(cost.Z), str(cost.A), str(cost.Y)
    Z, A, Y = (np.asarray(env[n]) for n in (Zn, An, Yn))
    per_example = _fill(cost.formula.replace("Σ ", "Σ_j ", 1),
                        {An: written(An, ("j", "i")), Yn: written(Yn, ("j", "i"))})
    terms = []
    for i in range(Y.shape[1]):
        # The cost of one column is the loss's own function on an m = 1 batch.
        value = cost.fn(Z[:, [i]], A[:, [i]], Y[:, [i]]) / m
        reads = tuple(Entry(n, (j, i), float(M[j, i])) for j in range(Y.shape[0])
                      for n, M in ((An, A), (Yn, Y)))
        numbers = ""
        if Y.shape[0] == 1:  # one output: the formula itself, with the numbers in
            numbers = _fill(cost.formula.replace("Σ ", "", 1),
                            {An: _n(float(A[0, i])), Yn: _n(float(Y[0, i]))})
            numbers = re.sub(r"(?<![A-Za-z])m(?![A-Za-z])", str(m),
                             re.sub(r"(?<=\d)m(?![A-Za-z])", f"·{m}", numbers))
        terms.append(Term((), value, label=f"J^({i})", label_numbers=numbers, reads=reads))
    general = f"J = Σ_i J^(i),  J^(i) = {per_example}"
    return dict(parts=(Sum("i", tuple(terms)),), general=general, instance="J = Σ_i J^(i)")


# ---- finding what the engine computed ------------------------------------------------------

@dataclass(frozen=True)
class Stopped:
    """The iteration stops (a shape mismatch, an error) before the element is computed."""

    name: str
    iteration: int
    record: Record  # the step that stopped it

    def line(self) -> str:
        record = self.record
        where = f"iteration {record.iteration} stops at {record.step.label}"
        if record.iteration != self.iteration:
            where = f"iteration {self.iteration} is never reached: {where}"
        broken = next((c for c in record.computed if not c.ok), None)
        why = ""
        if record.mismatch is not None:
            why = f" ({record.mismatch.equation}: {record.mismatch.rule}"
            mistake = broken.equation.mistake if broken is not None else None
            why += f"; injected mistake {mistake})" if mistake else ")"
        elif record.error is not None:
            why = f" (an error: {record.error.splitlines()[-1]})"
        target = broken.equation.target if broken is not None else None
        never = ("has no value to explain" if target == self.name
                 else "is never updated" if self.name.startswith(("W[", "b["))
                 else "is never computed")
        return f"{where}{why}, so {self.name} {never}"


@dataclass(frozen=True)
class Element:
    name: str  # "dW[1]", "A[0]", "Y", "J"
    index: tuple[int, ...]  # (row, column) of its panel; () for J

    def __str__(self) -> str:
        return self.name + (f"[{','.join(str(v) for v in self.index)}]" if self.index else "")


class BadElement(ValueError):
    """A name or index that the iteration does not have; the message gives what it has."""


def names(engine: Engine) -> list[str]:
    """Every quantity an element can be explained of, in the order the iteration makes them."""
    out = ["A[0]", "Y"]
    for step in engine.steps:
        out += [eq.target for eq in step.equations if eq.target not in out]
    return out


def _summary(engine: Engine) -> str:
    """A[0..2], Z[1..2], ..., Y and J: the valid names, briefly."""
    layers: dict[str, list[int]] = {}
    for name in names(engine):
        match = re.fullmatch(r"(\w+)\[(\d+)\]", name)
        if match:
            layers.setdefault(match.group(1), []).append(int(match.group(2)))
    groups = [f"{q}[{min(ls)}]" if min(ls) == max(ls) else f"{q}[{min(ls)}..{max(ls)}]"
              for q, ls in layers.items()]
    return ", ".join(groups) + ", Y and J"


def shape(engine: Engine, name: str, i: int) -> tuple[int, ...]:
    """The shape the element's index ranges over (the inputs' as given)."""
    if name in ("A[0]", "Y"):
        X, Y = engine.batches(i)
        return np.shape(X if name == "A[0]" else Y)
    return expected_shapes(engine.sizes, engine.batches.m_of(i))[name]


def parse(text: str, engine: Engine, i: int = 0) -> Element:
    """'dW[1][0,1]', 'b[2][0]', 'A[0][1,3]', 'Y[0,2]', 'J' or 'J[]' -> an Element, checked
    against iteration i; BadElement, with the valid names or range, when it does not exist."""
    match = re.fullmatch(r"\s*([A-Za-z]+)\s*((?:\[[^\[\]]*\]\s*)*)", text)
    if not match:
        raise BadElement(f"not an element: {text!r} "
                         "(write it like dW[1][0,1], b[1][0], Y[0,2] or J)")
    letters = match.group(1)
    brackets = re.findall(r"\[([^\[\]]*)\]", match.group(2))
    if letters not in ("Y", "J") and brackets:
        name, brackets = f"{letters}[{brackets[0].strip()}]", brackets[1:]
    else:
        name = letters
    if name not in names(engine):
        raise BadElement(f"no quantity {name} in this network; it has {_summary(engine)}")
    if len(brackets) > 1:
        raise BadElement(f"{text!r}: one index after {name}, like {name}[0,1]")
    inside = brackets[0].strip() if brackets else ""
    try:
        index = tuple(int(v) for v in inside.split(",")) if inside else ()
    except ValueError:
        raise BadElement(f"{text!r}: an index is whole numbers, like {name}[0,1]") from None
    if _is_column(name) and len(index) == 1:
        index = (index[0], 0)
    element = Element(name, index)
    _check(engine, element, i, shown=f"{name}[{inside}]")
    return element


def _check(engine: Engine, element: Element, i: int, shown: str | None = None) -> None:
    dims = shape(engine, element.name, i)
    index = element.index
    if len(index) != len(dims) or any(not 0 <= v < d for v, d in zip(index, dims)):
        got = f" (got {shown or element})" if index else ""
        raise BadElement(_usage(element.name, dims, engine.L) + got)


def _usage(name: str, dims: tuple[int, ...], L: int) -> str:
    if not dims:
        return f"{name} is a single number: write {name}, without an index"
    if _is_column(name) and len(dims) == 2 and dims[1] == 1:
        return f"{name} is {dims[0]}×1: write {name}[j] with j in 0..{dims[0] - 1}"
    if len(dims) != 2:
        return f"{name} has shape {dims}: no element can be explained"
    rows, cols = _letters(name, L)
    return (f"{name} is {dims[0]}×{dims[1]}: write {name}[{rows},{cols}] with {rows} in "
            f"0..{dims[0] - 1} and {cols} in 0..{dims[1] - 1}")


def _find(engine: Engine, name: str, i: int) -> tuple[Equation, Record, dict] | Stopped:
    """The equation that computed name in iteration i, its record, and the values its
    operands had (for the update, those before it: W[l] := W[l] − α dW[l])."""
    S = engine.S
    for k in range(S):
        s = i * S + k
        record = engine.record(s)
        if record.index != s:  # the iteration stopped before step k, or is never reached
            return Stopped(name, i, record)
        for computed in record.computed:
            if computed.equation.target == name:
                if not computed.ok:
                    return Stopped(name, i, record)
                env = engine.record(s - 1).env if computed.equation.assign == ":=" else record.env
                return computed.equation, record, env
        if not record.ok:
            return Stopped(name, i, record)
    raise BadElement(f"no quantity {name} in this network; it has {_summary(engine)}")


def explain(engine: Engine, element: Element, i: int | None = None) -> Explanation | Stopped:
    """The element of iteration i (the current one by default), written out."""
    with np.errstate(all="ignore"):  # a diverged network's inf and nan are shown, as on screen
        return _explain(engine, element, engine.iteration if i is None else i)


def _explain(engine: Engine, element: Element, i: int) -> Explanation | Stopped:
    name, index = element.name, element.index
    if name not in names(engine):
        raise BadElement(f"no quantity {name} in this network; it has {_summary(engine)}")
    _check(engine, element, i)
    if name in ("A[0]", "Y"):
        record = engine.record(i * engine.S)
        if record.iteration != i:
            return Stopped(name, i, record)
        entry = _entry(record.env, name, index)
        row, example = index
        what = "feature" if name == "A[0]" else "target"
        itself = (Term((Factor(entry, entry.value),), entry.value),)
        return Explanation(entry, i, "an input",
                           f"{written(name, _letters(name, engine.L))} is given: the data",
                           f"{entry} is {what} {row} of example {example}", itself)
    found = _find(engine, name, i)
    if isinstance(found, Stopped):
        return found
    eq, record, env = found
    # The result is the record's (for the update, the new W[l]); its operands come from env.
    element_entry = _entry(record.env, name, index)
    letters = _letters(name, engine.L)
    digits = tuple(str(v) for v in index)
    used = set(letters)
    head = f"{written(name, letters)} {eq.assign} "
    inst = f"{written(name, digits)} {eq.assign} "
    if isinstance(eq.expr, Cost):
        found = _cost(eq, env, record.m)
    else:
        found = dict(general=head + _written(eq.expr, letters, used),
                     instance=inst + _written(eq.expr, digits, used))
        if isinstance(eq.expr, Apply) and eq.expr.label == "softmax":
            found.update(_softmax(eq, index, env))
        else:
            found["parts"] = tuple(_expand(eq.expr, index, env, used))
    return Explanation(element_entry, i, record.step.label, mistake=eq.mistake,
                       assign=eq.assign, **found)


# ---- the nudge ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Nudge:
    """J recomputed with one parameter nudged by ε and everything else held fixed, beside
    the gradient the backward pass computed for it: the post's "nudge" as an experiment."""

    iteration: int
    parameter: Entry  # W[l]_{j,k} as iteration i uses it
    gradient: Entry  # dW[l]_{j,k} as the engine computed it
    eps: float  # the nudge actually applied, (w + ε) − w
    J: float
    J_nudged: float
    crossed: tuple[Entry, ...]  # pre-activations the nudge moves across a ReLU kink
    mistakes: tuple[str, ...] = ()  # injected mistakes in the backward pass

    @property
    def delta(self) -> float:
        return self.J_nudged - self.J

    @property
    def ratio(self) -> float:
        return self.delta / self.eps

    @property
    def relative(self) -> float:
        """|ΔJ/ε − dW| / (|ΔJ/ε| + |dW|), 0 when both are 0."""
        diff = abs(self.ratio - self.gradient.value)
        return 0.0 if diff == 0 else diff / (abs(self.ratio) + abs(self.gradient.value))

    @property
    def noise(self) -> float:
        # J itself is only known to a few units in its last place; divided by ε, that
        # is how far apart ΔJ/ε and the gradient may be for no reason at all.
        return 16 * np.finfo(float).eps * max(abs(self.J), 1.0) / abs(self.eps)

    def lines(self) -> list[str]:
        p, g = self.parameter, self.gradient
        out = [f"nudge {p} = {num(p.value)} by ε = {self.eps:.3g} (iteration {self.iteration}; "
               "every other parameter and the data held fixed)",
               f"  J        = {self.J:.12g}",
               f"  J(+ε)    = {self.J_nudged:.12g}",
               f"  ΔJ       = {self.delta:.6g}",
               f"  ΔJ/ε     = {self.ratio:.8g}",
               f"  {g} = {g.value:.8g}"]
        difference = abs(self.ratio - g.value)
        verdict = f"  relative difference {self.relative:.2g}"
        if self.crossed:
            shown = ", ".join(str(e) for e in self.crossed[:3])
            more = f" and {len(self.crossed) - 3} more" if len(self.crossed) > 3 else ""
            verdict += (f": the nudge moves {shown}{more} across a ReLU kink at 0, so ΔJ/ε "
                        f"mixes the slopes on both sides and need not match {g.name}")
        elif not all(map(math.isfinite, (self.J, self.J_nudged, g.value))):
            verdict += ": J or the gradient is not a finite number here, so nothing compares"
        elif self.relative == 0:
            verdict += ": they are equal"
        elif self.relative < 1e-2:
            digits = max(1, int(-math.log10(self.relative)))
            verdict += f": they agree to about {digits} digits (ΔJ/ε is a one-sided difference)"
        elif difference <= self.noise:
            verdict += (f", but the difference, {difference:.1g}, is within the rounding "
                        f"noise of ΔJ/ε (about {self.noise:.1g}): they agree as far as a "
                        "nudge can tell")
        else:
            verdict += ": they disagree"
            if self.mistakes:
                verdict += f" (this scenario injects {', '.join(self.mistakes)})"
        return out + [verdict]


def nudge(engine: Engine, element: Element, i: int | None = None,
          eps: float | None = None) -> Nudge | Stopped:
    """Nudge W[l] or b[l] (named by itself or by its gradient dW[l], db[l]) at element's
    index by ε, default 1e-6·max(1, |w|).  Nothing is changed: the nudge works on a copy."""
    i = engine.iteration if i is None else i
    param = element.name.removeprefix("d")
    if not param.startswith(("W[", "b[")):
        raise BadElement(f"only an entry of W[l] or b[l] (or dW[l], db[l]) can be nudged, "
                         f"not {element.name}")
    found = _find(engine, "d" + param, i)
    if isinstance(found, Stopped):
        return found
    _, record, env = found
    gradient = _entry(env, "d" + param, element.index)
    params = engine.parameters(i)
    w = float(params[param][element.index])
    eps = 1e-6 * max(1.0, abs(w)) if eps is None else float(eps)
    step = (w + eps) - w  # what a float can hold: the nudge actually made
    if step == 0:
        raise BadElement(f"ε = {eps:g} is too small to change {param} = {w:g}")
    moved = np.array(params[param], dtype=np.float64, copy=True)
    moved[element.index] = w + eps
    J, before = engine.cost_at(params, i)
    J_nudged, after = engine.cost_at({**params, param: moved}, i)
    mistakes = tuple(dict.fromkeys(eq.mistake for s in engine.steps if s.kind == plan.BACKWARD
                                   for eq in s.equations if eq.mistake))
    return Nudge(i, Entry(param, element.index, w), gradient, step, float(J), float(J_nudged),
                 _crossed(engine, env, before, after), mistakes)


def _crossed(engine: Engine, env: dict, before: np.ndarray, after: np.ndarray) -> tuple[Entry, ...]:
    """The Z entries whose side of 0 changed; cost_at lists ReLU-like layers' Z in order."""
    kinked = [(f"Z[{l}]", layer.units) for l, layer in enumerate(engine.scenario.layers, 1)
              if layer.activation in KINKED]
    out, offset = [], 0
    for name, units in kinked:
        Z = np.asarray(env[name])
        size = Z.size
        for flat in np.flatnonzero(before[offset:offset + size] != after[offset:offset + size]):
            index = tuple(int(v) for v in np.unravel_index(flat, Z.shape))
            out.append(Entry(name, index, float(Z[index])))
        offset += size
    return tuple(out)


# ---- what --explain prints -----------------------------------------------------------------

def printout(engine: Engine, element: Element,
             i: int | None = None) -> tuple[list[str], str | None]:
    """The expansion and, for W, b, dW and db, the nudge; or (None, the line saying where
    the iteration stopped)."""
    explained = explain(engine, element, i)
    if isinstance(explained, Stopped):
        return [], explained.line()
    lines = explained.lines()
    if element.name.removeprefix("d").startswith(("W[", "b[")):
        nudged = nudge(engine, element, i)
        if isinstance(nudged, Stopped):
            return [], nudged.line()
        lines += [""] + nudged.lines()
    return lines, None
