"""The wall between model and screen: the engine, the loader and every headless module
load without Textual or Rich (as harlequin's test_import_hygiene checks)."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

UI = ("textual", "rich")


def headless_modules() -> list[str]:
    """Every module of the package outside bpdebug/app: found by walking the files, so a
    new module is checked the day it is added, and a list cannot go stale."""
    package = ROOT / "bpdebug"
    out = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[:2] == ("bpdebug", "app") or parts[-1] == "__main__":
            continue  # __main__ runs the command line when imported: checked below, run
        out.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return out


HEADLESS = headless_modules()


def test_the_walk_finds_the_layers():
    assert {"bpdebug.engine", "bpdebug.scenario", "bpdebug.cli", "bpdebug.frame",
            "bpdebug.boundary", "bpdebug.explain"} <= set(HEADLESS)
    assert not [m for m in HEADLESS if m.startswith("bpdebug.app")]


def loaded_after(code: str) -> list[str]:
    """Run code in a fresh interpreter; the top-level modules it loaded."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def present(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@pytest.mark.parametrize("module", HEADLESS)
def test_a_headless_module_never_loads_textual_or_rich(module):
    loaded = loaded_after(f"import {module}")
    assert "bpdebug" in loaded
    assert [m for m in UI if m in loaded] == []


def test_all_headless_modules_together_never_load_textual_or_rich():
    loaded = loaded_after("\n".join(f"import {m}" for m in HEADLESS))
    assert [m for m in UI if m in loaded] == []


def test_the_check_really_sees_textual_when_the_app_is_imported():
    # Without this the tests above could pass because sys.modules was never filled.
    if not present("textual"):
        pytest.skip("textual is not installed")
    assert "textual" in loaded_after("import textual")


def test_headless_command_lines_never_load_textual_or_rich(tmp_path):
    scenario = ROOT / "scenarios" / "xor.toml"
    out = tmp_path / "out.npz"
    code = (f"from bpdebug.cli import main\n"
            f"import contextlib, io\n"
            f"with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    main([{str(scenario)!r}, '--check'])\n"
            f"    main([{str(scenario)!r}, '--train', '3', '--export', {str(out)!r}])\n")
    loaded = loaded_after(code)
    assert out.exists()
    assert [m for m in UI if m in loaded] == []
    loaded = loaded_after("import runpy, sys\nsys.argv = ['bpdebug', '--list']\n"
                          "try:\n    runpy.run_module('bpdebug', run_name='__main__')\n"
                          "except SystemExit:\n    pass")
    assert [m for m in UI if m in loaded] == []
