"""The gradient check: the engine's dW and db against central differences of J.

Relative error per parameter: ‖a − n‖ / (‖a‖ + ‖n‖), with the usual bands.  It
catches the value mistakes that no shape check can (a forgotten 1/m, g instead
of g').

What every difference of J needs is here once, for the check and for the nudge of one
entry (nudge.py): the step ε, the rounding noise of a difference quotient, J with one
entry moved, and which ReLU-like units a move sends across their kink.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from bpdebug.engine.names import gradient, parameters, split

EPS = 1e-7  # how far an entry is moved to take a difference of J
NOISE_ULPS = 10  # J is known to about this many units in its last place
GOOD, CLOSER, SUSPICIOUS, WRONG = "good", "look closer", "suspicious", "wrong"
# Beyond what float64 differences can measure: J, a gradient or a difference
# overflowed, or θ is so large that θ ± ε == θ.  Not a verdict on the code.
NOT_FINITE = "not finite"
# Above this many parameters in one matrix, a seeded sample of entries is checked,
# so that --check stays quick on the 784-128-64-10 network.
SAMPLE = 100


def band(error: float) -> str:
    if error <= 1e-7:
        return GOOD
    if error <= 1e-4:
        return CLOSER  # typical where a ReLU kink sits within eps of a Z entry
    if error < 1e-2:
        return SUSPICIOUS
    return WRONG


@dataclass(frozen=True)
class ParamCheck:
    name: str  # "dW[2]"
    layer: int
    error: float  # relative error over the entries checked
    worst: tuple[int, ...]  # index of the worst entry
    analytic: float  # the engine's value there
    numeric: float  # the finite difference there
    checked: int  # entries checked
    total: int  # entries in the matrix
    within_noise: bool = False  # the difference is below what finite differences can see
    one_sided: int = 0  # entries next to a ReLU kink, taken with a one-sided difference
    skipped: int = 0  # entries between kinks that no difference can check
    finite: bool = True  # False: see NOT_FINITE

    @property
    def band(self) -> str:
        if not self.finite:
            return NOT_FINITE
        return GOOD if self.within_noise else band(self.error)

    @property
    def ok(self) -> bool:
        return self.band in (GOOD, CLOSER)


def failures(checks: list[ParamCheck]) -> tuple[list[str], list[str]]:
    """(wrong, unmeasurable): the gradients the check finds wrong (suspicious or worse),
    and those it cannot measure because the values are beyond float64 (not finite)."""
    return ([c.name for c in checks if c.finite and not c.ok],
            [c.name for c in checks if not c.finite])


def relative_error(a: np.ndarray, n: np.ndarray) -> float:
    # Scaled by the largest magnitude first, so finite values near 1e300 do not
    # overflow the norms (the ratio is the same).
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(n), initial=0.0)))
    if scale == 0:
        return 0.0
    a, n = a / scale, n / scale
    diff = float(np.linalg.norm(a - n))
    return 0.0 if diff == 0 else diff / float(np.linalg.norm(a) + np.linalg.norm(n))


def noise(J: float, eps: float = EPS) -> float:
    """How far a difference quotient of J may stray for no reason but rounding: J is only
    known to a few units in its last place, divided by ε."""
    return NOISE_ULPS * np.finfo(float).eps * max(abs(J), 1.0) / abs(eps)


def below_noise(a: np.ndarray, n: np.ndarray, J: float) -> bool:
    # A difference below the noise of every entry says nothing, and without this floor
    # a vanishing but correct gradient (1e-10) would look "wrong".
    return float(np.sqrt(np.sum(np.square(a - n)))) <= noise(J) * np.sqrt(max(a.size, 1))


def moved(params: dict, name: str, index: tuple, value: float) -> dict:
    """The parameters with one entry of one matrix set to value: a copy of that matrix,
    so nothing is ever changed in place."""
    theta = np.array(params[name], dtype=np.float64, copy=True)
    theta[index] = value
    return {**params, name: theta}


def crossed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """The units whose input changed side of the kink between two on/off patterns (Z > 0
    of every ReLU-like unit, in Compiled.kinked's order), as flat indices."""
    return np.flatnonzero(before != after)


Forward = Callable[[dict], "tuple[float, np.ndarray]"]


def check(params: dict, grads: dict, forward: Forward, L: int,
          seed: int = 0, sample: int = SAMPLE,
          progress: Callable[[int, int], None] | None = None) -> list[ParamCheck]:
    """Compare grads["dW[l]"], grads["db[l]"] with finite differences of J, layer by layer.

    ``forward(params)`` runs the forward pass and returns J and the on/off pattern
    (Z > 0) of every ReLU-like unit.  A central difference that moves a unit across
    its kink measures neither side, so there the one-sided difference that keeps
    every unit as the analytic pass saw it is used (ReLU'(0) = 0 counts 0 as off).
    Params are never changed in place: each nudge works on a copy of one matrix.
    """
    rng = np.random.default_rng([seed, 7])
    J0, pattern0 = forward(params)
    names = [(name, split(name)[1]) for name in parameters(L, backward=True)]
    total_work = sum(min(np.size(params[name]), sample) for name, _ in names)
    done = 0
    out = []
    for name, l in names:
        theta = np.asarray(params[name], dtype=np.float64)
        analytic = np.asarray(grads.get(gradient(name)), dtype=np.float64)
        if analytic.shape != theta.shape:
            continue  # a shape mistake: the shape checks already said so
        flat = np.arange(theta.size)
        if theta.size > sample:
            flat = np.sort(rng.choice(theta.size, size=sample, replace=False))
        numeric = np.full(flat.size, np.nan)
        measured = np.zeros(flat.size, bool)  # not the NaNs: an overflow gives NaN too
        one_sided = skipped = 0
        lost = not np.isfinite(J0)
        for j, f in enumerate(flat):
            idx = np.unravel_index(f, theta.shape)
            plus, minus = theta[idx] + EPS, theta[idx] - EPS
            J_plus, pattern_plus = forward(moved(params, name, idx, plus))
            J_minus, pattern_minus = forward(moved(params, name, idx, minus))
            lost = lost or plus == theta[idx] or minus == theta[idx]
            measured[j] = True
            if not crossed(pattern_plus, pattern_minus).size:
                numeric[j] = (J_plus - J_minus) / (2 * EPS)
            elif not crossed(pattern_plus, pattern0).size:
                numeric[j], one_sided = (J_plus - J0) / EPS, one_sided + 1
            elif not crossed(pattern_minus, pattern0).size:
                numeric[j], one_sided = (J0 - J_minus) / EPS, one_sided + 1
            else:
                measured[j], skipped = False, skipped + 1
            done += 1
            if progress is not None:
                progress(done, total_work)
        a, n, at = analytic.reshape(-1)[flat][measured], numeric[measured], flat[measured]
        if a.size == 0:
            continue
        with np.errstate(all="ignore"):
            finite = not lost and bool(np.all(np.isfinite(a)) and np.all(np.isfinite(n)))
            error = relative_error(a, n) if finite else float("nan")
            gap = np.abs(a - n)
            worst = int(np.nanargmax(gap)) if np.isfinite(gap).any() else 0
            quiet = finite and below_noise(a, n, J0)
        if finite and not np.isfinite(error):
            error = float("inf")
        out.append(ParamCheck(gradient(name), l, error,
                              tuple(int(i) for i in np.unravel_index(at[worst], theta.shape)),
                              float(a[worst]), float(n[worst]), int(a.size), int(theta.size),
                              quiet, one_sided, skipped, finite))
    return out
