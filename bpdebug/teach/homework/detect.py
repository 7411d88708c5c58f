"""Which course API a hand-in implements, from what it defines: names *and* signatures,
because courses reuse a name with different arguments (the planar assignment's
forward_propagation(X, parameters), the post notebook's forward_propagation(X,
parameters, linear), the 1-D gradient check's forward_propagation(x, theta)).

A call of an API is found when the hand-in defines it (a function, or a method of the
API's class) so that it can be called with the arguments the API passes, and at least
half of its parameter names are the course's (up to case, underscores and the usual
renamings: params for parameters, caches for cache).  The API with the most found is
used; the post's first on a tie.  ``--api`` names one outright.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bpdebug.teach.homework.api import STAGES, Api, Call
from bpdebug.teach.homework.submission import Defined, Signature

# Names a student may use for a course's parameter (each group is one name).
_SAME = [{"parameters", "params", "param", "weights", "parameter"},
         {"cache", "caches", "cachelist"},
         {"al", "a2", "a3", "alast", "yhat", "aout", "output"},
         {"x", "xtrain", "inputs", "input"},
         {"y", "ytrain", "labels", "targets", "target"},
         {"alpha", "learningrate", "lr", "eta"},
         {"a", "aprev", "a0", "x"}]


def _plain(name: str) -> str:
    return name.lower().replace("_", "")


def same_name(course: str, theirs: str) -> bool:
    a, b = _plain(course), _plain(theirs)
    return a == b or any(a in group and b in group for group in _SAME)


@dataclass(frozen=True)
class Found:
    """One call of the API, as the hand-in defines it."""

    call: Call
    signature: Signature
    names: int  # how many of its parameter names are the course's

    def describe(self) -> str:
        own = str(self.signature)
        return own if self.names == len(self.call.params) else \
            f"{own} (the course's {self.call.signature})"


@dataclass(frozen=True)
class Detection:
    api: Api
    stages: tuple[Found, ...]  # the forward and backward calls it defines
    helpers: tuple[Found, ...]
    forced: bool = False  # named with --api

    @property
    def why(self) -> str:
        """What the report says of the choice."""
        found = " and ".join(dict.fromkeys(f.describe() for f in self.stages)) or \
            "none of its calls"
        if self.api.object is not None:
            found = f"class {self.api.object.cls} with {found}"
        helpers = ""
        if self.helpers:
            helpers = f", with the helper{'s' if len(self.helpers) > 1 else ''} " + \
                ", ".join(f.signature.name for f in self.helpers)
        how = "named with --api" if self.forced else "it defines"
        return f"{self.api.name} ({how}: {found}{helpers})"

    @property
    def score(self) -> int:
        return sum(10 + f.names for f in self.stages) + len(self.helpers)


def signature_of(api: Api, call: Call, defined: Defined) -> Signature | None:
    if call.method:
        return defined.classes.get(api.object.cls, {}).get(call.name)
    return defined.functions.get(call.name)


def fits(call: Call, signature: Signature, strict: bool = True) -> int | None:
    """How many of the course's names it uses, or None when the API cannot call it
    (or, strict, when fewer than half of its names are the course's)."""
    if not any(signature.takes(n) for n in range(call.required, len(call.args) + 1)):
        return None
    names = sum(1 for course, theirs in zip(call.params, signature.params)
                if same_name(course, theirs))
    if strict and 2 * names < len(call.params):
        return None
    return names


def try_api(api: Api, defined: Defined, forced: bool = False) -> Detection | None:
    """The calls of this API the hand-in defines; None when it defines no stage (or,
    for a class-based API, not the class)."""
    if api.object is not None and api.object.cls not in defined.classes:
        return None
    stages = []
    for stage in STAGES:
        for call in api.stage_calls(stage):
            signature = signature_of(api, call, defined)
            names = fits(call, signature, strict=not forced) if signature else None
            if names is None and forced and signature is not None:
                names = 0  # named outright: call it, and let Python say what does not fit
            if names is not None:
                stages.append(Found(call, signature, names))
                break
    if not stages:
        return None
    helpers = []
    for call in api.helpers:
        signature = signature_of(api, call, defined)
        names = fits(call, signature, strict=False) if signature else None
        if names is not None:
            helpers.append(Found(call, signature, names))
    return Detection(api, tuple(stages), tuple(helpers), forced)


def detect(defined: Defined, apis: Sequence[Api]) -> Detection | None:
    """The API the hand-in implements best (most calls found, then most names)."""
    best = None
    for api in apis:
        found = try_api(api, defined)
        if found is not None and (best is None or found.score > best.score):
            best = found
    return best


def entry_points(apis: Sequence[Api]) -> str:
    """What each API's hand-ins define, for a message: post (forward, backpropagation)."""
    out = []
    for api in apis:
        names = dict.fromkeys(c.name for c in api.calls)
        where = f"class {api.object.cls} with " if api.object else ""
        out.append(f"{api.name} ({where}{', '.join(names)})")
    return "; ".join(out)
