"""Where each key of a scenario file is written, so that a complaint can name its line."""

from __future__ import annotations

import re


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
        header = re.match(r"^\[\[\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]", stripped)
        if header:
            key = header.group(1).replace('"', "").replace("'", "")
            counts[key] = counts.get(key, 0) + 1
            table = f"{key}[{counts[key]}]"
            where.setdefault(table, number)
            where.setdefault(key, number)
            continue
        header = re.match(r"^\[\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]", stripped)
        if header:
            table = header.group(1).replace('"', "").replace("'", "")
            where.setdefault(table, number)
            continue
        pair = re.match(r"^([A-Za-z0-9_.\-\"' ]+?)\s*=", stripped)
        if pair:
            key = pair.group(1).replace('"', "").replace("'", "").replace(" ", "")
            where.setdefault(f"{table}.{key}" if table else key, number)
    return where
