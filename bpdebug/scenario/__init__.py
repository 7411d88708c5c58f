"""Scenario files: the TOML format, read and checked into the Scenario the engine runs.
What the rest of bpdebug asks of this package is named here."""

from bpdebug.engine.spec import Scenario
from bpdebug.scenario.errors import ScenarioError
from bpdebug.scenario.files import bundled
from bpdebug.scenario.reader import load

__all__ = ["Scenario", "ScenarioError", "bundled", "load"]
