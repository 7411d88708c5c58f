"""A handout a student can recompute: every number of --transcript is read back from the
Markdown and recomputed from the handout's own X, Y, W and b by a small NumPy network
written here (columns are examples), never by bpdebug's engine.  Each printed number must
agree with the recomputed one at the digits it prints; the gradient-check table must be
--check's, and its columns the true gradient and the engine's.

On bug-forgot-m the handout is of the buggy engine: dW and db are recomputed without
1/m, as the bug computes them, and the table and the nudge must show the failure.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pytest

from bpdebug.cli.main import main
from bpdebug.engine.cursor import Engine
from bpdebug.scenario.reader import load
from bpdebug.teach import transcript as module
from bpdebug.teach.transcript import transcript

# A network of a teacher's own: 3 features, 2 sigmoid units, 1 output, 5 examples,
# every number given, none of them round in binary.
THREE_TWO_ONE = """\
title = "3-2-1 of my own"
seed = 3

[data]
X = [[0.5, -1.0, 2.0, 0.0, 1.5],
     [1.0, 0.25, -0.5, 2.0, -1.0],
     [-0.75, 1.25, 0.5, -0.25, 1.0]]
Y = [[1, 0, 1, 0, 1]]

[network]
loss = "binary_cross_entropy"

[[layers]]
units = 2
activation = "sigmoid"
W = [[0.1, -0.2, 0.3], [-0.4, 0.5, 0.6]]
b = [[0.1], [-0.1]]

[[layers]]
units = 1
activation = "sigmoid"
W = [[0.7, -0.8]]
b = [[0.05]]

[train]
learning_rate = 0.3
"""


# ---- the reference: the post's equations in plain NumPy, columns are examples ------

def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


G = {"relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
     "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
     "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)))}


def forward(X, Y, W, b, g):
    """Z[l], A[l] and J (binary cross-entropy, the loss of all three scenarios)."""
    v = {"A[0]": X}
    for l in range(1, len(W) + 1):
        v[f"Z[{l}]"] = W[l] @ v[f"A[{l - 1}]"] + b[l]
        v[f"A[{l}]"] = G[g[l]][0](v[f"Z[{l}]"])
    A, m = v[f"A[{len(W)}]"], Y.shape[1]
    v["J"] = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    return v


def iteration(X, Y, W, b, g, alpha, one_over_m=True):
    """Every quantity of one iteration, the updated W[l], b[l] under "new W[l]"; without
    one_over_m, dW and db as forgot_one_over_m computes them."""
    v = forward(X, Y, W, b, g)
    L, m = len(W), X.shape[1]
    scale = 1.0 / m if one_over_m else 1.0
    dZ = v[f"A[{L}]"] - Y  # sigmoid output with cross-entropy
    for l in range(L, 0, -1):
        v[f"dZ[{l}]"] = dZ
        v[f"dW[{l}]"] = scale * dZ @ v[f"A[{l - 1}]"].T
        v[f"db[{l}]"] = scale * np.sum(dZ, axis=1, keepdims=True)
        v[f"dA[{l - 1}]"] = W[l].T @ dZ
        if l > 1:
            dZ = v[f"dA[{l - 1}]"] * G[g[l - 1]][1](v[f"Z[{l - 1}]"])
    for l in range(1, L + 1):
        v[f"new W[{l}]"] = W[l] - alpha * v[f"dW[{l}]"]
        v[f"new b[{l}]"] = b[l] - alpha * v[f"db[{l}]"]
    return v


# ---- reading the handout -----------------------------------------------------------

@dataclass
class Handout:
    m: int = 0
    alpha: float = 0.0
    activations: dict = field(default_factory=dict)  # layer → g
    inputs: dict = field(default_factory=dict)  # name → the texts of its entries
    equations: list = field(default_factory=list)  # (equation, value: texts, a line or None)
    worked: list = field(default_factory=list)  # the lines of each written-out element
    check: list = field(default_factory=list)  # the gradient-check block
    verdict: str = ""
    nudge: list = field(default_factory=list)


def blocks(lines: list[str]) -> list[list[str]]:
    """A code block's rows, wide ones put back together from their blocks of columns."""
    parts, part = [], []
    for line in lines:
        if re.fullmatch(r"columns \d+\.\.\d+:", line):
            if part:
                parts.append(part)
            part = []
        else:
            part.append(line.split())
    parts.append(part)
    return [sum((p[r] for p in parts), []) for r in range(len(parts[0]))]


def read(text: str) -> Handout:
    out = Handout()
    lines = text.splitlines()
    header = next(l for l in lines if l.startswith("Network: "))
    out.activations = {int(l): g for l, g in re.findall(r"\[(\d+)\] (\w+) \d+", header)}
    m, alpha = re.search(r"^m = (\d+) examples \(columns\), so 1/m = \S+; α = (\S+)\.$",
                         text, re.M).groups()
    out.m, out.alpha = int(m), float(alpha)
    k, section, current = 0, "", None
    while k < len(lines):
        line = lines[k]
        if line.startswith("## "):
            section, current = line[3:], None
        elif line == "```":
            end = lines.index("```", k + 1)
            body = lines[k + 1:end]
            if section == "Gradient check":
                out.check = body
            elif section == "One nudge":
                out.nudge = body
            elif current is not None and current[1] is None:
                current[1] = blocks(body)  # the value comes first, then the worked element
            elif current is not None:
                out.worked.append(body)
            else:
                raise AssertionError(f"a code block belongs to nothing: {body[:2]}")
            k = end
        elif section.startswith("What iteration") and (bullet := re.match(r"- `(.+?)` ", line)):
            current = [bullet.group(1), None]
            out.inputs[bullet.group(1)] = current
        elif bullet := re.match(r"- `(.+)`  $", line):
            current = [bullet.group(1), None]
            out.equations.append(current)
        elif current is not None and current[1] is None and \
                (line.startswith("*") or line.startswith("J at iteration")):
            current[1] = line  # a note, or J on its own
        elif line.startswith("Verdict: "):
            out.verdict = line
        k += 1
    out.inputs = {name: value for name, value in out.inputs.values()}
    return out


def unit(text: str, figures: int | None = None) -> float:
    """One unit in the last place of a printed number; with figures, of that many
    significant figures (plain() drops the zeros it ends with)."""
    value = float(text)
    if figures is not None:
        return 10.0 ** (math.floor(math.log10(abs(value))) - figures + 1) if value else 0.0
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def agrees(text: str, value: float, figures: int | None = None, noise: float = 0.0) -> bool:
    """The printed text is value rounded at its last digit (or at `figures`)."""
    if text in ("nan", "inf", "-inf"):
        return str(float(value)) == text
    half = 0.5 * unit(text, figures) if float(text) else 0.5 * unit(text)
    return abs(float(text) - value) <= half * (1 + 1e-9) + 1e-15 * abs(value) + noise


def assert_matrix(name: str, texts: list[list[str]], value: np.ndarray) -> None:
    value = np.atleast_2d(value)
    assert (len(texts), len(texts[0])) == value.shape, name
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            assert agrees(text, value[r, c]), f"{name}[{r},{c}] printed {text}, is {value[r, c]!r}"


def element(header: str) -> tuple[str, tuple[int, ...]]:
    """'dW[1]_{0,1} at iteration 0, backward [1]' → ('dW[1]', (0, 1)); b[2]_0 → (0, 0)."""
    match = re.match(r"(\w+(?:\[\d+\])?)(?:_\{?([\d,]+)\}?)? at iteration \d+, ", header)
    name, index = match.groups()
    index = tuple(int(v) for v in index.split(",")) if index else ()
    return name, (index + (0,) if len(index) == 1 else index)


# ---- the handouts ---------------------------------------------------------------

def scenario_path(name: str, tmp_path) -> str:
    if name != "3-2-1":
        return name
    path = tmp_path / "three-two-one.toml"
    path.write_text(THREE_TWO_ONE)
    return str(path)


CASES = [("xor", True), ("3-2-1", True), ("bug-forgot-m", False)]


@pytest.mark.parametrize("name,one_over_m", CASES)
def test_every_number_of_the_handout_is_recomputed_from_its_own_inputs(name, one_over_m, tmp_path):
    engine = Engine(load(scenario_path(name, tmp_path)))
    handout = read(transcript(engine, 0))
    # What it starts from is printed exactly: every entry reads back as the engine's float64.
    start = engine.starting_values(0)
    inputs = {n: np.array([[float(t) for t in row] for row in texts])
              for n, texts in handout.inputs.items()}
    for n, value in inputs.items():
        assert np.array_equal(value, np.atleast_2d(start[n])), n
    L = len(handout.activations)
    assert set(inputs) == {"A[0]", "Y"} | {f"{p}[{l}]" for p in "Wb" for l in range(1, L + 1)}
    assert handout.m == inputs["A[0]"].shape[1] and handout.alpha == engine.scenario.learning_rate
    W = {l: inputs[f"W[{l}]"] for l in range(1, L + 1)}
    b = {l: inputs[f"b[{l}]"] for l in range(1, L + 1)}
    ours = iteration(inputs["A[0]"], inputs["Y"], W, b, handout.activations, handout.alpha,
                     one_over_m)

    # Every equation, with its value: Z, A, J, dZ, dW, db, dA and the update.
    targets = []
    for equation, value in handout.equations:
        target, assign = re.match(r"(\S+) (:?=) ", equation).groups()
        targets.append(target)
        if target.startswith(("dW", "db")):
            assert ("1/m" in equation) == one_over_m, equation  # the bug is in the handout
        if target == "J":
            assert value == f"J at iteration 0 = {value.rsplit(' ', 1)[1]}"
            assert agrees(value.rsplit(" ", 1)[1], ours["J"], figures=6), value
            continue
        assert isinstance(value, list), (equation, value)  # printed, not left out
        assert_matrix(target, value, ours[f"new {target}" if assign == ":=" else target])
    expected = [f"{q}[{l}]" for l in range(1, L + 1) for q in "ZA"] + ["J"] + \
        [f"{q}[{l - (q == 'dA')}]" for l in range(L, 0, -1) for q in ("dZ", "dW", "db", "dA")] + \
        [f"{p}[{l}]" for l in range(1, L + 1) for p in "Wb"]
    assert targets == expected

    # Each written-out element: its value, at plain()'s 6 significant figures.
    assert len(handout.worked) == len(expected)
    for block, target in zip(handout.worked, expected):
        name, index = element(block[0])
        assert name == target
        value = ours[f"new {name}" if name[0] in "Wb" else name]  # W and b: their update
        value = value if name == "J" else value[index]
        last = re.sub(r" \(the engine's value: \S+\)$", "", block[-1])
        if name == "J":
            assert last.startswith("  J at iteration 0 = ")
        assert agrees(last.rsplit(" = ", 1)[1], value, figures=6), (block[0], last, value)

    # The gradient check: --check's lines, the analytic column the engine's gradient (as
    # the handout computes it), the numeric column the true one.
    true = iteration(inputs["A[0]"], inputs["Y"], W, b, handout.activations, handout.alpha)
    rows = [re.match(r"(\d+)\s+(d[Wb]\[\d+\])\s+\S+\s+(good|look closer|wrong)\s+"
                     r"\(([\d, ]+)\)\s+(\S+)\s+(\S+)", line) for line in handout.check[3:]]
    assert all(rows), handout.check
    assert [r.group(2) for r in rows] == [f"d{p}[{l}]" for l in range(L, 0, -1) for p in "Wb"]
    for row in rows:
        _, param, band, at, analytic, numeric = row.groups()
        index = tuple(int(v) for v in at.split(","))
        assert agrees(analytic, ours[param][index]), (row.group(0), ours[param][index])
        g = true[param][index]
        assert agrees(numeric, g, noise=1e-6 * abs(g) + 1e-9), (row.group(0), g)
        assert band in (("good", "look closer") if one_over_m else ("wrong",)), row.group(0)
    J_line = handout.check[0]
    assert J_line.startswith("J at iteration 0 = ") and agrees(J_line.split()[-1], ours["J"],
                                                              figures=6)
    if one_over_m:
        assert handout.verdict == "Verdict: every shape fits and every gradient checks out."
    else:
        assert handout.verdict.startswith("Verdict: gradient check failed for dW[3], db[3]")

    # The nudge: J, J moved by ε, ΔJ/ε and the gradient it is set beside.
    head = re.match(r"nudge (\w+\[\d+\])_\{?([\d,]+)\}? = (\S+) by ε = (\S+) at iteration 0$",
                    handout.nudge[0])
    param, index = head.group(1), tuple(int(v) for v in head.group(2).split(","))
    index = index + (0,) if len(index) == 1 else index
    theta = inputs[param]
    assert agrees(head.group(3), theta[index], figures=6)
    assert handout.nudge[1] == "  (every other parameter and the data held fixed)"
    rows = dict(re.match(r"  (.+?) += (\S+)$", line).groups() for line in handout.nudge[2:-1])
    nudged = {"W": dict(W), "b": dict(b)}[param[0]]
    l = int(param[2:-1])
    nudged[l] = theta.copy()
    nudged[l][index] += float(head.group(4))
    eps = nudged[l][index] - theta[index]  # the nudge actually applied
    moved = ({**W, **nudged}, b) if param[0] == "W" else (W, {**b, **nudged})
    J_plus = forward(inputs["A[0]"], inputs["Y"], *moved, handout.activations)["J"]
    assert agrees(rows["J at iteration 0"], ours["J"], figures=12)
    assert agrees(rows["J(+ε)"], J_plus, figures=12)
    assert agrees(rows["ΔJ"], J_plus - ours["J"], figures=6, noise=1e-15)
    rounding = 8 * np.finfo(float).eps / eps  # J is known to a few units in its last place
    assert agrees(rows["ΔJ/ε"], (J_plus - ours["J"]) / eps, figures=8, noise=rounding)
    gradient = ours["d" + param][index]
    assert agrees(rows[f"d{param}_{{{','.join(map(str, index))}}}"
                       if param[0] == "W" else f"d{param}_{index[0]}"], gradient, figures=8)
    if one_over_m:
        assert "they agree" in handout.nudge[-1]
    else:  # m times apart: the forgotten 1/m
        assert "they disagree" in handout.nudge[-1] and "forgot_one_over_m" in handout.nudge[-1]
        assert gradient == pytest.approx(handout.m * true["d" + param][index], rel=1e-12)
        assert float(rows["ΔJ/ε"]) == pytest.approx(true["d" + param][index], rel=1e-5)


@pytest.mark.parametrize("name,one_over_m", CASES)
def test_the_handouts_gradient_check_is_what_check_prints(name, one_over_m, tmp_path, capsys):
    path = scenario_path(name, tmp_path)
    code = main([path, "--check"])
    printed = capsys.readouterr().out.splitlines()
    assert code == (0 if one_over_m else 1)
    handout = read(transcript(Engine(load(path)), 0))
    table = handout.check
    start = printed.index(table[0])
    assert table[0].startswith("J at iteration 0 = ") and len(table) == 3 + 2 * len(
        Engine(load(path)).sizes[1:])  # J, the method, the header, a row a dW and a db
    assert printed[start:start + len(table)] == table
    verdict = handout.verdict.removeprefix("Verdict: ").removesuffix(".")
    assert printed[-1] == f"verdict: {verdict} → exit {code}"


def test_a_matrix_too_large_to_print_is_named_with_its_shape_and_range(monkeypatch):
    monkeypatch.setattr(module, "ENTRIES", 4)  # on xor: X, W[1], Z[1], ... are too large
    engine = Engine(load("xor"))
    text = transcript(engine, 0)
    handout = read(text)
    env = {**engine.starting_values(0), **engine.iteration_env(0)}
    left_out = 0
    for name, value in [*handout.inputs.items(), *handout.equations]:
        target = re.match(r"\S+", name).group(0)
        if target == "J":
            assert value.startswith("J at iteration 0 = "), value
            continue
        if np.size(env[target]) <= 4:
            assert isinstance(value, list), name
            continue
        left_out += 1
        array = np.asarray(env[target] if ":=" not in name else engine.parameters(1)[target])
        note = re.fullmatch(rf"\*{re.escape(target)} is (\d+)×(\d+): not printed \(more than 4 "
                            r"entries\); min (\S+), max (\S+), mean (\S+)\.\*", value)
        assert note, value
        assert tuple(map(int, note.groups()[:2])) == array.shape
        for text_, stat in zip(note.groups()[2:], (array.min(), array.max(), array.mean())):
            assert agrees(text_, stat, figures=8), (name, text_, stat)
    assert left_out == 9  # A[0], W[1], Z[1], A[1], dA[1], dZ[1], dW[1], dA[0] and the new W[1]


def test_a_wide_matrix_is_cut_into_blocks_of_columns_that_read_back_whole():
    engine = Engine(load("bug-forgot-m"))  # 64 examples: 2×64 X, 5×64 Z[1]
    text = transcript(engine, 0)
    handout = read(text)
    rows = [line for line in text.splitlines() if re.fullmatch(r"[-\d.e+ ]+", line)]
    assert "columns 0..3:" in text and rows and max(map(len, rows)) <= module.WIDTH
    assert np.array_equal(np.array(handout.inputs["A[0]"], dtype=float),
                          engine.starting_values(0)["A[0]"])
    Z1 = dict(handout.equations)["Z[1] = W[1]·A[0] + b[1]"]
    assert np.shape(Z1) == (5, 64)
