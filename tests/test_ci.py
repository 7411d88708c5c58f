"""CI runs the README's test line exactly as written, first, and stops at any failure."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commands(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_ci_runs_quick_start_line_2_first_and_stops_at_the_first_failure():
    readme = (ROOT / "README.md").read_text()
    quick = re.search(r"## Quick start\n\n```\n(.*?)```", readme, re.DOTALL).group(1).splitlines()
    run = commands((ROOT / ".ci" / "run").read_text())
    assert run[:3] == ["set -euo pipefail", 'cd "$(dirname "$0")/.."', quick[1]]
    assert len(quick) == 2
