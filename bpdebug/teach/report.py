"""Plain-text views of the engine for the headless CLI: the --check table, the
network line and a text sparkline.  No Rich, no Textual: these print anywhere."""

from __future__ import annotations

import math
import textwrap
from typing import Mapping

from bpdebug.engine.checked import Record
from bpdebug.engine.cursor import Engine
from bpdebug.engine.gradcheck import EPS, ParamCheck, failures
from bpdebug.engine.notation import format_together, plain, relative
from bpdebug.engine.shapes import fmt
from bpdebug.engine.sparkline import bars


def network_line(engine: Engine) -> str:
    """X 2×4 → [1] relu 3 → [2] sigmoid 1 → J"""
    return " → ".join(text for text, _ in engine.network.line())


def sparkline(values: list[float], width: int = 60) -> str:
    """The history squeezed into ``width`` bars; log-scaled when it spans decades."""
    return bars(values, width)[0] if any(math.isfinite(v) for v in values) else ""


def _shapes(computed) -> str:
    left = ", ".join(fmt(o.shape) for o in computed.operands)
    result = computed.result
    return f"{left} → {fmt(result.shape)}" if result is not None else f"{left} → ✗"


def _mark(computed) -> str:
    return "✓" if computed.ok else "✗"


def check_table(records: list[Record]) -> list[str]:
    """One row an equation, grouped by step: the equation, operand shapes → result, ✓/✗."""
    rows = [("step", "equation", "shapes", "")]
    for record in records:
        label = record.step.label
        for computed in record.computed:
            rows.append((label, str(computed.equation), _shapes(computed), _mark(computed)))
            label = ""
        if record.error:
            rows.append((label, "error", record.error.splitlines()[-1], "✗"))
    widths = [max(len(row[k]) for row in rows) for k in range(3)]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3]
            for row in rows]


GRADCHECK_COLUMNS = ("layer", "param", "rel. error", "band", "differs most at", "analytic",
                     "numeric", "checked")
_NUMERIC = {2, 5, 6}  # right-aligned, so the points line up
# What a narrow table moves under each row, first to last, until the row fits: the
# analytic and numeric values stay side by side and whole, so they compare digit by digit.
_UNDER = (7, 4)
_LAYER = 0  # then dropped: the param's own name says its layer


def _gradcheck_rows(checks: list[ParamCheck], pending: Mapping[str, str]) -> list[tuple[str, ...]]:
    # one notation for the analytic and numeric values, so they compare digit by digit
    # (the same at every step: a row the cursor has not reached is blanked, not left out)
    pairs = format_together([v for c in checks for v in (c.analytic, c.numeric)], figures=7)
    rows = []
    for k, c in enumerate(checks):
        if c.name in pending:
            rows.append((str(c.layer), c.name, "—", "—", "", "—", "—",
                         f"not computed yet: {pending[c.name]}"))
            continue
        note = f"{c.checked}/{c.total}"
        if c.one_sided:
            note += f", {c.one_sided} one-sided at ReLU kinks"
        if c.skipped:
            note += f", {c.skipped} skipped between kinks"
        if c.within_noise and c.error > 1e-7:
            note += ", the difference is below finite differences' noise floor"
        if not c.finite:
            note += ", beyond float64: an overflow, or θ ± ε == θ"
        rows.append((str(c.layer), c.name, relative(c.error) if c.finite else "—", c.band,
                     str(c.worst), pairs[2 * k], pairs[2 * k + 1], note))
    return rows


def _aligned(rows: list[tuple[str, ...]], columns: list[int]) -> list[str]:
    """The columns of the rows (the first is the header), each as wide as its widest cell."""
    widths = {k: max(len(row[k]) for row in rows) for k in columns}
    return ["  ".join(row[k].rjust(widths[k]) if k in _NUMERIC and r else row[k].ljust(widths[k])
                      for k in columns).rstrip()
            for r, row in enumerate(rows)]


def gradcheck_table(checks: list[ParamCheck], pending: Mapping[str, str] | None = None) -> list[str]:
    """One row a gradient.  ``pending`` names the gradients the cursor has not computed
    yet, each with the step that does (the app's g before the backward pass): their rows
    say so, with no analytic value and no verdict."""
    return [line for lines in fitted_gradcheck_table(checks, pending) for line in lines]


def fitted_gradcheck_table(checks: list[ParamCheck], pending: Mapping[str, str] | None = None,
                           width: int | None = None) -> list[list[str]]:
    """The gradient-check table as lines: the header's, then each check's.  Where the
    whole row is wider than ``width``, the checked and differs-most-at columns move under
    their row, labelled and wrapped at whole words, and then the layer column goes; no
    number is ever cut.  A row still too wide is left whole (the dialog scrolls)."""
    pending = pending or {}
    rows = [GRADCHECK_COLUMNS, *_gradcheck_rows(checks, pending)]
    columns, under = list(range(len(GRADCHECK_COLUMNS))), []
    for k in (*_UNDER, _LAYER):
        if width is None or max(map(len, _aligned(rows, columns))) <= width:
            break
        columns.remove(k)
        under += [k] if k != _LAYER else []
    lines = _aligned(rows, columns)
    if not under:
        return [[line] for line in lines]
    indent = " " * (lines[0].index("param") or 2)  # under the param: read as its row's
    out = [[lines[0]]]
    for line, row, check in zip(lines[1:], rows[1:], checks):
        notes = [row[k] if check.name in pending else f"{GRADCHECK_COLUMNS[k]} {row[k]}"
                 for k in sorted(under) if row[k]]
        out.append([line, *_under(notes, indent, width)])
    return out


def _under(notes: list[str], indent: str, width: int) -> list[str]:
    """The notes under a row, indented and joined by " · " while they fit; a new note
    starts a line rather than break, and a long one breaks at spaces only (never
    inside a point's "(0, 2)")."""
    lines: list[str] = []
    for note in notes:
        joined = f"{lines[-1]} · {note}" if lines else ""
        if lines and len(joined) <= width:
            lines[-1] = joined
            continue
        lines += [line.replace("\u00a0", " ") for line in
                  textwrap.wrap(note.replace(", ", ",\u00a0"), width, initial_indent=indent,
                                subsequent_indent=indent + "  ", break_long_words=False,
                                break_on_hyphens=False)]
    return lines


def check_report(engine: Engine) -> tuple[list[str], int]:
    """The whole --check output for the engine's current iteration, and its exit code."""
    scenario = engine.scenario
    i = engine.iteration
    lines = [f"{scenario.title} ({scenario.path})",
             f"network: {network_line(engine)}   loss {scenario.loss}, "
             f"iteration {i}, α = {scenario.learning_rate}"]
    if scenario.bugs:
        lines.append("injected mistakes: " + ", ".join(scenario.bugs))
    records = []
    for k in range(engine.S):
        record = engine.record(i * engine.S + k)
        if records and record.index == records[-1].index:
            break
        records.append(record)
        if not record.ok:
            break
    lines += [""] + check_table(records)
    last = records[-1]
    if last.mismatch is not None:
        lines += [""] + last.mismatch.lines()
        lines += ["", "verdict: shape mismatch → exit 1 (the gradient check needs a whole iteration)"]
        return lines, 1
    if last.error is not None:
        lines += ["", "error inside a step:", *("  " + l for l in last.error.splitlines()),
                  "", "verdict: error → exit 1"]
        return lines, 1
    section, verdict, code = gradcheck_section(engine, i, engine.gradient_check(i) or [])
    return lines + [""] + section + ["", f"verdict: {verdict} → exit {code}"], code


def cost_text(i: int, J: float | None) -> str:
    """J with the iteration it belongs to, so two costs of different iterations never
    read as one number twice."""
    return f"J at iteration {i} = {plain(J) if J is not None else 'not computed'}"


def cost_line(engine: Engine, i: int) -> str:
    return cost_text(i, engine.cost(i))


def gradcheck_section(engine: Engine, i: int,
                      checks: list[ParamCheck]) -> tuple[list[str], str, int]:
    """Iteration i's gradient check as --check prints it and the handout shows it: the
    cost it differentiates, the method and the table; the verdict; the exit code."""
    lines = [cost_line(engine, i),
             f"gradient check: central differences, eps {plain(EPS)}, float64; "
             "relative error ‖a−n‖/(‖a‖+‖n‖)", *gradcheck_table(checks)]
    if not checks:  # an empty table is not a pass
        return lines, ("no gradient could be checked (every entry sits between ReLU kinks "
                       "or the values are not finite)"), 1
    wrong, unmeasurable = failures(checks)
    cannot = (f"the gradient check cannot measure {', '.join(unmeasurable)}: the values are "
              "beyond float64 (not finite)")
    if wrong:
        also = f"; {cannot}" if unmeasurable else ""
        return lines, f"gradient check failed for {', '.join(wrong)}{also}", 1
    if unmeasurable:
        return lines, cannot, 1
    return lines, "every shape fits and every gradient checks out", 0
