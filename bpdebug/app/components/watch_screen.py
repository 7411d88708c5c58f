"""WatchScreen: the watchpoints, switched on and off while debugging (a modal).

Each watchpoint of watch.py is a checkbox (✓ when on, not only a colour), the numeric ones with their threshold
beside it. Keys 1-5 toggle them; turning a numeric one on uses the threshold in its
box (a sensible default the first time). Every change replaces ``engine.watch`` at
once (a new Watch, never one mutated in place, so a training thread reading the old
one sees a whole Watch).
"""

from __future__ import annotations

import math
from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Static

from bpdebug.engine.notation import plain
from bpdebug.engine.watch import WATCHPOINTS, Watch

DEFAULTS = {w.key: w.default for w in WATCHPOINTS}


def label(w) -> str:
    return f"{w.key}: {w.watches}"


def is_on(watch: Watch, key: str) -> bool:
    return getattr(watch, key) not in (None, False)


def toggled(watch: Watch, key: str, threshold: float | None = None) -> Watch:
    """The watch with one watchpoint switched: off → on (at `threshold`, else its
    default), on → off."""
    if is_on(watch, key):
        return replace(watch, **{key: None if DEFAULTS[key] is not None else False})
    if DEFAULTS[key] is None:
        return replace(watch, **{key: True})
    return replace(watch, **{key: float(DEFAULTS[key] if threshold is None else threshold)})


def with_threshold(watch: Watch, key: str, threshold: float) -> Watch:
    """A numeric watchpoint at a new threshold (switched on if it was off)."""
    return replace(watch, **{key: float(threshold)})


def parse_threshold(text: str) -> float | None:
    """A threshold as typed: a finite number ≥ 0 (1e3, 0.5, 50), else None."""
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


class Mark(Checkbox):
    """A checkbox whose state is a character, not only a colour: ✓ on, blank off."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - the name Checkbox reads its mark from
        return "✓" if self.value else " "


class WatchScreen(ModalScreen[Watch]):
    """Toggle the engine's watchpoints; dismisses with the Watch now in force."""

    BINDINGS = [
        Binding("escape,w", "close", "Close"),
        *(Binding(str(k), f"toggle({k - 1})", w.key, show=False)
          for k, w in enumerate(WATCHPOINTS, start=1)),
    ]

    DEFAULT_CSS = """
    WatchScreen {
        align: center middle;
        & > #watch {
            width: 90%;
            max-width: 110;
            height: auto;
            padding: 1 2;
            border: thick $accent 60%;
            background: $surface;
        }
        & #watch-title { text-style: bold; margin-bottom: 1; }
        & .watch-row { height: auto; }
        & .watch-row Checkbox { width: 1fr; }
        & .watch-row Input { width: 16; margin-left: 1; }
        & .watch-row Input.-invalid { border: tall $error; }
        & #watch-hint { color: $foreground 60%; margin-top: 1; }
    }
    """

    def __init__(self, engine) -> None:
        super().__init__()
        self.engine = engine

    def compose(self) -> ComposeResult:
        watch = self.engine.watch
        with Vertical(id="watch"):
            yield Static(Content("watchpoints: stepping and training stop on the step "
                                 "where one fires"), id="watch-title")
            for k, w in enumerate(WATCHPOINTS, start=1):
                with Horizontal(classes="watch-row"):
                    yield Mark(Content(f"{k}  {label(w)}"), is_on(watch, w.key),
                                   id=f"watch-{w.key}", compact=True)
                    if w.default is not None:
                        value = getattr(watch, w.key)
                        yield Input(plain(value if value is not None else w.default),
                                    id=f"watch-{w.key}-threshold", compact=True)
            yield Static(Content("1-5 or space toggles · type a threshold and press enter · "
                                 "esc closes"), id="watch-hint")

    def action_toggle(self, index: int) -> None:
        key = WATCHPOINTS[index].key
        self._set(toggled(self.engine.watch, key, self._threshold(key)))

    def action_close(self) -> None:
        self.dismiss(self.engine.watch)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if not event.checkbox.id:
            return
        key = event.checkbox.id.removeprefix("watch-")
        if event.value != is_on(self.engine.watch, key):
            self._set(toggled(self.engine.watch, key, self._threshold(key)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        key = (event.input.id or "").removeprefix("watch-").removesuffix("-threshold")
        value = parse_threshold(event.value)
        event.input.set_class(value is None, "-invalid")
        if value is not None:
            self._set(with_threshold(self.engine.watch, key, value))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.input.set_class(parse_threshold(event.value) is None, "-invalid")

    def _threshold(self, key: str) -> float | None:
        if DEFAULTS[key] is None:
            return None
        try:
            box = self.query_one(f"#watch-{key}-threshold", Input)
        except Exception:  # noqa: BLE001 - not composed yet: the default will do
            return None
        return parse_threshold(box.value)

    def _set(self, watch: Watch) -> None:
        """Put the new Watch in force and make the boxes say so.  The Changed messages
        this sends back find the watch already agreeing with them, and do nothing."""
        self.engine.watch = watch
        for w in WATCHPOINTS:
            self.query_one(f"#watch-{w.key}", Checkbox).value = is_on(watch, w.key)
            value = getattr(watch, w.key)
            if w.default is not None and value is not None:
                self.query_one(f"#watch-{w.key}-threshold", Input).value = plain(value)
