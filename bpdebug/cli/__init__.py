"""The command line: ``bpdebug SCENARIO [flags]`` (main.py), a student's file and a
class's hand-ins (student.py) and classroom mode (serve.py, web/)."""

from bpdebug.cli.main import main

__all__ = ["main"]
