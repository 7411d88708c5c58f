"""Redraw a widget only when what it shows changed: a Static's content, a border's title.

Textual's Content compares by text alone, so a change of style only (the step
highlighted in the strip moving from ←2 to ←1, a status line turning red) would be
skipped by ``content != widget.content``.  This compares the styles too.  A border's
title or subtitle repaints the whole widget whenever it is set, even to what it was.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static


def same(old, new) -> bool:
    """Whether two texts (Content, str or None) read and look the same."""
    if isinstance(old, Content) and isinstance(new, Content):
        return old.plain == new.plain and old.spans == new.spans
    return type(old) is type(new) and old == new


def update(widget: Static, content: Content, layout: bool = True) -> None:
    if not same(widget.content, content):
        widget.update(content, layout=layout)


_SET = "_titles_set"  # the titles last set, as they were given


def titles(widget: Widget, title=..., subtitle=...) -> None:
    """Set the border's title and subtitle (None: none; left out: as it is), each only
    when it changed."""
    given = widget.__dict__.setdefault(_SET, {})
    for name, value in (("border_title", title), ("border_subtitle", subtitle)):
        if value is not ... and (name not in given or not same(given[name], value)):
            given[name] = value
            setattr(widget, name, value)
