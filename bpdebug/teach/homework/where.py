"""Where in the student's code the first wrong value was made, from the child's trace
of the student's own frames (trace.py): not only which returned entry differs, but the
line, in the order the student's code ran.

1. For each wrong entry, the earliest traced array equal to the student's value is the
   line that made it; the one that ran first is where to start.
2. Walk back along the reference's equation for that value: an operand that was never
   right before that line (dZ[2], inside relu_backward, where only dW[2] is returned) is
   looked for among the arrays made before it, and taken when one of the catalogue's
   mistakes explains it (causes.py).  Repeat from there.
3. What is left is the first wrong value: its line, its likely cause, and the operands
   that were never right before it.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from bpdebug.teach.homework import causes
from bpdebug.teach.homework.api import EXAMPLE_INDEXED, GRADIENTS, Api
from bpdebug.teach.homework.compare import Finding, Location, close
from bpdebug.teach.homework.reference import Reference
from bpdebug.teach.homework.result import Event


class Forms:
    """Every right value of the iteration, in each layout a student's code may hold it
    (the post's, transposed, flat, as a sum), looked up by shape; ``example``: the
    values of the first example alone (a per-example call)."""

    def __init__(self, ref: Reference, api: Api, example: bool = False) -> None:
        self.by_shape: dict[tuple, list[tuple[str, np.ndarray]]] = defaultdict(list)
        for name in ref.order + tuple(f"{p}[{l}]" for l in range(1, ref.L + 1) for p in "Wb") \
                + ("Y",):
            value = self.value(ref, name, example)
            if value is None:
                continue
            forms = [value]
            letter = name.split("[")[0]
            if letter in GRADIENTS and api.gradients == "sum" and not example:
                forms.append(value * ref.m)
            if letter in ("dZ", "dA") and not example:
                forms.append(value / ref.m)  # ∂J/∂Z itself: code that takes the 1/m early
            for form in list(forms):
                if form.ndim == 2:
                    forms.append(form.T)
                    if 1 in form.shape:
                        forms.append(form.ravel())
            for form in forms:
                self.by_shape[form.shape].append((name, form))

    @staticmethod
    def value(ref: Reference, name: str, example: bool) -> np.ndarray | None:
        env = ref.env
        if name not in env or name == "J" and example:
            return None
        value = np.asarray(env[name], dtype=float)
        if not example:
            return value
        letter, _, rest = name.partition("[")
        if letter in EXAMPLE_INDEXED or name == "Y":
            return value[:, :1]
        l = int(rest.rstrip("]"))
        dZ = np.asarray(env[f"dZ[{l}]"], dtype=float)[:, :1]
        if letter == "db":
            return dZ
        if letter == "dW":
            return dZ @ np.asarray(env[f"A[{l - 1}]"], dtype=float)[:, :1].T
        return value  # W, b: the same for every example

    def right(self, array) -> str | None:
        """The quantity this array is, right, or None."""
        array = np.asarray(array)
        for name, form in self.by_shape.get(array.shape, ()):
            if close(array, form):
                return name
        return None


def locate(wrong: list[tuple[str, np.ndarray, int]], events: tuple[Event, ...], arrays: dict,
           ref: Reference, api: Api, given: dict[int, set[str]], example: set[int], source,
           alpha: float | None = None) -> Finding | None:
    """The line of the first wrong value.  ``wrong``: (the post's name, the student's
    value as the API holds it, the index of the call that returned it) for each wrong
    entry; ``given``: the letters of what each call was given (its inputs are right);
    ``example``: the calls traced one example at a time; ``source(file, line)``: the
    student's line."""
    if not events:
        return None
    order = {id(e): k for k, e in enumerate(events)}
    start = None
    for name, value, call in wrong:
        for e in events:
            if e.call == call and (_equal(arrays[e.array], value)):
                if start is None or order[id(e)] < order[id(start[1])]:
                    start = (name, e)
                break
    if start is None:
        return None
    name, event = start
    per_example = event.call in example
    forms = Forms(ref, api, per_example)
    first_right: dict[str, int] = {}
    for k, e in enumerate(events):
        quantity = forms.right(arrays[e.array])
        if quantity is not None:
            first_right.setdefault(quantity, k)
    cause, unseen = "", []
    while True:
        back, unseen = None, []
        at = order[id(event)]
        for operand in ref.operands(name):
            letter = operand.split("[")[0]
            if letter in given.get(event.call, ()) or operand in ("A[0]", "Y") \
                    or first_right.get(operand, at) < at:
                continue
            back = _explained(operand, events[:at], arrays, forms, ref, alpha, per_example)
            if back is not None:
                break
            if any(_named_as(e.target, operand) for e in events[:at]):
                unseen.append(operand)  # the student made it, and it was never right
        if back is None:
            break
        name, event, cause = back
    if not cause and not per_example:
        cause = causes.likely(name, _as_post(arrays[event.array], ref.env.get(name)), ref, alpha)
    if per_example:  # one example's values: where; the whole batch's entry says why
        cause = ""
    at = Location(event.file, event.line, event.function, source(event.file, event.line))
    return Finding(name, at, cause, tuple(unseen))


def _explained(name: str, before: tuple[Event, ...], arrays: dict, forms: Forms,
               ref: Reference, alpha, per_example: bool = False) -> tuple[str, Event, str] | None:
    """The latest array made before a line that is ``name`` gone wrong: one a classic
    mistake explains, else one the student named as it (dZ1, dz, grads["dZ2"]).  (An
    array right as something else may be it: dZ[1] left equal to dA[1], its gate
    forgotten.)  One example's arrays are judged by their names alone."""
    want = np.shape(forms.value(ref, name, per_example))
    named = None
    for e in reversed(before):
        array = np.asarray(arrays[e.array])
        if want not in (array.shape, array.T.shape):
            continue
        cause = "" if per_example else \
            causes.likely(name, _as_post(array, ref.env.get(name)), ref, alpha)
        if cause:
            return name, _made(e, before, arrays), cause
        if named is None and _named_as(e.target, name):
            named = (name, _made(e, before, arrays), "")
    return named


def _made(event: Event, before: tuple[Event, ...], arrays: dict) -> Event:
    """Where an array was first made: the earliest line that held the same values
    (relu_backward's return, not the caller's dZ = relu_backward(...))."""
    value = arrays[event.array]
    return next((e for e in before if _equal(arrays[e.array], value)), event)


def _named_as(target: str, name: str) -> bool:
    """Does the student's name for an array say it is this quantity?  dZ1, dz, dZ, and
    grads["dZ1"] are dZ[1]; dA_prev is not dZ[1]."""
    letter, l = name.split("[")[0], name.split("[")[1].rstrip("]") if "[" in name else ""
    words = re.findall(r"[A-Za-z_]+\d*", target.replace("'", " ").replace('"', " "))
    for word in words[-1:] if words else []:
        stem, digits = re.fullmatch(r"([A-Za-z_]*?)(\d*)", word).groups()
        if stem.lower().rstrip("_") == letter.lower() and digits in ("", l):
            return True
    return False


def _as_post(array, right) -> np.ndarray:
    """An array the student made, turned to the post's layout when only its transpose fits."""
    array = np.asarray(array, dtype=float)
    if right is not None and array.shape != np.shape(right) and array.T.shape == np.shape(right):
        return array.T
    return array


def _equal(array, value) -> bool:
    """The same values, or the array broadcast to the value's shape (a db of shape (n,)
    that an update spread over an n×n b)."""
    array = np.asarray(array)
    value = np.asarray(value, dtype=float)
    if value.size == 1 and array.size == 1:
        return close(array.reshape(()), value.reshape(()))
    if array.ndim == 1 and value.ndim == 2 and array.shape != value.shape:  # a dropped axis
        try:
            return close(np.broadcast_to(array, value.shape), value)
        except ValueError:
            return False
    return close(array, value)
