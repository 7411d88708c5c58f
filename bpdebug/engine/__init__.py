"""The engine: the post's equations, one step at a time, in pure NumPy.  Nothing in
this package imports another part of bpdebug: the scenario loader, the teaching
tools, the command line and the app all stand on it."""

from bpdebug.engine.cursor import Engine

__all__ = ["Engine"]
