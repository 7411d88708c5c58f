"""The results table: figure | measured | target | met?, with notes under it."""

from __future__ import annotations


class Table:
    def __init__(self):
        self.rows: list[tuple[str, str, str, str]] = []
        self.notes: list[str] = []

    def row(self, figure: str, measured: str, target: str, met: bool | None) -> None:
        mark = "n/a" if met is None else ("yes" if met else "**no**")
        self.rows.append((figure, measured, target, mark))
        print(f"  {figure}: {measured} (target {target}: {mark})", flush=True)

    def skip(self, figure: str, why: str, target: str = "") -> None:
        self.rows.append((figure, f"skipped: {why}", target, "n/a"))
        print(f"  {figure}: skipped: {why}", flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def flush_section(self) -> None:
        pass

    def markdown(self, header: str) -> str:
        lines = [header, "", "| figure | measured | target | met? |", "| --- | --- | --- | --- |"]
        lines += [f"| {' | '.join(cell.replace('|', '/') for cell in row)} |" for row in self.rows]
        if self.notes:
            lines += [""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines)
