"""Finding and reading a scenario file: a path or a bundled name, read safely (only a
regular file, and no more than a limit of it, before a byte is parsed)."""

from __future__ import annotations

import os
import stat
import tomllib
from difflib import get_close_matches
from importlib import resources
from pathlib import Path

from bpdebug.scenario.errors import ScenarioError
from bpdebug.scenario.memory import size_text
from bpdebug.scenario.printable import escape_controls


def _bundled_dir() -> Path:
    """The repository's scenarios/ folder ships as the package bpdebug.scenarios
    (pyproject.toml); pip installs it as plain files, so its resources are a directory."""
    try:
        return Path(str(resources.files("bpdebug.scenarios")))
    except ModuleNotFoundError:  # run from a checkout that was never installed
        return Path(__file__).resolve().parents[2] / "scenarios"


BUNDLED = _bundled_dir()
DEFAULT_MAX_FILE_SIZE = 16 << 20  # checked before a byte is parsed


def resolve(source: str | Path) -> tuple[Path, str]:
    """The file to read and the scenario's name: a path, or a bundled name like "xor"."""
    path = Path(source)
    if path.exists() or path.suffix == ".toml" or len(path.parts) > 1:
        return path, path.stem
    candidate = BUNDLED / f"{source}.toml"
    if candidate.is_file():
        return candidate, str(source)
    names = [name for name, _, _ in bundled()]
    close = get_close_matches(str(source), names, n=1)
    hint = f" (did you mean {close[0]}?)" if close else " (bpdebug --list shows the bundled ones)"
    raise ScenarioError(str(source), "", f"no such file or bundled scenario{hint}")


def bundled() -> list[tuple[str, str, str]]:
    """(name, title, description) of every bundled scenario, by name."""
    out = []
    for path in sorted(BUNDLED.glob("*.toml")):
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            doc = {}
        title, description = doc.get("title", path.stem), doc.get("description", "")
        out.append((path.stem, escape_controls(str(title)),
                    escape_controls(str(description).strip(), keep="\n")))
    return out


def read(path: Path, max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> str:
    """The file's text.  Only a regular file is read (after links are resolved), and
    no more than ``max_file_size`` bytes of it: /dev/zero, a FIFO or a directory
    would otherwise read forever, block forever or fail late."""
    file = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then says what
        # was opened, so nothing is swapped in between a check and the read.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ScenarioError(file, "", "no such file") from None
    except (OSError, ValueError) as error:  # ENXIO: a socket; ValueError: a NUL in the name
        what = _kind_of_file(path)
        if what:
            raise ScenarioError(file, "", f"{what}, not a regular file") from None
        reason = getattr(error, "strerror", None) or error
        raise ScenarioError(file, "", f"cannot read it: {reason}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_file_size:
        os.close(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(file, "", f"{_kind_of_file(path, info)}, not a regular file")
        raise ScenarioError(file, "", f"the file is {size_text(info.st_size)}, more than the "
                            f"{size_text(max_file_size)} limit (--max-file-size raises it)")
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read(max_file_size + 1)  # a file that grows after fstat stops here too
        except OSError as error:
            raise ScenarioError(file, "", f"cannot read it: {error.strerror or error}") from None
    if len(raw) > max_file_size:
        raise ScenarioError(file, "", f"the file is more than the {size_text(max_file_size)} "
                            "limit (--max-file-size raises it)")
    if b"\x00" in raw:
        raise ScenarioError(file, "", "a binary file, not a TOML scenario")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioError(file, "", f"not UTF-8 text (byte {error.start})") from None
    if not text.strip():
        raise ScenarioError(file, "", "the file is empty: a scenario needs [data] and [[layers]]")
    return text


def _kind_of_file(path: Path, info: os.stat_result | None = None) -> str:
    """What a path that is not a regular file is, in words ("" if it cannot be told)."""
    try:
        mode = (info or os.stat(path)).st_mode
    except (OSError, ValueError):
        return ""
    for test, words in ((stat.S_ISDIR, "is a directory"),
                        (stat.S_ISFIFO, "is a FIFO (named pipe)"),
                        (stat.S_ISCHR, "is a character device"),
                        (stat.S_ISBLK, "is a block device"),
                        (stat.S_ISSOCK, "is a socket")):
        if test(mode):
            return words
    return "is a special file"
