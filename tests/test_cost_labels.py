"""Every J printed says its iteration: --train, --check, --explain and the handout, so two
costs of different iterations (the last one trained, the one its parameters start) never
read as one number twice."""

from __future__ import annotations

import re

import numpy as np
import pytest

from bpdebug.cli.main import main
from bpdebug.engine.cursor import Engine
from bpdebug.scenario.reader import load

NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
# J with a value and no iteration: "J = 0.72", "J = Σ_i = 0.72", "J 0.72 → 0.01"; not ΔJ,
# J(+ε) (the nudge's first line names its iteration), J^(i), nor the loss's equation.
UNLABELLED = [rf"(?<![\wΔ(^])J\s*=\s*{NUMBER}(?![\d/])", rf"(?<![\wΔ(^])J = .*= {NUMBER}$",
              rf"(?<![\wΔ(^])J {NUMBER}"]


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def unlabelled(text: str) -> list[str]:
    return [line for line in text.splitlines()
            if any(re.search(pattern, line) for pattern in UNLABELLED)]


def test_the_patterns_catch_the_old_unlabelled_costs():
    old = ["trained 500 iterations: J 0.724146 → 0.0115549", "  J = Σ_i = 0.0114948",
           "  J        = 0.724145524861", "0.5 J = 0.3"]
    assert unlabelled("\n".join(old)) == old
    assert unlabelled("  J = -1/m Σ [Y log A[2] + (1-Y) log(1-A[2])]\n  ΔJ = 1e-09\n"
                      "  J(+ε) = 0.7\n    i=0  J^(0) = -1/4 [0 log 0.5] = 0.17") == []


def test_train_names_the_iterations_of_its_first_and_last_cost_and_the_next(capsys):
    code, out = run(capsys, "xor", "--train", "50", "--explain", "J")
    assert code == 0 and unlabelled(out) == []
    lines = out.splitlines()
    first, last = re.fullmatch(rf"trained 50 iterations: J at iteration 0 = ({NUMBER}) → "
                               rf"J at iteration 49 = ({NUMBER})", lines[0]).groups()
    nxt = re.fullmatch(rf"the trained parameters start iteration 50: J at iteration 50 = "
                       rf"({NUMBER})", lines[2]).group(1)
    engine = Engine(load("xor"))
    engine.train(51)
    history = engine.loss_history
    assert [float(first), float(last), float(nxt)] == pytest.approx(
        [history[0], history[49], history[50]], rel=1e-5)
    # --explain J after it explains iteration 50's, and says so where it gives the value
    assert lines[3] == "J at iteration 50, cost J"
    assert lines[-1].startswith("  J at iteration 50 = Σ_i = ")
    assert float(lines[-1].rsplit(" ", 1)[1]) == pytest.approx(history[50], rel=1e-5)
    assert history[49] != pytest.approx(history[50], rel=1e-5)  # two numbers, not one twice


def test_check_names_the_iteration_of_the_cost_it_differentiates(capsys):
    code, out = run(capsys, "xor", "--train", "5", "--check")
    assert code == 0 and unlabelled(out) == []
    J = float(re.search(rf"^J at iteration 5 = ({NUMBER})$", out, re.M).group(1))
    engine = Engine(load("xor"))
    engine.train(6)
    assert J == pytest.approx(engine.loss_history[5], rel=1e-5)


def test_the_nudge_and_the_handout_label_every_cost(capsys, tmp_path):
    code, out = run(capsys, "bug-forgot-m", "--explain", "W[1][0,1]")
    assert code == 0 and unlabelled(out) == []
    assert re.search(rf"^  J at iteration 0 += {NUMBER}$", out, re.M)
    path = tmp_path / "t.md"
    assert main(["xor", "--train", "3", "--transcript", str(path)]) == 0
    text = path.read_text()
    assert unlabelled(text) == []
    costs = re.findall(rf"J at iteration (\d+) = (?:Σ_i = )?({NUMBER})", text)
    assert {i for i, _ in costs} == {"3"} and len(costs) >= 3  # the step, its sum, the check
    engine = Engine(load("xor"))
    engine.train(4)
    assert np.allclose([float(v) for _, v in costs], engine.loss_history[3], rtol=1e-4)
