"""The equation panel: the current step's equations in the post's notation, with the
concrete shape written under every operand and under the result, and ✓ or ✗ beside it.

A shape mismatch turns the panel red and tells the whole story (ShapeMismatch.lines()):
the equation, every operand with its shape, the rule that broke, the likely cause.
"""

from __future__ import annotations

from dataclasses import replace

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static

from bpdebug import plan
from bpdebug.engine import Engine, Record, expected_shapes
from bpdebug.equations import Apply, Expr, Name, T
from bpdebug.shapes import Operand, Shape, fmt
from bpdebug.app.components import unchanged

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


def shape_row(text: str, anchors: list[tuple[str, str]]) -> str:
    """The line under an equation: each label starts under its operand's first column.

    ``anchors`` are (operand text, label) in the order the operands are written; each
    operand is looked up after the previous one, so W[2] in ``W[2] := W[2] − α · dW[2]``
    lands under the right occurrence. Labels never overlap: one that would is pushed right.
    """
    row = ""
    search_from = 0
    for operand, label in anchors:
        at = _find(text, operand, search_from)
        if at < 0:
            at = _find(text, operand, 0)
        if at < 0:
            continue
        search_from = at + len(operand)
        start = max(cell_len(text[:at]), cell_len(row) + (1 if row else 0))
        row += " " * (start - cell_len(row)) + label
    return row


def _expected_operands(expr: Expr, expected: dict) -> list[Operand]:
    """The operands as written, with the shapes they must have (for the preview)."""
    out: list[Operand] = []

    def walk(node: Expr) -> None:
        if isinstance(node, Name):
            if node.name in expected:
                out.append(Operand(str(node), expected[node.name]))
            return
        if isinstance(node, T) and node.x.name in expected:
            out.append(Operand(str(node), tuple(reversed(expected[node.x.name]))))
            return
        if isinstance(node, Apply) and node.x.name in expected:
            out.append(Operand(str(node), expected[node.x.name]))
            return
        for child in vars(node).values():
            if isinstance(child, Expr):
                walk(child)

    walk(expr)
    return out


def _equation_lines(equation: str, target: str, result: Shape | None,
                    operands: list[Operand], mark: tuple[str, str] | None,
                    indent: str = "  ") -> list[Content]:
    """The equation, then its shapes: the result's under the target, each operand's under it."""
    head = Content.assemble(indent, (target, "bold"), equation[len(target):])
    if mark is not None:
        head = Content.assemble(head, "  ", mark)
    anchors = [(target, fmt(result) if result is not None else "?")]
    anchors += [(o.text, fmt(o.shape)) for o in operands]
    row = shape_row(equation, anchors)
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
                                 _expected_operands(equation.expr, expected), None)
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


class EquationPanel(Static):
    """The current step's equations; red, with the full story, on a mismatch or an error."""

    DEFAULT_CSS = """
    EquationPanel {
        height: auto;
        border: round $foreground 30%;
        border-title-align: left;
        border-subtitle-align: right;
        padding: 0 1;
        &.mismatch { border: heavy red; background: red 10%; }
    }
    """

    def show(self, engine: Engine) -> None:
        record = engine.current
        self.set_class(record is not None and not record.ok, "mismatch")
        if record is None:
            step = engine.steps[0]
            expected = expected_shapes(engine.sizes, engine.batches.m_of(0))
            self.border_title = step_title(step, 0, "next: ")
            self.border_subtitle = Content("press n to take it")
            body = [Content("Nothing computed yet. The first step will compute:")]
            body += preview_lines(step, expected)
        else:
            self.border_title = step_title(record.step, record.iteration)
            if record.mismatch is not None:
                body = mismatch_lines(record)
            elif record.error is not None:
                body = error_lines(record)
            else:
                body = computed_lines(record)
            self.border_subtitle = self._next(engine, record)
        unchanged.update(self, Content("\n").join(body))

    @staticmethod
    def _next(engine: Engine, record: Record) -> Content:
        if not record.ok:
            return Content.styled("blocked: step back with p", BAD_STYLE)
        following = engine.step_of(record.index + 1)
        iteration = (record.index + 1) // engine.S
        where = f" of iteration {iteration}" if iteration != record.iteration else ""
        return Content(f"next: {following.label}{where}")

    def show_error(self, title: str, text: str) -> None:
        """An exception from the app itself, shown where the equations were."""
        self.add_class("mismatch")
        self.border_title = Content.styled(title, BAD_STYLE)
        self.border_subtitle = None
        self.update(Content(text))

