"""A course's API: which functions (or which class and methods) a hand-in defines, what
bpdebug passes them and what they return, in the post's names.  Read from a small TOML
file; the built-in APIs are such files (apis/*.toml), so a teacher whose course uses
other names copies one and edits it (README, "For teachers").

A value is written once and read both ways: the child builds what it passes from the
reference's arrays, and reads what the student returns into the same names.

    "W[l]"   one quantity of the post, at layer l (l-1, l+1, L, L-1 or a number);
             X, Y and J take no layer.  ".T" transposed, ".flat" as a 1-D array,
             "Y.labels" the class of each example (what cs231n's y holds).
    "dA[l-1] | dA[l]"   either, whichever the keys of the student's dictionary say
    [a, b]   a tuple (or list) by position
    { "W{l}" = "W[l]", ... }   a dictionary: key pattern = quantity ({l}, {l-1}, {l+1})
    { each_layer = v }   a list with one v per layer, l = 1..L
    { text = "relu" }    a string, as written
    n[0], n[1], n[1:], n[:]   layer sizes (n[:] is the list n[0], ..., n[L])
    g[l]     the name of layer l's activation (``activation_names`` may rename it)
    linear   true when the output layer is linear (the post's notebook)
    alpha    the learning rate bpdebug passes to a method that updates in place
    m        the number of examples
    a name of [values], or a number or true/false as written

An argument ending in "?" is passed only to a function that takes that many.
"""

from __future__ import annotations

import functools

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from bpdebug.scenario.errors import ScenarioError
from bpdebug.scenario.files import read as read_file
from bpdebug.scenario.lines import lines_of_keys

# The post's quantities.  Example-indexed ones have a column per example (a row per
# example in an API whose examples are rows); the gradients of J are always judged.
EXAMPLE_INDEXED = frozenset({"X", "Y", "Z", "A", "dZ", "dA"})
GRADIENTS = frozenset({"dW", "db"})
STAGES = ("forward", "backward")
TOKENS = ("n[0]", "n[1]", "n[2]", "n[1:]", "n[:]", "linear", "alpha", "m")

_QUANTITY = re.compile(
    r"^(X|Y|J|W|b|Z|A|dZ|dA|dW|db)(?:\[(l|l-1|l\+1|L|L-1|\d+)\])?((?:\.(?:T|flat|labels))*)$")
_ACTIVATION = re.compile(r"^g\[(l|L|\d+)\]$")
_CALL = re.compile(r"^([A-Za-z_]\w*)\s*\((.*)\)$")
_PLACEHOLDER = re.compile(r"\{(l|l-1|l\+1)\}")


class ApiError(ScenarioError):
    """An unusable API file: one line, file:line: key: what is wrong (as a scenario's)."""


def index(expr: str | None, l: int | None, L: int) -> int | None:
    """The layer an index expression names: "l-1" at l = 2 is 1; "L" is L."""
    if expr is None:
        return None
    if expr.isdigit():
        return int(expr)
    base = L if expr.startswith("L") else l
    if base is None:
        return None
    return base + (-1 if expr.endswith("-1") else 1 if expr.endswith("+1") else 0)


def layers_of(letter: str, L: int) -> range:
    """The layers a quantity exists at: A[0] is the data, dA[L] only for an output that
    does not match its loss (the reference says which it has)."""
    if letter == "A" or letter == "dA":
        return range(0, L + 1)
    return range(1, L + 1)


# ---- values -------------------------------------------------------------------------

@dataclass(frozen=True)
class Quantity:
    """One array of the post as the API holds it: "W[l].T" is W[l], transposed."""

    letter: str  # W, b, Z, A, dZ, dA, dW, db, X, Y, J
    index: str | None = None  # l, l-1, l+1, L, L-1, a number; None for X, Y and J
    transposed: bool = False
    flat: bool = False
    labels: bool = False

    def at(self, l: int | None, L: int) -> str | None:
        """The post's name at layer l ("A[1]"), or None where it does not exist."""
        if self.index is None:
            return self.letter
        k = index(self.index, l, L)
        return f"{self.letter}[{k}]" if k is not None and k in layers_of(self.letter, L) else None

    @property
    def per_layer(self) -> bool:
        return self.index is not None and "l" in self.index

    @property
    def judged_always(self) -> bool:
        """dW and db, and J, are gradients (and the cost) in every API: a missing one is
        a divergence; any other quantity is judged only where the student returns it."""
        return self.letter in GRADIENTS or self.letter == "J"

    def __str__(self) -> str:
        text = self.letter + (f"[{self.index}]" if self.index else "")
        return text + ".T" * self.transposed + ".flat" * self.flat + ".labels" * self.labels


@dataclass(frozen=True)
class Choice:
    """"dA[l-1] | dA[l]": the student's dictionary keys say which convention it uses."""

    options: tuple[Quantity, ...]

    def __str__(self) -> str:
        return " | ".join(map(str, self.options))


@dataclass(frozen=True)
class Token:
    """A number or name bpdebug passes: n[0], n[1:], g[l], linear, alpha, m."""

    name: str


@dataclass(frozen=True)
class Literal:
    value: object


@dataclass(frozen=True)
class TupleOf:
    items: tuple["Value", ...]


@dataclass(frozen=True)
class DictOf:
    entries: tuple[tuple[str, "Value"], ...]  # key pattern ("dW{l}") -> value


@dataclass(frozen=True)
class EachLayer:
    item: "Value"


@dataclass(frozen=True)
class Named:
    """A value of [values], kept with its name so reports can say grads["dW2"]."""

    name: str
    value: "Value"


Value = Quantity | Choice | Token | Literal | TupleOf | DictOf | EachLayer | Named


def quantities(value: Value) -> list[Quantity]:
    """Every quantity a value holds (each option of a choice)."""
    match value:
        case Quantity():
            return [value]
        case Choice(options):
            return list(options)
        case TupleOf(items):
            return [q for item in items for q in quantities(item)]
        case DictOf(entries):
            return [q for _, item in entries for q in quantities(item)]
        case EachLayer(item) | Named(_, item):
            return quantities(item)
    return []


def first_quantity(value: Value) -> Quantity | None:
    """The quantity that says which layers a dictionary entry holding `value` is
    written for (its first), or None."""
    qs = quantities(value)
    return qs[0] if qs else None


def expand(pattern: str, l: int) -> str:
    """A key pattern at layer l: "dA{l-1}" at l = 2 is "dA1"."""
    return _PLACEHOLDER.sub(lambda m: str(index(m.group(1), l, 0)), pattern)


def entry_layers(pattern: str, q: Quantity | None, L: int) -> list[int | None]:
    """The layers a dictionary entry is written for: every l where its quantity exists
    (l = 0..L for "A{l}" = "A[l]"); [None] for a fixed key ("cost" = "J")."""
    hole = _PLACEHOLDER.search(pattern)
    if (q is None or not q.per_layer) and not hole:
        return [None]
    return [l for l in range(-1, L + 2)
            if (q is None or not q.per_layer or q.at(l, L) is not None)
            and (not hole or (index(hole.group(1), l, L) or 0) >= 0)]


def quantity(text: str) -> Quantity:
    """A quantity as written in an API file ("W[l].T"), read back from its text."""
    letter, at, suffix = _QUANTITY.match(text).groups()
    mods = suffix.split(".")[1:]
    return Quantity(letter, at, "T" in mods, "flat" in mods, "labels" in mods)


def returned(value: Value, L: int, layer: int | None = None,
             parameters: bool = False) -> list[tuple[str, Quantity]]:
    """(the post's name, its quantity) of everything a value holds, layer by layer, each
    once: what a call returns (W and b handed back are left out: they were given; with
    ``parameters``, they are what a state attribute holds)."""
    out: dict[str, Quantity] = {}

    def walk(v: Value, l: int | None) -> None:
        match v:
            case Quantity():
                name = v.at(l, L)
                if name is not None and (parameters or v.letter not in ("W", "b")):
                    out.setdefault(name, v)
            case Choice(options):
                walk(options[0], l)
            case Named(_, inner):
                walk(inner, l)
            case TupleOf(items):
                for item in items:
                    walk(item, l)
            case EachLayer(item):
                for k in range(1, L + 1):
                    walk(item, k)
            case DictOf(entries):
                for pattern, item in entries:
                    for k in entry_layers(pattern, first_quantity(item), L):
                        walk(item, k if k is not None else l)
    walk(value, layer)
    return list(out.items())


def key_holds(value: Value, key: str, L: int) -> str | None:
    """The post's name a dictionary key of a returned value holds ("W1" in cs231n's
    grads is dW[1]), or None."""
    match value:
        case Named(_, inner) | EachLayer(inner):
            return key_holds(inner, key, L)
        case TupleOf(items):
            return next((n for n in (key_holds(i, key, L) for i in items) if n), None)
        case DictOf(entries):
            for pattern, item in entries:
                q = first_quantity(item)
                for k in entry_layers(pattern, q, L):
                    if (expand(pattern, k) if k is not None else pattern) == key and q is not None:
                        return q.at(k, L)
    return None


# ---- calls ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Arg:
    value: Value
    optional: bool = False  # "x?": passed only to a function that takes it


@dataclass(frozen=True)
class Call:
    """One function (or method) of the API: how the course writes it, what bpdebug
    passes, what comes back."""

    stage: str  # "forward", "backward", or "helper" (tried on its own, layer by layer)
    name: str  # the function's (or method's) name
    params: tuple[str, ...]  # the course's parameter names, to recognise it by
    args: tuple[Arg, ...]
    kwargs: tuple[tuple[str, Value], ...] = ()  # passed only where the function takes them
    returns: Value | None = None
    each_example: bool = False  # called once per example (a column); gradients summed
    updates: str | None = None  # a state attribute: the gradients are (before − after)/α
    layers: str = "all"  # a helper's layers: "hidden", "output" or "all"
    method: bool = False

    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join(self.params)})"

    @property
    def required(self) -> int:
        return sum(1 for a in self.args if not a.optional)


@dataclass(frozen=True)
class ObjectSpec:
    """A class-based API: one object, made with the reference's sizes, whose state
    attributes are set from the reference before each call."""

    cls: str
    params: tuple[str, ...]
    args: tuple[Arg, ...]
    kwargs: tuple[tuple[str, Value], ...] = ()
    state: tuple[tuple[str, Value], ...] = ()  # attribute ("__weights": mangled) -> value

    def attribute(self, name: str) -> str:
        """Python's private-name mangling, as the class's own code sees it."""
        if name.startswith("__") and not name.endswith("__"):
            return f"_{self.cls.lstrip('_')}{name}"
        return name


@dataclass(frozen=True)
class Network:
    """What a course's code fixes about the network (None or empty: anything)."""

    layers: int | None = None
    hidden: tuple[str, ...] = ()
    output: tuple[str, ...] = ()
    loss: tuple[str, ...] = ()

    def misfit(self, activations: list[str], loss: str) -> str | None:
        """Why a scenario's network is not one this API can run, or None."""
        L = len(activations)
        wanted = []
        if self.layers is not None and L != self.layers:
            wanted.append(f"{self.layers} layers (this one has {L})")
        hidden = sorted({g for g in activations[:-1] if self.hidden and g not in self.hidden})
        if hidden:
            wanted.append(f"{' or '.join(self.hidden)} hidden layers (this one has {', '.join(hidden)})")
        if self.output and activations[-1] not in self.output:
            wanted.append(f"a {' or '.join(self.output)} output (this one has {activations[-1]})")
        if self.loss and loss not in self.loss:
            wanted.append(f"the {' or '.join(self.loss)} loss (this one has {loss})")
        return "; ".join(wanted) or None

    def __str__(self) -> str:
        parts = [f"{self.layers} layers"] if self.layers else []
        parts += [f"{'/'.join(self.hidden)} hidden"] if self.hidden else []
        parts += [f"{'/'.join(self.output)} output"] if self.output else []
        parts += [f"{'/'.join(self.loss)}"] if self.loss else []
        return ", ".join(parts) or "any network"


@dataclass(frozen=True)
class Api:
    name: str
    about: str
    file: str  # where it was read from
    text: str  # the file as written: the child reads the very same
    examples: str = "columns"  # or "rows"
    gradients: str = "mean"  # or "sum"
    alpha: float = 0.5
    network: Network = Network()
    calls: tuple[Call, ...] = ()
    helpers: tuple[Call, ...] = ()
    object: ObjectSpec | None = None
    activation_names: tuple[tuple[str, str], ...] = ()  # bpdebug's name -> the course's

    @property
    def rows(self) -> bool:
        return self.examples == "rows"

    def activation_name(self, g: str) -> str:
        return dict(self.activation_names).get(g, g)

    def stage_calls(self, stage: str) -> list[Call]:
        """The calls that can do a stage, in the file's order: the first the hand-in
        defines is used (the post's forward, or its notebook's forward_propagation)."""
        return [c for c in self.calls if c.stage == stage]


def _readable(value: Value) -> bool:
    """Holds nothing but quantities: it can be read back from the student."""
    match value:
        case Token() | Literal():
            return False
        case TupleOf(items):
            return all(map(_readable, items))
        case DictOf(entries):
            return all(_readable(v) for _, v in entries)
        case EachLayer(item) | Named(_, item):
            return _readable(item)
    return True


# ---- reading a file ------------------------------------------------------------------

APIS = Path(str(resources.files("bpdebug.teach.homework") / "apis"))


def builtin_names() -> list[str]:
    return sorted(p.stem for p in APIS.glob("*.toml"))


@functools.cache
def builtin() -> tuple[Api, ...]:
    """Every built-in API, in the order detection tries them (the post's first): read
    once, as a class is graded one file after another."""
    names = builtin_names()
    names.sort(key=lambda n: (n != "post", n))
    return tuple(load(n) for n in names)


def load(name_or_path: str) -> Api:
    """A built-in API by name, or a teacher's API file."""
    path = Path(name_or_path)
    if not path.suffix and (APIS / f"{name_or_path}.toml").is_file():
        path = APIS / f"{name_or_path}.toml"
    elif not path.exists() and not path.suffix:
        raise ApiError(name_or_path, "", "no such API file or built-in API "
                       f"({', '.join(builtin_names())}, or a .toml file of your own)")
    text = read_file(path)
    display = str(path) if path.parent != APIS else f"{path.stem} (built in)"
    return parse(text, display)


def parse(text: str, file: str) -> Api:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None)
        raise ApiError(file, "", f"not TOML: {str(error).split(' (at line')[0]}", line) from None
    return _Reader(file, text, doc).api()


class _Reader:
    def __init__(self, file: str, text: str, doc: dict) -> None:
        self.file, self.text, self.doc = file, text, doc
        self.lines = lines_of_keys(text)
        self.values: dict[str, Value] = {}

    def fail(self, key: str, message: str):
        line = self.lines.get(key)
        if line is None:  # the table the key is in, at least
            parent = key.rsplit(".", 1)[0] if "." in key else key.split("[")[0]
            line = self.lines.get(parent)
        raise ApiError(self.file, key, message, line)

    def text_of(self, where: str, raw, choices: tuple[str, ...] | None = None) -> str:
        if not isinstance(raw, str) or not raw.strip():
            self.fail(where, "must be text")
        if choices and raw not in choices:
            self.fail(where, f"must be {' or '.join(repr(c) for c in choices)}, not {raw!r}")
        return raw

    def api(self) -> Api:
        doc = self.doc
        known = {"name", "about", "examples", "gradients", "alpha", "network", "values",
                 "calls", "helpers", "object", "activation_names"}
        for key in doc:
            if key not in known:
                self.fail(key, f"unknown key (an API file has {', '.join(sorted(known))})")
        name = self.text_of("name", doc.get("name"))
        for key, raw in (doc.get("values") or {}).items():
            self.values[key] = Named(key, self.value(f"values.{key}", raw, returns=True))
        calls = tuple(self.call(f"calls[{k}]", raw, helper=False)
                      for k, raw in enumerate(self.tables("calls"), start=1))
        helpers = tuple(self.call(f"helpers[{k}]", raw, helper=True)
                        for k, raw in enumerate(self.tables("helpers"), start=1))
        obj = self.object(doc["object"]) if "object" in doc else None
        if not calls:
            self.fail("calls", "an API needs at least one [[calls]] (a forward or a backward stage)")
        if obj is None and any(c.method for c in calls + helpers):
            self.fail("object", "a method needs an [object] that says its class")
        for k, c in enumerate(calls, start=1):
            if c.updates is not None and not _readable(dict(obj.state)[c.updates]):
                self.fail(f"calls[{k}].updates", f"{c.updates!r} must hold quantities only "
                          "(W[l], b[l]): the gradients are read back from it")
        alpha = doc.get("alpha", 0.5)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1e6:
            self.fail("alpha", "must be a positive number")
        names = doc.get("activation_names", {})
        if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
            self.fail("activation_names", "must be a table of text: sigmoid = \"sig\"")
        return Api(name, str(doc.get("about", "")), self.file, self.text,
                   self.text_of("examples", doc.get("examples", "columns"), ("columns", "rows")),
                   self.text_of("gradients", doc.get("gradients", "mean"), ("mean", "sum")),
                   float(alpha), self.network(doc.get("network", {})), calls, helpers, obj,
                   tuple(names.items()))

    def tables(self, key: str) -> list[dict]:
        raw = self.doc.get(key, [])
        if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
            self.fail(key, f"must be [[{key}]] tables")
        return raw

    def network(self, raw) -> Network:
        if not isinstance(raw, dict):
            self.fail("network", "must be a table")
        layers = raw.get("layers")
        if layers is not None and (isinstance(layers, bool) or not isinstance(layers, int) or layers < 1):
            self.fail("network.layers", "must be a whole number of layers, 1 or more")

        def names(key: str) -> tuple[str, ...]:
            value = raw.get(key, [])
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.fail(f"network.{key}", "must be a list of names")
            return tuple(value)
        return Network(layers, names("hidden"), names("output"), names("loss"))

    def signature(self, where: str, raw) -> tuple[str, tuple[str, ...]]:
        match = _CALL.match(self.text_of(where, raw).strip())
        if not match:
            self.fail(where, f"must be written as the course writes it, name(arg, ...), not {raw!r}")
        params = tuple(p.strip() for p in match.group(2).split(",") if p.strip())
        if not all(p.isidentifier() for p in params):
            self.fail(where, "each argument must be a Python name")
        return match.group(1), params

    def args(self, where: str, raw, params: tuple[str, ...]) -> tuple[Arg, ...]:
        if not isinstance(raw, list):
            self.fail(where, "must be a list: what bpdebug passes, by position")
        if len(raw) != len(params):
            self.fail(where, f"{len(raw)} arguments for the {len(params)} the call names")
        out = []
        for k, item in enumerate(raw):
            optional = isinstance(item, str) and item.endswith("?")
            if optional:
                item = item[:-1]
            out.append(Arg(self.value(f"{where}[{k}]", item, returns=False), optional))
        if any(a.optional for a in out) and not all(a.optional for a in out[
                next(k for k, a in enumerate(out) if a.optional):]):
            self.fail(where, "only the last arguments can be optional (\"x?\")")
        return tuple(out)

    def kwargs(self, where: str, raw) -> tuple[tuple[str, Value], ...]:
        if not isinstance(raw, dict):
            self.fail(where, "must be a table: keyword = what bpdebug passes")
        return tuple((k, self.value(f"{where}.{k}", v, returns=False)) for k, v in raw.items())

    def call(self, where: str, raw: dict, helper: bool) -> Call:
        known = {"stage", "call", "method", "args", "kwargs", "returns", "each_example",
                 "updates", "layers"}
        for key in raw:
            if key not in known:
                self.fail(f"{where}.{key}", f"unknown key (a call has {', '.join(sorted(known))})")
        if ("call" in raw) == ("method" in raw):
            self.fail(where, "say either call = \"function(args)\" or method = \"name(args)\"")
        method = "method" in raw
        name, params = self.signature(f"{where}.{'method' if method else 'call'}",
                                      raw.get("method", raw.get("call")))
        stage = "helper" if helper else self.text_of(f"{where}.stage", raw.get("stage"), STAGES)
        args = self.args(f"{where}.args", raw.get("args", []), params)
        updates = raw.get("updates")
        returns = None
        if "returns" in raw:
            returns = self.value(f"{where}.returns", raw["returns"], returns=True)
        elif updates is None:
            self.fail(f"{where}.returns", "say what the call returns (or what it updates)")
        if updates is not None:
            self.text_of(f"{where}.updates", updates)
            state = dict(self.doc.get("object", {}).get("state", {}))
            if updates not in state:
                self.fail(f"{where}.updates", f"{updates!r} is not one of [object] state's attributes")
        each = raw.get("each_example", False)
        if not isinstance(each, bool):
            self.fail(f"{where}.each_example", "must be true or false")
        layers = self.text_of(f"{where}.layers", raw.get("layers", "all"), ("all", "hidden", "output"))
        return Call(stage, name, params, args, self.kwargs(f"{where}.kwargs", raw.get("kwargs", {})),
                    returns, each, updates, layers, method)

    def object(self, raw) -> ObjectSpec:
        if not isinstance(raw, dict):
            self.fail("object", "must be a table")
        cls, params = self.signature("object.class", raw.get("class"))
        args = self.args("object.args", raw.get("args", []), params)
        state = raw.get("state", {})
        if not isinstance(state, dict) or not state:
            self.fail("object.state", "say which attributes hold the parameters: "
                      "state = { params = \"parameters\" }")
        return ObjectSpec(cls, params, args, self.kwargs("object.kwargs", raw.get("kwargs", {})),
                          tuple((k, self.value(f"object.state.{k}", v, returns=False))
                                for k, v in state.items()))

    def value(self, where: str, raw, returns: bool) -> Value:
        """One value; ``returns``: it is read back from the student (no tokens in it)."""
        if isinstance(raw, str):
            return self.word(where, raw.strip(), returns)
        if isinstance(raw, list):
            return TupleOf(tuple(self.value(f"{where}[{k}]", item, returns)
                                 for k, item in enumerate(raw)))
        if isinstance(raw, dict):
            if set(raw) == {"each_layer"}:
                return EachLayer(self.value(f"{where}.each_layer", raw["each_layer"], returns))
            if set(raw) == {"text"}:
                if returns:
                    self.fail(where, "a text is passed in, never read back")
                return Literal(self.text_of(f"{where}.text", raw["text"]))
            entries = []
            for pattern, item in raw.items():
                holes = _PLACEHOLDER.findall(pattern)
                if len(holes) > 1 or "{" in _PLACEHOLDER.sub("", pattern):
                    self.fail(f"{where}.{pattern}", "a key holds at most one {l}, {l-1} or {l+1}")
                value = self.value(f"{where}.{pattern}", item, returns)
                if holes and not any(q.per_layer for q in quantities(value)):
                    self.fail(f"{where}.{pattern}", "a key with {l} needs a quantity at layer l")
                entries.append((pattern, value))
            return DictOf(tuple(entries))
        if isinstance(raw, (bool, int, float)) and not returns:
            return Literal(raw)
        self.fail(where, f"cannot be {type(raw).__name__} here")

    def word(self, where: str, word: str, returns: bool) -> Value:
        if "|" in word:
            options = [self.word(where, w.strip(), returns) for w in word.split("|")]
            if not returns or not all(isinstance(o, Quantity) for o in options):
                self.fail(where, "a choice (a | b) is between quantities read back from the student")
            return Choice(tuple(options))
        if word in self.values:
            return self.values[word]
        if word in self.doc.get("values", {}):
            self.fail(where, f"{word!r} is used before [values] defines it")
        if _QUANTITY.match(word):
            q = quantity(word)
            letter, at = q.letter, q.index
            if (letter in ("X", "Y", "J")) != (at is None):
                self.fail(where, f"{letter} {'takes no layer' if at else 'needs a layer: ' + letter + '[l]'}")
            if q.labels and letter != "Y":
                self.fail(where, "only Y has .labels (the class of each example)")
            if q.flat and letter not in ("b", "db"):
                self.fail(where, "only b and db are .flat (a bias as a 1-D array)")
            return q
        if not returns and (word in TOKENS or _ACTIVATION.match(word)):
            return Token(word)
        what = "a quantity (W[l], dZ[l], J…)" + ("" if returns else ", a token (n[0], g[l], alpha…)")
        self.fail(where, f"{word!r} is not {what} or a name of [values]")
