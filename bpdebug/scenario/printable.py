"""Text from a scenario file, made safe to print: control characters shown escaped.

A title such as "\\x1b]0;PWNED\\x07\\x1b[?1049h" would retitle the terminal and switch
its screen if printed raw.  The loader passes every text it keeps (title,
description, name, path) through ``escape_controls`` once, so the screen, --check,
--list, --train and transcripts all show the same harmless text.  A student's printed
output goes through it too (teach/homework/run.py).
"""

from __future__ import annotations

import unicodedata


def escape_controls(text: str, keep: str = "") -> str:
    """Every control character (Unicode category Cc: C0, DEL, C1) except those in
    ``keep`` written as Python would escape it: \\x1b, \\x07, \\x9b."""
    return "".join(
        ch if ch in keep or unicodedata.category(ch) != "Cc" else repr(ch)[1:-1]
        for ch in text
    )
