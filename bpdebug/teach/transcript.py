"""--transcript: one iteration as Markdown, for a handout a student can recompute.

First what the iteration starts from, exactly: the data A[0] = X and Y, and W[l], b[l].
Then each step: its equations in the post's notation, the operands' shapes, ✓ or ✗, the
value rounded once, and one entry of each worked out with its numbers (explain.py):
the one largest in absolute value, where the arithmetic shows.  Then the gradient check, as --check
prints it (report.py), and one nudge (explain.py), the post's experiment on one entry.

A matrix too large for paper is never a silent gap: a line says it was left out, with
its shape and range.  A wide one is cut into blocks of columns, each headed by them.
"""

from __future__ import annotations

import numpy as np

from bpdebug.engine.cursor import Engine
from bpdebug.engine.gradcheck import ParamCheck
from bpdebug.engine.names import parameters
from bpdebug.engine.notation import notation, plain
from bpdebug.engine.shapes import fmt
from bpdebug.teach.element import INPUTS, Element
from bpdebug.teach.explain import Explanation, Stopped, explain, nudge
from bpdebug.teach.render import HEAD, TAIL, explanation_lines, nudge_lines
from bpdebug.teach.report import gradcheck_section, network_line

ENTRIES = 1024  # a matrix of at most this many entries is printed (bug-forgot-m's 5×64)
WIDTH = 100  # characters a printed row takes at most; wider matrices go in blocks of columns
FIGURES = 5  # paper has the room of a wide panel: one figure more than the default
EXACT = 8  # the figures of a left-out matrix's min, max and mean
PAPER = HEAD + TAIL + 1  # a handout writes a sum whole up to this many terms

ROUNDING = (
    "**The numbers.** What the iteration starts from (X, Y, W and b) is printed exactly: "
    "each entry is the shortest decimal that converts back to the same float64, so you can "
    "start your own computation from it. Every value a step computes is the engine's "
    "float64 value, rounded once. All the entries of one matrix are written alike: the "
    f"entry largest in absolute value keeps {FIGURES} significant figures, and every other "
    "entry has the same number of decimal places. J and every number in a worked example "
    "are rounded to 6 significant figures (zeros at the end are dropped). In the nudge, J "
    "is given to 12 significant figures, because moving one entry by ε changes J only in "
    "its last few figures; ΔJ/ε and the gradient are given to 8. Start from the exact "
    "inputs and every value you compute rounds to what is printed; start from printed, "
    "rounded values and the last digit may be off by one.")


def exact(value: float) -> str:
    """The shortest text that reads back as the same float64 (0 and 1, not 0.0 and 1.0)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _blocks(texts: list[list[str]]) -> list[str]:
    """Rows of texts as aligned columns, in blocks of columns no wider than WIDTH, each
    headed by the columns it holds when there is more than one."""
    columns = len(texts[0]) if texts else 0
    width = max((len(t) for row in texts for t in row), default=1)
    per = max(1, WIDTH // (width + 2))
    out = []
    for first in range(0, columns, per):
        last = min(first + per, columns) - 1
        if per < columns:
            out.append(f"columns {first}..{last}:")
        out += ["  ".join(t.rjust(width) for t in row[first:last + 1]) for row in texts]
    return out


def _left_out(name: str, array: np.ndarray) -> list[str]:
    finite = array[np.isfinite(array)]
    stats = ", ".join(f"{what} {plain(float(of(finite)), EXACT)}" for what, of in
                      (("min", np.min), ("max", np.max), ("mean", np.mean))) \
        if finite.size else "no finite entry"
    return [f"*{name} is {fmt(array.shape)}: not printed (more than {ENTRIES} entries); "
            f"{stats}.*"]


def _matrix(name: str, value, exactly: bool = False) -> list[str]:
    """A value as a code block: exactly (the inputs), or rounded once in the screen's
    notation; or the line that says it was left out."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:  # J, as --check prints it
        return [f"{name} = {plain(float(array))}"]
    array = np.atleast_2d(array)
    if array.size > ENTRIES:
        return _left_out(name, array)
    write = exact if exactly else notation(array, FIGURES)
    return ["```"] + _blocks([[write(v) for v in row] for row in array]) + ["```"]


def _worked(engine: Engine, name: str, value, i: int) -> list[str]:
    """The equation's entry largest in absolute value written out, every term's number
    plugged in (the first, [0,0], is often an all-zero example, as on XOR)."""
    sizes = np.abs(np.nan_to_num(np.asarray(value, dtype=np.float64), nan=0.0))
    index = tuple(int(v) for v in np.unravel_index(np.argmax(sizes), np.shape(sizes)))
    explained = explain(engine, Element(name, index), i)
    if not isinstance(explained, Explanation):
        return []
    at = f"[{','.join(map(str, index))}]"
    which = ("J term by term" if not index else f"its only entry {at}" if np.size(sizes) == 1
             else f"entry {at} (the largest in absolute value)")
    return ["", f"Worked example, {which}:", "", "```"] + \
        explanation_lines(explained, PAPER) + ["```", ""]


def _start(engine: Engine, i: int) -> list[str]:
    """What iteration i starts from: the data and the parameters, exactly."""
    if engine.parameters(i) is None:  # an earlier iteration stopped: nothing to start from
        return []
    values = engine.starting_values(i)
    m = engine.batches.m_of(i)
    lines = [f"## What iteration {i} starts from", "",
             f"m = {m} examples (columns), so 1/m = {exact(1.0 / m)}; "
             f"α = {exact(engine.scenario.learning_rate)}.", ""]
    words = {INPUTS[0]: "the data X, features × examples", "Y": "the targets, outputs × examples"}
    for name in (*INPUTS, *parameters(engine.L)):
        value = values[name]
        what = words.get(name, "as the iteration starts")
        lines += [f"- `{name}` {fmt(np.shape(value))}, {what}", ""]
        lines += _matrix(name, value, exactly=True) + [""]
    return lines


def _steps(engine: Engine, i: int) -> tuple[list[str], bool]:
    """Each step of iteration i; and whether the iteration ran whole."""
    lines = []
    for k in range(engine.S):
        record = engine.record(i * engine.S + k)
        if record.index != i * engine.S + k:
            return lines, False  # the iteration stopped before this step
        lines += [f"## {record.step.label}", ""]
        for computed in record.computed:
            shapes = ", ".join(f"{o.text} {fmt(o.shape)}" for o in computed.operands)
            result = computed.result
            mark = "✓" if computed.ok else "✗"
            got = f" → {fmt(result.shape)}" if result is not None else ""
            lines += [f"- `{computed.equation}`  ", f"  {shapes}{got} {mark}"]
            if result is not None and computed.ok:
                target = computed.equation.target
                shown = f"{target} at iteration {i}" if target == "J" else target
                lines += [""] + _matrix(shown, result.value)
                lines += _worked(engine, target, result.value, i)
        if record.mismatch is not None:
            lines += ["", "**Shape mismatch**", ""] + [f"    {l}" for l in record.mismatch.lines()]
        if record.error is not None:
            lines += ["", "**Error**", "", "```", record.error, "```"]
        lines += [""] if lines[-1] else []
        if not record.ok:
            return lines, False
    return lines, True


def _nudged(checks: list[ParamCheck]) -> ParamCheck | None:
    """The entry to nudge: the worst of the first gradient the check finds wrong, else of
    dW[1], the gradient that went through every layer."""
    wrong = [c for c in checks if c.finite and not c.ok]
    return (wrong or [c for c in checks if c.name == "dW[1]"] or checks or [None])[0]


def _check(engine: Engine, i: int) -> list[str]:
    """The gradient check as --check prints it, then one nudge."""
    checks = engine.gradient_check(i) or []
    section, verdict, _ = gradcheck_section(engine, i, checks)
    lines = ["## Gradient check", "", "The same table as `--check` prints. Each gradient the "
             "backward pass computed (analytic) is compared with central differences of J "
             "(numeric); the relative error is over every entry checked, and the row shows "
             "the entry where the two differ most.", "",
             "```", *section, "```", "", f"Verdict: {verdict}.", "", "## One nudge", ""]
    chosen = _nudged(checks)
    found = nudge(engine, Element(chosen.name, chosen.worst), i) if chosen else None
    if isinstance(found, Stopped) or found is None:
        return lines + ["No entry could be nudged: " +
                        (found.line() if found else "the gradient check measured none") + "."]
    return lines + [f"Take {found.parameter}, the entry where the gradient check found "
                    f"{chosen.name} and its numeric value furthest apart. Move it by ε, recompute "
                    f"J with everything else held fixed, and compare ΔJ/ε with {found.gradient}.",
                    "",
                    "```", *nudge_lines(found), "```"]


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
    lines += [ROUNDING, ""] + _start(engine, i)
    steps, whole = _steps(engine, i)
    lines += steps
    if whole:
        lines += _check(engine, i)
    else:
        lines += ["## Gradient check", "",
                  "Not run: the gradient check needs a whole iteration.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
