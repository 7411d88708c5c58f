"""Waiting in app tests without the clock: on a condition the app's own messages make
true, on a worker, or on a threading.Event.  No wait here is a number of seconds that
a loaded machine could outrun; the counts and timeouts are safety nets against a hang."""

from __future__ import annotations

import asyncio
import threading

ROUNDS = 3000  # pilot.pause() rounds before giving up on a condition: a hang guard only


async def until(pilot, condition, rounds: int = ROUNDS) -> None:
    """Let the app handle its queued messages, round after round, until condition()."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause()
    assert condition(), "the condition never came true"


async def event(flag: threading.Event, hang_guard: float = 600.0) -> None:
    """Wait for a worker thread's Event without blocking the app's event loop."""
    await asyncio.to_thread(flag.wait, hang_guard)
    assert flag.is_set()


def worker_in(app, group: str):
    """The app's worker of this group (the one started last)."""
    workers = [w for w in app.workers if w.group == group]
    assert workers, f"no {group} worker"
    return workers[-1]
