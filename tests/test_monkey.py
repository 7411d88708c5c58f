"""A monkey at the keyboard: random keys and resizes over every bundled scenario.

Nothing may raise (run_test re-raises any exception inside the app when it exits),
and at the end the app still answers q with exit code 0.  The default suite runs a
short sequence per scenario; the long run is marked monkey:

    .venv/bin/python -m pytest -q -m monkey tests/test_monkey.py
"""

from __future__ import annotations

import os
import random

import pytest

from bpdebug.app.app import BpdebugApp
from bpdebug.scenario.files import bundled
from bpdebug.scenario.reader import load

KEYS = ["n", "right", "space", "p", "left", "f", "e", "r", "t", "escape", "question_mark",
        "g", "w", "1", "2", "3", "4", "9", "up", "down", "pageup", "pagedown", "tab",
        "shift+left", "shift+right", "x", "z", "enter"]
SIZES = [(120, 36), (80, 24), (40, 12), (20, 8), (200, 60), (100, 30)]
NAMES = [name for name, _, _ in bundled()]


async def monkey(name: str, events: int, seed: int) -> None:
    rng = random.Random(seed)
    app = BpdebugApp(load(name))
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(events):
            if rng.random() < 0.08:
                await pilot.resize_terminal(*rng.choice(SIZES))
            else:
                key = rng.choice(KEYS)
                await pilot.press(key)
                if key == "t" and rng.random() < 0.5:
                    await pilot.pause()  # let training run a little under the keys
        await pilot.resize_terminal(120, 36)
        # Whatever is on top (help, a check, the watch list), Escape closes it, and q quits.
        for _ in range(3):
            await pilot.press("escape")
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0, f"{name}: q did not quit with 0"


@pytest.mark.filterwarnings("error")  # a warning would spill into the teacher's terminal
@pytest.mark.parametrize("name", NAMES)
async def test_random_keys_never_raise_and_q_still_quits(name):
    await monkey(name, events=40, seed=NAMES.index(name))


@pytest.mark.monkey
@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", NAMES)
async def test_a_long_monkey_run(name):
    # 5,000 events over the bundled scenarios in all; BPDEBUG_MONKEY_EVENTS changes it.
    total = int(os.environ.get("BPDEBUG_MONKEY_EVENTS", "5000"))
    await monkey(name, events=-(-total // len(NAMES)), seed=1000 + NAMES.index(name))
