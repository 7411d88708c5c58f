"""The picker: `bpdebug` with no argument lists the bundled scenarios; choosing one
loads it and opens the debugger.  A scenario that does not load says why, here."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from bpdebug.app.messages import ScenarioChosen


def first_sentence(description: str, limit: int = 150) -> str:
    text = " ".join(description.split())
    end = text.find(". ")
    text = text if end < 0 else text[:end + 1]
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _option(name: str, title: str, description: str) -> Option:
    first = first_sentence(description)
    prompt = Content.assemble((f"{name:<22}", "bold"), title)
    if first:
        prompt = Content.assemble(prompt, "\n", (" " * 22 + first, "dim"))
    return Option(prompt, id=name)


class PickerScreen(Screen[None]):
    """A list of the bundled scenarios; Enter opens one."""

    DEFAULT_CSS = """
    PickerScreen { align: center top; }
    PickerScreen > Vertical { width: 100%; max-width: 110; height: 1fr; }
    PickerScreen #picker-title { padding: 1 1 0 1; text-style: bold; }
    PickerScreen #picker-hint { padding: 0 1 1 1; color: $text-muted; }
    PickerScreen OptionList { height: 1fr; }
    PickerScreen #picker-error { color: red; padding: 0 1; height: auto; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("bpdebug: choose a scenario", id="picker-title")
            yield Static("↑/↓ to move, Enter to open, q to quit", id="picker-hint")
            yield OptionList(id="scenarios")
            yield Static("", id="picker-error")
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        try:
            from bpdebug.scenario import bundled
            scenarios = bundled()
        except Exception as error:  # noqa: BLE001 - shown, never raised
            self.show_error(f"cannot list the bundled scenarios: {type(error).__name__}: {error}")
            return
        options.add_options([_option(*s) for s in scenarios])
        if not scenarios:
            self.show_error("no bundled scenarios found")
        options.highlighted = 0
        options.focus()

    def show_error(self, text: str) -> None:
        self.query_one("#picker-error", Static).update(Content(text))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id
        try:
            from bpdebug.scenario import ScenarioError, load
        except Exception as error:  # noqa: BLE001
            self.show_error(f"{type(error).__name__}: {error}")
            return
        try:
            scenario = load(name)
        except ScenarioError as error:  # every problem, one line each, as the command line says
            self.show_error(str(error))
            return
        except Exception as error:  # noqa: BLE001 - a loader bug is shown, not raised
            self.show_error(f"{name}: {type(error).__name__}: {error}")
            return
        self.post_message(ScenarioChosen(scenario))
