"""What a student hands in, read as text: a Python file under any name (.py, .txt, none)
or a Jupyter notebook.  Nothing here runs the student's code.  The parent reads what a
hand-in defines (its functions and classes, with their signatures) to recognise its API
and to refuse a file that cannot be Python before any process starts; the child
(child.py) runs the chunks, statement by statement, as ``definitions`` says.

A notebook is read with the standard library's json, not nbformat: bpdebug needs only
each cell's type and source, nbformat would add jsonschema, traitlets and jupyter_core to
a tool whose runtime needs are textual and numpy, and a notebook that nbformat would
reject for a stray metadata field still has perfectly good code cells.

**Run for its definitions.**  A hand-in is a file of definitions wrapped in whatever its
author did with them: training for 75,000 epochs, plotting, printing test cases.  Only
what defines runs (``definitions``): imports, ``def`` and ``class``, and assignments
that call nothing but NumPy, math and a few pure builtins (``layers_dims = [4, 3, 1]``,
``EPS = np.finfo(float).eps``), with ``if`` and ``try`` blocks made only of those.
Everything else at the top level is skipped and listed: a call on its own line, a loop,
an assignment from a call to the student's own function (``parameters = model(X, Y)``).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 20 << 20  # a hand-in larger than this is not code a student wrote

# IPython syntax that is not Python: line magics, shell escapes, `x = !ls`, `obj?` help and
# what nbconvert writes for them.  Each skipped line becomes `pass` so that an indented
# magic inside a loop leaves a valid block.
_IPYTHON = re.compile(r"""\s*(?:[%!]|\?|get_ipython\(\)
                              |[\w.]+\?\??\s*$
                              |[\w.,\s]+=\s*[%!])""", re.VERBOSE)

# Calls that only compute a value: an assignment made of them is a constant.
PURE_BUILTINS = frozenset({
    "int", "float", "complex", "str", "bool", "bytes", "tuple", "list", "dict", "set",
    "frozenset", "range", "len", "min", "max", "abs", "round", "sum", "sorted", "reversed",
    "enumerate", "zip", "slice", "type", "object", "property", "staticmethod", "classmethod",
    "isinstance", "issubclass", "getattr", "hasattr", "divmod", "pow", "repr", "hash", "id",
    "chr", "ord", "hex", "oct", "bin", "iter", "next", "map", "filter", "any", "all",
})
PURE_MODULES = ("numpy", "math", "cmath", "fractions", "decimal", "functools", "operator",
                "collections", "dataclasses", "typing", "enum", "itertools")


class SubmissionError(Exception):
    """The file cannot be read as a submission at all (missing, binary, not a notebook)."""


@dataclass(frozen=True)
class Chunk:
    """One piece of code run in order in the student's module: the whole file, or one
    notebook code cell, named as tracebacks and reports name it."""

    filename: str  # "alice.py", or "alice.ipynb:cell3" (cells counted from 1, all kinds)
    source: str


@dataclass(frozen=True)
class Signature:
    """A function or method as the hand-in defines it (self left out of a method)."""

    name: str
    params: tuple[str, ...]  # positional parameters, in order
    required: int  # how many of them have no default
    star: bool  # *args: takes any number more
    keywords: tuple[str, ...]  # every name it takes by keyword
    where: str  # "alice.py:12"

    def takes(self, n: int) -> bool:
        """Can it be called with n positional arguments?"""
        return self.required <= n and (self.star or n <= len(self.params))

    def __str__(self) -> str:
        return f"{self.name}({', '.join(self.params)})"


@dataclass(frozen=True)
class Defined:
    """What a hand-in defines at the top level, read without running it; a name
    defined twice (a notebook cell run again) is the last definition."""

    functions: dict[str, Signature]
    classes: dict[str, dict[str, Signature]]  # class -> its methods (__init__ included)


@dataclass(frozen=True)
class Statement:
    """One top-level statement and whether it runs when a hand-in is run for its
    definitions; a skipped one says what it is."""

    node: ast.stmt
    runs: bool
    why: str = ""  # "calls model()", "a for loop", …

    def where(self, chunk: Chunk) -> str:
        """As the notebook's IPython lines are listed: "cell 5 line 2", or "line 12"."""
        _, _, cell = chunk.filename.rpartition(":cell")
        line = f"line {self.node.lineno}"
        return f"cell {cell} {line}" if cell.isdigit() and ":cell" in chunk.filename else line


@dataclass(frozen=True)
class Source:
    chunks: tuple[Chunk, ...]
    skipped: tuple[str, ...]  # "cell 1: %matplotlib inline"

    def trees(self) -> list[ast.Module] | None:
        """Each chunk parsed; None when one does not parse."""
        out = []
        for chunk in self.chunks:
            try:
                out.append(ast.parse(chunk.source, chunk.filename))
            except (SyntaxError, ValueError):
                return None
        return out

    def defined(self) -> Defined:
        """The top-level functions and classes (inside if and try blocks too), with
        their signatures; empty when a chunk does not parse."""
        functions: dict[str, Signature] = {}
        classes: dict[str, dict[str, Signature]] = {}
        for chunk, tree in zip(self.chunks, self.trees() or []):
            for node in _top_level(tree.body):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    functions[node.name] = _signature(node, chunk, method=False)
                elif isinstance(node, ast.ClassDef):
                    classes[node.name] = {
                        item.name: _signature(item, chunk, method=True) for item in node.body
                        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
        return Defined(functions, classes)

    def syntax_error(self) -> SyntaxError | None:
        for chunk in self.chunks:
            try:
                compile(chunk.source, chunk.filename, "exec", dont_inherit=True)
            except SyntaxError as error:
                return error
            except ValueError as error:  # a NUL byte in the source
                return SyntaxError(str(error), (chunk.filename, 1, 0, ""))
        return None


def _top_level(body: list[ast.stmt]):
    """The statements of a module, and those of its top-level if and try blocks."""
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.Try)):
            for part in ("body", "orelse", "finalbody"):
                yield from _top_level(getattr(node, part, []))
            for handler in getattr(node, "handlers", []):
                yield from _top_level(handler.body)


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef, chunk: Chunk,
               method: bool) -> Signature:
    a = node.args
    positional = [p.arg for p in a.posonlyargs + a.args]
    defaults = len(a.defaults)
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
    if method and positional and not static:
        positional = positional[1:]  # self (or cls)
    required = max(0, len(positional) - defaults)
    keywords = tuple(p.arg for p in a.args + a.kwonlyargs) + (("**",) if a.kwarg else ())
    return Signature(node.name, tuple(positional), required, a.vararg is not None, keywords,
                     f"{chunk.filename}:{node.lineno}")


# ---- running for definitions -----------------------------------------------------------

def definitions(tree: ast.Module) -> list[Statement]:
    """Each top-level statement of one chunk, and whether it runs (see the module's
    docstring): what defines runs, what does something else is skipped."""
    pure = _pure_names(tree)
    return [Statement(node, *_runs(node, pure)) for node in tree.body]


def _pure_names(tree: ast.Module) -> set[str]:
    """Names bound to NumPy, math and their like by the hand-in's imports."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PURE_MODULES:
                    names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in PURE_MODULES:
                names.update(alias.asname or alias.name for alias in node.names)
    return names


def _runs(node: ast.stmt, pure: set[str]) -> tuple[bool, str]:
    match node:
        case ast.Import() | ast.ImportFrom() | ast.FunctionDef() | ast.AsyncFunctionDef() \
                | ast.ClassDef() | ast.Pass() | ast.Global() | ast.Nonlocal():
            return True, ""
        case ast.Expr(value=ast.Constant()):
            return True, ""  # a docstring
        case ast.Assign(value=value) | ast.AnnAssign(value=value) | ast.AugAssign(value=value):
            call = _call_in(value, pure) if value is not None else None
            return (True, "") if call is None else (False, f"calls {call}")
        case ast.If() | ast.Try():
            kind = "an if" if isinstance(node, ast.If) else "a try"
            call = _call_in(node.test, pure) if isinstance(node, ast.If) else None
            if call is not None:
                return False, f"an if whose test calls {call}"
            for inner in list(_top_level([node]))[1:]:
                runs, why = _runs(inner, pure)
                if not runs:
                    return False, f"{kind} block with {why}"
            return True, ""
        case ast.Expr(value=value):
            call = _call_in(value, pure)
            return False, f"calls {call}" if call else "an expression (shown in a notebook)"
        case ast.For() | ast.AsyncFor():
            return False, "a for loop"
        case ast.While():
            return False, "a while loop"
        case ast.With() | ast.AsyncWith():
            return False, "a with block"
        case ast.Assert():
            return False, "an assert (a test)"
    return False, f"a top-level {type(node).__name__.lower()} statement"


def _call_in(node: ast.AST, pure: set[str]) -> str | None:
    """The first call in an expression that is not pure ("model()"), or None.  The
    bodies of lambdas are not evaluated when the lambda is made: calls there count not."""
    stack = [node]
    while stack:
        sub = stack.pop()
        if isinstance(sub, ast.Lambda):
            continue
        if isinstance(sub, ast.Call):
            root = sub.func
            while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):
                root = root.value if not isinstance(root, ast.Call) else root.func
            name = root.id if isinstance(root, ast.Name) else ""
            if not (name in pure or (name in PURE_BUILTINS and isinstance(sub.func, ast.Name))):
                return f"{_callee(sub.func)}()"
        stack.extend(ast.iter_child_nodes(sub))
    return None


def _callee(func: ast.expr) -> str:
    """A call's function as a reader names it: model, np.dot, or .as_matrix of a chain."""
    text = ast.unparse(func)
    if re.fullmatch(r"[\w.]+", text) and len(text) <= 40:
        return text
    return "." + func.attr if isinstance(func, ast.Attribute) else "a function"


# ---- reading the file --------------------------------------------------------------------

def is_notebook(path: str | Path) -> bool:
    return str(path).lower().endswith(".ipynb")


def read(path: str | Path, display: str | None = None) -> Source:
    """The code of a submission; `display` is the name reports use (default: path)."""
    path = Path(path)
    name = display or str(path)
    if not path.is_file():
        raise SubmissionError(f"{name}: no such file" if not path.exists()
                              else f"{name}: not a regular file")
    try:
        if path.stat().st_size > MAX_BYTES:
            raise SubmissionError(f"{name}: larger than {MAX_BYTES >> 20} MiB: not a hand-in")
        data = path.read_bytes()
    except OSError as error:
        raise SubmissionError(f"{name}: cannot read it: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SubmissionError(f"{name}: not text (byte {error.start} is not UTF-8)") from None
    if is_notebook(path):
        return _notebook(name, text)
    return Source((Chunk(name, text),), ())


def _notebook(name: str, text: str) -> Source:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise SubmissionError(f"{name}:{error.lineno}: not a notebook: {error.msg}") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        if isinstance(notebook, dict) and "worksheets" in notebook:
            raise SubmissionError(f"{name}: a version 3 notebook: open and save it in "
                                  "Jupyter to convert it to version 4")
        raise SubmissionError(f"{name}: not a notebook: it has no list of cells")
    chunks, skipped = [], []
    for n, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            raise SubmissionError(f"{name}: cell {n}: its source is not text")
        lines = source.splitlines()
        if lines and lines[0].lstrip().startswith("%%"):  # a cell magic owns the whole cell
            skipped.append(f"cell {n}: {lines[0].strip()} (the whole cell)")
            continue
        kept = []
        for k, line in enumerate(lines, start=1):
            if _IPYTHON.match(line):
                skipped.append(f"cell {n} line {k}: {line.strip()}")
                line = line[:len(line) - len(line.lstrip())] + "pass"
            kept.append(line)
        chunks.append(Chunk(f"{name}:cell{n}", "\n".join(kept) + "\n"))
    return Source(tuple(chunks), tuple(skipped))
