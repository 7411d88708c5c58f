"""What a student hands in, read as text: a Python file under any name (.py, .txt, none)
or a Jupyter notebook.  Nothing here runs the student's code; the child process
(student_child.py) runs the chunks this module returns, and the parent uses it to refuse
a file that cannot be Python before any process starts.

A notebook is read with the standard library's json, not nbformat: bpdebug needs only
each cell's type and source, nbformat would add jsonschema, traitlets and jupyter_core to
a tool whose runtime needs are textual and numpy, and a notebook that nbformat would
reject for a stray metadata field still has perfectly good code cells.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

FUNCTIONS = ("forward", "backpropagation")
MAX_BYTES = 20 << 20  # a hand-in larger than this is not code a student wrote

# IPython syntax that is not Python: line magics, shell escapes, `x = !ls`, `obj?` help and
# what nbconvert writes for them.  Each skipped line becomes `pass` so that an indented
# magic inside a loop leaves a valid block.
_IPYTHON = re.compile(r"""\s*(?:[%!]|\?|get_ipython\(\)
                              |[\w.]+\?\??\s*$
                              |[\w.,\s]+=\s*[%!])""", re.VERBOSE)


class SubmissionError(Exception):
    """The file cannot be read as a submission at all (missing, binary, not a notebook)."""


@dataclass(frozen=True)
class Chunk:
    """One piece of code run in order in the student's module: the whole file, or one
    notebook code cell, named as tracebacks and reports name it."""

    filename: str  # "alice.py", or "alice.ipynb:cell3" (cells counted from 1, all kinds)
    source: str


@dataclass(frozen=True)
class Source:
    chunks: tuple[Chunk, ...]
    skipped: tuple[str, ...]  # "cell 1: %matplotlib inline"

    def defines(self) -> set[str]:
        """The names of FUNCTIONS that the code binds at top level (def, import, =),
        read without running it; empty when a chunk does not parse."""
        names = set()
        for chunk in self.chunks:
            try:
                tree = ast.parse(chunk.source)
            except (SyntaxError, ValueError):
                return set()
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.add(node.name)
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    names.update((a.asname or a.name).split(".")[0] for a in node.names)
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
        return names & set(FUNCTIONS)

    def syntax_error(self) -> SyntaxError | None:
        for chunk in self.chunks:
            try:
                compile(chunk.source, chunk.filename, "exec", dont_inherit=True)
            except SyntaxError as error:
                return error
            except ValueError as error:  # a NUL byte in the source
                return SyntaxError(str(error), (chunk.filename, 1, 0, ""))
        return None


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
