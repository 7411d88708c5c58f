"""How bpdebug writes a number: one notation per matrix, as NumPy's own printing does.

A panel that writes `0.0005 7e-4`, `-0.132` beside `0.0589`, or `1e4` for 13 400 makes
the reader compare notations instead of values.  So every entry of one matrix is
written in ONE notation, chosen from the matrix's range (the idea of NumPy's
arrayprint.FloatingFormat):

- fixed point with a shared number of decimals, so the points line up; or
- scientific with a shared mantissa width and a shared, signed exponent width,
  when fixed point would need too many digits (|x| ≥ 1e6 or the largest < 1e-3) or
  would hide the small entries entirely (some below 1e-4 and a thousand times
  smaller than the largest).

`figures` is how many significant figures the LARGEST entry keeps; the others keep
what the shared notation gives them.  Zeros that every entry really ends with are
dropped (a 0/1 matrix reads `0 1`, not `0.0000 1.0000`); with `whole`, only when every
entry is a whole number, so the decimals hang on the range alone (the decade of the
largest entry), never on whether the last digits happen to be zeros: a panel's
quantity keeps its notation while its values stay in that range.  A value that
rounds to zero at the digits shown reads `0` (never `-0`, `0.000` or `0e+0`); NaN and
±∞ are spelled `nan`, `inf`, `-inf`.

Pure Python and NumPy: the app, `--check` and the transcript all write numbers here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np

FIGURES = 4  # the largest entry keeps at least this many significant figures
SCIENTIFIC_ABOVE = 1e6
SCIENTIFIC_BELOW = 1e-3
HIDDEN_BELOW = 1e-4  # NumPy's threshold for "small enough to vanish in fixed point"
HIDDEN_RATIO = 1e3
SAMPLE = 64


@dataclass(frozen=True)
class Notation:
    """How every entry of one matrix is written; `width` fits the widest of them."""

    scientific: bool
    decimals: int  # after the point (of the mantissa, when scientific)
    exponent_digits: int = 0
    width: int = 1

    def __call__(self, value: float) -> str:
        """One entry, without padding."""
        value = float(value)
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if self.scientific:
            mantissa, exponent = f"{value:.{self.decimals}e}".split("e")
            if float(mantissa) == 0:
                return "0"
            sign = "-" if int(exponent) < 0 else "+"
            return f"{mantissa}e{sign}{abs(int(exponent)):0{self.exponent_digits}d}"
        text = f"{value:.{self.decimals}f}"
        return "0" if float(text) == 0 else text

    def cell(self, value: float) -> str:
        """One entry, right-aligned to the shared width, so columns compare by eye."""
        return self(value).rjust(self.width)

    def unit(self, text: str) -> float:
        """One unit of the last digit shown in `text` (what rounding may have cost)."""
        if self.scientific and "e" in text:
            exponent = int(text.split("e")[1])
            return 10.0 ** (exponent - self.decimals)
        return 10.0 ** -self.decimals


def _finite(values) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).ravel()
    return array[np.isfinite(array)]


def _whole(finite: np.ndarray) -> bool:
    """Every entry a whole number (data: X, Y, a one-hot matrix)."""
    with np.errstate(all="ignore"):
        return bool(np.all(finite[:SAMPLE] == np.round(finite[:SAMPLE]))
                    and np.all(finite == np.round(finite)))


def _trailing_zeros(scaled: np.ndarray, most: int) -> int:
    """How many final digits may go: only zeros that every entry really has.

    `scaled` holds the entries times 10**decimals.  Unless every one of them is an
    integer there (a 0/1 matrix, 0.25 at two decimals), nothing goes: an entry that
    merely rounds to ...0 keeps its digits, so 9.99996 is 10.000, not 10."""
    if scaled.size == 0:
        return most  # nothing but zeros (or nothing at all): no digit to keep
    rounded = np.round(scaled)
    if np.max(np.abs(rounded)) >= 2.0 ** 52:
        return 0
    if np.any(np.abs(scaled - rounded) > 1e-6):
        return 0
    ints = rounded.astype(np.int64)
    zeros = 0
    while zeros < most and not np.any(ints % 10 ** (zeros + 1)):
        zeros += 1
    return zeros


def _mantissas(nonzero: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        exponents = np.floor(np.log10(np.abs(nonzero)))
        half = exponents // 2  # in two steps: 10.0 ** -324 would underflow to 0
        return nonzero / 10.0 ** half / 10.0 ** (exponents - half)


def _droppable(values: np.ndarray, scale, most: int) -> int:
    """_trailing_zeros of scale(values), looking at a few entries first: real data rarely
    ends in zeros, and a 784×256 matrix should not pay for finding that out."""
    with np.errstate(all="ignore"):
        if _trailing_zeros(scale(values[:SAMPLE]), most) == 0:
            return 0
        return _trailing_zeros(scale(values), most)


@dataclass(frozen=True)
class _Scan:
    """What every notation of one set of values starts from, whatever the figures: one
    pass over a 784×256 matrix, not one per number of figures tried."""

    finite: np.ndarray
    nonzero: np.ndarray
    specials: list[str]  # "nan", "inf", "-inf" as present
    extremes: list[float]  # the largest and the most negative finite entry (the widest texts)
    ends: list[float]  # the largest and the smallest |nonzero entry|


def _scan(values) -> _Scan:
    array = np.asarray(values, dtype=np.float64).ravel()
    is_finite = np.isfinite(array)
    if is_finite.all():  # the usual case, without a copy
        finite, specials = array, []
    else:
        finite = array[is_finite]
        specials = [text for text, present in (("nan", np.isnan(array).any()),
                                               ("inf", np.isposinf(array).any()),
                                               ("-inf", np.isneginf(array).any())) if present]
    nonzero = finite[finite != 0]
    magnitude = np.abs(nonzero)
    ends = [float(magnitude.max()), float(magnitude.min())] if magnitude.size else []
    extremes = [float(finite.max()), float(finite.min())] if finite.size else []
    return _Scan(finite, nonzero, specials, extremes, ends)


def _scientific(ends: list[float]) -> bool:
    if not ends:
        return False
    high, low = ends
    return (high >= SCIENTIFIC_ABOVE or high < SCIENTIFIC_BELOW
            or (low < HIDDEN_BELOW and high / low > HIDDEN_RATIO))


def _choose(scan: _Scan, figures: int, scientific: bool | None, whole: bool = False) -> Notation:
    figures = max(1, figures)
    drops = not whole or _whole(scan.finite)
    if scientific if scientific is not None else _scientific(scan.ends):
        decimals = figures - 1
        if drops:
            decimals -= _droppable(scan.nonzero, lambda v: _mantissas(v) * 10.0 ** decimals,
                                   decimals)
        # the exponent as Python writes it (a mantissa that rounds up to 10 moves it on);
        # the widest is the largest's or the smallest's
        digits = max((len(str(abs(int(f"{v:.{decimals}e}".split("e")[1])))) for v in scan.ends),
                     default=1)
        shape = Notation(True, decimals, digits)
    else:
        high = scan.ends[0] if scan.ends else 0.0
        # digits before the point, or minus the zeros after it: 0.0589 has digits = -1
        digits = int(math.floor(math.log10(high))) + 1 if high else 1
        decimals = max(0, figures - digits) if high else 0
        if drops:
            decimals -= _droppable(scan.finite, lambda v: v * 10.0 ** decimals, decimals)
        shape = Notation(False, decimals)
    # the widest texts: the most negative entry (the sign, unless it rounds to zero, and
    # then every negative does) and the largest; scientific entries differ in nothing
    # else, as their exponents are padded to one width
    texts = [shape(v) for v in scan.extremes] + scan.specials
    return Notation(shape.scientific, shape.decimals, shape.exponent_digits,
                    max(len(t) for t in texts) if texts else 1)


def notation(values, figures: int = FIGURES, scientific: bool | None = None,
             whole: bool = False) -> Notation:
    """The one notation for all of `values` (any shape; NaN and ±∞ allowed).

    `scientific` forces the choice, for numbers read by their decade (gradient norms);
    `whole` drops final zeros only when every entry is a whole number (a quantity on
    screen, whose notation must not change while its range does not)."""
    return _choose(_scan(values), figures, scientific, whole)


def notations(values, figures: Iterable[int], whole: bool = False) -> dict[int, Notation]:
    """notation(values, f, whole=whole) for each f, the values read once."""
    scan = _scan(values)
    return {f: _choose(scan, f, None, whole) for f in figures}


def format_array(values, figures: int = FIGURES) -> list[str]:
    """Every entry of `values` (flattened), right-aligned in one notation."""
    shape = notation(values, figures)
    return [shape.cell(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def format_rows(matrix, figures: int = FIGURES, gap: str = "  ") -> list[str]:
    """A matrix as text lines: one notation, aligned columns (for print and Markdown)."""
    array = np.atleast_2d(np.asarray(matrix, dtype=np.float64))
    shape = notation(array, figures)
    return [gap.join(shape.cell(v) for v in row) for row in array.reshape(array.shape[0], -1)]


def format_number(value: float, figures: int = FIGURES) -> str:
    """A number on its own (a cost, a norm): the same rules for an array of one."""
    return notation([value], figures)(value)


def relative(value: float) -> str:
    """A relative error or difference (the gradient check, a nudge, a student's values):
    two significant figures, the exponent unpadded (1.3e-9, 4.8e-8, 0.97, 0).  Every
    relative error bpdebug prints is written here, so one never reads 1.3e-09 and
    another 1.3e-9."""
    return format_number(value, 2)


def format_together(values: Iterable[float], figures: int = FIGURES) -> list[str]:
    """Numbers meant to be compared (expected and got, analytic and numeric): one notation."""
    values = [float(v) for v in values]
    shape = notation(values, figures)
    return [shape(v) for v in values]


def plain(value: float, figures: int = 6) -> str:
    """A number in running text (a cost in a sentence, a term of a sum, a nudge): at most
    `figures` significant figures, as Python's g format writes them; zero is 0, never -0
    (relu'(0) times a negative number)."""
    return "0" if value == 0 else f"{value:.{figures}g}"
