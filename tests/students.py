"""Broken student hand-ins, each one of issue 10's cases, written into a folder by the
tests; and waiting for the app's comparison worker (never the clock)."""

from __future__ import annotations

import json
from pathlib import Path

STUDENTS = Path(__file__).resolve().parent.parent / "scenarios" / "students" / "post"
CORRECT = (STUDENTS / "correct.py").read_text()

# The correct file, with one function replaced at the end of the module.
_TAIL = {
    "forward": "\ndef forward(X, parameters):\n{body}\n",
    "backpropagation": "\ndef backpropagation(cache, Y, parameters):\n{body}\n",
}
_WRAP = "\n_right_forward, _right_backprop = forward, backpropagation\n"


def _with(function: str, body: str) -> str:
    body = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return CORRECT + _WRAP + _TAIL[function].format(body=body)


def _returning(function: str, key: str, value: str) -> str:
    """The right function, with one entry of what it returns replaced: ``value`` is an
    expression of ``it``, the right entry (grads[key] for backpropagation, cache[key]
    for forward)."""
    if function == "forward":
        return _with(function, f"AL, cache = _right_forward(X, parameters)\n"
                               f"it = cache[{key!r}]\ncache[{key!r}] = {value}\nreturn AL, cache")
    return _with(function, f"grads = _right_backprop(cache, Y, parameters)\n"
                           f"it = grads[{key!r}]\ngrads[{key!r}] = {value}\nreturn grads")


# name -> (file name, source, the verdict's words, the function it happens in)
CASES = {
    "infinite loop": ("loop.py", _with("forward", "x = 0\nwhile True:\n    x += 1"),
                      "timed out after 2 s in forward()", "loop.py:"),
    "os._exit": ("exits.py", _with("forward", "import os\nos._exit(0)"),
                 "called os._exit(0) in forward()", "exits.py:"),
    "sys.exit": ("sysexit.py", _with("backpropagation", "import sys\nsys.exit(3)"),
                 "called sys.exit(3) in backpropagation()", "sysexit.py:"),
    "KeyboardInterrupt": ("ctrl_c.py", _with("backpropagation", "raise KeyboardInterrupt"),
                          "KeyboardInterrupt", "ctrl_c.py:"),
    "a signal": ("segv.py", _with("forward", "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)"),
                 "was killed by SIGTERM in forward()", "segv.py:"),
    "MemoryError": ("greedy.py", _with("forward", "import numpy as np\nbig = np.ones((1 << 27,))  # 1 GiB: over a 512 MiB limit"),
                    "MemoryError", "greedy.py:"),
    "complex": ("complex.py", _returning("backpropagation", "dZ2", "it.astype(complex)"),
                "dZ2 is complex128: return real values", ""),
    "object": ("objects.py", _returning("forward", "Z1", "it.astype(object)"),
               "Z1 is an object array", ""),
    "string": ("strings.py", _returning("backpropagation", "dW2", "it.astype(str)"),
               "dW2 is a string array", ""),
    "int": ("ints.py", _returning("backpropagation", "db1", "it.astype(int)"),
            "db1 is an integer array", ""),
    "bool": ("bools.py", _returning("forward", "A1", "it > 0"),
             "A1 is a bool array", ""),
    "list": ("lists.py", _returning("backpropagation", "dW1", "it.tolist()"),
             "dW1 is a list", ""),
    "None": ("nones.py", _returning("backpropagation", "dZ1", "None"),
             "dZ1 is None", ""),
}


def write_case(folder: Path, name: str) -> Path:
    file, source, _, _ = CASES[name]
    path = folder / file
    path.write_text(source)
    return path


def write_txt(folder: Path) -> Path:
    """Valid Python under a .txt name."""
    path = folder / "alice.txt"
    path.write_text(CORRECT)
    return path


def write_with_helper(folder: Path) -> Path:
    """`from helpers import relu`, with helpers.py beside the student's file."""
    sub = folder / "bob"
    sub.mkdir()
    (sub / "helpers.py").write_text(CORRECT.split("def sigmoid")[0])  # numpy and relu
    source = CORRECT.replace("def relu(", "def _own_relu(")
    path = sub / "bob_solution"  # and no extension
    path.write_text("from helpers import relu\n" + source)
    return path


def write_spam(folder: Path, lines: int = 10_000) -> Path:
    """10,000 print() lines, then a raw write to fd 1 that would paint over a screen."""
    path = folder / "spam.py"
    path.write_text(CORRECT.replace(
        "def forward(X, parameters):\n",
        "def forward(X, parameters):\n"
        f"    for i in range({lines}):\n        print('spam line', i)\n"
        "    import os\n    os.write(1, b'\\x1b[2J\\x1b[?1049l raw write\\n')\n", 1))
    return path


def notebook(source: str, magics: bool = True) -> str:
    """A Jupyter notebook (format 4) whose code cells hold `source`, split at each def,
    after a markdown cell and a cell of IPython magics and shell escapes."""
    parts, current = [], []
    for line in source.splitlines(keepends=True):
        if line.startswith("def ") and current:
            parts.append(current)
            current = []
        current.append(line)
    parts.append(current)
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# My backpropagation\n"]}]
    if magics:
        cells.append({"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [],
                      "source": ["%matplotlib inline\n", "!pip install numpy\n",
                                 "import numpy as np"]})
    for k, part in enumerate(parts):
        cells.append({"cell_type": "code", "metadata": {}, "execution_count": k + 2,
                      "outputs": [], "source": part})
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells},
                      indent=1)


async def compared(pilot, app, iteration: int = 0):
    """Wait for the app's comparison worker (the student's child process) to finish and
    its result to be shown: the worker's own completion, then the queued messages."""
    runner = app.students
    for _ in range(50):  # messages, not time: the worker starts on the first draw
        if runner.worker is not None:
            break
        await pilot.pause()
    await runner.worker.wait()
    for _ in range(50):  # then its StudentCompared message
        if iteration in runner.comparisons or runner.running is None:
            break
        await pilot.pause()
    await pilot.pause()
    return runner.comparison(iteration)
