"""The number formatter: one notation per matrix, enough figures, no -0, nothing cut."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bpdebug.engine.notation import FIGURES, format_array, format_number, format_rows, format_together, notation

FIXED = re.compile(r"^-?\d+(\.\d+)?$")
SCIENTIFIC = re.compile(r"^-?\d(\.\d+)?e[+-]\d+$")

interesting = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-300, -5e-324, 1.7e308, -1.7e308, 0.5, -0.132, 0.0589,
                     13400.0, 9.99996, -9.99996, 0.00049999, 1e6, 999999.5]),
    st.floats(-10, 10), st.floats(-1e-3, 1e-3), st.floats(-1e9, 1e9),
)
matrices = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=interesting)


def kind(text: str) -> str:
    if text.strip() in ("nan", "inf", "-inf"):
        return "special"
    if text.strip() == "0":  # a value that rounds to zero, in either notation
        return "zero"
    if FIXED.match(text.strip()):
        return "fixed"
    assert SCIENTIFIC.match(text.strip()), text
    return "scientific"


def decimals_and_exponent_width(text: str) -> tuple[int, int]:
    mantissa, _, exponent = text.strip().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return decimals, len(exponent)


def last_digit(text: str) -> Decimal:
    """One unit of the last digit written: 10^-3 for 0.123, 10^-7 for 1.2e-6."""
    mantissa, _, exponent = text.strip().partition("e")
    return Decimal(10) ** (int(exponent or 0) - len(mantissa.partition(".")[2]))


def within_half_a_unit(text: str, value: float) -> bool:
    """Exact decimal arithmetic: 1.798e+308 does not even parse back as a float."""
    return abs(Decimal(text.strip()) - Decimal(value)) <= last_digit(text) / 2


@settings(max_examples=400, deadline=None)
@given(matrices)
def test_one_notation_per_matrix_equal_widths_and_every_entry_parses_back(matrix):
    shape = notation(matrix)
    texts = format_array(matrix)
    assert len({len(t) for t in texts}) == 1  # right-aligned to one width: columns align
    assert max(len(t.strip()) for t in texts) == shape.width  # and no wider than needed
    kinds = {kind(t) for t in texts} - {"special", "zero"}
    assert len(kinds) <= 1, texts
    numbers = [t.strip() for t in texts if kind(t) not in ("special", "zero")]
    assert len({decimals_and_exponent_width(t) for t in numbers}) <= 1, texts
    for text, value in zip(texts, matrix.ravel()):
        text = text.strip()
        assert text != "-0" and not re.match(r"^-0(\.0+)?(e[+-]0+)?$", text), text
        if math.isnan(value):
            assert text == "nan"
        elif math.isinf(value):
            assert text == ("inf" if value > 0 else "-inf")
        else:
            assert within_half_a_unit(text, value), (text, value, shape)


@settings(max_examples=400, deadline=None)
@given(matrices)
def test_the_largest_entries_keep_at_least_four_significant_figures(matrix):
    finite = matrix[np.isfinite(matrix)]
    if not finite.size or not finite.any():
        return
    largest = float(finite[np.abs(finite).argmax()])
    text = notation(matrix)(largest)
    fourth = Decimal(10) ** (Decimal(abs(largest)).adjusted() - (FIGURES - 1))
    assert abs(Decimal(text) - Decimal(largest)) <= fourth / 2, (text, largest)


@settings(max_examples=200, deadline=None)
@given(matrices)
def test_a_negative_entry_keeps_as_many_figures_as_a_positive_one(matrix):
    """-0.132 beside 0.0589 is wrong: the sign takes a column, never a digit."""
    texts = [t.strip() for t in format_array(np.concatenate([matrix.ravel(), -matrix.ravel()]))]
    half = len(texts) // 2
    for positive, negative in zip(texts[:half], texts[half:]):
        if positive not in ("nan", "inf", "-inf") and float(positive) != 0:
            assert negative.lstrip("-") == positive.lstrip("-")


@pytest.mark.parametrize("values, expected", [
    ([-0.132, 0.0589], ["-0.1320", " 0.0589"]),             # not -0.132 beside 0.0589
    ([0.0005, 7e-4], ["5e-4", "7e-4"]),                      # not 0.0005 beside 7e-4
    ([-3e-9, -3e-10], ["-3e-09", "-3e-10"]),                 # not -3e-9 beside -3e-09
    ([4e44, 4e43], ["4e+44", "4e+43"]),                      # not 4e44 beside 4e+44
    ([13400.0, 1.0], ["13400", "    1"]),                    # not 1e4 for 13 400
    ([-0.0, 1.0, -1e-9 + 1e-9], ["0", "1", "0"]),            # no -0
    ([1.7756, 0.5334, 0.0, 1.2422], ["1.776", "0.533", "    0", "1.242"]),  # zero reads 0
    ([9.99996, 1.0], ["10.000", " 1.000"]),                  # rounding to 10 is not a 0 to drop
    ([0.0, 1.0, 1.0, 0.0], ["0", "1", "1", "0"]),            # trailing zeros every entry shares go
    ([np.nan, np.inf, -np.inf, 1.5], [" nan", " inf", "-inf", " 1.5"]),
    ([-1.2e-7, 0.5], ["-1.2e-7", " 5.0e-1"]),                # a tiny entry is not hidden as 0
    ([1e308, -1e308, 1e-300], [" 1e+308", "-1e+308", " 1e-300"]),
])
def test_the_examples_of_the_issue(values, expected):
    assert format_array(values) == expected


def test_more_figures_when_asked():
    assert format_array([-0.693286413, 0.47648], figures=6) == ["-0.693286", " 0.476480"]


def test_a_value_that_rounds_to_zero_is_written_as_zero_in_the_shared_notation():
    assert format_array([-0.00001, 1.0]) == ["-1e-5", " 1e+0"]  # visible when very small
    assert format_array([-0.000041, 0.5], figures=2) == ["-4.1e-5", " 5.0e-1"]
    assert format_array([-0.0004, 2.0]) == ["    0", "2.000"]          # hidden: 0, not -0.000
    assert format_array([0.0, 2e-9, 1.0]) == ["   0", "2e-9", "1e+0"]  # not 0e+0


def test_on_screen_the_decimals_hang_on_the_range_not_on_final_zeros():
    """W[1] typed as 0.5 and -0.25 reads as it will once updated: 0.5000, not 0.5; only
    data that is all whole numbers (X, Y) drops its decimals."""
    assert [notation([0.5, -0.25], whole=True)(v) for v in (0.5, -0.25)] == ["0.5000", "-0.2500"]
    assert notation([0.5, -0.25], whole=True) == notation([0.5163, -0.25], whole=True)
    assert [notation([0.0, 1.0], whole=True)(v) for v in (0.0, 1.0)] == ["0", "1"]
    assert notation([1e-5, 2.5e-5], whole=True)(1e-5) == "1.000e-5"


def test_single_numbers_and_numbers_compared_together():
    assert format_number(0.7241465) == "0.7241"
    assert format_number(-0.0) == "0"
    assert format_number(float("nan")) == "nan"
    assert format_together([0.5, 0.50001], 6) == ["0.50000", "0.50001"]
    assert format_rows([[1.0, -2.5], [0.25, 4.0]]) == [" 1.00  -2.50", " 0.25   4.00"]


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(0, 6), elements=interesting))
def test_forced_scientific_writes_every_array_even_an_empty_or_all_zero_one(values):
    """Gradient norms are always read by their decade."""
    shape = notation(values, 2, scientific=True)
    texts = [shape(v) for v in values]
    assert all(kind(t) in ("scientific", "special", "zero") for t in texts), texts
    assert all(t == "0" for t, v in zip(texts, values) if v == 0), texts
    assert all(within_half_a_unit(t, v) for t, v in zip(texts, values) if np.isfinite(v))
    assert notation([0.0, 0.0], scientific=True)(0.0) == "0"


@settings(max_examples=200, deadline=None)
@given(matrices)
def test_several_notations_from_one_reading_are_each_the_notation_of_its_figures(matrix):
    """A panel tries two to six figures: read once, written exactly as one at a time."""
    from bpdebug.engine.notation import notations

    for whole in (False, True):
        together = notations(matrix, range(1, 8), whole=whole)
        assert together == {f: notation(matrix, f, whole=whole) for f in range(1, 8)}


def test_a_relative_error_reads_one_way_wherever_it_is_printed():
    from bpdebug.engine.cursor import Engine
    from bpdebug.engine.notation import relative
    from bpdebug.scenario.reader import load
    from bpdebug.teach.report import check_report
    from bpdebug.teach.transcript import transcript

    assert [relative(v) for v in (1.3e-9, 2.34e-9, 4.1e-8, 1.2e-10, 0.97, 0.0)] == \
        ["1.3e-9", "2.3e-9", "4.1e-8", "1.2e-10", "0.97", "0"]
    # the gradient check's table and the nudge, in --check and the handout: each written
    # by relative(), so never 3.5e-08 beside 1.1e-9
    for name in ("xor", "bug-forgot-m"):
        engine = Engine(load(name))
        printed = transcript(engine) + "\n".join(check_report(engine)[0])
        found = re.findall(r"relative difference (\S+?):", printed)
        found += [line.split()[2] for line in printed.splitlines()
                  if re.match(r"\d+\s+d[Wb]\[\d+\]\s", line)]
        assert found and all(text == relative(float(text)) for text in found), found
