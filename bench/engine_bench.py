"""Engine: one training iteration through bpdebug's compiled path (Engine.train),
against a bare NumPy loop of the post's equations and PyTorch, on the same data.

The implementations take turns, one timed block each per round, in an order that
rotates every round, with a pause before every block (see timing.interleaved).
A ratio is the median over rounds of the ratio of that round's two blocks, so a slow
spell of this shared 2-core machine, which lasts longer than a round, cancels out.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field

import numpy as np

from bench import scenarios
from bench.bare import Bare
from bench.timing import interleaved, median
from bpdebug.engine.cursor import Engine


@dataclass
class SizeResult:
    key: str
    label: str
    per_iter: dict[str, float]  # implementation -> median seconds per iteration
    spread: dict[str, tuple[float, float]]  # its fastest and slowest block, per iteration
    ratio: dict[str, float]  # other implementation -> median over rounds of engine / other
    iterations: int  # per timed block
    rounds: int
    agree: bool  # every implementation reached the same J
    peak: dict = field(default_factory=dict)  # for the 784 size: GFLOP/s figures
    checked: float = 0.0  # seconds for train(1): the one iteration a call runs checked


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except Exception:  # noqa: BLE001
        return False
    return True


def implementations(size: scenarios.Size, threads: int, with_torch: bool) -> dict:
    sc = size.scenario
    X, Y, params = scenarios.data(sc)
    acts = [layer.activation for layer in sc.layers]
    impls = {"engine": Engine(sc),
             "bare": Bare(X, Y, params, acts, sc.loss, sc.learning_rate)}
    if with_torch:
        from bench.torch_ref import Torch
        impls["torch"] = Torch(X, Y, params, acts, sc.loss, sc.learning_rate, threads)
    return impls


def _calibrate(bare: Bare, block_seconds: float) -> int:
    """How many iterations make one timed block of about block_seconds (on the bare loop,
    the fastest of three tries, so one slow spell does not shrink every block)."""
    n = 1
    while True:
        dts = []
        for _ in range(3):
            t0 = time.perf_counter()
            bare.train(n)
            dts.append(time.perf_counter() - t0)
        dt = min(dts)
        if dt > block_seconds / 4 or n >= 1 << 20:
            return max(5, int(n * block_seconds / max(dt, 1e-9)))
        n *= 4


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _per_iteration(impl, n: int) -> float:
    return min(_timed(lambda: impl.train(n)) for _ in range(3)) / n


def bench_size(size: scenarios.Size, threads: int, with_torch: bool, rounds: int,
               block_seconds: float, settle: float = 0.12, peak_n: int = 0) -> SizeResult:
    """Time the implementations at one size; with peak_n, an n×n float64 product takes
    its turn too, for the share-of-peak figure."""
    impls = implementations(size, threads, with_torch)
    for impl in impls.values():  # warm up: compile, first checked iteration, BLAS threads
        impl.train(3)
    n = _calibrate(impls["bare"], block_seconds)
    # A train call runs its first iteration checked, step by step (1.6× to 6× a plain
    # one); blocks are made long enough that it adds at most 0.5% to an iteration.
    steady = _per_iteration(impls["bare"], n)
    checked = statistics.median(_timed(lambda: impls["engine"].train(1)) for _ in range(5))
    n = max(n, math.ceil(max(checked - steady, 0.0) / (0.005 * steady)))
    # Every implementation must have done as many iterations at the start of each
    # round, so they all walk the same trajectory (the same J, the same ReLU pattern).
    done = {name: len(impl.loss_history) for name, impl in impls.items()}
    for name, impl in impls.items():
        if done[name] < max(done.values()):
            impl.train(max(done.values()) - done[name])
    runs = {name: (lambda impl=impl: impl.train(n)) for name, impl in impls.items()}
    if peak_n:
        rng = np.random.default_rng(0)
        a, b = rng.standard_normal((peak_n, peak_n)), rng.standard_normal((peak_n, peak_n))
        a @ b
        runs["matmul"] = lambda: a @ b
    times = interleaved(runs, rounds, settle)
    per_iter = {name: median(times[name]) / n for name in impls}
    spread = {name: (min(times[name]) / n, max(times[name]) / n) for name in impls}
    ratio = {other: statistics.median(e / o for e, o in zip(times["engine"], times[other]))
             for other in impls if other != "engine"}
    last = [impl.loss_history[-1] for impl in impls.values()]
    agree = bool(np.allclose(last, last[0], rtol=1e-6, atol=1e-9))
    result = SizeResult(size.key, size.label, per_iter, spread, ratio, n, rounds, agree,
                        checked=checked)
    if peak_n:
        flops = scenarios.matmul_flops(size.scenario.sizes, size.scenario.m)
        peak_flops = 2 * peak_n ** 3
        shares = [(flops * n / e) / (peak_flops / p) for e, p in zip(times["engine"], times["matmul"])]
        result.peak = {"flops": flops, "n": peak_n,
                       "engine": flops / per_iter["engine"] / 1e9,
                       "bare": flops / per_iter["bare"] / 1e9,
                       "matmul": peak_flops / median(times["matmul"]) / 1e9,
                       "matmul_best": peak_flops / min(times["matmul"]) / 1e9,
                       "share": statistics.median(shares)}
    return result


def line_breakdown(scenario, repeats: int = 200) -> list[tuple[str, float]]:
    """The compiled iteration line by line: (line, median µs), the same code with a
    clock read between lines (what bounds the iteration)."""
    from bpdebug.engine.compiled import DATA
    from bpdebug.engine.equations import compile_equations

    engine = Engine(scenario)
    engine.train(3)
    names = engine.compiled.parameters
    equations = [eq for step in engine.steps for eq in step.equations]
    _, code = compile_equations(equations, names + DATA, names + ["J"], "iteration")
    ns = dict(engine.compiled.iterate.__globals__)
    lines = code.splitlines()
    body = lines[1:-1]
    timed = [lines[0], "    _T = [_clock()]"]
    for line in body:
        timed += [line, "    _T.append(_clock())"]
    timed += ["    _ROWS.append(_T)", lines[-1]]
    rows: list[list[float]] = []
    ns.update(_clock=time.perf_counter, _ROWS=rows)
    exec("\n".join(timed), ns)
    run = ns["iteration"]
    params = engine.history.get(3)
    args = [params[name] for name in names] + engine._data(3)
    k = len(names)
    with np.errstate(all="ignore"):
        for _ in range(repeats):
            *new, _J = run(*args)
            args = new + args[k:]
    steps = np.diff(np.array(rows[repeats // 4:]), axis=1) * 1e6
    return [(line.strip(), float(t)) for line, t in zip(body, np.median(steps, axis=0))]
