"""--transcript: one iteration as Markdown, for a handout.

Each step: its equations in the post's notation, the operands' shapes, ✓ or ✗,
and every matrix small enough to read on paper.
"""

from __future__ import annotations

import numpy as np

from bpdebug.engine import Engine
from bpdebug.notation import format_rows
from bpdebug.report import network_line
from bpdebug.shapes import fmt

SMALL = 6  # matrices with at most this many rows and columns are printed in full
FIGURES = 5  # paper has the room of a wide panel: one figure more than the default


def _matrix(value) -> list[str]:
    array = np.atleast_2d(np.asarray(value, dtype=np.float64))
    if array.ndim != 2 or array.shape[0] > SMALL or array.shape[1] > SMALL:
        return []
    return ["```"] + format_rows(array, FIGURES) + ["```"]  # the screen's notation, on paper


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
        if record.mismatch is not None:
            lines += ["", "**Shape mismatch**", ""] + [f"    {l}" for l in record.mismatch.lines()]
        if record.error is not None:
            lines += ["", "**Error**", "", "```", record.error, "```"]
        lines.append("")
        if not record.ok:
            break
    return "\n".join(lines)
