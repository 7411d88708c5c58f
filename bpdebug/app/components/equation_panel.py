"""The equation panel: the current step's equations in the post's notation, with the
concrete shape written under every operand and under the result, and ✓ or ✗ beside it.

A shape mismatch turns the panel red and tells the whole story (ShapeMismatch.lines()):
the equation, every operand with its shape, the rule that broke, the likely cause.
"""

from __future__ import annotations

from dataclasses import replace

from rich.cells import cell_len
from textual.content import Content

from bpdebug.app.components import unchanged
from bpdebug.app.components.text_panel import TextPanel
from bpdebug.engine import plan
from bpdebug.engine.checked import Record
from bpdebug.engine.frame import Frame
from bpdebug.engine.shapes import Operand, Shape, fmt

OK_STYLE = "bold green"
BAD_STYLE = "bold red"
SHAPE_STYLE = "$text-accent"
DIRECTION_STYLE = {plan.FORWARD: "bold green", plan.COST: "bold yellow",
                   plan.BACKWARD: "bold magenta", plan.UPDATE: "bold cyan"}


def _find(text: str, operand: str, start: int) -> int:
    """Where ``operand`` is written, as a whole name: A[1] is not the tail of dA[1]."""
    at = text.find(operand, start)
    while at > 0 and (text[at - 1].isalnum() or text[at - 1] == "'"):
        at = text.find(operand, at + 1)
    return at


def placed(text: str, anchors: list[tuple[str, str]]) -> list[tuple[int, str, str]]:
    """(where, operand, label) for each anchor, at the first occurrence of its operand
    that an earlier anchor has not taken, in the order they are written: W[2] in
    ``W[2] := W[2] − α · dW[2]`` lands under its second occurrence, and in the cost's
    ``Y log A[2] + (1-Y) log(1-A[2])`` Y goes under the first Y, whatever order the
    operands were evaluated in."""
    taken: set[int] = set()
    out = []
    for operand, label in anchors:
        at = _find(text, operand, 0)
        while at in taken:
            at = _find(text, operand, at + 1)
        if at < 0:
            continue
        taken.add(at)
        out.append((at, operand, label))
    return sorted(out)


def shape_row(text: str, anchors: list[tuple[str, str]]) -> str:
    """The line under an equation: each label centred under its operand.  Labels never
    overlap: one that would is pushed right, by as little as it takes."""
    row = ""
    for at, operand, label in placed(text, anchors):
        centre = cell_len(text[:at]) + cell_len(operand) / 2
        start = max(0, round(centre - cell_len(label) / 2), cell_len(row) + (1 if row else 0))
        row += " " * (start - cell_len(row)) + label
    return row


def spaced(text: str, anchors: list[tuple[str, str]]) -> str:
    """The equation with room around each operand whose label is longer than it, so the
    labels can sit centred under their operands instead of drifting right."""
    out, at = "", 0
    for found, operand, label in placed(text, anchors):
        end = found + len(operand)
        alone = ((found == 0 or text[found - 1] in " ·") and
                 (end == len(text) or text[end] in " ·"))
        # An operand inside a formula, (1-Y) say, keeps its place: padding would tear it.
        pad = max(0, cell_len(label) + 1 - cell_len(operand)) if alone else 0
        out += text[at:found] + " " * (pad // 2) + operand + " " * (pad - pad // 2)
        at = end
    return out + text[at:]


def _equation_lines(equation: str, target: str, result: Shape | None,
                    operands: list[Operand], mark: tuple[str, str] | None,
                    indent: str = "  ") -> list[Content]:
    """The equation, then its shapes: the result's under the target, each operand's under it."""
    anchors = [(target, fmt(result) if result is not None else "?")]
    anchors += [(o.text, fmt(o.shape)) for o in operands]
    written = spaced(equation, anchors)
    lead = written[:len(written) - len(written.lstrip())]
    body = written[len(lead):]
    head = Content.assemble(indent + lead, (target, "bold"), body[len(target):])
    if mark is not None:
        head = Content.assemble(head, "  ", mark)
    row = shape_row(written, anchors)
    return [head, Content.assemble(indent, (row.rstrip(), SHAPE_STYLE))]


def computed_lines(record: Record) -> list[Content]:
    """Every equation the step evaluated, with its shapes and its verdict."""
    lines: list[Content] = []
    for computed in record.computed:
        result = computed.result
        if computed.ok:
            mark = ("✓", OK_STYLE)
        elif result is not None and result.expected is not None:
            mark = (f"✗ must be {fmt(result.expected)}", BAD_STYLE)
        else:
            mark = ("✗", BAD_STYLE)
        lines += _equation_lines(str(computed.equation), computed.equation.target,
                                 result.shape if result is not None else None,
                                 list(computed.operands), mark)
    return lines


def preview_lines(step: plan.Step, expected: dict) -> list[Content]:
    """What a step will compute, with the shapes everything must have."""
    lines: list[Content] = []
    for equation in step.equations:
        lines += _equation_lines(str(equation), equation.target, expected.get(equation.target),
                                 list(equation.expr.expected_operands(expected)), None)
    return lines


def mismatch_lines(record: Record) -> list[Content]:
    """The teaching moment: what broke, with which shapes, and why."""
    mismatch = record.mismatch
    assert mismatch is not None
    done = [c for c in record.computed if c.ok]
    lines = computed_lines(replace(record, computed=tuple(done)))
    # The equation that broke, with every operand's shape under it, not only those
    # evaluated before the rule broke.
    target = mismatch.equation.split(" ", 1)[0]
    failing = next((c for c in record.computed if not c.ok), None)
    result = failing.result.shape if failing is not None and failing.result is not None else None
    lines += _equation_lines(mismatch.equation, target, result, list(mismatch.operands),
                             ("✗", BAD_STYLE))
    lines.append(Content(""))
    first, *rest = mismatch.lines()
    lines.append(Content.styled(first, BAD_STYLE))
    for line in rest:
        label, _, text = line.strip().partition(": ")
        lines.append(Content.assemble("  ", (label + ": ", "bold"), text))
    return lines


def error_lines(record: Record) -> list[Content]:
    assert record.error is not None
    lines = computed_lines(record)
    lines.append(Content.styled(f"✗ error at {record.step.label}:", BAD_STYLE))
    lines += [Content("  " + line) for line in record.error.splitlines()]
    return lines


def step_title(step: plan.Step, iteration: int, prefix: str = "") -> Content:
    return Content.assemble(prefix, (step.label, DIRECTION_STYLE.get(step.kind, "bold")),
                            f" · iteration {iteration}")


class TopPanel(TextPanel):
    """A bordered panel of lines in the top left, as wide as its longest line: the
    equations, or an element explained in their place (explain_panel.py)."""

    DEFAULT_CSS = """
    TopPanel {
        height: auto;
        border: round $foreground 30%;
        border-title-align: left;
        border-subtitle-align: right;
        padding: 0 1;
        &.mismatch { border: heavy red; background: red 10%; }
    }
    """

    def needed_width(self) -> int:
        """As wide as the longest line, the borders and the padding."""
        content = self.content
        lines = content.plain.splitlines() if isinstance(content, Content) else [""]
        titles = [self._border_title, self._border_subtitle]  # Content, not markup
        title = max((cell_len(t.plain) + 6 for t in titles if t is not None), default=0)
        return max(title, max((cell_len(line) for line in lines), default=0)) + 4


class EquationPanel(TopPanel):
    """The current step's equations; red, with the full story, on a mismatch or an error."""

    def show(self, frame: Frame) -> None:
        record = frame.record
        self.set_class(not frame.ok, "mismatch")
        if record is None:
            step = frame.next_step
            unchanged.titles(self, step_title(step, frame.iteration, "next: "))
            if frame.training is not None:
                unchanged.titles(self, subtitle=Content("t or Esc stops"))
                body = [Content(f"Training: iteration {frame.iteration} is next. Each "
                                "iteration computes:")]
            else:
                unchanged.titles(self, subtitle=Content("press n to take it"))
                body = [Content("Nothing computed yet. The first step will compute:")]
            body += preview_lines(step, frame.expected)
        else:
            unchanged.titles(self, step_title(record.step, record.iteration))
            if record.mismatch is not None:
                body = mismatch_lines(record)
            elif record.error is not None:
                body = error_lines(record)
            else:
                body = computed_lines(record)
            unchanged.titles(self, subtitle=self._next(frame))
        unchanged.update(self, Content("\n").join(body), layout=False)  # sized by the debugger

    @staticmethod
    def _next(frame: Frame) -> Content:
        if not frame.ok:
            return Content.styled("blocked: step back with p", BAD_STYLE)
        where = (f" of iteration {frame.next_iteration}"
                 if frame.next_iteration != frame.iteration else "")
        return Content(f"next: {frame.next_step.label}{where}")

    def show_error(self, title: str, text: str) -> None:
        """An exception from the app itself, shown where the equations were."""
        self.add_class("mismatch")
        unchanged.titles(self, Content.styled(title, BAD_STYLE), None)
        self.update(Content(text))

