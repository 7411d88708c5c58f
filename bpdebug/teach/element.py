"""Naming one element: ``'dW[1][0,1]'``, ``'b[2][0]'``, ``'Y[0,2]'`` or ``'J'`` read into an
Element and checked against the network, or refused with the names or the range it has."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bpdebug.engine.checked import expected_shapes
from bpdebug.engine.cursor import Engine
from bpdebug.engine.names import is_column, letters, post, split


@dataclass(frozen=True)
class Element:
    name: str  # "dW[1]", "A[0]", "Y", "J"
    index: tuple[int, ...]  # (row, column) of its panel; () for J

    def __str__(self) -> str:
        return self.name + (f"[{','.join(str(v) for v in self.index)}]" if self.index else "")


class BadElement(ValueError):
    """A name or index that the iteration does not have; the message gives what it has."""


INPUTS = (post("A", 0), "Y")  # given, not computed: the data


def names(engine: Engine) -> list[str]:
    """Every quantity an element can be explained of, in the order the iteration makes them."""
    out = list(INPUTS)
    for step in engine.steps:
        out += [eq.target for eq in step.equations if eq.target not in out]
    return out


def unknown(engine: Engine, name: str) -> BadElement:
    """The refusal of a name the network does not have, with the names it has: A[0..2],
    Z[1..2], ..., Y and J."""
    layers: dict[str, list[int]] = {}
    for known in names(engine):
        letter, l = split(known)
        if l is not None:
            layers.setdefault(letter, []).append(l)
    groups = [f"{q}[{min(ls)}]" if min(ls) == max(ls) else f"{q}[{min(ls)}..{max(ls)}]"
              for q, ls in layers.items()]
    return BadElement(f"no quantity {name} in this network; it has {', '.join(groups)}, Y and J")


def shape(engine: Engine, name: str, i: int) -> tuple[int, ...]:
    """The shape the element's index ranges over (the inputs' as given)."""
    if name in INPUTS:
        X, Y = engine.batches(i)
        return np.shape(X if name == INPUTS[0] else Y)
    return expected_shapes(engine.sizes, engine.batches.m_of(i))[name]


def parse(text: str, engine: Engine, i: int = 0) -> Element:
    """'dW[1][0,1]', 'b[2][0]', 'A[0][1,3]', 'Y[0,2]', 'J' or 'J[]' -> an Element, checked
    against iteration i; BadElement, with the valid names or range, when it does not exist."""
    match = re.fullmatch(r"\s*([A-Za-z]+)\s*((?:\[[^\[\]]*\]\s*)*)", text)
    if not match:
        raise BadElement(f"not an element: {text!r} "
                         "(write it like dW[1][0,1], b[1][0], Y[0,2] or J)")
    quantity = match.group(1)
    brackets = re.findall(r"\[([^\[\]]*)\]", match.group(2))
    if quantity not in ("Y", "J") and brackets:
        name, brackets = f"{quantity}[{brackets[0].strip()}]", brackets[1:]
    else:
        name = quantity
    if name not in names(engine):
        raise unknown(engine, name)
    if len(brackets) > 1:
        raise BadElement(f"{text!r}: one index after {name}, like {name}[0,1]")
    inside = brackets[0].strip() if brackets else ""
    try:
        index = tuple(int(v) for v in inside.split(",")) if inside else ()
    except ValueError:
        raise BadElement(f"{text!r}: an index is whole numbers, like {name}[0,1]") from None
    if is_column(name) and len(index) == 1:
        index = (index[0], 0)
    element = Element(name, index)
    check(engine, element, i, shown=f"{name}[{inside}]")
    return element


def check(engine: Engine, element: Element, i: int, shown: str | None = None) -> None:
    """BadElement unless iteration i has this element."""
    if element.name not in names(engine):
        raise unknown(engine, element.name)
    dims = shape(engine, element.name, i)
    index = element.index
    if len(index) != len(dims) or any(not 0 <= v < d for v, d in zip(index, dims)):
        got = f" (got {shown or element})" if index else ""
        raise BadElement(_usage(element.name, dims, engine.L) + got)


def _usage(name: str, dims: tuple[int, ...], L: int) -> str:
    if not dims:
        return f"{name} is a single number: write {name}, without an index"
    if is_column(name) and len(dims) == 2 and dims[1] == 1:
        return f"{name} is {dims[0]}×1: write {name}[j] with j in 0..{dims[0] - 1}"
    if len(dims) != 2:
        return f"{name} has shape {dims}: no element can be explained"
    rows, cols = letters(name, L)
    return (f"{name} is {dims[0]}×{dims[1]}: write {name}[{rows},{cols}] with {rows} in "
            f"0..{dims[0] - 1} and {cols} in 0..{dims[1] - 1}")
