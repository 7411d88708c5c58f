"""One element at a time (explain.py, --explain): every element of every equation is
written out with the right entries of the right operands, its terms add up to the value
the engine computed, and the nudge agrees with a difference of J computed here.

The expected terms are written below with explicit index loops, straight from the
post, and never call explain.py's maths."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpdebug.engine.cursor import Engine
from bpdebug.scenario.reader import load
from bpdebug.engine import gradcheck
from bpdebug.engine.elements import Sum
from bpdebug.engine.names import subscripted
from bpdebug.engine.nudge import Nudge
from bpdebug.teach.element import BadElement, Element, names, parse
from bpdebug.teach.explain import Explanation, Stopped, explain, nudge
from bpdebug.teach.render import explanation_lines, nudge_lines
from tests import build
from tests.conftest import bpdebug, examples, make, networks

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = examples(30)
VALUE_MISTAKES = ("forgot_one_over_m", "activation_not_derivative",
                  "output_derivative_everywhere", "dZ_output_sign", "gradient_ascent")
MATCHING = {"binary_cross_entropy": "sigmoid", "cross_entropy": "softmax",
            "mean_squared_error": "linear"}


def computed(engine: Engine, i: int = 0):
    """(name, value) of every equation iteration i computed without a mismatch, in order,
    and the values as the iteration stands (before its update, or where it stopped)."""
    out, env = [], None
    for k in range(engine.S):
        record = engine.record(i * engine.S + k)
        if record.index != i * engine.S + k:
            break
        if record.step.kind != "update":
            env = record.env
        out += [(c.equation.target, c.result.value) for c in record.computed if c.ok]
        if not record.ok:
            break
    return out, env


# ---- the post's element equations, written with index loops -----------------------------

def _scalar(fn, z: float) -> float:
    return float(fn(np.array([[z]]))[0, 0])


def expected(name: str, idx: tuple, env: dict, old: dict, activations, loss, bugs) -> list:
    """The terms of one element as (kind, sign, scale, cells-and-values), independently."""
    L, m = len(activations), env["Y"].shape[1]
    q, l = re.fullmatch(r"(\w+?)(?:\[(\d+)\])?", name).groups()
    l = int(l) if l is not None else None
    E = lambda n, *ix: float(env[n][ix])  # noqa: E731
    if q == "Z":
        j, i = idx
        n_prev = env[f"A[{l - 1}]"].shape[0]
        terms = [([(f"W[{l}]", (j, k)), (f"A[{l - 1}]", (k, i))],
                  E(f"W[{l}]", j, k) * E(f"A[{l - 1}]", k, i)) for k in range(n_prev)]
        return [("Σ", 1, None, terms), ("term", 1, [(f"b[{l}]", (j, 0))], E(f"b[{l}]", j, 0))]
    if q == "A":
        j, i = idx
        g = activations[l - 1]
        if g == "softmax":
            Z = env[f"Z[{l}]"]
            return [("term", 1, [(f"Z[{l}]", (j, i))], math.exp(Z[j, i])),
                    ("Σ", 1, None, [([(f"Z[{l}]", (r, i))], math.exp(Z[r, i]))
                                    for r in range(Z.shape[0])])]
        return [("term", 1, [(f"Z[{l}]", (j, i))], _scalar(build.G[g], E(f"Z[{l}]", j, i)))]
    if q == "J":
        A, Y = env[f"A[{L}]"], env["Y"]
        terms = [([c for j in range(Y.shape[0]) for c in ((f"A[{L}]", (j, i)), ("Y", (j, i)))],
                  build.cost(loss, A[:, [i]], Y[:, [i]]) / m) for i in range(m)]
        return [("Σ", 1, None, terms)]
    if q == "dZ":
        j, i = idx
        g = activations[l - 1]
        if l == L and g == MATCHING[loss]:
            a, y = (f"A[{L}]", (j, i)), ("Y", (j, i))
            first, second = (y, a) if "dZ_output_sign" in bugs else (a, y)
            return [("term", 1, [first], E(first[0], *first[1])),
                    ("term", -1, [second], -E(second[0], *second[1]))]
        at = L if "output_derivative_everywhere" in bugs and l < L \
            and "activation_not_derivative" not in bugs else l
        z = E(f"Z[{at}]", j, i)
        if "activation_not_derivative" in bugs:
            slope = _scalar(build.G[g], z)
        else:
            slope = float(build.G_PRIME[g](np.array(z), _scalar(build.G[g], z)))
        return [("term", 1, [(f"dA[{l}]", (j, i)), (f"Z[{at}]", (j, i))],
                 E(f"dA[{l}]", j, i) * slope)]
    if q == "dA" and l == L:  # the loss's gradient, for an output that does not match it
        j, i = idx
        a, y = E(f"A[{L}]", j, i), E("Y", j, i)
        assert loss == "mean_squared_error"  # the only loss paired with other outputs
        value = a - y
        return [("term", 1, [(f"A[{L}]", (j, i)), ("Y", (j, i))], value)]
    if q == "dA":  # dA[l]_{k,i} = Σ_j W[l+1]_{j,k} dZ[l+1]_{j,i}
        k, i = idx
        n = env[f"W[{l + 1}]"].shape[0]
        return [("Σ", 1, None, [([(f"W[{l + 1}]", (j, k)), (f"dZ[{l + 1}]", (j, i))],
                                 E(f"W[{l + 1}]", j, k) * E(f"dZ[{l + 1}]", j, i))
                                for j in range(n)])]
    scale = None if "forgot_one_over_m" in bugs else "1/m"
    if q == "dW":
        j, k = idx
        return [("Σ", 1, scale, [([(f"dZ[{l}]", (j, i)), (f"A[{l - 1}]", (k, i))],
                                  E(f"dZ[{l}]", j, i) * E(f"A[{l - 1}]", k, i))
                                 for i in range(m)])]
    if q == "db":
        j, _ = idx
        return [("Σ", 1, scale, [([(f"dZ[{l}]", (j, i))], E(f"dZ[{l}]", j, i))
                                 for i in range(m)])]
    if q in ("W", "b"):  # the update: W[l]_{j,k} := W[l]_{j,k} − α dW[l]_{j,k}
        sign = 1 if "gradient_ascent" in bugs else -1
        step = env["α"] * E(f"d{name}", *idx)
        return [("term", 1, [(name, idx)], float(old[name][idx])),
                ("term", sign, [("α", ()), (f"d{name}", idx)], sign * step)]
    raise AssertionError(f"no expectation for {name}")


def canonical(explained: Explanation) -> list:
    parts = explained.parts + ((explained.over,) if explained.over is not None else ())
    out = []
    for part in parts:
        if isinstance(part, Sum):
            out.append(("Σ", part.sign, part.scale.cell.name if part.scale else None,
                        [([(c.name, c.index) for c in t.cells], t.value) for t in part.terms]))
        else:
            out.append(("term", part.sign, [(c.name, c.index) for c in part.cells], part.value))
    return out


def close(got: float, want: float, rel: float = 1e-12) -> bool:
    return abs(got - want) <= rel * max(abs(got), abs(want)) or got == want


def magnitude(explained: Explanation) -> float:
    """The size of the numbers summed, which bounds the rounding of any summation order."""
    total = 0.0
    for part in explained.parts:
        if isinstance(part, Sum):
            scale = abs(part.scale.value) if part.scale else 1.0
            total += scale * math.fsum(abs(t.value) for t in part.terms)
        else:
            total += abs(part.value)
    return total


def check_element(engine, name, idx, env, old, activations, loss, bugs):
    explained = explain(engine, Element(name, idx), 0)
    assert isinstance(explained, Explanation), explained
    got, want = canonical(explained), expected(name, idx, env, old, activations, loss, bugs)
    assert len(got) == len(want), f"{name}{idx}: {explained.general}"
    for g, w in zip(got, want):
        assert g[:3] == w[:3], f"{name}{idx}: {g[:3]} ≠ {w[:3]}"
        if g[0] == "Σ":
            assert [cells for cells, _ in g[3]] == [cells for cells, _ in w[3]], name
            rel = 1e-8 if name == "J" else 1e-12  # log A against the engine's logits
            for (_, a), (_, b) in zip(g[3], w[3]):
                assert close(a, b, rel), f"{name}{idx}: term {a} ≠ {b}"
        else:
            assert g[2] == w[2] and close(g[3], w[3]), f"{name}{idx}: {g} ≠ {w}"
    # The terms add up to the element's value as the engine computed it.
    assert explained.element.value == float(np.asarray(
        engine.record(engine.S - 1).env[name] if name[0] in "Wb" else env[name])[idx])
    if explained.over is not None:
        assert close(explained.value, explained.element.value)
    else:
        assert abs(explained.value - explained.element.value) <= 1e-12 * magnitude(explained)
    # Every cell that feeds the element is offered for highlighting, and no other.
    cells = {(n, ix) for part in want for n, ix in
             (part[2] if part[0] == "term" else [c for cs, _ in part[3] for c in cs])}
    cells |= {(part[2], ()) for part in want if part[0] == "Σ" and part[2]}
    assert {(n, ix) for n, ixs in explained.cells().items() for ix in ixs} == cells
    return explained


@settings(**SETTINGS)
@given(networks(max_layers=4, max_units=6, mistakes=VALUE_MISTAKES), st.data())
def test_every_equation_expands_into_the_right_terms_that_add_up_to_its_value(net, data):
    X, Y, params, activations, loss, seed, bugs = net
    engine = make(net, lr=0.3)
    old = engine.parameters(0)
    done, env = computed(engine)
    for name, value in done:
        idx = () if name == "J" else tuple(
            data.draw(st.integers(0, d - 1), label=f"{name} index") for d in np.shape(value))
        check_element(engine, name, idx, env, old, activations, loss, bugs)


@settings(**SETTINGS)
@given(networks(max_layers=4, max_units=6))
def test_the_inputs_are_explained_as_the_data_they_are(net):
    engine = make(net, lr=0.3)
    X, Y = net[0], net[1]
    for name, M in (("A[0]", X), ("Y", Y)):
        for idx in np.ndindex(M.shape):
            explained = explain(engine, Element(name, idx), 0)
            assert explained.element.value == explained.value == M[idx]


def test_every_quantity_of_a_softmax_network_can_be_explained():
    X, Y, params = build.problem(3, ["relu", "tanh", "softmax"], "cross_entropy", [3, 4, 3, 5])
    engine = Engine(build.scenario(X, Y, [4, 3, 5], ["relu", "tanh", "softmax"],
                                   "cross_entropy", params=params))
    done, env = computed(engine)
    assert {name for name, _ in done} | {"A[0]", "Y"} == set(names(engine))
    for name, value in done:
        for idx in np.ndindex(np.shape(value)):
            check_element(engine, name, idx, env, engine.parameters(0),
                          ["relu", "tanh", "softmax"], "cross_entropy", ())
    A3 = explain(engine, Element("A[3]", (2, 1)), 0)
    assert A3.general == "A[3]_{j,i} = e^(Z[3]_{j,i}) / Σ_r e^(Z[3]_{r,i})"
    assert A3.over is not None and len(A3.over.terms) == 5


# ---- long sums, mistakes, stops ----------------------------------------------------------

@pytest.fixture(scope="module")
def mnist():
    return Engine(load("mnist-size"))


def test_a_784_term_sum_shows_its_first_and_last_terms_and_how_many_between(mnist):
    explained = explain(mnist, Element("Z[1]", (5, 7)), 0)
    lines = explanation_lines(explained)
    text = "\n".join(lines)
    assert "784 terms, k = 0..783" in text
    shown = [int(v) for v in re.findall(r"^    k=(\d+) ", text, re.M)]
    assert shown == [0, 1, 2, 783]
    assert sum("… 780 more (k = 3..782)" in line for line in lines) == 1
    assert len(explained.parts[0].terms) == 784  # the elided terms are all still there
    W, A = mnist.iteration_env(0)["W[1]"], mnist.iteration_env(0)["A[0]"]
    last = re.escape("k=783  W[1]_{5,783} · A[0]_{783,7} = ")
    assert re.search(rf"{last}.* = {re.escape(f'{W[5, 783] * A[783, 7]:.6g}')}$", text, re.M)
    assert len(explained.cells()["A[0]"]) == 784  # the whole column k of example 7 lights up
    dW = explain(mnist, Element("dW[1]", (3, 400)), 0)
    assert "256 terms, i = 0..255" in "\n".join(explanation_lines(dW))
    assert "… 252 more (i = 3..254)" in "\n".join(explanation_lines(dW))


def sum_lines(text: str, letter: str) -> list[int]:
    return [int(v) for v in re.findall(rf"^    {letter}=(\d+) ", text, re.M)]


@pytest.mark.parametrize("m", [6, 9, 16])
def test_a_sum_of_up_to_16_terms_is_written_whole(m):
    X, Y, params = build.problem(11, ["tanh", "sigmoid"], "binary_cross_entropy", [3, 2, 1], m)
    engine = Engine(build.scenario(X, Y, [2, 1], ["tanh", "sigmoid"], "binary_cross_entropy",
                                   params=params))
    text = "\n".join(explanation_lines(explain(engine, Element("dW[1]", (1, 2)), 0)))
    assert f"{m} terms, i = 0..{m - 1}" in text
    assert sum_lines(text, "i") == list(range(m)) and "more" not in text


def test_a_sum_of_17_terms_elides_all_but_its_first_three_and_its_last():
    X, Y, params = build.problem(11, ["tanh", "sigmoid"], "binary_cross_entropy", [3, 2, 1], 17)
    engine = Engine(build.scenario(X, Y, [2, 1], ["tanh", "sigmoid"], "binary_cross_entropy",
                                   params=params))
    text = "\n".join(explanation_lines(explain(engine, Element("db[1]", (0, 0)), 0)))
    assert sum_lines(text, "i") == [0, 1, 2, 16] and "… 13 more (i = 3..15)" in text


def scenario_with(bugs, activations=("tanh", "sigmoid"), loss="binary_cross_entropy",
                  n=(2, 3, 1)):
    X, Y, params = build.problem(7, list(activations), loss, list(n), 5)
    return Engine(build.scenario(X, Y, list(n[1:]), list(activations), loss, params=params,
                                 bugs=bugs))


@pytest.mark.parametrize("bug, name, idx, written", [
    ("forgot_one_over_m", "dW[1]", (0, 1), "dW[1]_{j,k} = Σ_i dZ[1]_{j,i} · A[0]_{k,i}"),
    ("forgot_one_over_m", "db[2]", (0, 0), "db[2]_j = Σ_i dZ[2]_{j,i}"),
    ("activation_not_derivative", "dZ[1]", (1, 2), "dZ[1]_{j,i} = dA[1]_{j,i} · tanh(Z[1]_{j,i})"),
    ("dZ_output_sign", "dZ[2]", (0, 3), "dZ[2]_{j,i} = Y_{j,i} − A[2]_{j,i}"),
    ("gradient_ascent", "W[1]", (2, 1), "W[1]_{j,k} := W[1]_{j,k} + α dW[1]_{j,k}"),
    ("gradient_ascent", "b[2]", (0, 0), "b[2]_j := b[2]_j + α db[2]_j"),
])
def test_an_injected_mistake_is_shown_as_the_wrong_equation_it_is(bug, name, idx, written):
    engine = scenario_with((bug,))
    explained = explain(engine, Element(name, idx), 0)
    assert explained.general == written and explained.mistake == bug
    assert f"injected mistake {bug}" in "\n".join(explanation_lines(explained))
    right = explain(scenario_with(()), Element(name, idx), 0)
    assert right.general != written and right.mistake is None


def test_the_post_typo_shows_g_prime_of_the_output_layer():
    engine = scenario_with(("output_derivative_everywhere",), ("tanh", "linear"),
                           "mean_squared_error", (2, 1, 1))
    explained = explain(engine, Element("dZ[1]", (0, 2)), 0)
    assert explained.general == "dZ[1]_{j,i} = dA[1]_{j,i} · tanh'(Z[2]_{j,i})"


def test_a_shape_mistake_stops_the_iteration_and_says_where():
    engine = Engine(load("bug-dw-no-transpose"))
    for name in ("dW[3]", "db[3]", "dW[1]", "W[1]"):
        stopped = explain(engine, Element(name, (0, 0)), 0)
        assert isinstance(stopped, Stopped)
        assert "stops at backward [3]" in stopped.line() and "dW_no_transpose" in stopped.line()
    assert isinstance(explain(engine, Element("dZ[3]", (0, 0)), 0), Explanation)
    assert isinstance(nudge(engine, Element("W[1]", (0, 0)), 0), Stopped)


def test_names_and_indices_that_do_not_exist_are_refused_with_the_valid_range():
    engine = Engine(load("xor"))
    assert parse("dW[1][0,1]", engine) == Element("dW[1]", (0, 1))
    assert parse(" b[2][0] ", engine) == parse("b[2][0,0]", engine) == Element("b[2]", (0, 0))
    assert parse("J", engine) == parse("J[]", engine) == Element("J", ())
    assert parse("Y[0,3]", engine) == Element("Y", (0, 3))
    assert parse("dA[0][1,3]", engine) == Element("dA[0]", (1, 3))
    for text, phrase in [("dA[2][0,0]", "dA[0..1]"), ("Q[1][0,0]", "A[0..2]"),
                         ("dW[1][3,0]", "j in 0..2 and k in 0..1"), ("dW[1]", "dW[1][j,k]"),
                         ("b[1][3]", "j in 0..2"), ("J[0]", "without an index"),
                         ("W[1][0,x]", "whole numbers"), ("W[1][0,-1]", "(got W[1][0,-1])"),
                         ("W[1][0,1][2]", "one index"),
                         ("", "not an element"), ("A[0][2,0]", "k in 0..1 and i in 0..3")]:
        with pytest.raises(BadElement, match=re.escape(phrase)):
            parse(text, engine)
    with pytest.raises(BadElement, match=re.escape("(got W[1][9,0])")):  # the API checks too
        explain(engine, Element("W[1]", (9, 0)), 0)


# The three spellings of one element: the screen's, bpdebug's printed index notation and the
# post's dictionary key.  The expected elements are written out here, never parsed.
SPELLINGS = [
    (("W[1][1,0]", "W[1]_{1,0}", "W1[1,0]"), Element("W[1]", (1, 0))),
    (("b[1][2]", "b[1]_2", "b1[2]", "b[1]_{2}", "b1[2,0]"), Element("b[1]", (2, 0))),
    (("dW[2][0,2]", "dW[2]_{0,2}", "dW2[0,2]"), Element("dW[2]", (0, 2))),
    (("db[2][0]", "db[2]_0", "db2[0]"), Element("db[2]", (0, 0))),
    (("A[0][1,3]", "A[0]_{1,3}", "A0[1,3]"), Element("A[0]", (1, 3))),
    (("Z[2][0,1]", "Z[2]_{0,1}", "Z2[0,1]"), Element("Z[2]", (0, 1))),
    (("dZ[1][2,3]", "dZ[1]_{2,3}", "dZ1[2,3]"), Element("dZ[1]", (2, 3))),
    (("dA[0][1,2]", "dA[0]_{1,2}", "dA0[1,2]", " dA0 [ 1 , 2 ] "), Element("dA[0]", (1, 2))),
    (("Y[0,3]", "Y_{0,3}"), Element("Y", (0, 3))),
    (("J", "J[]"), Element("J", ())),
]


@pytest.mark.parametrize("spellings, element", SPELLINGS, ids=lambda v: str(v))
def test_every_spelling_names_the_same_element(spellings, element):
    engine = Engine(load("xor"))
    for text in spellings:
        assert parse(text, engine) == element, text
    # and the way bpdebug prints an entry reads back as that entry
    if element.index:
        assert parse(subscripted(element.name, element.index), engine) == element


def test_a_key_s_digits_are_all_its_layer():
    sizes = [2] * 11 + [1]
    engine = Engine(build.scenario([[0, 1], [1, 0]], [[0, 1]], sizes, ["tanh"] * 11 + ["sigmoid"],
                                   "binary_cross_entropy"))
    assert engine.L == 12
    assert parse("dW12[0,1]", engine) == parse("dW[12]_{0,1}", engine) == Element("dW[12]", (0, 1))
    assert parse("dW1[0,1]", engine) == Element("dW[1]", (0, 1))
    assert parse("W10[1,0]", engine) == Element("W[10]", (1, 0))
    assert parse("b11_1", engine) == Element("b[11]", (1, 0))
    # On a network of two layers, dW12 is layer 12, which it does not have: never dW[1]_2.
    xor = Engine(load("xor"))
    with pytest.raises(BadElement) as caught:
        parse("dW12[0,0]", xor)
    assert str(caught.value).startswith("dW12 reads as dW[12]: no quantity dW[12] in this "
                                        "network; it has A[0..2]")
    assert "dW[1..2]" in str(caught.value)


@pytest.mark.parametrize("text", ["dW(1)[0,1]", "dW[1]{0,1}", "dW[1]_{0,1}[0]", "dW 1[0,1]",
                                  "dW[1]_", "1dW[0,1]", "dW[1]_{0,1}_{0,1}"])
def test_a_spelling_that_is_none_of_the_three_says_which_work(text):
    with pytest.raises(BadElement) as caught:
        parse(text, Engine(load("xor")))
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"not an element: {text!r}")
    assert "dW[1][0,1], dW[1]_{0,1} or dW1[0,1]" in message


def test_the_other_refusals_read_the_same_in_every_spelling():
    engine = Engine(load("xor"))
    for text, phrase in [("dW[1]_{3,0}", "j in 0..2 and k in 0..1"), ("dW1[3,0]", "(got dW[1][3,0])"),
                         ("dW1", "dW[1][j,k]"), ("b1_3", "j in 0..2"),
                         ("dW[1]_{j,k}", "whole numbers"), ("dW1[0,1]_{0,1}", "one index"),
                         ("dW_{0,1}", "no quantity dW in this network"),
                         ("Y0[1]", "Y0 reads as Y[0]: no quantity Y[0]")]:
        with pytest.raises(BadElement, match=re.escape(phrase)):
            parse(text, engine)


# ---- the nudge ---------------------------------------------------------------------------

def central(X, Y, params, activations, loss, which: str, idx, eps=1e-6) -> float:
    """∂J/∂θ by a central difference of J computed by tests/build.py."""
    l = int(which[2]) - 1
    values = []
    for sign in (1, -1):
        nudged = [list(p) for p in params]
        theta = np.array(params[l][0 if which[0] == "W" else 1])
        theta[idx] += sign * eps
        nudged[l][0 if which[0] == "W" else 1] = theta
        values.append(build.J(X, Y, nudged, activations, loss))
    return (values[0] - values[1]) / (2 * eps)


@settings(**SETTINGS)
@given(networks(max_layers=4, max_units=6), st.data())
def test_the_nudge_agrees_with_a_central_difference_computed_independently(net, data):
    X, Y, params, activations, loss, seed, _ = net
    params = build.away_from_kinks(X, params, activations, margin=1e-3, seed=seed)
    engine = make(net._replace(params=params), lr=0.3)
    l = data.draw(st.integers(1, len(params)), label="layer")
    which = data.draw(st.sampled_from(["W", "b", "dW", "db"]), label="which")
    name = f"{which}[{l}]"
    shape = params[l - 1][0 if "W" in which else 1].shape
    idx = tuple(data.draw(st.integers(0, d - 1), label="index") for d in shape)
    nudged = nudge(engine, Element(name, idx), 0)
    assert isinstance(nudged, Nudge) and nudged.crossed == ()
    want = central(X, Y, params, activations, loss, name.removeprefix("d"), idx)
    assert abs(nudged.ratio - want) <= 1e-4 * (1 + abs(want)), (nudged.ratio, want)
    # The gradient beside it is the engine's, and the two J are J, computed here too.
    assert nudged.gradient.value == engine.iteration_env(0)["d" + name.removeprefix("d")][idx]
    theta = np.array(params[l - 1][0 if "W" in which else 1])
    assert nudged.parameter.value == theta[idx]
    assert close(nudged.J, build.J(X, Y, params, activations, loss), 1e-10)
    theta[idx] += nudged.eps
    moved = [list(p) for p in params]
    moved[l - 1][0 if "W" in which else 1] = theta
    assert close(nudged.J_nudged, build.J(X, Y, moved, activations, loss), 1e-10)


def test_epsilon_is_the_gradient_checks_and_can_be_chosen():
    engine = Engine(load("xor"))
    w = engine.parameters(0)["W[1]"][0, 1]
    assert abs(w) > 1  # one rule for every entry, large or small
    assert nudge(engine, Element("W[1]", (0, 1)), 0).eps == pytest.approx(gradcheck.EPS, rel=1e-8)
    assert nudge(engine, Element("b[2]", (0, 0)), 0).eps == pytest.approx(gradcheck.EPS, rel=1e-8)
    wide = nudge(engine, Element("W[1]", (0, 1)), 0, eps=1e-2)
    assert wide.eps == pytest.approx(1e-2, rel=1e-12)
    with pytest.raises(BadElement, match="too small"):
        nudge(engine, Element("W[1]", (0, 1)), 0, eps=1e-300)
    with pytest.raises(BadElement, match="only an entry of W"):
        nudge(engine, Element("Z[1]", (0, 1)), 0)


def test_the_nudge_and_the_gradient_check_share_their_noise():
    engine = Engine(load("xor"))
    nudged = nudge(engine, Element("W[1]", (0, 1)), 0)
    assert nudged.noise == gradcheck.noise(nudged.J, nudged.eps)
    # the noise of J over ε: ten units in the last place of J (0.72), over 1e-7
    assert nudged.noise == pytest.approx(10 * np.finfo(float).eps / 1e-7, rel=1e-6)


def test_the_nudge_says_when_it_crosses_a_relu_kink():
    engine = Engine(load("xor"))
    env = engine.iteration_env(0)
    # Example 0 is (0, 0) and b[1] starts at 0, so Z[1]_{0,0} sits exactly on the kink;
    # nudging b[1]_0 up switches that unit on.
    assert env["Z[1]"][0, 0] == 0 and engine.scenario.layers[0].activation == "relu"
    over = nudge(engine, Element("b[1]", (0, 0)), 0)
    assert [(e.name, e.index) for e in over.crossed] == [("Z[1]", (0, 0))]
    assert "ReLU kink" in nudge_lines(over)[-1] and "Z[1]_{0,0}" in nudge_lines(over)[-1]
    clear = nudge(engine, Element("W[2]", (0, 1)), 0)
    assert clear.crossed == () and "kink" not in "\n".join(nudge_lines(clear))


def test_a_wrong_gradient_disagrees_with_the_nudge():
    engine = scenario_with(("forgot_one_over_m",))
    nudged = nudge(engine, Element("dW[2]", (0, 1)), 0)
    m = engine.iteration_env(0)["Y"].shape[1]
    assert nudged.gradient.value == pytest.approx(m * nudged.ratio, rel=1e-4)
    assert "they disagree" in nudge_lines(nudged)[-1] and "forgot_one_over_m" in nudge_lines(nudged)[-1]


def test_nothing_changes_the_parameters_and_the_engine_stay_as_they_were():
    engine = Engine(load("xor"))
    engine.goto(engine.S + 3)  # somewhere in iteration 1
    before = (engine.position, list(engine.loss_history),
              [build.snapshot(engine.record(s)) for s in range(2 * engine.S)],
              build.params_bits(engine.parameters(0)), build.params_bits(engine.parameters(1)))
    arrays = {k: v for k, v in engine.parameters(0).items()}
    for text in ("W[1][0,1]", "dW[2][0,2]", "b[1][0]", "db[2][0]"):
        for i in (0, 1):
            assert isinstance(nudge(engine, parse(text, engine, i), i), Nudge)
            assert isinstance(explain(engine, parse(text, engine, i), i), Explanation)
    assert all(arrays[k] is v for k, v in engine.parameters(0).items())
    after = (engine.position, list(engine.loss_history),
             [build.snapshot(engine.record(s)) for s in range(2 * engine.S)],
             build.params_bits(engine.parameters(0)), build.params_bits(engine.parameters(1)))
    assert after == before


# ---- the command line --------------------------------------------------------------------

@pytest.mark.process
def test_explain_prints_the_sum_that_checks_by_hand_and_the_nudge():
    done = bpdebug("xor", "--explain", "dW[1][0,1]")
    assert done.returncode == 0 and done.stderr == ""
    out = done.stdout
    assert "dW[1]_{0,1} = 1/m Σ_i dZ[1]_{0,i} · A[0]_{1,i}        4 terms, i = 0..3" in out
    # By hand: each term is the product shown, Σ is their sum, dW is 1/m times Σ.
    terms = re.findall(r"^    i=(\d)  dZ\[1\]_\{0,\1\} · A\[0\]_\{1,\1\} = (\S+) · \(?(\S+?)\)? "
                       r"= (\S+)$", out, re.M)
    assert [int(t[0]) for t in terms] == [0, 1, 2, 3]
    for _, a, b, product in terms:
        assert float(product) == pytest.approx(float(a) * float(b), rel=1e-5, abs=1e-6)
    total = float(re.search(r"Σ_i = (\S+)", out).group(1))
    assert total == pytest.approx(sum(float(t[3]) for t in terms), abs=2e-6)
    value = float(re.search(r"^  dW\[1\]_\{0,1\} = 1/m · Σ_i = 0\.25 · \S+ = (\S+)$", out,
                            re.M).group(1))
    assert value == pytest.approx(0.25 * total, rel=1e-5)
    env = Engine(load("xor")).iteration_env(0)
    assert value == pytest.approx(env["dW[1]"][0, 1], rel=1e-5)
    assert "nudge W[1]_{0,1}" in out and "ΔJ/ε" in out and "they agree" in out


@pytest.mark.process
def test_explain_after_training_explains_that_iteration():
    done = bpdebug("xor", "--train", "5", "--explain", "db[2][0]")
    assert done.returncode == 0
    assert "db[2]_0 at iteration 5, backward [2]" in done.stdout
    engine = Engine(load("xor"))
    engine.train(5)
    value = float(re.search(r"^  db\[2\]_0 = 1/m · Σ_i = \S+ · \S+ = (\S+)$", done.stdout,
                            re.M).group(1))
    assert value == pytest.approx(engine.iteration_env(5)["db[2]"][0, 0], rel=1e-5)
    assert value != pytest.approx(engine.iteration_env(0)["db[2]"][0, 0], rel=1e-3)


@pytest.mark.process
@pytest.mark.parametrize("text", ["J", "J[]"])
def test_J_takes_no_index(text):
    done = bpdebug("xor", "--explain", text)
    assert done.returncode == 0 and done.stdout.startswith("J at iteration 0, cost J")


@pytest.mark.process
@pytest.mark.parametrize("text, phrase", [
    ("dA[2][0,0]", "no quantity dA[2] in this network; it has A[0..2]"),
    ("Z[1][3,0]", "Z[1] is 3×4: write Z[1][j,i] with j in 0..2 and i in 0..3 (got Z[1][3,0])"),
])
def test_an_element_that_does_not_exist_exits_2_with_one_line(text, phrase):
    done = bpdebug("xor", "--explain", text, "--train", "1000000000")
    assert done.returncode == 2 and done.stdout == ""  # refused before any training
    assert done.stderr.count("\n") == 1 and phrase in done.stderr


@pytest.mark.process
def test_the_three_spellings_print_the_same_explanation():
    done = [bpdebug("xor", "--explain", text) for text in ("dW[1][1,0]", "dW[1]_{1,0}", "dW1[1,0]")]
    assert [d.returncode for d in done] == [0, 0, 0] and all(d.stderr == "" for d in done)
    assert done[0].stdout.startswith("dW[1]_{1,0} at iteration 0, backward [1]")
    assert done[1].stdout == done[0].stdout and done[2].stdout == done[0].stdout


@pytest.mark.process
@pytest.mark.parametrize("text, phrase", [
    ("dW(1)[1,0]", "not an element: 'dW(1)[1,0]'; write it as dW[1][0,1], dW[1]_{0,1} or dW1[0,1]"),
    ("dW12[0,0]", "dW12 reads as dW[12]: no quantity dW[12] in this network"),
])
def test_a_wrong_spelling_exits_2_with_one_line_saying_what_works(text, phrase):
    done = bpdebug("xor", "--explain", text)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and phrase in done.stderr


@pytest.mark.process
def test_explaining_past_a_shape_mismatch_exits_1_with_one_line():
    done = bpdebug("bug-dw-no-transpose", "--explain", "dW[1][0,0]")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "iteration 0 stops at backward [3]" in done.stderr and "dW[1]" in done.stderr


@pytest.mark.parametrize("activations, loss, n", [
    (["tanh", "linear"], "mean_squared_error", [2, 4, 1]),
    (["relu", "softmax"], "cross_entropy", [2, 4, 3]),
])
def test_a_diverged_network_is_explained_without_an_exception_or_a_warning(activations, loss, n):
    X, Y, params = build.problem(7, activations, loss, n, 6, scale=30)
    engine = Engine(build.scenario(X, Y, n[1:], activations, loss, params=params, lr=1e8))
    engine.train(30)
    env = engine.iteration_env(engine.iteration)
    assert not np.isfinite(env["J"])  # the precondition: it has diverged
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in names(engine):
            element = Element(name, () if name == "J" else (0, 0))
            explained = explain(engine, element)
            assert isinstance(explained, Explanation) and explanation_lines(explained)
            if name.removeprefix("d")[0] in "Wb":
                assert "not a finite number" in nudge_lines(nudge(engine, element))[-1]


def test_a_sum_that_overflows_is_infinite_not_an_exception():
    engine = Engine(build.scenario([[1.0], [1.0]], [[0.0]], [1], ["linear"], "mean_squared_error",
                                   params=[([[1e308, 1e308]], [[0.0]])]))
    explained = explain(engine, Element("Z[1]", (0, 0)), 0)
    assert explained.value == explained.element.value == math.inf
    assert "Σ_k = inf" in "\n".join(explanation_lines(explained))


@pytest.mark.process
def test_explain_needs_a_scenario():
    done = bpdebug("--explain", "J")
    assert done.returncode == 2 and "--explain need a SCENARIO" in done.stderr
