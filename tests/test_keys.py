"""The one table of keys (bpdebug/app/keys.py): every action of the app is in it, so in
the footer's bindings, the command palette and the help, and the README names its keys."""

from __future__ import annotations

import re
from pathlib import Path

from bpdebug.app import keys
from bpdebug.app.app import BpdebugApp
from bpdebug.app.components.help_screen import KEYS as HELP

ROOT = Path(__file__).resolve().parent.parent


def test_every_action_of_the_app_is_in_the_table():
    own = {name.removeprefix("action_") for name in vars(BpdebugApp) if name.startswith("action_")}
    assert own == {key.name for key in keys.ACTIONS}
    bound = {binding.action for binding in BpdebugApp.BINDINGS}
    assert bound == {key.action for key in keys.ACTIONS}  # each has its keys


def test_every_key_is_bound_once_and_the_footer_shows_the_labelled_ones():
    pressed = [binding.key for binding in BpdebugApp.BINDINGS]
    assert len(pressed) == len(set(pressed))
    shown = [binding.action for binding in BpdebugApp.BINDINGS if binding.show]
    assert shown == [key.action for key in keys.ACTIONS if key.label]


def test_the_help_lists_every_key_it_explains_in_the_tables_order():
    assert [term for term, _ in HELP] == [key.help_term() for key in keys.KEYS if key.help]
    assert {"n  →  space", "enter", "+", "1 … 9", "tab", "ctrl+p", "?", "q"} <= dict(HELP).keys()


def test_the_readme_names_every_key_of_the_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Keys"):readme.index("### Export")]
    named = set()
    for token in re.findall(r"`([^`]+)`", section):
        token = token.replace("shift+←/→", "shift+←/shift+→")
        if re.fullmatch(r"\d", token):
            named.add(token)
        named.update(token.split("/"))
    first, last = re.search(r"`(\d)`–`(\d)`", section).groups()
    named.update(str(l) for l in range(int(first), int(last) + 1))
    missing = {shown for key in keys.KEYS for shown in key.shown()} - named
    assert missing == set()


def test_what_applies_when():
    assert keys.applies("help", engine_open=False, training=False)
    assert not keys.applies("step", engine_open=False, training=False)
    assert keys.applies("step", engine_open=True, training=True)  # the action says it is busy
    assert not keys.applies("stop", engine_open=True, training=False)
    assert keys.pressable("quit", "HelpScreen", on_debugger=False)
    assert not keys.pressable("quit", "CommandPalette", on_debugger=False)
    assert not keys.pressable("step", "HelpScreen", on_debugger=False)
    assert keys.pressable("command_palette", "HelpScreen", on_debugger=False)  # Textual's own
