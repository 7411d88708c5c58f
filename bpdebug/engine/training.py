"""Training: many iterations at once, through the compiled iteration, with the
same stops as stepping (a shape mismatch, an error, a watchpoint).

Each function takes the Engine (cursor.py) that trains: its cursor, its iterations
and their stops, its history and its compiled iteration.  The engine calls these
functions, and nothing here imports it back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from bpdebug.engine.checked import Record


# How a training run ends: a step failed (a shape mismatch or an error), a watchpoint
# fired, it was stopped on request, or it did every iteration it was asked for.
FAILED, WATCHPOINT, STOPPED, DONE = "failed", "watchpoint", "stopped", "done"


@dataclass(frozen=True)
class TrainResult:
    done: int  # iterations completed
    stopped: bool  # stopped early on request
    record: Record | None = None  # the step that stopped it: a mismatch, an error, a watchpoint
    alert: str | None = None  # the watchpoint that fired

    @property
    def outcome(self) -> str:
        if self.record is not None and not self.record.ok:
            return FAILED
        if self.alert and self.record is not None:
            return WATCHPOINT
        return STOPPED if self.stopped else DONE


def train(engine, n: int, progress: Callable[[int], None] | None = None,
          should_stop: Callable[[], bool] | None = None) -> TrainResult:
    """Train n iterations from the start of the current one; the cursor ends after
    the last update.  The first iteration runs checked, so a shape mismatch stops
    training on the step that broke, as stepping would."""
    if n <= 0:
        return TrainResult(0, False)
    if engine.watch.active:
        return _train_watched(engine, n, progress, should_stop)
    i0 = engine.iteration
    first = engine.iterations.whole(i0)
    if first.stopped:
        return _stop(engine, 0, first.records[-1])
    params = engine.history.get(i0 + 1)
    done = 1
    stopped = False
    # On xor-sized matrices the Python around the NumPy calls is a fifth of an
    # iteration, so what does not change is looked up once, here.
    names, iterate, put = engine.compiled.parameters, engine.compiled.iterate, engine.history.put
    history, batches = engine.loss_history, engine.batches
    alpha = engine.scenario.learning_rate
    shapes = [np.shape(params[name]) for name in names]
    whole = batches.size == batches.m  # every iteration sees the same A[0], Y, 1/m
    data = [*batches(i0), 1.0 / batches.m, alpha] if whole else None
    values = [params[name] for name in names]
    # NumPy's result shapes follow from its operands' shapes alone: with the same
    # batch every time, one iteration that keeps the parameters' shapes keeps them
    # for good, so only the first is checked.  Mini-batches are checked every time.
    check = True
    with np.errstate(all="ignore"):  # one context for the loop (callbacks included)
        while done < n:
            if should_stop is not None and should_stop():
                stopped = True
                break
            if progress is not None:
                progress(done)
            i = i0 + done
            try:
                if not whole:
                    data = [*batches(i), 1.0 / batches.m_of(i), alpha]
                *values, J = iterate(*values, *data)
                if i == len(history):
                    history.append(float(J))
                changed = check and [np.shape(v) for v in values] != shapes
            except Exception:  # noqa: BLE001 - find and show the step that broke
                changed = True
            if changed:
                engine.iterations.forget(i)
                return _stop(engine, done, engine.iterations.whole(i).records[-1])
            check = not whole
            done += 1
            put(i + 1, dict(zip(names, values)))
    if progress is not None:
        progress(done)
    return _ended(engine, i0 + done, done, stopped)


def _train_watched(engine, n: int, progress, should_stop) -> TrainResult:
    """Training with watchpoints on: every iteration runs checked, so the step that
    trips one is found exactly.  Steps already on screen do not fire again."""
    i0, seen = engine.iteration, engine.position
    for done in range(n):
        if should_stop is not None and should_stop():
            return _ended(engine, i0 + done, done, True)
        if progress is not None:
            progress(done)
        for record in engine.iterations.whole(i0 + done).records:
            if not record.ok:
                return _stop(engine, done, record)
            alert = engine.alert(record) if record.index >= seen else None
            if alert:
                return _stop(engine, done, record, alert)
    if progress is not None:
        progress(n)
    return _ended(engine, i0 + n, n, False)


def _ended(engine, iteration: int, done: int, stopped: bool) -> TrainResult:
    """Training ends between iterations: the cursor goes after the last update, where
    `iteration` starts."""
    engine.position = iteration * engine.S
    return TrainResult(done, stopped)


def _stop(engine, done: int, record: Record, alert: str | None = None) -> TrainResult:
    """Training stops on this step: the cursor goes just after it."""
    engine.position = record.index + 1
    return TrainResult(done, False, record, alert)
