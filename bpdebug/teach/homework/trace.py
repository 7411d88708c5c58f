"""A trace of the student's own frames, in the child: every float array a line binds (to
a name, or into a dictionary or list the frame holds), changes in place, or returns, in
the order the student's code ran.  The parent (where.py) reads it to say which line
made the first wrong value, not only which returned entry was wrong.

Only the student's files are traced (``own``): NumPy and bpdebug run untraced, so a
line costs little more than a dictionary of its locals.  The trace keeps copies up to a
budget, then stops and says so.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from bpdebug.teach.homework.result import Event

BUDGET = 64 << 20  # bytes of copies kept
LIMIT = 5000  # events


def _value(obj) -> np.ndarray | None:
    """An array worth recording: floating point (a cost may be a Python float)."""
    if isinstance(obj, np.ndarray):
        return obj if obj.dtype.kind == "f" else None
    if isinstance(obj, (float, np.floating)):
        return np.asarray(obj, dtype=float)
    return None


@dataclass
class _Frame:
    line: int
    known: dict = field(default_factory=dict)  # target -> (object, copy)


class Tracer:
    def __init__(self, own: Callable[[str], bool], keep: Callable[[np.ndarray], str]) -> None:
        self.own = own  # is this file the student's own code?
        self.keep = keep  # stores a copy of an array in result.npz, returns its key
        self.events: list[Event] = []
        self.call = 0  # the index of the call being traced (the child sets it)
        self.cut = ""
        self._bytes = 0
        self._own_code: dict = {}

    def __enter__(self) -> "Tracer":
        if not self.cut:
            sys.settrace(self._enter)
        return self

    def __exit__(self, *exc) -> None:
        sys.settrace(None)

    def _enter(self, frame, event, arg):
        code = frame.f_code
        own = self._own_code.get(code)
        if own is None:
            own = self._own_code[code] = self.own(code.co_filename)
        if not own or self.cut:
            return None
        state = _Frame(frame.f_lineno)
        for target, obj in self._arrays(frame.f_locals):  # the arguments: given, not made
            state.known[target] = (obj, None)

        def local(frame, event, arg):
            if self.cut:
                return None
            if event in ("line", "return"):
                self._settle(frame, state)
                state.line = frame.f_lineno
                if event == "return":
                    value = _value(arg)
                    if value is not None and not any(o is arg for o, _ in state.known.values()):
                        self._record(frame, state.line, "return", value)
            return local
        return local

    @staticmethod
    def _arrays(scope: dict):
        """(target, array) for each float array a frame holds: its names, and one level
        into its dictionaries, lists and tuples."""
        for name, obj in list(scope.items()):
            value = _value(obj)
            if value is not None:
                yield name, obj
            elif isinstance(obj, dict):
                for key, item in list(obj.items())[:256]:
                    if _value(item) is not None:
                        yield f"{name}[{key!r}]", item
            elif isinstance(obj, (list, tuple)):
                for k, item in enumerate(obj[:256]):
                    if _value(item) is not None:
                        yield f"{name}[{k}]", item

    def _settle(self, frame, state: _Frame) -> None:
        """What the line that just ran made: arrays bound anew, or changed in place."""
        for target, obj in self._arrays(frame.f_locals):
            seen = state.known.get(target)
            if seen is not None and seen[0] is obj:
                if seen[1] is None or _same(obj, seen[1]):
                    continue  # a given array, or one unchanged since it was recorded
            copy = self._record(frame, state.line, target, _value(obj))
            state.known[target] = (obj, copy)

    def _record(self, frame, line: int, target: str, value: np.ndarray):
        self._bytes += value.nbytes
        if self._bytes > BUDGET or len(self.events) >= LIMIT:
            self.cut = (f"the trace stopped after {len(self.events)} arrays "
                        f"({self._bytes >> 20} MiB)")
            sys.settrace(None)
            return None
        copy = np.array(value)
        key = self.keep(copy)
        name = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
        self.events.append(Event(self.call, frame.f_code.co_filename, line, name, target, key))
        return copy


def _same(obj, copy: np.ndarray) -> bool:
    try:
        return np.shape(obj) == copy.shape and bool(np.array_equal(obj, copy, equal_nan=True))
    except Exception:  # noqa: BLE001 - an array the student broke: say it changed
        return False
