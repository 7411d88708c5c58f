"""The post's names, in the three spellings bpdebug needs, converted in one place.

* the post's own: ``dW[2]``, ``A[0]``, ``Y``, ``J`` (the engine, the screen, the reports);
* the export and student dictionary keys: ``dW2``, ``A0`` (the post's code keeps
  ``parameters["W1"]``, ``cache["A0"]``, ``grads["dW2"]``);
* Python identifiers: ``dW_2`` (the compiled training code);

and, in the post's index notation, one entry of a quantity: ``W[1]_{0,1}``, ``b[1]_j``.
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


def gradient(name: str) -> str:
    """The gradient of J with respect to a quantity: "W[2]" -> "dW[2]"."""
    return "d" + name


def of_gradient(name: str) -> str:
    """The quantity a gradient is of: "dW[2]" -> "W[2]"; any other name stays itself."""
    return name[1:] if name.startswith("d") else name


def is_parameter(name: str) -> bool:
    """W[l] and b[l]: what the update changes (not their gradients)."""
    return split(name)[0] in ("W", "b")


def is_parameter_gradient(name: str) -> bool:
    """dW[l] and db[l]: the gradients the update uses and the gradient check checks."""
    return split(name)[0] in ("dW", "db")


def is_column(name: str) -> bool:
    """b[l] and db[l] are one column: the post writes their entries b_j."""
    return split(name)[0] in ("b", "db")


def letters(name: str, L: int) -> tuple[str, ...]:
    """The post's index letters for a quantity: W_{j,k}, b_j, Z_{j,i}, and k for the
    units of a layer below: A[0]_{k,i}, dA[l-1]_{k,i} (but dA[L]_{j,i}, from the loss)."""
    if name == "J":
        return ()
    letter, l = split(name)
    if letter in ("W", "dW"):
        return ("j", "k")
    if is_column(name):
        return ("j", "0")
    if name == post("A", 0) or (letter == "dA" and l != L):
        return ("k", "i")
    return ("j", "i")


def subscripted(name: str, index: tuple = ()) -> str:
    """One entry in the post's index notation: W[1]_{0,1}, A[0]_{k,i}, b[1]_j (a bias is
    one column: the post writes b_j), J (no index)."""
    if not index:
        return name
    if is_column(name):
        index = index[:1]
    inner = ",".join(str(v) for v in index)
    return f"{name}_{inner}" if len(index) == 1 else f"{name}_{{{inner}}}"
