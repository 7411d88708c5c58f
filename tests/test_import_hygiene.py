"""The wall between model and screen: the engine, the loader and every headless module
load without Textual or Rich (as harlequin's test_import_hygiene checks); and the
layers import one way only, down towards the engine."""

import ast
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
    return [module for module, _ in modules() if not module.startswith("bpdebug.app")]


def modules() -> list[tuple[str, Path]]:
    """Every module of the package and its file."""
    out = []
    for path in sorted((ROOT / "bpdebug").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
    return out


HEADLESS = headless_modules()


def test_the_walk_finds_the_layers():
    assert {"bpdebug.engine", "bpdebug.engine.cursor", "bpdebug.engine.frame",
            "bpdebug.engine.boundary", "bpdebug.scenario.reader", "bpdebug.teach.explain",
            "bpdebug.cli", "bpdebug.__main__"} <= set(HEADLESS)
    assert not [m for m in HEADLESS if m.startswith("bpdebug.app")]
    assert len(HEADLESS) + len([m for m, _ in modules() if m.startswith("bpdebug.app")]) \
        == len(list((ROOT / "bpdebug").rglob("*.py")))


# ---- the layers ----------------------------------------------------------------------

# What each layer may import besides itself.  The engine stands alone; a
# scenario is read into what the engine runs; teaching, the command line and the app
# stand on those; only the command line starts the app.
MAY_IMPORT = {
    "engine": set(),
    "scenario": {"engine"},
    "teach": {"engine", "scenario"},
    "app": {"engine", "scenario", "teach"},
    "cli": {"engine", "scenario", "teach", "app", "__version__"},
    "": {"cli", "__version__"},  # bpdebug/__init__.py and __main__.py
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in MAY_IMPORT else ""


def imports(tree: ast.AST) -> list[str]:
    """What a file imports from bpdebug, wherever it does (a function, a type-checking
    block: an arrow is an arrow): ``from bpdebug.engine import plan`` is bpdebug.engine.plan,
    ``from bpdebug.engine.cursor import Engine`` bpdebug.engine.cursor.Engine."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return [name for name in found if name == "bpdebug" or name.startswith("bpdebug.")]


def test_the_layers_import_one_way_only():
    wrong = []
    for module, path in modules():
        layer = layer_of(module)
        for imported in imports(ast.parse(path.read_text(encoding="utf-8"))):
            target = imported.split(".")[1] if "." in imported else ""
            if target != layer and target not in MAY_IMPORT[layer]:
                wrong.append(f"{module} imports {imported}")
    assert wrong == []


def test_the_layer_check_sees_a_wrong_arrow():
    tree = ast.parse("from typing import TYPE_CHECKING\n"
                     "if TYPE_CHECKING:\n    from bpdebug.cli.main import main\n"
                     "def f():\n    from bpdebug.app.app import run\n")
    assert imports(tree) == ["bpdebug.cli.main.main", "bpdebug.app.app.run"]
    assert layer_of("bpdebug.engine.cursor") == "engine" and layer_of("bpdebug.__main__") == ""


def test_no_two_modules_import_each_other_even_through_others():
    known = dict(modules())
    graph = {}
    for module, path in known.items():
        targets = set()
        for imported in imports(ast.parse(path.read_text(encoding="utf-8"))):
            targets.add(imported if imported in known else imported.rsplit(".", 1)[0])  # a name
        graph[module] = targets & set(known)
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        assert module not in trail, " -> ".join(trail[trail.index(module):] + [module])
        if module not in done:
            for target in sorted(graph[module]):
                visit(target, trail + [module])
            done.add(module)

    for module in graph:
        visit(module, [])

# ---- no Textual or Rich outside the app ----------------------------------------------

def loaded_after(code: str) -> list[str]:
    """Run code in a fresh interpreter; the top-level modules it loaded."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def present(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@pytest.mark.process
@pytest.mark.parametrize("module", HEADLESS)
def test_a_headless_module_never_loads_textual_or_rich(module):
    loaded = loaded_after(f"import {module}")
    assert "bpdebug" in loaded
    assert [m for m in UI if m in loaded] == []


@pytest.mark.process
def test_all_headless_modules_together_never_load_textual_or_rich():
    loaded = loaded_after("\n".join(f"import {m}" for m in HEADLESS))
    assert [m for m in UI if m in loaded] == []


@pytest.mark.process
def test_the_check_really_sees_textual_when_the_app_is_imported():
    # Without this the tests above could pass because sys.modules was never filled.
    if not present("textual"):
        pytest.skip("textual is not installed")
    assert "textual" in loaded_after("import textual")


@pytest.mark.process
def test_headless_command_lines_never_load_textual_or_rich(tmp_path):
    scenario = ROOT / "scenarios" / "xor.toml"
    out = tmp_path / "out.npz"
    code = (f"from bpdebug.cli.main import main\n"
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


# ---- the README tells the same tree ------------------------------------------------------

def test_the_readme_names_every_module_in_its_package():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    built = readme[readme.index("## How it is built"):]
    built = built[:built.index("\n## ", 1)] if "\n## " in built[1:] else built
    missing = []
    for package in ("engine", "scenario", "teach", "cli", "app"):
        part = built[built.index(f"**`bpdebug/{package}/`**"):]
        part = part[:part.index("\n- ", 1)]
        for path in sorted((ROOT / "bpdebug" / package).rglob("*.py")):  # subpackages too
            if path.stem != "__init__" and f"`{path.name}`" not in part:
                missing.append(str(path.relative_to(ROOT)))
    assert missing == []
