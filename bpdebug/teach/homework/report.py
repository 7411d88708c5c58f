"""What bpdebug says of a hand-in: the --check --impl report of one file, and the one
line (with its category, entry, line and likely cause) a class's table holds."""

from __future__ import annotations

from dataclasses import dataclass

from bpdebug.engine.names import from_key
from bpdebug.teach.homework.compare import Comparison

OUTPUT_LINES = 50  # of the student's output under the --check report
SKIPPED_LINES = 12  # of the statements not run, listed under the report

CATEGORY = {"raised": "raised", "exit": "exited", "timeout": "timed out", "signal": "killed",
            "missing": "missing", "internal": "not checked", "cancelled": "not checked",
            "misfit": "not checked"}


@dataclass(frozen=True)
class Verdict:
    """One hand-in's verdict: its category ("correct", "diverges", "wrong shape",
    "raised", …), the line printed after the file name, and what a gradebook wants."""

    category: str
    text: str
    entry: str = ""  # the first entry that differs, or the one being computed when it stopped
    line: str = ""  # where in the student's code: "hw.py:40"
    cause: str = ""  # the likely cause


def verdict(comparison: Comparison) -> Verdict:
    first, crash = comparison.first_divergence, comparison.crash
    helper = comparison.first_wrong_helper
    finding = comparison.finding
    line = str(finding.at) if finding is not None else ""
    cause = (finding.cause if finding is not None and finding.cause else
             first.cause if first is not None else "")
    extra = []
    if finding is not None and first is not None and first.status not in ("missing", "type"):
        made = f"the first wrong value, {finding.quantity}, is made at {finding.at}" \
            if finding.quantity != from_key(first.key) else f"made at {finding.at}"
        extra.append(f"{made} in {finding.at.function}()")
    if cause:
        extra.append(f"likely: {cause}")
    if helper is not None:
        extra.append(helper.describe())
        if not line and helper.at is not None:
            line = str(helper.at)
    tail = "".join(f"; {e}" for e in extra)
    if first is not None and first.status != "raised":
        text = first.describe()
        if first.status == "missing":
            body = (f"missing {text}" if first.note else
                    f"missing {first.key} (it should hold {first.equation})")
            return Verdict("missing", body + tail, first.key, line, cause)
        if first.status == "type":
            return Verdict("wrong type", text + tail, first.key, line, cause)
        if first.status == "shape":
            return Verdict("wrong shape", f"wrong shape at {text.replace(': wrong shape: ', ': ', 1)}"
                           + tail, first.key, line, cause)
        return Verdict("diverges", f"diverges at {text}{tail}", first.key, line, cause)
    if crash is not None:
        text = crash.summary()
        if crash.entry:
            text += f" while computing {crash.entry}"
        return Verdict(CATEGORY.get(crash.cause, crash.cause), text, crash.entry or "",
                       crash.location)
    if helper is not None:
        return Verdict("diverges", helper.describe(), "", line, cause)
    return Verdict("correct", "correct")


def helper_lines(comparison: Comparison) -> list[str]:
    """A line per helper: ✓ with the layers it was right on, or ✗ with its first wrong
    layer said in full and the other wrong layers after it."""
    out = []
    by_name: dict[str, list] = {}
    for check in comparison.helpers:
        by_name.setdefault(check.name, []).append(check)
    for name, checks in by_name.items():
        wrong = [c for c in checks if not c.ok]
        layers = " ".join(f"[{c.layer}]" for c in (wrong or checks)[1 if wrong else 0:])
        if not wrong:
            out.append(f"✓ {name} {layers}" if len(checks) > 1 else f"✓ {name}")
        else:
            also = f" (wrong at {layers} too)" if layers else ""
            out.append(f"✗ {wrong[0].describe()}{also}")
    return out


def output_lines(comparison: Comparison, limit: int | None = OUTPUT_LINES) -> list[str]:
    """The student's output, the first `limit` lines, then how many more there were."""
    lines = comparison.output.splitlines()
    shown = lines if limit is None else lines[:limit]
    more = len(lines) - len(shown) + comparison.more_lines
    return shown + ([f"… {more} more line{'s' if more != 1 else ''} not shown"] if more else [])


def report(scenario, path: str, comparison: Comparison,
           blind: list[str] = ()) -> tuple[list[str], int]:
    """The --check --impl report and its exit code (0 all match, 1 anything else)."""
    lines = [f"{scenario.title} ({scenario.path}) against {path}"]
    lines += list(blind)
    if comparison.api:
        lines.append(f"API: {comparison.api}")
    lines += [f"  {note}" for note in comparison.notes]
    if comparison.confinement:
        lines.append(comparison.confinement)
    lines.append("")
    for entry in comparison.entries:
        mark = {"ok": "✓", "not run": "·"}.get(entry.status, "✗")
        where = f"  {entry.where}" if entry.where and entry.where != f'grads["{entry.key}"]' \
            and not entry.where.endswith(f'["{entry.key}"]') else ""
        lines.append(f"{mark} {entry.key:6} {entry.status:8} {entry.equation}{where}")
    if comparison.not_returned:
        lines.append(f"· not returned by this API (not judged): {', '.join(comparison.not_returned)}")
    if comparison.helpers:
        lines += ["", "helpers, each given the reference's inputs, layer by layer:"]
        lines += helper_lines(comparison)
    first = comparison.first_divergence
    if first is not None:
        lines += ["", "first divergence: " + first.describe()]
        if first.cause and (comparison.finding is None or not comparison.finding.cause):
            lines.append(f"  likely cause: {first.cause}")
    if comparison.finding is not None:
        finding = comparison.finding
        if first is None or finding.quantity != from_key(first.key):
            lines.append(f"first wrong value: {finding.quantity}")
        lines += finding.lines()
        if finding.cause:
            lines.append(f"  likely cause: {finding.cause}")
    if comparison.crash is not None:
        lines += [""] + comparison.crash.lines()
    if comparison.skipped:
        shown = comparison.skipped[:SKIPPED_LINES]
        lines += ["", f"not run ({len(comparison.skipped)}): IPython lines, and top-level "
                  "statements that define nothing (--impl-run-all runs them)"]
        lines += [f"  {line}" for line in shown]
        if len(comparison.skipped) > len(shown):
            lines.append(f"  … {len(comparison.skipped) - len(shown)} more")
    if comparison.output or comparison.more_lines:
        lines += ["", "the student's code printed:"]
        lines += [f"  | {line}" for line in output_lines(comparison)]
    if first is not None:
        lines += ["", f"verdict: {first.key} is the first entry that differs → exit 1"]
        return lines, 1
    if comparison.crash is not None:
        what = {"raised": "raised", "timeout": "timed out", "exit": "ended the process",
                "signal": "was killed", "missing": "defines no API bpdebug knows",
                "misfit": "cannot run on this scenario's network"}.get(
                    comparison.crash.cause, "did not finish")
        lines += ["", f"verdict: the student's code {what} → exit 1"]
        return lines, 1
    helper = comparison.first_wrong_helper
    if helper is not None:
        lines += ["", f"verdict: {helper.name} is wrong → exit 1"]
        return lines, 1
    lines += ["", "verdict: every entry matches the reference → exit 0"]
    return lines, 0
