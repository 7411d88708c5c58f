"""The likely cause of a wrong value, tested against the catalogue of classic mistakes
(engine/mistakes.py) rather than guessed: what each mistake would have produced at that
step from right inputs (its one equation rewritten), or through the iteration (the
mistake made further up, carried down); else a constant ratio to the right value
(m times: the 1/m forgotten), or the right value transposed.  And before grading: the
mistakes a scenario cannot tell from the right answer at all (b = 0 hides a forward
pass without b; m = 1 hides a forgotten 1/m)."""

from __future__ import annotations

import numpy as np

from bpdebug.engine import names
from bpdebug.engine.activations import ACTIVATIONS
from bpdebug.engine.mistakes import CATALOGUE, DATA, UPDATE, Mistake, Site
from bpdebug.engine.notation import format_number
from bpdebug.teach.homework.compare import ATOL, close
from bpdebug.teach.homework.reference import Reference


def likely(name: str, value, ref: Reference, alpha: float | None = None) -> str:
    """What explains ``value`` (the post's layout) where ``name`` was due; "" if nothing."""
    right = ref.env.get(name)
    if right is None or value is None:
        return ""
    value = np.asarray(value, dtype=float)
    found = _explain(name, value, right, ref, alpha)
    if not found and names.split(name)[0] in ("dZ", "dA"):
        # Code that holds ∂J/∂Z itself (cs231n's dscores) takes the 1/m early.
        found = _explain(name, value * ref.m, right, ref, alpha, ratios=False)
    return found


def _explain(name: str, value, right, ref: Reference, alpha, ratios: bool = True) -> str:
    return (_rewritten(name, value, right, ref, alpha) or _in_step(name, value, right, ref, alpha)
            or _carried(name, value, right, ref, alpha) or _other_activation(name, value, ref)
            or (ratio(name, value, np.asarray(right, dtype=float), ref.m) if ratios else ""))


def _other_activation(name: str, value, ref: Reference) -> str:
    """A[l] = g(Z[l]) or dZ[l] = dA[l] * g'(Z[l]) with another activation's g: the
    student's layer is not the scenario's (a softmax output graded on a sigmoid
    scenario), or the backward pass takes the wrong derivative (sigmoid_backward in a
    ReLU layer, the copied classic)."""
    letter, l = names.split(name)
    if letter not in ("A", "dZ") or not l:
        return ""
    g = ref.activations[l - 1]
    Z = np.asarray(ref.env[f"Z[{l}]"], dtype=float)
    for other in ACTIVATIONS.values():
        if other.name == g or (letter == "dZ" and other.g_prime is None):
            continue
        with np.errstate(all="ignore"):
            if letter == "A":
                candidate, wrote = other.g(Z), f"{other.name}(Z[{l}])"
            else:
                candidate = np.asarray(ref.env[f"dA[{l}]"], dtype=float) * other.g_prime(Z)
                wrote = f"dA[{l}] * {other.name}'(Z[{l}])"
        if close(value, candidate) and not close(candidate, ref.env[name]):
            return (f"{name} is {wrote}: layer {l}'s activation is {g} in "
                    f"{ref.scenario.name}")
    return ""


def _rewritten(name: str, value, right, ref: Reference, alpha) -> str:
    """One equation as each mistake writes it, evaluated on the reference's inputs."""
    eq = ref.equations.get(name)
    _, l = names.split(name)
    if eq is None or l is None:
        return ""
    env = ref.env if alpha is None else {**ref.env, "α": alpha}
    site = Site(l, ref.L, ACTIVATIONS[ref.activations[l - 1]])
    for mistake in CATALOGUE.values():
        wrong = mistake.apply(eq, site)
        if wrong is eq:
            continue
        try:
            with np.errstate(all="ignore"):
                candidate = wrong.expr(env)
        except Exception:  # noqa: BLE001 - a rewrite NumPy refuses here produces nothing
            continue
        if close(candidate, right):
            continue
        if close(value, candidate):
            return f"{name} equals {wrong.expr}: {mistake.cause}"
        if np.ndim(candidate) == 2 and close(value, np.transpose(candidate)):
            return f"{name} equals ({wrong.expr})ᵀ: {mistake.cause}"
        if _broadcast(value, candidate, right):
            return (f"{name} is {wrong.expr} spread over {_shape(value)} by broadcasting: "
                    f"{mistake.cause}")
    return ""


def _broadcast(value, candidate, right) -> bool:
    """A wrong value that an update broadcast (b − α·db with db of shape (n,) makes b
    n×n): the candidate spread to the value's shape, where the right one is a column."""
    try:
        spread = np.zeros(np.shape(right)) + np.asarray(candidate)
    except ValueError:
        return False
    return spread.shape == value.shape != np.shape(right) and close(value, spread)


def _in_step(name: str, value, right, ref: Reference, alpha) -> str:
    """Each mistake made in this layer's step only, carried to the value through the
    rest of the step: dW[1] from a dZ[1] that took g' at A[1]."""
    _, l = names.split(name)
    step = next((s for s in ref.engine.steps if any(eq.target == name for eq in s.equations)),
                None)
    if step is None or l is None:
        return ""
    site = Site(l, ref.L, ACTIVATIONS[ref.activations[l - 1]])
    for mistake in CATALOGUE.values():
        env, changed = dict(ref.env if alpha is None else {**ref.env, "α": alpha}), False
        for eq in step.equations:
            wrong = mistake.apply(eq, site)
            changed |= wrong is not eq
            try:
                with np.errstate(all="ignore"):
                    env[eq.target] = wrong.expr(env)
            except Exception:  # noqa: BLE001 - NumPy refuses this mistake here
                break
            if eq.target == name:
                if changed and eq is not wrong.expr and close(value, env[name]) \
                        and not close(env[name], right):
                    return f"{name} is what {mistake.wrong} makes of it: {mistake.cause}"
                break
    return ""


def _carried(name: str, value, right, ref: Reference, alpha) -> str:
    """The iteration with each mistake injected: a mistake further up, carried down."""
    for mistake in CATALOGUE.values():
        if mistake.corrupts <= {UPDATE, DATA}:
            continue
        env = ref.with_mistake(mistake.name, alpha)
        if env is not None and name in env and close(value, env[name]) \
                and not close(env[name], right):
            return f"{name} is what {mistake.wrong} makes of it: {mistake.cause}"
    return ""


def ratio(name: str, value: np.ndarray, right: np.ndarray, m: int) -> str:
    """A wrong value that is the right one times a constant, or transposed."""
    if value.shape != right.shape:
        if value.shape == right.T.shape and close(value, right.T):
            return f"{name} is transposed: it should be {_shape(right)}, not {_shape(value)}"
        return ""
    if right.ndim == 2 and right.shape[0] == right.shape[1] and close(value, right.T) \
            and not close(value, right):
        return f"{name} is transposed"
    big = np.abs(right) > ATOL
    if not big.any() or not close(value[~big], 0 * value[~big]):
        return ""
    with np.errstate(all="ignore"):
        ratios = value[big] / right[big]
    c = float(ratios.flat[0])
    if not np.isfinite(c) or not close(ratios, np.full_like(ratios, c)) or close(c, 1.0):
        return ""
    if m > 1 and close(c, m):
        return f"{name} is m = {m} times the right value: the 1/m is forgotten"
    if m > 1 and close(c, 1 / m):
        return f"{name} is 1/m = 1/{m} of the right value: the 1/m is applied twice"
    if close(c, -1.0):
        return f"{name} has the wrong sign: it is −1 × the right value"
    return f"{name} is {format_number(c, 4)} × the right value"


def _shape(a) -> str:
    return "×".join(map(str, np.shape(a)))


def blind_spots(ref: Reference) -> list[Mistake]:
    """The catalogue's mistakes that give exactly the right answer on this scenario's
    iteration: grading with it could not tell a student who makes them.  (A mistake that
    only changes the update, or the data, is not one an iteration's gradients show; one
    that is the right answer for this network whatever its numbers, as g'(A) is for ReLU,
    is no mistake here.)"""
    hidden = [m for m in CATALOGUE.values() if not m.corrupts <= {UPDATE, DATA}
              and _same_answer(ref, m)]
    if not hidden:
        return []
    other = _reference_of(_with_other_numbers(ref.scenario), ref.i)
    return [m for m in hidden if other is None or not _same_answer(other, m)]


def _same_answer(ref: Reference, mistake: Mistake) -> bool:
    env = ref.with_mistake(mistake.name)
    if env is None:
        return False  # it stops at a shape mismatch: plainly seen
    return all(close(env[n], ref.env[n]) for n in ref.order if n in env and n in ref.env)


def _with_other_numbers(scenario):
    """The same network on random data and parameters (no zeros, nothing symmetric)."""
    from dataclasses import replace
    rng = np.random.default_rng(scenario.seed + 1)
    sizes = scenario.sizes
    layers = tuple(replace(layer, W=rng.normal(size=(sizes[l + 1], sizes[l])),
                           b=rng.normal(size=(sizes[l + 1], 1)))
                   for l, layer in enumerate(scenario.layers))
    X = rng.normal(size=np.shape(scenario.X))
    return replace(scenario, X=X, layers=layers)


def _reference_of(scenario, i: int) -> Reference | None:
    from bpdebug.teach.homework.reference import ReferenceError, reference
    try:
        return reference(scenario, i)
    except ReferenceError:
        return None


def blind_note(ref: Reference) -> list[str]:
    """What the class report says at its top when the scenario hides a mistake."""
    hidden = blind_spots(ref)
    if not hidden:
        return []
    lines = [f"{ref.scenario.name} cannot tell {len(hidden)} classic mistake"
             f"{'s' if len(hidden) > 1 else ''} from the right answer: a hand-in that "
             "makes one is graded correct here"]
    lines += [f"  {m.name} ({m.wrong}): it would take {m.reveal or 'another scenario'}"
              for m in hidden]
    return lines
