"""What is wrong with a scenario file: each problem one line (file, line where known, key
path, what is wrong), and ScenarioError, which carries every problem the file has."""

from __future__ import annotations

from dataclasses import dataclass

from bpdebug.scenario.printable import escape_controls


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file.  str() is the line the user sees."""

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
        return escape_controls(text)  # a file name or message may hold escapes


class ScenarioError(Exception):
    """An unusable scenario file.  str() is every problem found, one line each, sorted by
    line (those without a line last); file, key, message and line are the first's."""

    def __init__(self, file: str, key: str, message: str, line: int | None = None,
                 more: tuple[Problem, ...] = ()):
        first = Problem(file, key, message, line)
        self.problems = tuple(sorted((first, *more),
                                     key=lambda p: (p.line is None, p.line or 0)))
        first = self.problems[0]
        self.file, self.key, self.message, self.line = first.file, first.key, first.message, \
            first.line
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def of(cls, problems: list[Problem]) -> ScenarioError:
        first, *more = problems
        return cls(first.file, first.key, first.message, first.line, tuple(more))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]
