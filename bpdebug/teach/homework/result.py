"""What the child sends back, as typed plain data that both sides import: result.json
holds these dataclasses (``dump``/``load``), result.npz the float arrays they name.
Nothing the student made crosses back but numbers and text: the parent reads both files
with allow_pickle=False.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass


@dataclass(frozen=True)
class Got:
    """One quantity as the student's code returned it."""

    quantity: str  # the post's name: "dW[2]", "A[1]", "J"
    where: str  # where the API holds it: 'grads["dW2"]', 'caches[1][0][0]'
    kind: str  # "array" (in result.npz under ``array``), "absent", or what it was instead
    category: str = ""  # for what it was instead: a key of the advice ("complex", "list")
    array: str = ""
    spec: str = ""  # the API's quantity as written ("W[l].T"): how to turn it back


@dataclass(frozen=True)
class Crash:
    """The student's code did not return: where, as the student's frames said it."""

    function: str  # the call bpdebug made (or "import" for the module's own code)
    cause: str  # "raised" | "exit"
    error: str  # "ValueError: shapes (1,4) and (3,4) not aligned"
    file: str = ""
    line: int | None = None
    source: str = ""  # that line of the student's code
    entry: str | None = None  # the entry the line assigns, when it does (grads["dW2"] = …)
    operands: tuple[tuple[str, str], ...] = ()  # (expression, shape) on that line
    traceback: str = ""
    partial: tuple[Got, ...] = ()  # what the dictionary being filled held when it raised
    inner: str = ""  # the student's function the line is in, when it is not the call


@dataclass(frozen=True)
class Called:
    """One call of the hand-in's code: a stage (forward, backward) or a helper tried on
    one layer, and what came back."""

    stage: str  # "forward", "backward" or "helper"
    name: str  # the function or method
    index: int  # its place in the API's calls (or helpers)
    layer: int | None = None  # a helper's layer
    got: tuple[Got, ...] = ()
    wrong_return: str = ""  # "L_model_forward must return (AL, caches); it returned a dict"
    crash: Crash | None = None
    read_as: tuple[str, ...] = ()  # how a choice was read: 'dA{l} as dA[l-1]'
    first: tuple[Got, ...] = ()  # a per-example call: what the first example returned


@dataclass(frozen=True)
class Event:
    """One array the student's own code made, in the order it ran."""

    call: int  # the index of the Called it happened in
    file: str
    line: int
    function: str
    target: str  # the name or dictionary entry it was bound to, or "return"
    array: str  # its key in result.npz


@dataclass(frozen=True)
class Skipped:
    """A top-level statement not run, because it does not define anything."""

    where: str  # "alice.ipynb:cell5:1"
    text: str  # its first line
    why: str  # "calls model()"
    binds: tuple[str, ...] = ()  # the names it would have set


@dataclass(frozen=True)
class MissingModule:
    """An import of a module not installed where bpdebug runs: skipped, not fatal."""

    module: str
    where: str
    names: tuple[str, ...]  # what it would have bound; ("*",) for a star import


@dataclass(frozen=True)
class Result:
    calls: tuple[Called, ...] = ()
    trace: tuple[Event, ...] = ()
    trace_cut: str = ""  # why the trace stopped early ("" when it is whole)
    skipped: tuple[Skipped, ...] = ()
    missing: tuple[MissingModule, ...] = ()
    import_crash: Crash | None = None  # the module's own code did not finish
    unusable: str = ""  # the file could not be read at all (bpdebug's words)


def dump(result: Result) -> str:
    return json.dumps(dataclasses.asdict(result))


def load(text: str) -> Result:
    return _build(Result, json.loads(text))


def _build(kind, data):
    """A dataclass (or a tuple of them, or None) from what json.loads gave."""
    if data is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        inner = [k for k in typing.get_args(kind) if k is not type(None)]
        return _build(inner[0], data)
    if origin is tuple:
        item = typing.get_args(kind)[0]
        return tuple(_build(item, d) for d in data)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{f.name: _build(hints[f.name], data[f.name])
                       for f in dataclasses.fields(kind) if f.name in data})
    return data
