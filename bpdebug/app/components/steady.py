"""Widgets whose size the debugger sets, and that take it in one layout pass.

When a layout pass gives a widget a new size, Textual also sets its virtual size, and
that asks for a second layout pass: it finds nothing more to change, but repaints every
resized widget a frame later (a sixtieth of a second or more after the first).  The
debugger sizes every panel before the pass (room.py), for exactly the room it gets, so
the widgets here take their size without asking for that second pass: a step is one
frame.  Their scroll bars, if any, still follow the new size.
"""

from __future__ import annotations

from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Size


class Steady:
    """Mixed into a widget sized from outside: no second layout pass when it resizes."""

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)


class SteadyHorizontal(Steady, Horizontal):
    pass


class SteadyVertical(Steady, Vertical):
    pass


class SteadyScroll(Steady, VerticalScroll):
    pass
