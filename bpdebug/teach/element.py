"""Naming one element: ``'dW[1][0,1]'`` (or as bpdebug prints it, ``'dW[1]_{0,1}'``, or by
the post's dictionary key, ``'dW1[0,1]'``), ``'b[2][0]'``, ``'Y[0,2]'`` or ``'J'`` read into
an Element and checked against the network, or refused with the names or the range it has."""

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


# One element, in any of the three spellings a teacher has in front of them: the screen's
# dW[1][0,1], the index notation bpdebug prints, dW[1]_{0,1} (b[1]_0), and the post's
# dictionary key, dW1[0,1].  A key's digits are all its layer: dW12 is dW[12].
_ELEMENT = re.compile(r"""\s*(?P<letters>[A-Za-z]+)(?P<key>\d+)?\s*
    (?P<brackets>(?:\[[^\[\]]*\]\s*)*)
    (?:_(?:\{(?P<braced>[^{}]*)\}|(?P<bare>\d+))\s*)?""", re.X)
SPELLINGS = ("write it as dW[1][0,1], dW[1]_{0,1} or dW1[0,1] (likewise b[1][0], b[1]_0, "
             "b1[0]; Y[0,2]; J)")
NO_LAYER = ("Y", "J")


def parse(text: str, engine: Engine, i: int = 0) -> Element:
    """'dW[1][0,1]', 'dW[1]_{0,1}' or 'dW1[0,1]'; 'b[2][0]', 'b[2]_0' or 'b2[0]';
    'A[0][1,3]', 'Y[0,2]', 'J' or 'J[]' -> an Element, checked against iteration i;
    BadElement, with the spellings, the valid names or the range, when it does not exist."""
    match = _ELEMENT.fullmatch(text)
    if not match:
        raise BadElement(f"not an element: {text!r}; {SPELLINGS}")
    letters, key = match.group("letters"), match.group("key")
    indices = re.findall(r"\[([^\[\]]*)\]", match.group("brackets"))
    if key is not None:
        name = post(letters, int(key))
    elif letters not in NO_LAYER and indices:  # the layer is in brackets, never a subscript
        layer = indices.pop(0).strip()
        name = post(letters, int(layer)) if layer.isdigit() else f"{letters}[{layer}]"
    else:
        name = letters
    subscript = match.group("braced") if match.group("braced") is not None else match.group("bare")
    if subscript is not None:
        indices.append(subscript)
    if name not in names(engine):
        error = unknown(engine, name)
        raise BadElement(f"{letters}{key} reads as {name}: {error}") if key is not None else error
    if len(indices) > 1:
        raise BadElement(f"{text!r}: one index after {name}, like {name}[0,1] or {name}_{{0,1}}")
    inside = indices[0].strip() if indices else ""
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
