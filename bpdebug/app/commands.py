"""The command palette (ctrl+p): every action of the debugger, by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (title, action, help); the action is an App action, with its arguments as written in a binding.
COMMANDS = [
    ("Step forward", "step", "do the next step (n, →, space)"),
    ("Step back", "back", "undo one step, across the update if need be (p, ←)"),
    ("Run to the cost", "to_cost", "step forward until the cost J (f)"),
    ("Run to the end of the iteration", "to_end", "step forward until after the update (e)"),
    ("Train", "train", "train scenario.iterations in the background (t)"),
    ("Stop training", "stop", "stop the training in the background (Esc, t)"),
    ("Reset", "reset", "back to iteration 0 (r)"),
    ("Gradient check", "gradient_check", "compare dW, db with central differences (g)"),
    ("Watchpoints", "watch", "stop stepping and training where a NaN, an exploding or vanishing "
     "gradient, dead ReLUs or a rising cost appear (w)"),
    ("Teaching panels", "teaching_panels", "show or hide the decision boundary and the "
     "gradient norms (x)"),
    ("Write a transcript", "transcript", "the current iteration as Markdown for a handout, "
     "NAME-iteration-I.md in the working directory (m)"),
    ("Help", "help", "what each panel and key means (?)"),
    ("Quit bpdebug", "quit", "leave with exit code 0 (q)"),
] + [(f"Go to layer {l}", f"layer({l})", f"that layer's step in the current direction ({l})")
     for l in range(1, 10)]


class DebuggerCommands(Provider):
    """Each palette command runs the same action as its key."""

    def _commands(self):
        app = self.app
        for title, action, help in COMMANDS:
            name = action.split("(")[0]
            if action.startswith("layer(") and getattr(app, "engine", None) is not None:
                if int(action[6:-1]) > app.engine.L:
                    continue
            if app.available(name):
                yield title, partial(app.run_action, action), help

    async def discover(self) -> Hits:
        for title, callback, help in self._commands():
            yield DiscoveryHit(title, callback, help=help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help in self._commands():
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help)
