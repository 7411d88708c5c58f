"""An explained element and a nudge as lines of text: what --explain prints, and what the
app's panel and the handout show.

A sum is written whole up to ``whole`` terms (16 by default: on a small network the
whole sum is what a class checks by hand); a longer one keeps its first terms, says how
many more there are, and its last.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import math

from bpdebug.engine.cursor import Engine
from bpdebug.engine.elements import Sum, Term, operand
from bpdebug.engine.mistakes import CATALOGUE
from bpdebug.engine.names import is_parameter, of_gradient
from bpdebug.engine.notation import plain, relative
from bpdebug.engine.nudge import Nudge
from bpdebug.teach.element import Element
from bpdebug.teach.explain import Explanation, Stopped, explain, nudge

WHOLE = 16  # a sum of at most this many terms is written whole
HEAD, TAIL = 3, 1  # a longer one: its first HEAD and last TAIL terms, and how many between
SHOWN = 3  # kinks named before "and N more"


def explanation_lines(explained: Explanation, whole: int = WHOLE) -> list[str]:
    """The element's equation, in letters and with its indices, each sum term by term,
    then the value: the right-hand side in numbers, evaluated, added up."""
    out = [f"{explained.element} at iteration {explained.iteration}, {explained.step}"]
    if explained.mistake:
        out.append(f"  ✗ injected mistake {explained.mistake}, the equation as it is written; "
                   f"{CATALOGUE[explained.mistake].cause}")
    out.append(f"  {explained.general}")
    sums = explained.sums
    if explained.instance != explained.general or sums:
        count = "; ".join(_count(s) for s in sums)
        out.append(f"  {explained.instance}" + (f"        {count}" if count else ""))
    for s in sums:
        out += _sum_lines(s, whole)
    out.append(f"  {_named(explained)} {explained.assign} " + " = ".join(_steps(explained)))
    out += [f"  {note}" for note in explained.notes]
    return out


def _named(explained: Explanation) -> str:
    """The element where its value is given: J says its iteration (every J printed does,
    so the costs of two iterations never read as one number twice)."""
    name = str(explained.element)
    return f"{name} at iteration {explained.iteration}" if name == "J" else name


def _joined(texts: list[tuple[int, str]]) -> str:
    """Signed texts added up: a − b + c."""
    out = ""
    for k, (sign, text) in enumerate(texts):
        if k == 0:
            out = text if sign > 0 else f"−{text}"
        else:
            out += f" {'+' if sign > 0 else '−'} {text}"
    return out


def _steps(explained: Explanation) -> list[str]:
    """The right-hand side in numbers, then evaluated, then the value."""
    parts = explained.parts

    def row(evaluated: bool) -> str:
        return _joined([(p.sign, p.text(k == 0 and p.sign > 0, evaluated))
                        for k, p in enumerate(parts)])

    steps = [row(False)]
    if any(isinstance(p, Term) and p.evaluated() for p in parts):
        steps.append(row(True))
    over = explained.over
    if over is not None:
        steps = [f"{steps[-1]} / {operand(over.total)}"]
    if explained.sums:  # first the shape of it in words: 1/m · Σ_i, Σ_k + b[1]_0
        shape = _joined([(p.sign, p.word()) for p in parts])
        steps.insert(0, f"{shape} / Σ_{over.letter}" if over else shape)
    shown, engine = plain(explained.value), plain(explained.element.value)
    if len(parts) > 1 or over is not None or steps[-1] != shown:
        steps.append(shown)
    if shown != engine:  # never hidden, though it only differs in the last bits
        steps[-1] += f" (the engine's value: {engine})"
    return steps


def _count(s: Sum) -> str:
    n = len(s.terms)
    return f"{n} term{'s' if n != 1 else ''}, {s.letter} = 0" + (f"..{n - 1}" if n > 1 else "")


def _term_line(letter: str, v: int, term: Term) -> str:
    text = f"    {letter}={v}  {term.symbol()}"
    bare = len(term.factors) == 1 and not term.factors[0].fn  # a bare entry: its value
    for step in ([] if bare else [term.substituted(), term.evaluated()]) + [plain(term.value)]:
        if step and not text.endswith(f"= {step}"):
            text += f" = {step}"
    return text


def _sum_lines(s: Sum, whole: int) -> list[str]:
    n = len(s.terms)
    elided = n > max(whole, HEAD + TAIL + 1)  # never '… 1 more' for one line
    shown = [*range(HEAD), *range(n - TAIL, n)] if elided else range(n)
    out = []
    for v in shown:
        if elided and v == n - TAIL:
            out.append(f"    … {n - HEAD - TAIL} more ({s.letter} = {HEAD}..{n - TAIL - 1})")
        out.append(_term_line(s.letter, v, s.terms[v]))
    out.append(f"    Σ_{s.letter} = {plain(s.total)}")
    return out


def nudge_lines(nudge: Nudge, pending: Mapping[str, str] = MappingProxyType({})) -> list[str]:
    """The nudge and ΔJ/ε beside the gradient.  ``pending``: what the cursor has not
    computed yet, each with the step that will (Frame.pending; the app before the cost or
    the backward pass).  Before the cost step J itself is not shown, only how much it
    moves; before the gradient's step ΔJ/ε stands alone, the class's guess of the
    gradient, with no verdict."""
    p, g = nudge.parameter, nudge.gradient
    J_waits, g_waits = pending.get("J"), pending.get(g.name)
    rows = ([] if J_waits else [(f"J at iteration {nudge.iteration}", plain(nudge.J, 12)),
                                ("J(+ε)", plain(nudge.J_nudged, 12))]) + [
        ("ΔJ", plain(nudge.delta)), ("ΔJ/ε", plain(nudge.ratio, 8))] + (
        [] if g_waits else [(str(g), plain(g.value, 8))])
    width = max(len(label) for label, _ in rows)
    out = [f"nudge {p} = {plain(p.value)} by ε = {plain(nudge.eps, 3)} at iteration "
           f"{nudge.iteration}", "  (every other parameter and the data held fixed)",
           *(f"  {label.ljust(width)} = {text}" for label, text in rows)]
    if J_waits:
        out.append(f"  J itself is not shown before its step: {J_waits}")
    if g_waits:
        return out + [f"  {g} not computed yet: {g_waits}"]
    verdict = f"  relative difference {relative(nudge.relative)}"
    if nudge.crossed:
        shown = ", ".join(str(e) for e in nudge.crossed[:SHOWN])
        more = f" and {len(nudge.crossed) - SHOWN} more" if len(nudge.crossed) > SHOWN else ""
        verdict += (f": the nudge moves {shown}{more} across a ReLU kink at 0, so ΔJ/ε "
                    f"mixes the slopes on both sides and need not match {g.name}")
    elif not nudge.finite:
        verdict += ": J or the gradient is not a finite number here, so nothing compares"
    elif nudge.relative == 0:
        verdict += ": they are equal"
    elif nudge.relative < 1e-2:
        digits = max(1, int(-math.log10(nudge.relative)))
        verdict += f": they agree to about {digits} digits (ΔJ/ε is a one-sided difference)"
    elif nudge.difference <= nudge.noise:
        verdict += (f", but the difference, {plain(nudge.difference, 1)}, is within the "
                    f"rounding noise of ΔJ/ε (about {plain(nudge.noise, 1)}): they agree as "
                    "far as a nudge can tell")
    else:
        verdict += ": they disagree"
        if nudge.mistakes:
            verdict += f" (this scenario injects {', '.join(nudge.mistakes)})"
    return out + [verdict]


def printout(engine: Engine, element: Element,
             i: int | None = None) -> tuple[list[str], str | None]:
    """What --explain prints: the expansion and, for W, b, dW and db, the nudge; or (no
    lines, the line saying where the iteration stopped)."""
    explained = explain(engine, element, i)
    if isinstance(explained, Stopped):
        return [], explained.line()
    lines = explanation_lines(explained)
    if is_parameter(of_gradient(element.name)):
        found = nudge(engine, element, i)
        if isinstance(found, Stopped):
            return [], found.line()
        lines += [""] + nudge_lines(found)
    return lines, None
