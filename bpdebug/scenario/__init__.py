"""Scenario files: the TOML format, read and checked into the Scenario the engine runs.
What the rest of bpdebug asks of this package is named here."""

from bpdebug.scenario.files import bundled
from bpdebug.scenario.model import Scenario, ScenarioError
from bpdebug.scenario.reader import load

__all__ = ["Scenario", "ScenarioError", "bundled", "load"]
