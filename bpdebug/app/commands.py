"""The command palette (ctrl+p): every action of the debugger (keys.py), by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from bpdebug.app.keys import ACTIONS, applies


class DebuggerCommands(Provider):
    """Each palette command runs the same action as its key."""

    def _commands(self):
        app = self.app
        engine = getattr(app, "engine", None)
        for key in ACTIONS:
            if key.name == "layer" and engine is not None and int(key.keys[0]) > engine.L:
                continue
            if applies(key.name, engine is not None, getattr(app, "training", False)):
                yield key.title, partial(app.run_action, key.action), key.palette()

    async def discover(self) -> Hits:
        for title, callback, help in self._commands():
            yield DiscoveryHit(title, callback, help=help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help in self._commands():
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help)
