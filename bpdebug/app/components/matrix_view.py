"""MatrixPanes: a widget that draws matrix panes (matrix_pane.MatrixPane), each a named
matrix as a heat map in its own box, through Textual's Line API.  MatrixView shows one
filling the widget (the student panel's two halves); the MatrixGrid shows a step's
eight to eleven side by side in one widget.  Either way the
widget draws every line itself, borders and titles included, from Styles made once
(its component classes, read again when the theme changes), and from each pane's
cached lines: a line is made again only when what it shows changed, and nothing is
drawn under a pane that covers it.  Like toolong's log view, only the lines and cells
on screen are ever made.

With the focus, one pane has it: the arrows move its cell cursor, the page keys and the
mouse wheel scroll it, tab moves to the next pane and then out of the widget.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from bpdebug.app.components.heatmap import solid
from bpdebug.app.components.steady import Steady
from bpdebug.app.components.matrix_pane import (  # noqa: F401 - what a panel shows, by name
    MORE,
    NOT_COMPUTED,
    MatrixPane,
    Palette,
)
from bpdebug.engine.shapes import Shape

WHEEL = 3  # rows a turn of the mouse wheel scrolls


class MatrixPanes(Steady, Widget, can_focus=True):
    """Matrix panes, each at its place in the widget."""

    BINDINGS = [Binding("up", "move(-1, 0)", "Up", show=False),
                Binding("down", "move(1, 0)", "Down", show=False),
                Binding("left", "move(0, -1)", "Left", show=False),
                Binding("right", "move(0, 1)", "Right", show=False),
                Binding("pageup", "page(-1)", "Page up", show=False),
                Binding("pagedown", "page(1)", "Page down", show=False),
                Binding("tab", "cycle(1)", "Next panel", show=False),
                Binding("shift+tab", "cycle(-1)", "Previous panel", show=False)]

    COMPONENT_CLASSES = {"matrix--border", "matrix--focused", "matrix--offending",
                         "matrix--footer", "matrix--label", "matrix--note"}

    DEFAULT_CSS = """
    MatrixPanes {
        width: 1fr;
        height: 1fr;
        & > .matrix--border { color: $foreground 30%; }
        & > .matrix--focused { color: $accent; }
        & > .matrix--offending { color: red; text-style: bold; }
        & > .matrix--footer { color: $foreground 70%; }
        & > .matrix--label { color: $foreground 50%; }
        & > .matrix--note { color: $foreground 60%; text-style: italic; }
    }
    """

    class CursorMoved(Message):
        """The cell cursor of a matrix panel moved (an explanation of another cell is stale)."""

        def __init__(self, view: "MatrixPanes", cursor: tuple[int, int]) -> None:
            super().__init__()
            self.view, self.cursor = view, cursor

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None, disabled: bool = False) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.panes: list[MatrixPane] = []  # shown, each with its place
        self.places: dict[MatrixPane, Region] = {}
        self.current: MatrixPane | None = None  # the pane the keys go to
        self._palette: Palette | None = None
        self._lines: dict[int, Strip] = {}  # the widget's lines, until a pane on them changes
        self._lines_width = 0  # the width they were made at
        self._bands: dict[int, list] | None = None  # by line, the panes it crosses

    # ---- the focused pane, for the app -----------------------------------------------

    @property
    def matrix_name(self) -> str:
        return self.current.matrix_name if self.current is not None else ""

    @property
    def cursor(self) -> tuple[int, int] | None:
        return self.current.cursor if self.current is not None else None

    # ---- places and drawing ------------------------------------------------------------

    def _adopt(self, pane: MatrixPane) -> MatrixPane:
        pane.host = self
        return pane

    def arrange(self, places: list[tuple[MatrixPane, Region]]) -> None:
        """Put these panes at these places (the others are hidden); redraw what moved."""
        old = dict(self.places)
        self.panes = [pane for pane, _ in places]
        self.places = dict(places)
        self._bands = None
        moved = []
        for pane, region in places:
            self._adopt(pane)
            pane.resize(region.width, region.height)
            if old.get(pane) != region:
                moved.append(region)
        moved += [region for pane, region in old.items() if pane not in self.places]
        self._forget(*moved)
        if self.current is not None and self.current not in self.places:
            self.current.set_focus(False)
            self.current = None
        if self.has_focus and self.current is None and self.panes:
            self.focus_pane(self.panes[0])

    def redraw(self, pane: MatrixPane) -> None:
        """A pane changed: its lines are made again, and only its place is repainted."""
        region = self.places.get(pane)
        if region is not None:
            self._forget(region)

    def _forget(self, *regions: Region) -> None:
        """These places are drawn again, in the next frame."""
        regions = tuple(region for region in regions if region)
        if not regions:
            return
        for region in regions:
            for y in range(region.y, region.bottom):
                self._lines.pop(y, None)
        self.refresh(*regions)

    @property
    def palette(self) -> Palette:
        if self._palette is None:
            base = self.rich_style
            background = solid(self.background_colors[1])
            component = self.get_component_rich_style
            self._palette = Palette(
                base, background,
                border=base + component("matrix--border", partial=True),
                focused=base + component("matrix--focused", partial=True),
                offending=base + component("matrix--offending", partial=True),
                footer=base + component("matrix--footer", partial=True),
                label=base + component("matrix--label", partial=True),
                note=base + component("matrix--note", partial=True))
        return self._palette

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette = None  # the theme or the CSS changed: every Style is made again
        self._lines.clear()
        for pane in self.panes:
            pane.restyle()

    def render_lines(self, crop: Region) -> list[Strip]:
        # Drawn here, not through Textual's styles pipeline: the borders are the panes'.
        width = self.size.width
        if width != self._lines_width:  # lines made at another width are another picture
            self._lines.clear()
            self._lines_width = width
        lines = [self._line(y, width) for y in crop.line_range]
        if crop.x or crop.width != width:
            lines = [line.crop(crop.x, crop.right) for line in lines]
        return lines

    def _line(self, y: int, width: int) -> Strip:
        line = self._lines.get(y)
        if line is None:
            line = self._lines[y] = self._make_line(y, width)
        return line

    def _on_line(self, y: int) -> list[tuple[int, MatrixPane, Region]]:
        """The panes line y crosses, left to right (worked out once per arrangement)."""
        if self._bands is None:
            bands: dict[int, list[tuple[int, MatrixPane, Region]]] = {}
            for pane, region in self.places.items():
                if region.width > 0:
                    for line in range(region.y, region.bottom):
                        bands.setdefault(line, []).append((region.x, pane, region))
            for crossing in bands.values():
                crossing.sort(key=lambda place: place[0])
            self._bands = bands
        return self._bands.get(y, [])

    def _make_line(self, y: int, width: int) -> Strip:
        palette = self.palette
        segments: list[Segment] = []
        x = 0
        for left, pane, region in self._on_line(y):
            if left < x:
                continue  # overlapped: never drawn under another pane
            if left > x:
                segments.append(Segment(" " * (left - x), palette.base))
            try:
                segments += pane.line(y - region.y, palette)
            except Exception as error:  # noqa: BLE001 - a drawing bug must not end the session
                text = f"cannot draw: {type(error).__name__}: {error}" if y == region.y + 1 else ""
                segments.append(Segment(text[:region.width].ljust(region.width),
                                        palette.base + Style(color="red")))
            x = left + region.width
        if x < width:
            segments.append(Segment(" " * (width - x), palette.base))
        strip = Strip(segments, max(width, x))
        if x > width:
            strip = strip.crop(0, width)
        for line_filter in self.get_line_filters():
            strip = strip.apply_filter(line_filter, palette.background)
        return strip

    def render_line(self, y: int) -> Strip:
        """Line y inside the border of the pane with the keys (the column numbers first)."""
        pane = self.current or (self.panes[0] if self.panes else None)
        if pane is None:
            return Strip.blank(self.size.width)
        return pane.render_line(y)

    # ---- keys and the mouse ------------------------------------------------------------

    def focus_pane(self, pane: MatrixPane) -> None:
        """Give this pane the keys (and the widget the focus)."""
        if self.current is not None and self.current is not pane:
            self.current.set_focus(False)
            self.redraw(self.current)
        self.current = pane
        self.show_pane(pane)
        if not self.has_focus:
            self.focus()
        pane.set_focus(self.has_focus)
        self.redraw(pane)

    def show_pane(self, pane: MatrixPane) -> None:
        """Bring a pane into view (the grid scrolls its rows of panes)."""

    def on_focus(self) -> None:
        if self.current is None and self.panes:
            self.current = self.panes[0]
        if self.current is not None:
            self.current.set_focus(True)
            self.redraw(self.current)

    def on_blur(self) -> None:
        if self.current is not None:
            self.current.set_focus(False)
            self.redraw(self.current)

    def action_move(self, rows: int, columns: int) -> None:
        """Move the cell cursor (arrow keys), keeping it on screen."""
        pane = self.current
        if pane is None or pane.grid_shape is None:
            return
        pane.move(rows, columns)
        self.redraw(pane)
        self.post_message(self.CursorMoved(self, pane.cursor))

    def action_page(self, direction: int) -> None:
        self.scroll_pane(self.current, rows=direction * (self.current.page() if self.current else 0))

    def scroll_pane(self, pane: MatrixPane | None, rows: int = 0, columns: int = 0) -> None:
        if pane is not None and pane.scroll(rows, columns):
            self.redraw(pane)

    def action_cycle(self, step: int) -> None:
        """tab: the next pane, and after the last one the next widget."""
        if self.current is None or self.current not in self.panes:
            self.screen.focus_next() if step > 0 else self.screen.focus_previous()
            return
        at = self.panes.index(self.current) + step
        if 0 <= at < len(self.panes):
            self.focus_pane(self.panes[at])
        else:
            self.screen.focus_next() if step > 0 else self.screen.focus_previous()

    def pane_at(self, x: int, y: int) -> MatrixPane | None:
        return next((pane for pane, region in self.places.items() if region.contains(x, y)), None)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._wheel(event, WHEEL)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._wheel(event, -WHEEL)

    def _wheel(self, event: events.MouseEvent, rows: int) -> None:
        pane = self.pane_at(event.x, event.y)
        if pane is not None:
            event.stop()
            if event.shift:
                self.scroll_pane(pane, columns=rows)
            else:
                self.scroll_pane(pane, rows=rows)

    def on_click(self, event: events.Click) -> None:
        pane = self.pane_at(event.x, event.y)
        if pane is not None:
            self.focus_pane(pane)


class MatrixView(MatrixPanes):
    """One matrix, filling the widget."""

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None, disabled: bool = False) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._single: MatrixPane | None = None

    @property
    def pane(self) -> MatrixPane:
        """The one pane, filling the widget."""
        if self._single is None:
            self._single = self._adopt(MatrixPane())
            self.arrange([(self._single, Region(0, 0, *self.size))])
        return self._single

    def show(self, name: str, value, expected: Shape | None = None, previous=None,
             offending: bool = False, footer=None) -> None:
        """Show `value` as `name`; mark entries that differ from `previous`; outline if
        `offending`; `footer` replaces the stats line (the student panel's verdict)."""
        pane = self.pane
        if pane.show(name, value, expected, previous, offending, footer):
            self.set_class(offending, "offending")
            self.redraw(pane)

    def on_resize(self) -> None:
        if self._single is not None:
            self.arrange([(self._single, Region(0, 0, *self.size))])

    def needed_width(self) -> int:
        """Every column at four figures and the title that keeps its ✓ or ✗."""
        pane = self.pane
        return max(pane.width_for(), pane.title_width(shortest=True))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.needed_width()  # with width: auto

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.pane.height_for()  # with height: auto: the box, every row of the matrix
