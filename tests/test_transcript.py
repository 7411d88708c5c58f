"""--transcript and the app's m: the iteration as Markdown for a handout.  It must be
stable (the same file every time, the golden copies in tests/golden/) and say what
the engine computed."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from bpdebug.cli.main import main
from bpdebug.engine.cursor import Engine
from bpdebug.engine.notation import format_rows
from bpdebug.scenario.reader import load
from bpdebug.teach.transcript import FIGURES as TRANSCRIPT_FIGURES, transcript

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", ["xor"])  # a mismatch quotes NumPy, whose wording may change
def test_the_transcript_of_a_fixed_scenario_is_stable(name, tmp_path, capsys):
    out = tmp_path / "t.md"
    main([name, "--transcript", str(out)])
    golden = (GOLDEN / f"{name}-iteration-0.md").read_text()
    assert out.read_text() == golden
    assert transcript(Engine(load(name))) == golden  # the same text in a fresh engine


def test_the_transcript_says_what_the_engine_computed():
    engine = Engine(load("xor"))
    text = transcript(engine)
    for k in range(engine.S):
        record = engine.record(k)
        assert f"## {record.step.label}" in text
        for computed in record.computed:
            assert f"`{computed.equation}`" in text
            assert f"→ {computed.result.shape[0]}×{computed.result.shape[1]} ✓" in text \
                if np.ndim(computed.result.value) == 2 else True
    # The matrices are the engine's numbers: Z[1] row by row.
    Z1 = engine.record(0).env["Z[1]"]
    block = re.search(r"`Z\[1\] = .*?```\n(.*?)```", text, re.S).group(1)
    shown = [row.split() for row in block.splitlines()]
    assert shown == [row.split() for row in format_rows(Z1, TRANSCRIPT_FIGURES)]
    assert np.allclose(np.array([[float(v) for v in row] for row in shown]), Z1, atol=5e-5)


def test_a_transcript_of_a_mismatch_stops_at_the_broken_step():
    text = transcript(Engine(load("bug-dw-no-transpose")))
    assert "✗" in text and "## update" not in text
    assert "dW[3] = 1/m · dZ[3]·A[2]" in text


def test_each_equation_has_its_largest_element_written_out_with_the_engine_value():
    engine = Engine(load("xor"))
    text = transcript(engine)
    blocks = re.findall(r"Worked example, (?:J term by term|its only entry \[([\d,]+)\]|"
                        r"entry \[([\d,]+)\] \(the largest in absolute value\)):\n\n```\n"
                        r"(.*?)```", text, re.S)
    blocks = [(only or largest, block) for only, largest, block in blocks]
    equations = [(engine.record(k).step.label, c) for k in range(engine.S)
                 for c in engine.record(k).computed]
    assert len(blocks) == len(equations) == 17
    for (step, computed), (index, block) in zip(equations, blocks):
        value = np.asarray(computed.result.value)
        idx = tuple(int(v) for v in index.split(",")) if index else ()
        assert abs(value[idx]) == np.max(np.abs(value))
        lines = block.strip().splitlines()
        name = computed.equation.target
        assert lines[0].startswith(name) and lines[0].endswith(f" at iteration 0, {step}")
        shown = float(lines[-1].rsplit("= ", 1)[1])  # the last step of the arithmetic
        assert shown == pytest.approx(value[idx], rel=1e-5, abs=1e-9), (name, lines[-1])
