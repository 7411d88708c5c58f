"""The child process that runs a student's code: ``python -m
bpdebug.teach.homework.child JOBDIR``.  bpdebug's own process never imports it.

The parent (run.py) writes JOBDIR/job.json (the API, which calls to make, the limits)
and JOBDIR/inputs.npz (the reference's arrays the calls are given); this process sets
its limits, runs the hand-in for its definitions in the student's folder, calls it the
way its course does, under a trace of the student's own frames, and writes back only
plain data: JOBDIR/result.json (result.Result) and JOBDIR/result.npz (float arrays).

Progress goes to the file descriptor named in job.json, one JSON object a line:
{"phase": …} when a call starts (the parent's clock for the time limit), and
{"exit": …} when the student's code calls os._exit.  A traceback of where the code was
is written to JOBDIR/where.txt by faulthandler when the time runs out or the process
dies of a signal.
"""

from __future__ import annotations

import ast
import faulthandler
import inspect
import json
import os
import signal
import sys
import traceback
import types
from pathlib import Path

import numpy as np

from bpdebug.teach.homework import api as spec
from bpdebug.teach.homework.api import (Api, Call, Choice, DictOf, EachLayer, Literal, Named,
                                        Quantity, Token, TupleOf, entry_layers, expand,
                                        first_quantity)
from bpdebug.teach.homework.layout import to_api
from bpdebug.teach.homework.process import HOLDS_THE_GIL
from bpdebug.teach.homework.result import (Called, Crash, Got, MissingModule, Result,
                                           Skipped, dump)
from bpdebug.teach.confine import for_child
from bpdebug.teach.homework.submission import SubmissionError, definitions, read
from bpdebug.teach.homework.trace import Tracer

_PACKAGE = str(Path(__file__).resolve().parents[2])  # bpdebug/


class Missing:
    """What a name bound by an import of a module that is not installed holds: any use
    of it raises, saying which module and where it was imported."""

    def __init__(self, name: str, module: str, where: str) -> None:
        self.__dict__.update(_name=name, _module=module, _where=where)

    def _fail(self, *_, **__):
        raise ModuleNotFoundError(
            f"{self._name} comes from {self._module} ({self._where}), which is not installed "
            f"where bpdebug grades: put {self._module.split('.')[0]}.py beside the hand-in",
            name=self._module)

    __call__ = __getitem__ = __setitem__ = __iter__ = __len__ = __bool__ = _fail

    def __setattr__(self, attribute: str, value) -> None:
        self._fail()

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return Missing(f"{self._name}.{attribute}", self._module, self._where)


class _Beside:
    """An import hook for the modules beside a hand-in (a course's dnn_utils.py or
    planar_utils.py): they are run for their definitions too, so their plots, test
    prints and imports of what is not installed cost nothing."""

    def __init__(self, child: "Child") -> None:
        self.child = child

    def find_spec(self, name: str, path=None, target=None):
        import importlib.util
        if path is not None or "." in name:
            return None
        file = Path(self.child.folder) / f"{name}.py"
        if not file.is_file():
            return None
        return importlib.util.spec_from_file_location(name, file, loader=self)

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        from bpdebug.teach.homework.submission import Chunk
        path = module.__spec__.origin
        text = Path(path).read_bytes().decode("utf-8-sig", errors="replace")
        error = self.child.run_chunks([Chunk(path, text)], module.__dict__, own=False)
        if error is not None:
            raise error


class Child:
    def __init__(self, job_dir: Path) -> None:
        self.dir = job_dir
        self.job = json.loads((job_dir / "job.json").read_text())
        self.status = os.fdopen(self.job["status_fd"], "w", buffering=1)
        self.arrays: dict[str, np.ndarray] = {}
        self.filenames: set[str] = set()
        self.folder = os.path.dirname(self.job["path"])
        self.timeout = float(self.job["timeout"])
        self.api: Api = spec.parse(self.job["api"]["text"], self.job["api"]["file"])
        self.network = self.job["network"]  # L, sizes, activations, m
        self.calls: list[Called] = []
        self.instance = None  # a class-based API's object, shared by its stages
        self.skipped: list[Skipped] = []
        self.missing: list[MissingModule] = []
        self.tracer = Tracer(self.own, self.keep)

    def say(self, **message) -> None:
        try:
            self.status.write(json.dumps(message) + "\n")
        except (OSError, ValueError):  # the student closed it: the parent still sees the exit
            pass

    def keep(self, array: np.ndarray) -> str:
        key = f"a{len(self.arrays)}"
        self.arrays[key] = array
        return key

    # ---- the student's frames ------------------------------------------------------

    def own(self, filename: str) -> bool:
        """The submission itself, or a helper module beside it (not an installed package)."""
        if filename in self.filenames:
            return True
        return (filename.startswith(self.folder + os.sep) and "-packages" not in filename
                and not filename.startswith(_PACKAGE + os.sep))

    # ---- running -------------------------------------------------------------------

    def start(self, phase: str) -> None:
        """A call begins: the parent's clock starts, and a watchdog writes where the code
        is at the deadline (the parent then kills us).  The watchdog is a thread that reads
        the stack under the GIL: faulthandler's own, which reads it without, can crash the
        process on a frame the running code is changing (CPython issue 116008: the verdict
        read "was killed" where it was "timed out").  faulthandler only writes a moment
        later, for code that holds the GIL in C and so changes no frame."""
        self.say(phase=phase)
        import threading
        main = threading.main_thread().ident
        faulthandler.dump_traceback_later(self.timeout + HOLDS_THE_GIL, exit=False,
                                          file=self.where)
        self.watchdog = threading.Timer(self.timeout, self._where_now, args=(main,))
        self.watchdog.daemon = True
        self.watchdog.start()

    def _where_now(self, thread: int) -> None:
        faulthandler.cancel_dump_traceback_later()  # the stack is read here, under the GIL
        frame = sys._current_frames().get(thread)
        lines = ["Traceback (most recent call first):"]
        while frame is not None:
            lines.append(f'  File "{frame.f_code.co_filename}", line {frame.f_lineno} '
                         f"in {frame.f_code.co_name}")
            frame = frame.f_back
        try:
            self.where.write("\n".join(lines) + "\n")
            self.where.flush()
        except (OSError, ValueError):
            pass

    def stop(self) -> None:
        faulthandler.cancel_dump_traceback_later()
        watchdog = getattr(self, "watchdog", None)
        if watchdog is not None:
            watchdog.cancel()

    def main(self) -> None:
        self.where = open(self.dir / "where.txt", "w")
        faulthandler.enable(file=self.where, all_threads=False)  # a segfault's line
        for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
            # Where a signal the student's code sends itself ended it (chain: it still does).
            faulthandler.register(number, file=self.where, all_threads=False, chain=True)
        _guard_exit(self)
        try:
            source = read(self.job["path"], self.job["display"])
        except SubmissionError as error:
            return self.finish(unusable=str(error))
        module = types.ModuleType("__student__")
        module.__file__ = self.job["path"]
        sys.modules["__student__"] = module
        self.module = module
        self.filenames = {chunk.filename for chunk in source.chunks}
        self.start("import")
        crash = self.run_module(source)
        self.stop()
        if crash is not None:
            return self.finish(import_crash=crash)
        inputs = np.load(self.dir / "inputs.npz", allow_pickle=False)
        self.inputs = {k: inputs[k] for k in inputs.files}
        for k in self.job["stages"]:
            if not self.call(self.api.calls[k], k):
                break  # the student's code did not return: that is the verdict
        for k in self.job["helpers"]:
            helper = self.api.helpers[k]
            for layer in self.helper_layers(helper):
                self.call(helper, k, layer)
        self.finish()

    def run_module(self, source) -> Crash | None:
        """Run the hand-in's chunks into its module: every statement (--impl-run-all), or
        what defines; modules beside it that it imports (a course's dnn_utils.py) are run
        the same way, through an import hook."""
        if not self.job["run_all"]:
            sys.meta_path.insert(0, _Beside(self))
        error = self.run_chunks(source.chunks, self.module.__dict__, own=True)
        return self.crash("import", error) if error is not None else None

    def run_chunks(self, chunks, namespace: dict, own: bool) -> BaseException | None:
        """Run each chunk: every statement (--impl-run-all), or what defines (imports,
        def, class, constants); a module that is not installed is listed, not fatal.
        What stopped it, or None."""
        everything = self.job["run_all"]
        for chunk in chunks:
            _remember(chunk.filename, chunk.source)
            try:
                tree = ast.parse(chunk.source, chunk.filename)
            except (SyntaxError, ValueError) as error:
                return error
            prefix = "" if own else f"{os.path.basename(chunk.filename)} "
            for statement in definitions(tree):
                node = _absolute(statement.node)
                where = prefix + statement.where(chunk)
                if not (everything or statement.runs):
                    self.skipped.append(Skipped(where, _first_line(node), statement.why,
                                                _binds(node)))
                    continue
                code = compile(ast.Module([node], []), chunk.filename, "exec", dont_inherit=True)
                try:
                    exec(code, namespace)  # noqa: S102 - running it is the point
                except BaseException as error:  # noqa: BLE001 - every ending is the student's
                    if everything:
                        return error
                    if isinstance(error, ModuleNotFoundError) and \
                            self.not_installed(node, error, where, namespace):
                        continue
                    if _defines(node):
                        return error
                    self.skipped.append(Skipped(where, _first_line(node), _why_not(error),
                                                _binds(node)))
        return None

    def not_installed(self, node: ast.stmt, error: ModuleNotFoundError, where: str,
                      namespace: dict) -> bool:
        """An import of a module that is not installed: bind what it names to Missing
        and list it.  False for anything else (an import inside a helper that fails)."""
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or not error.name:
            return False
        wanted = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        if not any(w == error.name or w.startswith(error.name + ".") for w in wanted):
            return False
        names = []
        for alias in node.names:
            if alias.name == "*":
                names.append("*")
                continue
            bound = alias.asname or alias.name.split(".")[0]
            module = alias.name if isinstance(node, ast.Import) else node.module
            namespace[bound] = Missing(bound, module, where)
            names.append(bound)
        if not any(m.module == error.name and m.names == tuple(names) for m in self.missing):
            self.missing.append(MissingModule(error.name, where, tuple(names)))
        return True

    # ---- calling the hand-in -------------------------------------------------------

    def helper_layers(self, helper: Call) -> list[int]:
        L = self.network["L"]
        return {"hidden": list(range(1, L)), "output": [L]}.get(helper.layers,
                                                                 list(range(1, L + 1)))

    def call(self, call: Call, number: int, layer: int | None = None) -> bool:
        """Call one of the hand-in's functions (once, or once per example) and record what
        it returned; False when it did not return."""
        index = len(self.calls)
        examples = range(self.network["m"]) if call.each_example else [None]
        label = call.name + (f" [{layer}]" if layer is not None else "")
        self.start(label)
        got, first, read_as, wrong = [], [], [], ""
        try:
            for example in examples:
                self.tracer.call = index
                outcome = self.once(call, layer, example, traced=example in (None, 0))
                if example in (None, 0):
                    first, read_as, wrong = outcome
                got.append(outcome[0])
                if wrong:
                    break
        except BaseException as error:  # noqa: BLE001 - KeyboardInterrupt, SystemExit too
            self.stop()
            self.calls.append(Called(call.stage, call.name, number, layer,
                                     crash=self.crash(call.name, error, call)))
            return False
        self.stop()
        total = first if not call.each_example else self.total(got)
        self.calls.append(Called(call.stage, call.name, number, layer, tuple(total), wrong,
                                 read_as=tuple(read_as),
                                 first=tuple(first) if call.each_example else ()))
        return True

    def once(self, call: Call, layer: int | None, example: int | None, traced: bool):
        ctx = Context(self, layer, example)
        target, state = self.target(call, ctx)
        args, kwargs = self.arguments(call, target, ctx)
        with np.errstate(all="ignore"):
            if traced:
                with self.tracer:
                    value = target(*args, **kwargs)
            else:
                value = target(*args, **kwargs)
        if call.updates is not None:
            return self.updated(call, state, ctx), [], ""
        reader = Reader(self, ctx, call)
        got = reader.read(call.returns, value, f"{call.name}()")
        return got, reader.read_as, reader.wrong

    def target(self, call: Call, ctx: "Context"):
        """The function to call: the module's, or a method of the API's object, whose
        state is set to the reference's before each call.  The forward and the backward
        stage share one object, as a course's training loop does (a gradient_descent may
        read what forward_prop kept); each helper gets a fresh one."""
        if not call.method:
            return getattr(self.module, call.name), None
        obj = self.api.object
        instance = self.instance if call.stage != "helper" else None
        if instance is None:
            cls = getattr(self.module, obj.cls)
            args, kwargs = self.arguments(obj, cls, ctx)
            instance = cls(*args, **kwargs)
            if call.stage != "helper":
                self.instance = instance
        state = {}
        for attribute, value in obj.state:
            state[attribute] = build(value, ctx)
            setattr(instance, obj.attribute(attribute), state[attribute])
        state = {k: _copy(v) for k, v in state.items()}  # what it was before the call
        return getattr(instance, call.name), (instance, state)

    def arguments(self, call, function, ctx: "Context") -> tuple[list, dict]:
        """What the API passes, by position (optional ones where the function takes
        them) and by keyword (only those it takes)."""
        try:
            parameters = inspect.signature(function).parameters.values()
        except (TypeError, ValueError):
            parameters = []
        positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        star = any(p.kind == p.VAR_POSITIONAL for p in parameters)
        names = {p.name for p in parameters if p.kind != p.VAR_POSITIONAL}
        anything = any(p.kind == p.VAR_KEYWORD for p in parameters)
        args = []
        for k, arg in enumerate(call.args):
            if arg.optional and not star and k >= len(positional):
                break
            args.append(build(arg.value, ctx))
        kwargs = {k: build(v, ctx) for k, v in call.kwargs if anything or k in names}
        return args, kwargs

    def updated(self, call: Call, state, ctx: "Context") -> list[Got]:
        """The gradients of a call that updates in place: (before − after) / α."""
        instance, before = state
        obj = self.api.object
        after = getattr(instance, obj.attribute(call.updates))
        spec_value = dict(obj.state)[call.updates]
        if isinstance(spec_value, Named):
            spec_value = spec_value.value
        where = f"self.{call.updates}"
        old = Reader(self, ctx, call).pairs(spec_value, before[call.updates], where)
        new = Reader(self, ctx, call).pairs(spec_value, after, where)
        out = []
        for (q, quantity, where), value in old.items():
            gradient = f"d{q}"
            spec_text = str(Quantity("d" + quantity.letter, quantity.index, quantity.transposed,
                                     quantity.flat))
            now = new.get((q, quantity, where))
            label, category = _kind(now) if now is not None else ("absent", "")
            if now is None or category != "float":
                out.append(Got(gradient, f"{where} after the call", label, category, spec=spec_text))
                continue
            with np.errstate(all="ignore"):
                g = (np.asarray(value, float) - np.asarray(now, float)) / self.api.alpha
            out.append(Got(gradient, f"({where} before − after) / {self.api.alpha:g}", "array",
                           array=self.keep(np.array(g)), spec=spec_text))
        return out

    def total(self, per_example: list[list[Got]]) -> list[Got]:
        """A per-example call's results for the whole batch: each example's column of
        Z, A, dZ, dA side by side, the gradients summed."""
        out = []
        for k, got in enumerate(per_example[0]):
            items = [g[k] for g in per_example if k < len(g)]
            if got.kind != "array" or any(g.kind != "array" for g in items) or \
                    len(items) != len(per_example):
                out.append(got)
                continue
            arrays = [self.arrays[g.array] for g in items]
            if any(a.shape != arrays[0].shape for a in arrays):
                out.append(got)  # the first example's, whose shape says what is wrong
                continue
            letter = got.quantity.split("[")[0]
            if letter in spec.EXAMPLE_INDEXED:
                joined = np.concatenate(arrays, axis=0 if self.api.rows else 1)
            else:
                joined = np.sum(arrays, axis=0)
            out.append(Got(got.quantity, got.where, "array", array=self.keep(joined), spec=got.spec))
        return out

    # ---- a crash, explained where the student's frames still exist -------------------

    def crash(self, function: str, error: BaseException, call: Call | None = None) -> Crash:
        tb = error.__traceback__
        frame = last = None
        while tb is not None:  # the innermost frame that is the student's own code
            if self.own(tb.tb_frame.f_code.co_filename):
                frame, last = tb.tb_frame, tb.tb_lineno
            tb = tb.tb_next
        if isinstance(error, SyntaxError) and error.filename and self.own(error.filename):
            file, line = error.filename, error.lineno
            source = error.text or ""
        else:
            file = frame.f_code.co_filename if frame is not None else ""
            line = last
            source = _line(file, line) if line else ""
        entry, operands = _explain(source, frame)
        if isinstance(error, SystemExit):
            cause, message = "exit", f"called sys.exit({error.code!r})"
        else:
            first = str(error).splitlines()[0] if str(error) else ""
            # NumPy's _ArrayMemoryError is a MemoryError: name what the student knows.
            name = "MemoryError" if isinstance(error, MemoryError) else type(error).__name__
            cause, message = "raised", f"{name}: {first}".rstrip(": ")
            if isinstance(error, MemoryError):
                message += f" (the memory limit is {self.job['memory_text']}: --impl-memory)"
            if isinstance(error, NameError):
                message += self.why_undefined(getattr(error, "name", None) or first)
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        partial = ()
        if frame is not None and call is not None and call.returns is not None:
            partial = self.partial(frame, call)
        inner = frame.f_code.co_name if frame is not None else ""
        return Crash(function, cause, message, file, line, source, entry,
                     tuple(tuple(o) for o in operands), text, partial,
                     inner if inner not in (function, "<module>") else "")

    def partial(self, frame, call: Call) -> tuple[Got, ...]:
        """What the dictionary the raising function was filling held: the entries it
        computed before it raised are still judged."""
        shapes = [v for v in _dicts(call.returns)]
        best, score = None, 0
        # The dictionaries it was filling, and its local arrays as one (dW2 = … before
        # return {"dW2": dW2, …}).
        named = {k: v for k, v in frame.f_locals.items() if isinstance(v, np.ndarray)}
        for value in list(frame.f_locals.values()) + [named]:
            if not isinstance(value, dict):
                continue
            for shape in shapes:
                reader = Reader(self, Context(self, None, None), call)
                got = [g for g in reader.read(shape, value, "") if g.kind != "absent"]
                if len(got) > score:
                    best, score = got, len(got)
        return tuple(best or ())

    def why_undefined(self, message: str) -> str:
        """A NameError's likely reason in a hand-in run for its definitions."""
        name = message.split("'")[1] if message.count("'") >= 2 else message
        for skipped in self.skipped:
            if name in skipped.binds:
                return (f" ({name} is set by a top-level statement bpdebug did not run: "
                        f"{skipped.where}: {skipped.text}; --impl-run-all runs everything)")
        stars = [m.module for m in self.missing if "*" in m.names]
        if stars:
            return (f" (the file does `from {stars[0]} import *`, and {stars[0]} is not "
                    "installed where bpdebug grades)")
        return ""

    def finish(self, **fields) -> None:
        result = Result(tuple(self.calls), tuple(self.tracer.events), self.tracer.cut,
                        tuple(self.skipped), tuple(self.missing), **fields)
        np.savez(self.dir / "result.npz", **self.arrays)
        (self.dir / "result.json").write_text(dump(result))
        self.say(phase="done")


# ---- values: built from the reference, read back from the student ---------------------

class Context:
    """Where a value is being built or read: the reference's arrays, the network, the
    layer (helpers, dictionary entries, per-layer lists) and the example (per-example)."""

    def __init__(self, child: Child, layer: int | None, example: int | None) -> None:
        self.child, self.layer, self.example = child, layer, example
        self.L = child.network["L"]
        self.api = child.api

    def at(self, layer: int | None) -> "Context":
        ctx = Context(self.child, layer, self.example)
        return ctx

    def array(self, q: Quantity):
        name = q.at(self.layer, self.L)
        if name is None or f"q.{name}" not in self.child.inputs:
            raise KeyError(f"bpdebug has no {q} at layer {self.layer} to pass")
        return to_api(q, self.child.inputs[f"q.{name}"], self.api, self.example,
                      self.child.network["m"])


def build(value, ctx: Context):
    """What bpdebug passes for a value of the API file, from the reference's arrays."""
    net = ctx.child.network
    match value:
        case Quantity():
            return ctx.array(value)
        case Named(_, inner):
            return build(inner, ctx)
        case Literal(v):
            return v
        case Token(name):
            sizes = [int(n) for n in net["sizes"]]
            if name.startswith("g["):
                k = spec.index(name[2:-1], ctx.layer, ctx.L) or 1
                return ctx.api.activation_name(net["activations"][k - 1])
            return {"n[0]": sizes[0], "n[1]": sizes[1] if len(sizes) > 1 else None,
                    "n[2]": sizes[2] if len(sizes) > 2 else None, "n[1:]": sizes[1:],
                    "n[:]": sizes, "linear": net["activations"][-1] == "linear",
                    "alpha": ctx.api.alpha,
                    "m": 1 if ctx.example is not None else int(net["m"])}[name]
        case TupleOf(items):
            return tuple(build(item, ctx) for item in items)
        case EachLayer(item):
            return [build(item, ctx.at(l)) for l in range(1, ctx.L + 1)]
        case DictOf(entries):
            out = {}
            for pattern, item in entries:
                q = first_quantity(item)
                for l in entry_layers(pattern, q, ctx.L):
                    sub = ctx.at(l if l is not None else ctx.layer)
                    if q is not None and f"q.{q.at(sub.layer, ctx.L)}" not in ctx.child.inputs:
                        continue  # the reference has no such array (dA[L] of a matching output)
                    out[expand(pattern, l) if l is not None else pattern] = build(item, sub)
            return out
        case Choice(options):
            return build(options[0], ctx)
    raise TypeError(f"cannot build {value!r}")


def _dicts(value):
    """The dictionary shapes inside a return value (what a raising function fills)."""
    match value:
        case DictOf():
            yield value
        case Named(_, inner) | EachLayer(inner):
            yield from _dicts(inner)
        case TupleOf(items):
            for item in items:
                yield from _dicts(item)


class Reader:
    """What the student returned, read into the post's names by the API's value."""

    def __init__(self, child: Child, ctx: Context, call: Call) -> None:
        self.child, self.ctx, self.call = child, ctx, call
        self.read_as: list[str] = []
        self.wrong = ""  # the first place the returned structure is not the API's

    def read(self, value, obj, where: str) -> list[Got]:
        out: list[Got] = []
        self._read(value, obj, where, self.ctx, out)
        return out

    def pairs(self, value, obj, where: str) -> dict:
        """(quantity name, Quantity, where) -> the raw object, for a state attribute."""
        out = {}
        for got, q, raw in self._walk(value, obj, where, self.ctx):
            out[(got, q, raw[1])] = raw[0]
        return out

    def _walk(self, value, obj, where, ctx):
        match value:
            case Quantity():
                name = value.at(ctx.layer, ctx.L)
                if name is not None:
                    yield name, value, (obj, where)
            case Named(label, inner):
                yield from self._walk(inner, obj, label, ctx)
            case DictOf(entries) if isinstance(obj, dict):
                for pattern, item in entries:
                    q = first_quantity(item)
                    for l in entry_layers(pattern, q, ctx.L):
                        key = expand(pattern, l) if l is not None else pattern
                        if key in obj:
                            yield from self._walk(item, obj[key], f'{where}["{key}"]',
                                                  ctx.at(l if l is not None else ctx.layer))
            case EachLayer(item) if isinstance(obj, (list, tuple)):
                for l, sub in enumerate(obj[:ctx.L], start=1):
                    yield from self._walk(item, sub, f"{where}[{l - 1}]", ctx.at(l))

    def _read(self, value, obj, where: str, ctx: Context, out: list[Got]) -> None:
        match value:
            case Quantity():
                name = value.at(ctx.layer, ctx.L)
                if name is None or value.letter in ("W", "b"):
                    return  # W and b handed back are the inputs: nothing to judge
                out.append(self.got(name, value, obj, where))
            case Named(label, inner):
                self._read(inner, obj, label, ctx, out)
            case TupleOf(items):
                if not isinstance(obj, (tuple, list)) or len(obj) != len(items):
                    return self.mismatch(f"a tuple of {len(items)}", obj, where)
                for k, (item, sub) in enumerate(zip(items, obj)):
                    self._read(item, sub, f"{where}[{k}]", ctx, out)
            case EachLayer(item):
                if not isinstance(obj, (list, tuple)) or len(obj) != ctx.L:
                    return self.mismatch(f"a list of {ctx.L} (one per layer)", obj, where)
                for l, sub in enumerate(obj, start=1):
                    self._read(item, sub, f"{where}[{l - 1}]", ctx.at(l), out)
            case DictOf(entries):
                if not isinstance(obj, dict):
                    return self.mismatch("a dictionary", obj, where)
                for pattern, item in entries:
                    if isinstance(item, Choice):
                        item = self.choose(pattern, item, obj, ctx)
                    q = first_quantity(item)
                    for l in entry_layers(pattern, q, ctx.L):
                        key = expand(pattern, l) if l is not None else pattern
                        sub = ctx.at(l if l is not None else ctx.layer)
                        if key in obj:
                            self._read(item, obj[key], f'{where}["{key}"]', sub, out)
                        elif isinstance(item, Quantity) and item.judged_always:
                            name = item.at(sub.layer, ctx.L)
                            if name is not None:
                                out.append(Got(name, f'{where}["{key}"]', "absent", spec=str(item)))

    def choose(self, pattern: str, choice: Choice, obj: dict, ctx: Context) -> Quantity:
        """The option whose keys the student's dictionary holds most of."""
        computed = set(self.child.network["computed"])

        def present(q: Quantity) -> int:
            return sum(1 for l in entry_layers(pattern, q, ctx.L)
                       if q.at(l, ctx.L) in computed and expand(pattern, l) in obj)
        best = max(choice.options, key=present)  # the first on a tie
        if best is not choice.options[0] and present(best) > 0:
            self.read_as.append(f'{pattern} holds {best.letter}[{best.index}] (the keys say so: '
                                f'not {choice.options[0].letter}[{choice.options[0].index}])')
        return best

    def mismatch(self, wanted: str, obj, where: str) -> None:
        if not self.wrong:
            label, _ = _kind(obj)
            if isinstance(obj, (tuple, list)):
                label = f"a {type(obj).__name__} of {len(obj)}"
            self.wrong = f"{where or self.call.name + '()'} must be {wanted}; it is {label}"

    def got(self, name: str, q: Quantity, obj, where: str) -> Got:
        try:
            label, category = _kind(obj)
            if category == "float" or (q.letter == "J" and category in ("float", "number")):
                return Got(name, where, "array", array=self.child.keep(np.array(obj, dtype=float)),
                           spec=str(q))
            return Got(name, where, label, category, spec=str(q))
        except BaseException as error:  # noqa: BLE001 - an __array__ that raises
            return Got(name, where, f"a {type(obj).__name__} that cannot be read "
                       f"({type(error).__name__})", "other", spec=str(q))


def _kind(value) -> tuple[str, str]:
    """What a returned value is: ("float64", "float") for an array bpdebug can compare,
    else a label for the report and its category."""
    if isinstance(value, (np.ndarray, np.generic)):
        kind = value.dtype.kind
        if kind == "f":
            return str(value.dtype), "float"
        if kind == "c":
            return str(value.dtype), "complex"
        if kind == "O":
            return "an object array", "object"
        if kind in "US":
            return f"a string array ({value.dtype})", "string"
        if kind in "iu":
            return f"an integer array ({value.dtype})", "int"
        if kind == "b":
            return "a bool array", "bool"
        return f"a {value.dtype} array", "other"
    if isinstance(value, bool):
        return "a bool", "bool"
    if isinstance(value, (int, float)):
        return f"a Python {type(value).__name__}", "number"
    if value is None:
        return "None", "none"
    if isinstance(value, list):
        return "a list", "list"
    return f"a {type(value).__name__}", "other"


def _copy(value):
    if isinstance(value, np.ndarray):
        return np.array(value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value


def _absolute(node: ast.stmt) -> ast.stmt:
    """``from .layers import *`` in a hand-in written inside a course's package reads
    ``layers`` from the hand-in's folder, where the teacher put it."""
    if not isinstance(node, ast.ImportFrom) or not node.level:
        return node
    if node.module:
        fixed = ast.ImportFrom(node.module, node.names, 0)
    else:
        fixed = ast.Import(node.names)
    return ast.copy_location(fixed, node)


def _why_not(error: BaseException) -> str:
    """Why a statement that only sets a constant was not run after all: it raised."""
    if isinstance(error, ModuleNotFoundError) and error.name:
        return f"uses {error.name}, which is not installed here"
    first = str(error).splitlines()[0] if str(error) else ""
    return f"raised {type(error).__name__}: {first}".rstrip(": ")


def _first_line(node: ast.stmt) -> str:
    text = ast.unparse(node).splitlines()[0] if node else ""
    return text if len(text) <= 100 else text[:99] + "…"


def _binds(node: ast.stmt) -> tuple[str, ...]:
    """The names a top-level statement would bind."""
    names = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            names.append(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.append(sub.name)
    return tuple(dict.fromkeys(names))


def _defines(node: ast.stmt) -> bool:
    """A definition or an import (or an if or try block holding one): when it fails, the
    hand-in cannot be graded; anything else that fails is listed as not run."""
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    if isinstance(node, (ast.If, ast.Try)):
        return any(isinstance(n, kinds) for n in ast.walk(node))
    return isinstance(node, kinds)


def _remember(filename: str, source: str) -> None:
    import linecache
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)  # mtime None: kept


def _line(file: str, line: int) -> str:
    import linecache
    return linecache.getline(file, line)


def _guard_exit(child: Child) -> None:
    """os._exit leaves no exception behind: say where it was called before it ends us."""
    real = os._exit

    def _exit(code: int = 0):  # noqa: ANN202
        frame = sys._getframe(1)
        while frame is not None and not child.own(frame.f_code.co_filename):
            frame = frame.f_back
        where = {"file": frame.f_code.co_filename, "line": frame.f_lineno,
                 "source": _line(frame.f_code.co_filename, frame.f_lineno)} if frame else {}
        child.say(exit=code, **where)
        real(code)

    os._exit = _exit


def _explain(source: str, frame) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The entry a line assigns (grads["dW" + str(l)] = ...) and the shapes of the
    matrices it reads, evaluated in the student's own frame.  Only names, subscripts,
    attributes and str()/int() calls are evaluated: nothing that can do work."""
    from bpdebug.engine.shapes import fmt
    try:
        tree = ast.parse(source.strip())
    except SyntaxError:
        return None, ()
    if frame is None or not tree.body:
        return None, ()
    scope = {**frame.f_globals, **frame.f_locals}
    statement = tree.body[0]
    entry = None
    if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Subscript):
        key = _safe_eval(statement.targets[0].slice, scope)
        entry = key if isinstance(key, str) else None
    elif isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
        entry = statement.targets[0].id  # dW1 = …: the key it will be returned under
    operands, seen = [], set()
    value = statement.value if isinstance(statement, (ast.Assign, ast.AugAssign, ast.Return)) else statement
    for node in ast.walk(value) if value is not None else ():
        if isinstance(node, (ast.Subscript, ast.Name, ast.Attribute)):
            text = ast.unparse(node)
            if text in seen:
                continue
            result = _safe_eval(node, scope)
            if isinstance(result, np.ndarray):
                seen.add(text)
                operands.append((text, fmt(result.shape)))
    return entry, tuple(operands)


_SAFE_CALLS = {"str", "int"}


def _safe_eval(node: ast.AST, scope: dict):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and not (isinstance(sub.func, ast.Name)
                                              and sub.func.id in _SAFE_CALLS):
            return None
        if isinstance(sub, (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield)):
            return None
    try:
        return eval(compile(ast.Expression(node), "<bpdebug>", "eval"),  # noqa: S307
                    {"__builtins__": {"str": str, "int": int}}, scope)
    except Exception:  # noqa: BLE001 - a part we cannot evaluate is simply not shown
        return None


def _limit_memory(limit: int) -> None:
    import resource
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file in the student's folder
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main() -> None:
    job_dir = Path(sys.argv[1]).resolve()
    child = Child(job_dir)
    # numpy is imported above, before the limit: the limit is for the student's arrays.
    _limit_memory(int(child.job["memory"]))
    # Before anything of the hand-in is read: Landlock, as --impl-confine says (confine.py).
    for_child(child.job.get("confine", "auto"), child.folder, str(job_dir), child.say)
    os.chdir(child.folder)  # as `python student.py` would: their data files resolve
    sys.path.insert(0, child.folder)  # `from helpers import relu` finds helpers.py
    sys.argv = [child.job["path"]]
    try:
        child.main()
    except BaseException as error:  # noqa: BLE001 - bpdebug's own failure: say it plainly
        child.say(internal=f"{type(error).__name__}: {error}")
    finally:
        try:
            child.status.flush()
        except (OSError, ValueError):
            pass
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - the student replaced or closed it
                pass
        # Not a normal exit: threads the student started must not keep the process alive.
        _real_exit(0)


_real_exit = os._exit

if __name__ == "__main__":
    main()
