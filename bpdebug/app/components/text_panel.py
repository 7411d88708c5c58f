"""TextPanel: a Static whose lines are drawn through the Line API, border included.

A Static repaints through Textual's styles pipeline, which composes the border, the
padding and the text of every line again each time the text changes: for the strip,
the equations, the cost and the status line that is most of a step's frame outside
the matrices.  A TextPanel keeps the Static's API (update, content, border_title,
border_subtitle, the CSS that sizes and colours it: border, padding, background,
text-wrap) but renders its text once per change and draws the border itself (box.py),
so a line costs no more than its Segments.  The debugger sizes it (steady.py).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.visual import Visual
from textual.widgets import Static

from bpdebug.app.components import box
from bpdebug.app.components.steady import Steady

GLYPHS = {"round": box.ROUND, "heavy": box.HEAVY}


class TextPanel(Steady, Static):
    """A Static drawn line by line from its text, rendered once per change."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._drawn: list[Strip] | None = None  # the whole panel, until anything changes
        self._drawn_for: tuple | None = None

    def update(self, content="", *, layout: bool = True) -> None:
        super().update(content, layout=layout)
        self._drawn = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn = None
        self._looks = None

    _looks: tuple | None = None

    def _styles(self) -> tuple:
        """The Styles a line is drawn with, worked out once until the CSS changes: each
        walks every ancestor."""
        if self._looks is None:
            base, background = self.rich_style, self.background_colors[1]
            kind, colour = self.styles.border_top
            glyphs = GLYPHS.get(kind)
            border = base + Style.from_color((background + colour).rich_color) if glyphs else base
            self._looks = (base, background, glyphs, border, self.visual_style,
                           tuple(self.styles.padding), self.styles.border_subtitle_align)
        return self._looks

    def render_lines(self, crop: Region) -> list[Strip]:
        # Setting a title makes a new Content (and repaints): the same object, the same title.
        key = (self.outer_size, id(self._border_title), id(self._border_subtitle))
        lines = self._drawn
        if lines is None or key != self._drawn_for:
            lines = self._drawn = self._make_lines()
            self._drawn_for = key
        lines = lines[crop.y:crop.bottom]
        if crop.x or crop.width != self.outer_size.width:
            lines = [line.crop(crop.x, crop.right) for line in lines]
        return lines

    def _make_lines(self) -> list[Strip]:
        """Every line of the panel: the border (when the CSS gives one), the padding and
        the text, wrapped or cut as the CSS says."""
        width, height = self.outer_size
        if not width or not height:
            return [Strip.blank(width)] * height
        base, background, glyphs, border, visual_style, padding, _ = self._styles()
        top, right, bottom, left = padding
        frame = 1 if glyphs else 0
        inner = max(0, width - 2 * frame - left - right)
        rows = max(0, height - 2 * frame - top - bottom)
        text = self._text(inner, rows, visual_style, base) if inner and rows else []
        blank = Segment(" " * inner, base)
        before = ([Segment(glyphs.vertical, border)] if glyphs else []) + \
            ([Segment(" " * left, base)] if left else [])
        after = ([Segment(" " * right, base)] if right else []) + \
            ([Segment(glyphs.vertical, border)] if glyphs else [])
        lines: list[Strip] = []
        if glyphs:
            lines.append(Strip(box.edge(width, glyphs.top_left, glyphs.top_right,
                                        glyphs.horizontal, border, self._border_title, base),
                               width))
        body = [None] * top + list(text) + [None] * max(0, rows - len(text)) + [None] * bottom
        for strip in body:
            middle = strip if strip is not None else [blank]
            lines.append(Strip([*before, *middle, *after], width))
        if glyphs:
            lines.append(Strip(self._bottom(width, glyphs, border, base, self._border_subtitle),
                               width))
        filters = self.get_line_filters()
        if filters:
            for line_filter in filters:
                lines = [line.apply_filter(line_filter, background) for line in lines]
        return lines[:height]

    def _text(self, inner: int, rows: int, style, base: Style) -> list[list[Segment]]:
        """The text's lines as Segments, `inner` cells wide: the text is rendered once and
        cut at its newlines; a line longer than the room is wrapped or cut as the CSS says."""
        content = self.visual
        if not isinstance(content, Content):
            return [strip._segments for strip in
                    Visual.to_strips(self, content, inner, rows, style, pad=True)]
        lines: list[list[Segment]] = [[]]
        for text, part in content.render(style, end="", parse_style=self._get_style):
            rich = part.rich_style
            for k, piece in enumerate(text.split("\n")):
                if k:
                    lines.append([])
                if piece:
                    lines[-1].append(Segment(piece, rich))
        cut = self.styles.text_wrap == "nowrap"
        ellipsis = self.styles.text_overflow == "ellipsis"
        out: list[list[Segment]] = []
        split: list[Content] | None = None  # the text's lines as Content, once one is long
        for y, segments in enumerate(lines):
            if len(out) >= rows:
                break
            length = sum(cell_len(segment.text) for segment in segments)
            if length > inner:  # rare: a mismatch's story, a long status
                if split is None:
                    split = content.split("\n", allow_blank=True)
                line = split[y]
                if cut:
                    line = line.truncate(inner, ellipsis=ellipsis)
                out += [strip._segments for strip in
                        Visual.to_strips(self, line, inner, None, style, pad=True)]
                continue
            if length < inner:
                segments.append(Segment(" " * (inner - length), base))
            out.append(segments)
        return out[:rows]

    def _bottom(self, width, glyphs, border, base, label) -> list[Segment]:
        """The bottom border, its subtitle placed as the CSS aligns it."""
        if label is None or label.cell_length + 6 > width:
            return box.edge(width, glyphs.bottom_left, glyphs.bottom_right, glyphs.horizontal,
                            border)
        if self._styles()[-1] != "right":
            return box.edge(width, glyphs.bottom_left, glyphs.bottom_right, glyphs.horizontal,
                            border, label, base)
        fill = width - label.cell_length - 6
        return [Segment(glyphs.bottom_left + glyphs.horizontal * (fill + 1) + " ", border),
                *box.segments(label, base), Segment(" " + glyphs.horizontal + glyphs.bottom_right,
                                                    border)]
