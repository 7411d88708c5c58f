"""KeyFooter: one line of Textual's footer, holding the keys of the lines keys.py puts
on it.

The stepping keys fill the last line at every width; the keys of the cells and the
handout (tab, enter, +, m) get a line of their own above it where the screen is wide
enough (keys.SECOND_LINE), and join the last line where both fit (keys.ONE_LINE), so
that no line is cut.  Which keys apply, and which are dimmed, is Textual's footer's own
business (the app's check_action).
"""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from bpdebug.app.keys import ACTIONS, STEPPING, line_of


class KeyFooter(Footer):
    """The footer's keys of some of keys.py's lines (keys.STEPPING, keys.CELLS)."""

    def __init__(self, *lines: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lines = frozenset(lines)

    def hold(self, *lines: int) -> None:
        """Hold the keys of these lines from now on."""
        self.lines = frozenset(lines)
        for key in self.query(FooterKey):
            key.display = self._holds(key)

    def bindings_changed(self, screen) -> None:
        # Textual's footer waits for the app to have the focus before it lists the keys; a
        # browser's page has none until it is clicked, and the keys work without a click.
        self._bindings_ready = True
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self.recompose)

    def _holds(self, key: FooterKey) -> bool:
        if "-command-palette" in key.classes:
            return STEPPING in self.lines
        return line_of(key.action) in self.lines

    def compose(self):
        # In the table's order: Textual puts tab first, where the screen's own binding is.
        widgets = sorted(super().compose(), key=lambda widget: order(widget.action)
                         if isinstance(widget, FooterKey) else len(ORDER))
        for widget in widgets:
            if isinstance(widget, FooterKey):
                widget.display = self._holds(widget)
            yield widget


ORDER = [key.action for key in ACTIONS]


def order(action: str) -> int:
    return ORDER.index(action) if action in ORDER else len(ORDER)
