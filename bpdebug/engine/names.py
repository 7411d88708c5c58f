"""The post's names, in the three spellings bpdebug needs, converted in one place.

* the post's own: ``dW[2]``, ``A[0]``, ``Y``, ``J`` (the engine, the screen, the reports);
* the export and student dictionary keys: ``dW2``, ``A0`` (the post's code keeps
  ``parameters["W1"]``, ``cache["A0"]``, ``grads["dW2"]``);
* Python identifiers: ``dW_2`` (the compiled training code).
"""

from __future__ import annotations

import re

_POST = re.compile(r"^(d?[A-Za-z]+)\[(\d+)\]$")
_KEY = re.compile(r"^(d?[A-Za-z]+?)(\d+)$")


def post(letter: str, l: int) -> str:
    """("dW", 2) -> "dW[2]"."""
    return f"{letter}[{l}]"


def split(name: str) -> tuple[str, int | None]:
    """"dW[2]" -> ("dW", 2); "Y" -> ("Y", None)."""
    match = _POST.match(name)
    return (match.group(1), int(match.group(2))) if match else (name, None)


def key(name: str) -> str:
    """The dictionary key of a post name: "dW[2]" -> "dW2"; "Y" stays "Y"."""
    letter, l = split(name)
    return name if l is None else f"{letter}{l}"


def from_key(key_: str) -> str:
    """The post name of a dictionary key: "dW2" -> "dW[2]"; "Y" stays "Y"."""
    match = _KEY.match(key_)
    return f"{match.group(1)}[{match.group(2)}]" if match else key_


def identifier(name: str) -> str:
    """A Python identifier: dW[2] -> dW_2, 1/m -> inv_m, α -> alpha."""
    return {"1/m": "inv_m", "α": "alpha"}.get(name) or re.sub(r"\[(\d+)\]", r"_\1", name)


def parameters(L: int, backward: bool = False) -> list[str]:
    """W[1], b[1], ..., W[L], b[L]; with ``backward``, W[L], b[L], ..., W[1], b[1]: the
    order the backward pass computes their gradients in."""
    layers = range(L, 0, -1) if backward else range(1, L + 1)
    return [post(p, l) for l in layers for p in ("W", "b")]


def gradients(l: int) -> list[str]:
    """dZ[l], dW[l], db[l], dA[l-1]: what the backward step of layer l computes, in order."""
    return [post("dZ", l), post("dW", l), post("db", l), post("dA", l - 1)]
