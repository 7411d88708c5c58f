"""The wall between model and screen: the engine, the loader and every headless module
load without Textual or Rich (as harlequin's test_import_hygiene checks)."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HEADLESS = ["bpdebug.engine", "bpdebug.scenario", "bpdebug.cli", "bpdebug.report",
            "bpdebug.export", "bpdebug.student", "bpdebug.gradcheck", "bpdebug.plan",
            "bpdebug.equations", "bpdebug.watch", "bpdebug.transcript", "bpdebug.datasets",
            "bpdebug.notation"]
UI = ("textual", "rich")


def loaded_after(code: str) -> list[str]:
    """Run code in a fresh interpreter; the top-level modules it loaded."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def present(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@pytest.mark.parametrize("module", [m for m in HEADLESS if present(m)])
def test_a_headless_module_never_loads_textual_or_rich(module):
    loaded = loaded_after(f"import {module}")
    assert "bpdebug" in loaded
    assert [m for m in UI if m in loaded] == []


def test_all_headless_modules_together_never_load_textual_or_rich():
    modules = [m for m in HEADLESS if present(m)]
    loaded = loaded_after("\n".join(f"import {m}" for m in modules))
    assert [m for m in UI if m in loaded] == []


def test_the_check_really_sees_textual_when_the_app_is_imported():
    # Without this the tests above could pass because sys.modules was never filled.
    if not present("textual"):
        pytest.skip("textual is not installed")
    assert "textual" in loaded_after("import textual")


def test_headless_command_lines_never_load_textual_or_rich(tmp_path):
    scenario = ROOT / "scenarios" / "xor.toml"
    if not scenario.exists():
        pytest.skip("no bundled xor scenario")
    out = tmp_path / "out.npz"
    code = (f"from bpdebug.cli import main\n"
            f"import contextlib, io\n"
            f"with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    main([{str(scenario)!r}, '--check'])\n"
            f"    main([{str(scenario)!r}, '--train', '3', '--export', {str(out)!r}])\n")
    loaded = loaded_after(code)
    assert out.exists()
    assert [m for m in UI if m in loaded] == []
