"""How the command line ends: its exit codes, and the one shape of a refusal (one line
naming what is wrong, then exit code 2), also for a file that cannot be written."""

from __future__ import annotations

import sys

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # as a shell reports Ctrl-C; what was done so far is still reported


def refuse(message: str) -> int:
    """Say why, one line for each thing wrong, and give the exit code for unusable input."""
    for line in message.splitlines():
        print(f"bpdebug: {line}", file=sys.stderr)
    return EXIT_USAGE


def written(flag: str, path: str, payload: bytes) -> int:
    """Write the file whole or not at all: EXIT_OK, or the refusal's exit code."""
    from bpdebug.teach.export import atomic_write

    try:
        atomic_write(path, payload)
    except OSError as error:
        return refuse(f"{flag}: {path}: {error.strerror or error}")
    return EXIT_OK
