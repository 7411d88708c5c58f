"""What a wheel and an sdist carry: every package and every bundled file, found through
importlib.resources; one version.  .ci/run builds and installs the wheel for real."""

import importlib.metadata
import re
import tomllib
from importlib import resources
from pathlib import Path

import bpdebug
from bpdebug.scenario.files import BUNDLED, bundled

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def test_every_package_and_data_folder_under_bpdebug_is_listed_for_the_wheel():
    found = {".".join(p.relative_to(ROOT).parts) for p in (ROOT / "bpdebug").rglob("*")
             if p.is_dir() and p.name != "__pycache__"}
    assert found | {"bpdebug"} <= set(SETUPTOOLS["packages"])


def test_every_file_in_scenarios_is_shipped_as_package_data():
    data = SETUPTOOLS["package-data"]
    patterns = data["bpdebug.scenarios"]
    home = ROOT / "scenarios"
    for path in home.rglob("*"):
        if path.is_dir() or "__pycache__" in path.parts or path.name == "__init__.py":
            continue
        relative = path.relative_to(home)  # a pattern matches at its own depth only
        assert any(len(Path(pattern).parts) == len(relative.parts) and relative.match(pattern)
                   for pattern in patterns), f"scenarios/{relative} would not ship"


def test_the_bundled_scenarios_are_found_through_importlib_resources():
    assert SETUPTOOLS["package-dir"]["bpdebug.scenarios"] == "scenarios"
    assert BUNDLED == Path(str(resources.files("bpdebug.scenarios")))
    assert sorted(name for name, _, _ in bundled()) == sorted(
        p.stem for p in (ROOT / "scenarios").glob("*.toml"))
    assert (BUNDLED / "students" / "post" / "correct.py").is_file()


def test_the_version_is_written_once():
    assert "version" not in PYPROJECT["project"] and "version" in PYPROJECT["project"]["dynamic"]
    assert SETUPTOOLS["dynamic"]["version"] == {"attr": "bpdebug.__version__"}
    assert importlib.metadata.version("bpdebug") == bpdebug.__version__


def test_the_license_is_spdx_and_ships():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_the_sdist_carries_what_its_tests_need():
    manifest = (ROOT / "MANIFEST.in").read_text()
    for folder in ("scenarios", "tests"):
        assert re.search(rf"^graft {folder}$", manifest, re.MULTILINE)
