"""What the tests share: the hypothesis strategy of random networks, the engine made from
one, and the markers of the slow kinds of test.

Markers (pyproject.toml names them): ``app`` runs the Textual app (Pilot, a terminal),
``process`` starts another process (bpdebug on the command line, a student's child, a
server), and ``fast`` is every test of the default run that does neither:
``pytest -q -m fast`` is the subset to run while working, in under a minute.  Every
async test is a Pilot test, so it is marked ``app`` here; a test that starts processes
says so itself (``@pytest.mark.process``, or its module's ``pytestmark``).
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import strategies as st

from bpdebug.engine.cursor import Engine
from tests import build

ROOT = Path(__file__).resolve().parent.parent


def bpdebug(*args: str, cwd: Path = ROOT, timeout: float = 120,
            umask: int | None = None) -> subprocess.CompletedProcess:
    """bpdebug as a user runs it, without a terminal and with nothing on stdin (the
    timeout only bounds a hang)."""
    return subprocess.run([sys.executable, "-m", "bpdebug", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout, stdin=subprocess.DEVNULL,
                          preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)


def examples(default: int) -> dict:
    """Hypothesis settings: ``default`` examples (BPDEBUG_EXAMPLES=2000 for a long fuzzing
    run), no deadline: the suite runs on a shared machine."""
    return dict(deadline=None, max_examples=int(os.environ.get("BPDEBUG_EXAMPLES", default)),
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


class Net(NamedTuple):
    X: np.ndarray
    Y: np.ndarray
    params: list  # [(W[1], b[1]), ...], explicit and moderate
    activations: list[str]
    loss: str
    seed: int
    bugs: tuple[str, ...] = ()


@st.composite
def networks(draw, max_layers: int = 6, max_units: int = 8, mistakes: tuple[str, ...] = ()):
    """A random network: 1..max_layers layers of 1..max_units units, every activation and
    every loss it pairs with, 1..6 examples, and up to two of ``mistakes`` injected."""
    loss = draw(st.sampled_from(sorted(build.OUTPUTS)))
    out = draw(st.sampled_from(build.OUTPUTS[loss]))
    L = draw(st.integers(1, max_layers))
    hidden = draw(st.lists(st.sampled_from(build.HIDDEN), min_size=L - 1, max_size=L - 1))
    n = draw(st.lists(st.integers(1, max_units), min_size=L + 1, max_size=L + 1))
    m = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    bugs = draw(st.lists(st.sampled_from(mistakes), unique=True, max_size=2)) if mistakes else []
    activations = hidden + [out]
    X, Y, params = build.problem(seed, activations, loss, n, m)
    return Net(X, Y, params, activations, loss, seed, tuple(bugs))


def make(net: Net, **kw) -> Engine:
    """The engine of a random network (build.scenario's keywords: lr, batch_size ...)."""
    return Engine(build.scenario(net.X, net.Y, [W.shape[0] for W, _ in net.params],
                                 net.activations, net.loss, params=net.params, seed=net.seed,
                                 bugs=net.bugs, **kw))


SLOW = {"app", "process", "slow_fuzz", "monkey", "browser"}


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if inspect.iscoroutinefunction(getattr(item, "function", None)):
            item.add_marker(pytest.mark.app)
        if not SLOW & {mark.name for mark in item.iter_markers()}:
            item.add_marker(pytest.mark.fast)
