"""The headless command line: exit codes, --list, --train, and bad input."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bpdebug.cli.main import MODES, main
from bpdebug.scenario.files import BUNDLED, bundled
from tests.conftest import bpdebug

ROOT = Path(__file__).resolve().parent.parent
BROKEN = Path(__file__).parent / "broken"


def documented() -> dict[str, int]:
    """name -> the --check exit code scenarios/README.md promises."""
    table = {}
    for line in (BUNDLED / "README.md").read_text().splitlines():
        row = re.match(r"\|\s*([a-z0-9-]+)\s*\|[^|]*\|\s*([012])\s*\|", line)
        if row:
            table[row.group(1)] = int(row.group(2))
    return table


def test_every_bundled_scenario_is_documented():
    assert set(documented()) == {name for name, _, _ in bundled()}


@pytest.mark.parametrize("name", sorted(documented()))
def test_check_gives_the_documented_exit_code(name, capsys):
    assert main([name, "--check"]) == documented()[name]
    out = capsys.readouterr().out
    assert "verdict" in out and "Traceback" not in out


def test_check_prints_each_step_with_shapes_and_marks(capsys):
    assert main(["xor", "--check"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"forward \[1\]\s+Z\[1\] = W\[1\]·A\[0\] \+ b\[1\]\s+3×2, 2×4, 3×1 → 3×4\s+✓", out)
    assert re.search(r"dW\[2\] = 1/m · dZ\[2\]·A\[1\]ᵀ\s+1×4, 4×3 → 1×3\s+✓", out)
    assert re.search(r"dW\[1\]\s+\S+\s+good", out)


def test_list_names_every_bundled_scenario(capsys):
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    for name, title, _ in bundled():
        assert re.search(rf"^{re.escape(name)}\s+{re.escape(title)}", out, re.MULTILINE)


def test_train_prints_first_and_last_cost_and_a_sparkline(capsys):
    assert main(["xor", "--train", "300"]) == 0
    out = capsys.readouterr().out.splitlines()
    first, last = map(float, re.search(
        r"J at iteration 0 = (\S+) → J at iteration 299 = (\S+)$", out[0]).groups())
    assert out[0].startswith("trained 300 iterations") and last < first
    assert len(out[1]) == 60 and set(out[1]) <= set("▁▂▃▄▅▆▇█")


def test_train_says_which_watchpoint_stopped_it(capsys):
    assert main(["dying-relu", "--train", "50"]) == 0
    out = capsys.readouterr().out
    assert "stopped by a watchpoint at iteration 0, forward [1]" in out
    assert "dead_relu_percent" in out


def test_train_then_export_continues_from_where_training_stopped(tmp_path, capsys):
    out = tmp_path / "x.npz"
    assert main(["sine", "--train", "7", "--export", str(out)]) == 0
    data = np.load(out)
    assert len(data["loss_history"]) == 8  # the 7 trained, and the exported iteration's


@pytest.mark.parametrize("name", sorted(p.name for p in BROKEN.glob("*.toml") if p.is_file()))
def test_a_broken_file_exits_2_with_one_line(name, capsys):
    assert main([str(BROKEN / name), "--check"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"bpdebug: {BROKEN / name}")


@pytest.mark.parametrize("argv,phrase", [
    (["xor", "--train", "-3"], "must be 0 or more"),
    (["xor", "--export", "out.txt"], "must end in .npz or .json"),
    (["xor", "--max-memory", "lots"], "not a size"),
    (["--check"], "need a SCENARIO"),
    (["xor", "--impl", "no/such/student.py"], "--impl"),
])
def test_bad_flags_exit_2_with_one_line(argv, phrase, capsys):
    try:
        code = main(argv)
    except SystemExit as exit:  # argparse's own errors
        code = exit.code
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and phrase in err[0]


def test_check_says_every_mistake_of_a_file_one_line_each(tmp_path, capsys):
    from tests.test_loader import FOUR_MISTAKES

    path = tmp_path / "four.toml"
    path.write_text(FOUR_MISTAKES)
    assert main([str(path), "--check"]) == 2
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and len(lines) == 4 and all(l.startswith(f"bpdebug: {path}:") for l in lines)
    assert [int(l.split(":")[2]) for l in lines] == [1, 3, 9, 10]  # sorted by line


def test_max_memory_flag_refuses_and_admits(capsys):
    assert main(["mnist-size", "--check", "--max-memory", "1MiB"]) == 2
    assert "more than the 1.0 MiB limit" in capsys.readouterr().err


@pytest.mark.process
def test_launching_the_app_on_a_broken_file_exits_2_before_any_screen():
    done = bpdebug(str(BROKEN / "unknown_activation.toml"))
    assert done.returncode == 2
    assert done.stdout == ""  # no escape sequences: no screen was drawn
    assert done.stderr.count("\n") == 1 and "did you mean 'relu'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.process
def test_version_and_help():
    assert re.match(r"bpdebug \d+\.\d+", bpdebug("--version").stdout)
    help = bpdebug("--help").stdout
    for flag in ("--check", "--train", "--export", "--impl", "--transcript", "--explain", "--list",
                 "--max-memory", "--max-file-size", "--version"):
        assert flag in help


@pytest.mark.process
def test_help_and_the_readme_list_every_mode_from_the_one_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    using = readme[readme.index("## Using it"):readme.index("### Keys")]
    help = bpdebug("--help").stdout
    lines = re.findall(r"^    bpdebug(?: .*)?$", using, re.M)
    assert len(lines) == len(MODES)  # none more, none fewer, in the table's order
    for line, (usage, what) in zip(lines, MODES):
        assert re.fullmatch(rf"    {re.escape(usage)}\s*{re.escape(what)}", line), line
    for usage, what in MODES:
        assert f"  {usage}\n" in help and what in help


def test_help_explains_below_what_its_modes_send_the_reader_below_for(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    help = capsys.readouterr().out
    after = help[help.index("  bpdebug --help | --version"):]  # below the modes
    sections = {}
    for usage, what in MODES:
        if "see below" in what:
            flag = next(word for word in usage.split() if word.startswith("--"))
            found = re.search(rf"^{re.escape(flag)} [A-Z]+: (.*?)(?:\n\n|\Z)", after, re.M | re.S)
            assert found, f"--help promises more on {flag} below, and says nothing there"
            sections[flag] = " ".join(found.group(1).split())
    assert set(sections) == {"--explain", "--impl"}
    # the spellings it names are ones --explain takes, all of the same element
    spellings = re.findall(r"(?:as on screen|as bpdebug prints it|dictionary key), (\S+?)[;.] ",
                           sections["--explain"])
    assert spellings == ["dW[1][1,0]", "dW[1]_{1,0}", "dW1[1,0]"]
    printed = set()
    for spelling in spellings:
        assert main(["xor", "--explain", spelling]) == 0, spelling
        printed.add(capsys.readouterr().out)
    assert len(printed) == 1 and "dW[1]_{1,0}" in printed.pop()
    # and how a hand-in is graded: against what, and what the exit code says
    assert "compared entry by entry" in sections["--impl"]
    assert "exit 0 if every entry agrees, 1 if not" in sections["--impl"]


@pytest.mark.process
def test_ctrl_c_stops_a_huge_train_prints_progress_and_exports_whole(tmp_path):
    import pty
    import select
    import signal

    out = tmp_path / "after.npz"
    # stderr on a pseudo-terminal, so the progress bar is drawn: seeing it is how the
    # test knows training has started (no sleep, whatever the machine's load).
    progress, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bpdebug", "sine", "--train", "1000000000", "--export", str(out)],
        stdout=subprocess.PIPE, stderr=terminal, text=True, cwd=ROOT, stdin=subprocess.DEVNULL)
    os.close(terminal)
    seen = b""
    while b"/1000000000" not in seen:
        ready, _, _ = select.select([progress], [], [], 120)  # a hang guard only
        assert ready, seen
        seen += os.read(progress, 4096)
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=120)
    while True:  # the rest of stderr, for the messages
        try:
            chunk = os.read(progress, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(progress)
    stderr = seen.decode(errors="replace")
    assert process.returncode == 130, stderr
    done = int(re.search(r"interrupted after (\d+) of 1000000000 iterations", stdout).group(1))
    assert done > 0 and "Traceback" not in stderr
    data = np.load(out)  # whole, or np.load would fail
    assert len(data["loss_history"]) == done + 1
    assert [p.name for p in tmp_path.iterdir()] == ["after.npz"]  # no temporary left behind
