"""--transcript: one iteration as Markdown, for a handout.

Each step: its equations in the post's notation, the operands' shapes, ✓ or ✗,
every matrix small enough to read on paper, and one element of each written out
with its numbers (explain.py): the largest in size, where the arithmetic shows.
"""

from __future__ import annotations

import numpy as np

from bpdebug.engine.cursor import Engine
from bpdebug.engine.notation import format_rows
from bpdebug.engine.shapes import fmt
from bpdebug.teach.element import Element
from bpdebug.teach.explain import Explanation, explain
from bpdebug.teach.render import HEAD, TAIL, explanation_lines
from bpdebug.teach.report import network_line

SMALL = 6  # matrices with at most this many rows and columns are printed in full
FIGURES = 5  # paper has the room of a wide panel: one figure more than the default
PAPER = HEAD + TAIL + 1  # a handout writes a sum whole up to this many terms


def _matrix(value) -> list[str]:
    array = np.atleast_2d(np.asarray(value, dtype=np.float64))
    if array.ndim != 2 or array.shape[0] > SMALL or array.shape[1] > SMALL:
        return []
    return ["```"] + format_rows(array, FIGURES) + ["```"]  # the screen's notation, on paper


def _worked(engine: Engine, name: str, value, i: int) -> list[str]:
    """The equation's largest element written out, every term's number plugged in
    (the first, [0,0], is often an all-zero example, as on XOR)."""
    sizes = np.abs(np.nan_to_num(np.asarray(value, dtype=np.float64), nan=0.0))
    index = tuple(int(v) for v in np.unravel_index(np.argmax(sizes), np.shape(sizes)))
    explained = explain(engine, Element(name, index), i)
    if not isinstance(explained, Explanation):
        return []
    where = f", [{','.join(map(str, index))}]" if index else ""
    return ["", f"One element written out, the largest{where}:", "", "```"] + \
        explanation_lines(explained, PAPER) + ["```"]


def transcript(engine: Engine, i: int | None = None) -> str:
    """Iteration i (the current one by default) as Markdown."""
    i = engine.iteration if i is None else i
    scenario = engine.scenario
    lines = [f"# {scenario.title}: iteration {i}", "",
             f"Network: `{network_line(engine)}`; loss `{scenario.loss}`; "
             f"α = {scenario.learning_rate}.", ""]
    if scenario.description:
        lines += [scenario.description.strip(), ""]
    if scenario.bugs:
        lines += ["Injected mistakes: " + ", ".join(f"`{b}`" for b in scenario.bugs), ""]
    for k in range(engine.S):
        record = engine.record(i * engine.S + k)
        if record.index != i * engine.S + k:
            break  # the iteration stopped before this step
        lines += [f"## {record.step.label}", ""]
        for computed in record.computed:
            shapes = ", ".join(f"{o.text} {fmt(o.shape)}" for o in computed.operands)
            result = computed.result
            mark = "✓" if computed.ok else "✗"
            got = f" → {fmt(result.shape)}" if result is not None else ""
            lines += [f"- `{computed.equation}`  ", f"  {shapes}{got} {mark}"]
            if result is not None and computed.ok:
                lines += [""] + _matrix(result.value)
                lines += _worked(engine, computed.equation.target, result.value, i)
        if record.mismatch is not None:
            lines += ["", "**Shape mismatch**", ""] + [f"    {l}" for l in record.mismatch.lines()]
        if record.error is not None:
            lines += ["", "**Error**", "", "```", record.error, "```"]
        lines.append("")
        if not record.ok:
            break
    return "\n".join(lines)
