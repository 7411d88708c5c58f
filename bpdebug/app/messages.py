"""The app's own messages: small dataclasses, as posting writes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from bpdebug.engine.frame import Frame
from bpdebug.engine.spec import Scenario

if TYPE_CHECKING:
    from bpdebug.teach.homework.compare import Comparison


@dataclass
class TrainingProgress(Message):
    """Posted from the training thread; a newer one replaces an older one still queued,
    so a fast trainer never floods the screen (toolong's can_replace)."""

    frame: Frame  # of the iteration about to be trained: frozen

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrainingProgress)


@dataclass
class ScenarioChosen(Message):
    """The picker's choice, already loaded."""

    scenario: Scenario


@dataclass
class StudentCompared(Message):
    """A student's hand-in ran on one iteration, in its child process."""

    iteration: int
    comparison: "Comparison"
