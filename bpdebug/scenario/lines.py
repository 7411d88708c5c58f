"""Where each key of a scenario file is written, so that a complaint can name its line."""

from __future__ import annotations

import re

KEY = r"([A-Za-z0-9_.\-\"' ]+?)"  # a key or a dotted key, bare or quoted
ARRAY_HEADER = re.compile(rf"^\[\[\s*{KEY}\s*\]\]")  # [[layers]]
TABLE_HEADER = re.compile(rf"^\[\s*{KEY}\s*\]")  # [data]
PAIR = re.compile(rf"^{KEY}\s*=")  # units = 4


def lines_of_keys(text: str) -> dict[str, int]:
    """Where each key path is written: "data.X" -> 5, "layers[2].units" -> 14.

    tomllib keeps no positions, so this reads the common shapes of a file
    (tables, arrays of tables, key = value, dotted keys) line by line; anything
    it cannot place simply has no line in the message.
    """
    where: dict[str, int] = {}
    table, counts = "", {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if (key := _key(ARRAY_HEADER, stripped)) is not None:
            counts[key] = counts.get(key, 0) + 1
            table = f"{key}[{counts[key]}]"
            where.setdefault(table, number)
            where.setdefault(key, number)
        elif (key := _key(TABLE_HEADER, stripped)) is not None:
            table = key
            where.setdefault(table, number)
        elif (key := _key(PAIR, stripped)) is not None:
            key = key.replace(" ", "")
            where.setdefault(f"{table}.{key}" if table else key, number)
    return where


def _key(pattern: re.Pattern, line: str) -> str | None:
    """The key `pattern` finds at the start of `line`, without its quotes, or None."""
    found = pattern.match(line)
    return found.group(1).replace('"', "").replace("'", "") if found else None
