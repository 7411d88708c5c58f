"""Redraw a Static only when what it shows changed.

Textual's Content compares by text alone, so a change of style only (the step
highlighted in the strip moving from ←2 to ←1, a status line turning red) would be
skipped by ``content != widget.content``.  This compares the styles too.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


def update(widget: Static, content: Content, layout: bool = True) -> None:
    old = widget.content
    if isinstance(old, Content) and old.plain == content.plain and old.spans == content.spans:
        return
    widget.update(content, layout=layout)
