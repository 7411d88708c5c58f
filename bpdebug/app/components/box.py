"""A panel's border drawn as Segments, by the widget itself: the top line with its title,
the sides, the bottom line with its footer.

Textual's own borders go through its styles pipeline on every line of every panel, and
cost more than the numbers inside them (a third of a step's frame).  A widget that
draws its own lines (the Line API) draws its border here instead, from Styles it
makes once.  A corner's neighbour can carry a mark: "…" where rows are hidden above
or below.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.content import Content

MORE = "…"


@dataclass(frozen=True)
class Glyphs:
    top_left: str
    top_right: str
    bottom_left: str
    bottom_right: str
    horizontal: str
    vertical: str


ROUND = Glyphs("╭", "╮", "╰", "╯", "─", "│")
HEAVY = Glyphs("┏", "┓", "┗", "┛", "━", "┃")

FRAME = 3  # "╭─ " before a title, and as much after it up to the corner: " ─╮" is 3 too


def longest(options: list, room: int, default=None):
    """The first of `options` (texts or Content, longest first) that fits `room` cells,
    else `default`."""
    return next((text for text in options
                 if (text.cell_length if isinstance(text, Content) else len(text)) <= room),
                default)


def fit(options: list[Content], width: int) -> Content | None:
    """The first of `options` (longest first) that fits a border `width` wide."""
    return longest(options, width - 2 * FRAME)


def whole_words(text: str, width: int) -> Content:
    """A title that fits a border `width` wide, or gives up whole words from its end
    (never half a word and "…"); a separator left at the end goes too."""
    words = text.split(" ")
    options = [" ".join(words[:n]).rstrip(" ·,") for n in range(len(words), 0, -1)]
    return fit([Content(option) for option in options], width) or Content("")


def segments(content: Content, style: Style) -> list[Segment]:
    """Content as Segments over `style` (its spans' styles laid on top)."""
    if not content.spans:
        return [Segment(content.plain, style)]
    out = []
    for text, span_style in content.render(end=""):
        rich = span_style.rich_style if span_style else None
        out.append(Segment(text, style + rich if rich else style))
    return out


def edge(width: int, left: str, right: str, line: str, style: Style, label: Content | None = None,
         label_style: Style | None = None, mark: str | None = None) -> list[Segment]:
    """One border line `width` wide: the corners, a label after "─ " when it fits (else
    none), and `mark` ("…") in place of the line just after the left corner."""
    if width <= 0:
        return []
    if width == 1:
        return [Segment(left, style)]
    inner = width - 2
    first = mark if mark else line
    out = [Segment(left + first[:inner], style)]
    used = min(1, inner)
    if label is not None and label.cell_length and label.cell_length + 4 <= inner:
        out.append(Segment(" ", style))
        out += segments(label, label_style or style)
        out.append(Segment(" ", style))
        used += label.cell_length + 2
    if inner - used > 0:
        out.append(Segment(line * (inner - used), style))
    out.append(Segment(right, style))
    return out
