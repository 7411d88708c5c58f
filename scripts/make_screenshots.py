"""Render the real app headless on bundled scenarios and write SVGs to screenshots/.

    .venv/bin/python scripts/make_screenshots.py            # every view
    .venv/bin/python scripts/make_screenshots.py mismatch   # some of them
    .venv/bin/python scripts/make_screenshots.py browser    # bpdebug --serve in Chromium, a PNG

The browser view is made only when named: it needs `pip install -e '.[browser]'` and
Debian's chromium (tests/browser.py drives it, as the browser test does).

Each view is a scenario, a terminal size and the keys a teacher would press.
Run it whenever the UI changes, and commit the SVGs with the change.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bpdebug.app.app import BpdebugApp  # noqa: E402
from bpdebug.scenario import load  # noqa: E402
from bpdebug.teach.homework.run import load_student  # noqa: E402

OUT = ROOT / "screenshots"
TRAIN = "train"  # a pseudo key: press t, then wait until training has finished

# name: (scenario or None for the picker, student file or None, size, keys, what it shows)
VIEWS = {
    "forward": ("xor", None, (120, 36), ["n", "n", "n"],
                "XOR, forward [2]: Z[2] and A[2] with their shapes under the equation"),
    "backward": ("xor", None, (120, 36), ["f", "n", "n"],
                 "XOR, backward [1]: dZ, dW, db, dA with ✓ against the shapes they must have"),
    "mismatch": ("bug-dw-no-transpose", None, (120, 36), ["e", "n"],
                 "the missing transpose in dW: the red panel, operands, rule and cause"),
    "training": ("moons", None, (120, 36), ["x", TRAIN],
                 "moons after training: the loss sparkline and the decision boundary"),
    "mnist": ("mnist-size", None, (120, 36), ["n"],
              "784-128-64-10 with m = 256: only the visible cells are drawn"),
    "picker": (None, None, (120, 36), [], "bpdebug with no argument: the bundled scenarios"),
    "help": ("xor", None, (120, 36), ["question_mark"], "the help screen on ?"),
    "gradcheck": ("bug-forgot-m", None, (120, 36), ["e", "g", "wait"],
                  "the gradient check on g at the end of the iteration: the missing 1/m puts "
                  "every dW and db in 'wrong'"),
    "student": ("grade-deep", "scenarios/students/dlai-deep/linear_backward_no_m.py", (130, 40),
                ["f", "n"], "--impl on a deeplearning.ai hand-in: dW[3] wrong, the student's "
                "line that made it and the likely cause, beside the reference"),
    "small": ("xor", None, (80, 24), ["f", "n", "n"],
              "backward [1] at 80×24: every equation, every gradient with all its columns up "
              "to three, the matrices giving up rows first, every key"),
    "wide": ("xor", None, (200, 60), ["f", "n", "n"],
             "backward [1] at 200×60: W[2], dZ[2], dA[1] that produced dA[1], "
             "and the plots beside every panel whole"),
    "explain": ("xor", None, (120, 36), ["f", "n", "n", "focus:dW[1]", "right", "enter"],
                "enter on dW[1]_{0,1}: 1/m Σ_i dZ[1]_{0,i} · A[0]_{1,i}, every term's number"),
    "nudge": ("xor", None, (120, 36), ["f", "n", "n", "focus:W[1]", "right", "plus"],
              "+ on W[1]_{0,1}: ΔJ/ε beside dW[1]_{0,1}, the post's nudge as an experiment"),
}


async def shoot(name: str) -> Path:
    scenario_name, student_file, size, keys, _ = VIEWS[name]
    scenario = load(scenario_name) if scenario_name else None
    student = load_student(ROOT / student_file) if student_file else None
    app = BpdebugApp(scenario, student=student)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        if student is not None:  # the student's code runs in a child process: its result
            from tests.students import compared
            await compared(pilot, app)
        for key in keys:
            if key == TRAIN:  # press t, then wait for the training worker to finish
                await pilot.press("t")
                await app.trainer.wait()
            elif key == "wait":  # the gradient check's worker, on the screen on top
                await app.screen.worker.wait()
            elif key.startswith("focus:"):  # a matrix panel, by the quantity it shows
                from bpdebug.app.components.matrix_grid import MatrixGrid
                quantity = key.removeprefix("focus:")
                next(v for v in app.query_one(MatrixGrid).views
                     if v.matrix_name == quantity).focus()
            else:
                await pilot.press(key)
            await pilot.pause()
        await pilot.pause()
        await pilot.pause()
        path = app.save_screenshot(f"{name}.svg", path=str(OUT))
        await pilot.press("escape")
    return Path(path)


BROWSER = ("xor", ["n", "n"], "bpdebug --serve xor in Chromium after n n: forward [2]")


def shoot_browser() -> Path:
    from tests.browser import chromium, open_app, served, wait_for_text

    scenario, keys, _ = BROWSER
    path = OUT / "browser.png"
    with served(scenario) as url, chromium(1280, 720) as page:
        open_app(page, url)
        for key in keys:
            page.keyboard.press(key)
        wait_for_text(page, "forward [2], step 2/")
        page.screenshot(path=str(path))
    return path


def main(argv: list[str]) -> int:
    names = argv or list(VIEWS)
    if "browser" in names:
        names.remove("browser")
        OUT.mkdir(exist_ok=True)
        print(f"{shoot_browser().relative_to(ROOT)}  {BROWSER[2]}")
        if not names:
            return 0
    unknown = [n for n in names if n not in VIEWS]
    if unknown:
        print(f"unknown view(s): {', '.join(unknown)}; the views are: {', '.join(VIEWS)}")
        return 2
    OUT.mkdir(exist_ok=True)
    for name in names:
        path = asyncio.run(shoot(name))
        print(f"{path.relative_to(ROOT)}  {VIEWS[name][4]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
