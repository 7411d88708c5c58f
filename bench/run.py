"""Run every benchmark and print one Markdown table: figure | measured | target | met?

    .venv/bin/python -m bench.run            # the full run (a few minutes)
    .venv/bin/python -m bench.run --quick    # a short run, noisier
    .venv/bin/python -m bench.run --only engine,memory
    .venv/bin/python -m bench.run --quick --only steps   # step latency vs LinesApp
    .venv/bin/python -m bench.run --quick --only startup    # time to first frame
    .venv/bin/python -m bench.run --quick --only training   # a key while training

Every figure that is a ratio is taken within this one run, so the machine's speed
cancels out.  The table is also written to bench/results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _threads_from_argv() -> int:
    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            return int(sys.argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return os.cpu_count() or 1


# BLAS reads its thread count when NumPy is first imported: set it before that,
# the same for NumPy's OpenBLAS and torch's MKL/OpenMP.
THREADS = _threads_from_argv()
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(THREADS)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.table import Table  # noqa: E402


def engine_rows(table: Table, quick: bool) -> None:
    from bench import engine_bench, scenarios

    with_torch = engine_bench.torch_available()
    if not with_torch:
        table.note("PyTorch is not installed: its rows are skipped "
                   "(`.venv/bin/pip install -e '.[bench]'` adds the CPU build).")
    rounds, block = (11, 0.02) if quick else (61, 0.02)
    for size in scenarios.sizes():
        big = size.key == "784-128-64-10"
        r = engine_bench.bench_size(size, THREADS, with_torch, rounds, block,
                                    peak_n=(1024 if quick else 2048) if big else 0)
        b = r.ratio["bare"]
        table.row(f"engine / bare NumPy loop, {r.label}", f"{b:.3f}×", "≤ 1.00×", b <= 1.0)
        if with_torch:
            t = r.ratio["torch"]
            table.row(f"engine / PyTorch CPU, {r.label}", f"{t:.3f}×", "≤ 1.00×", t <= 1.0)
        parts = ", ".join(f"{name} {us(v)} ({us(r.spread[name][0])}–{us(r.spread[name][1])})"
                          for name, v in r.per_iter.items())
        table.note(f"{r.label}, one iteration, median (fastest–slowest block): {parts}; "
                   f"{r.iterations} iterations a block, {r.rounds} rounds; train(1), whose "
                   f"one iteration runs checked, {us(r.checked)}; "
                   f"the same final J: {'yes' if r.agree else 'NO'}")
        if big:
            p = r.peak
            table.row("784-size iteration, effective GFLOP/s / NumPy matmul peak",
                      f"{p['engine']:.0f} / {p['matmul']:.0f} GFLOP/s = {p['share']:.0%}",
                      "≥ 75%", p["share"] >= 0.75)
            table.note(f"784-size: {p['flops'] / 1e6:.1f} MFLOP of matrix products an iteration "
                       f"(W·A, dZ·Aᵀ, Wᵀ·dZ; element-wise work not counted); peak = "
                       f"{p['n']}² float64 products taking their turn in the same rounds "
                       f"(median {p['matmul']:.0f}, best {p['matmul_best']:.0f} GFLOP/s); "
                       f"the bare loop reaches {p['bare']:.0f} GFLOP/s")
            if p["share"] < 0.75:
                lines = engine_bench.line_breakdown(size.scenario)
                total = sum(t for _, t in lines)
                top = sorted(lines, key=lambda x: -x[1])[:4]
                table.note("what bounds the 784-size iteration (compiled code, median µs a "
                           f"line, {total:.0f} µs in all): " + "; ".join(
                               f"`{line}` {t:.0f} µs ({t / total:.0%})" for line, t in top))


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def app_rows(table: Table, quick: bool) -> None:
    from bench import app_bench

    app_bench.run(table, quick)


def step_rows(table: Table, quick: bool) -> None:
    from bench import app_bench

    app_bench.run_steps(table, quick)


def startup_rows(table: Table, quick: bool) -> None:
    from bench import app_bench

    app_bench.run_startup(table, quick)


def training_rows(table: Table, quick: bool) -> None:
    from bench import app_bench

    app_bench.run_training(table, quick)


def memory_rows(table: Table, quick: bool) -> None:
    from bench import memory_bench

    memory_bench.run(table, quick)


SECTIONS = {"engine": engine_rows, "app": app_rows, "memory": memory_rows,
            # only the app's step latency, its time to first frame, or a key while
            # training (app includes all three)
            "steps": step_rows, "startup": startup_rows, "training": training_rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds: a noisier, short run")
    parser.add_argument("--only", default="engine,app,memory",
                        help="comma-separated sections: engine, app, memory, or steps (the "
                             "app's step latency alone)")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help="BLAS / torch threads (default: every core)")
    parser.add_argument("--out", default=str(HERE / "results.md"),
                        help="where to write the table ('' for nowhere)")
    args = parser.parse_args(argv)
    table = Table()
    started = time.perf_counter()
    for name in args.only.split(","):
        name = name.strip()
        if name not in SECTIONS:
            parser.error(f"unknown section {name!r}: choose from {', '.join(SECTIONS)}")
        SECTIONS[name](table, args.quick)
        table.flush_section()
    header = (f"bpdebug benchmarks, {'quick' if args.quick else 'full'} run, "
              f"{time.strftime('%Y-%m-%d %H:%M')}, {platform.processor() or platform.machine()}, "
              f"{os.cpu_count()} cores, {THREADS} BLAS threads, Python {platform.python_version()}, "
              f"NumPy {np.__version__}{_torch_version()}; took {time.perf_counter() - started:.0f} s")
    text = table.markdown(header)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


def _torch_version() -> str:
    try:
        import torch
    except Exception:  # noqa: BLE001
        return ""
    return f", PyTorch {torch.__version__}"


if __name__ == "__main__":
    sys.exit(main())
