"""The installed bpdebug, driven headless through Textual's Pilot.

.ci/run runs it with a fresh venv's python, from a directory outside the checkout, after
installing the built wheel there, so it sees only what pip installed:

    VENV/bin/python CHECKOUT/scripts/smoke_installed.py N     # N: the bundled scenarios expected
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from pathlib import Path

import bpdebug
from bpdebug.app.app import BpdebugApp
from bpdebug.scenario.files import BUNDLED, bundled
from bpdebug.scenario import load


async def step_once() -> str:
    xor = load("xor")
    app = BpdebugApp(xor)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        screen = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        await pilot.press("q")
    shape = f"Z[1] {xor.layers[0].units}×{xor.m}"
    if not re.search(r"(?<!d)" + re.escape(shape).replace(r"\ ", r"\s+"), screen):  # not dZ[1]
        raise SystemExit(f"smoke: after n the screen does not show {shape}")
    return shape


def main(expected: int) -> int:
    package = Path(bpdebug.__file__).resolve().parent
    if "site-packages" not in package.parts:
        raise SystemExit(f"smoke: bpdebug was imported from {package}, not from an install")
    if not BUNDLED.resolve().is_relative_to(package):
        raise SystemExit(f"smoke: the bundled scenarios are at {BUNDLED}, outside {package}")
    names = [name for name, _, _ in bundled()]
    if len(names) != expected:
        raise SystemExit(f"smoke: {len(names)} bundled scenarios installed, {expected} expected")
    students = sorted(p.name for p in (BUNDLED / "students" / "post").glob("*.py"))
    if "correct.py" not in students:
        raise SystemExit(f"smoke: the student examples are missing from {BUNDLED / 'students' / 'post'}")
    shape = asyncio.run(step_once())
    print(f"smoke: bpdebug {bpdebug.__version__} from {package}: {len(names)} scenarios, "
          f"{len(students)} student files; n shows {shape}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1])))
