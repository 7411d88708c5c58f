"""The one error a scenario file can cause: ScenarioError, whose text is the line the
user sees (file, line where known, key path, what is wrong)."""

from __future__ import annotations

from bpdebug.scenario.printable import escape_controls


class ScenarioError(Exception):
    """An unusable scenario file. str() is the one line the user sees."""

    def __init__(self, file: str, key: str, message: str, line: int | None = None):
        self.file, self.key, self.message, self.line = file, key, message, line
        where = f"{file}:{line}" if line else file
        text = f"{where}: {key}: {message}" if key else f"{where}: {message}"
        super().__init__(escape_controls(text))  # a file name or message may hold escapes
