"""Memory: resident set size after 10,000 training iterations of the 784-size
scenario against after 10, in a fresh subprocess, read from /proc/self/statm.

The child trains through Engine.train (the path the app's `t` takes) and reads
RSS after iteration 10 and at every thousand after it, so the table can say
whether memory levels off (the bounded history) or keeps climbing (a leak).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = os.sysconf("SC_PAGE_SIZE")
TARGET_MB = 50.0


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def child(total: int) -> None:
    from bench.scenarios import mnist_size
    from bpdebug.engine.cursor import Engine

    engine = Engine(mnist_size())
    engine.train(10)
    samples = [(10, rss_bytes())]
    every = max(total // 10, 1)

    def progress(done: int) -> None:
        if done and done % every == 0:
            samples.append((10 + done, rss_bytes()))

    result = engine.train(total - 10, progress=progress)
    samples.append((10 + result.done, rss_bytes()))
    print(json.dumps({"samples": samples, "done": 10 + result.done,
                      "loss": engine.loss_history[-1]}))


def measure(total: int) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-m", "bench.memory_bench", "--child", str(total)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr else "child failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(table, quick: bool) -> None:
    total = 2000 if quick else 10_000
    data = measure(total)
    samples = data["samples"]
    first, last = samples[0][1], samples[-1][1]
    growth = (last - first) / 2**20
    table.row(f"RSS growth, 784-size, after {data['done']:,} iterations vs after 10",
              f"{growth:+.1f} MB ({first / 2**20:.0f} → {last / 2**20:.0f} MB)",
              f"≤ {TARGET_MB:.0f} MB", growth <= TARGET_MB)
    curve = ", ".join(f"{i:,}: {rss / 2**20:.0f}" for i, rss in samples)
    table.note(f"RSS (MB) by iteration, 784-size: {curve}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        print(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
