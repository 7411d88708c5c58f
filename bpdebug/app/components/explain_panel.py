"""One element at a time, on screen: enter writes the cell under a matrix panel's cursor
out as the post derives it, + nudges an entry of W or b.  The panel takes the equation
panel's place until the cursor moves, the screen steps elsewhere or esc closes it.

It keeps what it shows (an explanation, a nudge, or a note saying why there is none)
with the cursor position it belongs to; the frame of any other position closes it.
A sum is written whole when the panel has the room, else its first terms, how many
more, and its last.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from textual.content import Content

from bpdebug.app.components import unchanged
from bpdebug.app.components.equation_panel import TopPanel
from bpdebug.app.components.matrix_view import MatrixPanes
from bpdebug.engine import plan
from bpdebug.engine.cursor import Engine
from bpdebug.engine.frame import Frame
from bpdebug.engine.names import is_parameter, of_gradient
from bpdebug.engine.notation import plain
from bpdebug.engine.nudge import Nudge
from bpdebug.teach.element import BadElement, Element
from bpdebug.teach import explain as teach
from bpdebug.teach.explain import Explanation, Stopped
from bpdebug.teach.render import HEAD, TAIL, explanation_lines, nudge_lines

HINT = "tab to a matrix panel, move to a cell with the arrows, then enter"


@dataclass(frozen=True)
class Explained:
    """What enter and + have shown at one cursor position: an element written out, a
    nudge, or a note saying why there is none."""

    position: int
    explanation: Explanation | None = None
    nudge: Nudge | None = None
    note: str | None = None
    # what the nudge shows that the cursor has not computed: J, its gradient (each with
    # the step that will)
    waits: Mapping[str, str] = field(default_factory=dict)


class ExplainPanel(TopPanel):
    """An element written out and its nudge, in the equation panel's place."""

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.explained: Explained | None = None
        self.room = 0  # lines the panel may take: a sum is written whole where it fits
        self._iteration = 0
        self.display = False

    @property
    def story(self) -> bool:
        """An element or a nudge is shown: it gets the room a mismatch's story gets."""
        explained = self.explained
        return explained is not None and (explained.explanation is not None
                                          or explained.nudge is not None)

    def feeds(self) -> tuple[str | None, dict]:
        """The element explained and every cell that feeds it, by quantity, for the matrix
        panels to underline (and to bring on screen)."""
        explanation = self.explained.explanation if self.explained is not None else None
        if explanation is None:
            return None, {}
        return explanation.element.name, explanation.cells()

    # ---- what enter, + and esc do ---------------------------------------------------

    def explain(self, engine: Engine, frame: Frame, view) -> None:
        """Write out the element under the focused panel's cell cursor."""
        element, i, note = _element(engine, frame, view)
        explained = Explained(frame.position, note=note)
        if i is not None:
            found = teach.explain(engine, element, i)
            explained = replace(explained, note=found.line()) if isinstance(found, Stopped) \
                else replace(explained, explanation=found)
        self.explained = explained

    def nudge(self, engine: Engine, frame: Frame, view) -> None:
        """Nudge the W or b entry under the focused panel's cell cursor by ε; an
        explanation at this position stays beside it."""
        element, _, note = _element(engine, frame, view)
        kept = self.explained
        if kept is None or kept.position != frame.position:
            kept = Explained(frame.position)
        if element is None:
            self.explained = replace(kept, note=note)
            return
        if not is_parameter(of_gradient(element.name)):
            self.explained = replace(kept, note=(
                f"+ nudges an entry of W[l] or b[l] (or dW[l], db[l]), not {element.name}"))
            return
        try:
            found = teach.nudge(engine, element, frame.iteration)
        except BadElement as error:
            self.explained = replace(kept, note=str(error))
            return
        if isinstance(found, Stopped):
            self.explained = replace(kept, note=found.line())
            return
        # Nothing before its step: ΔJ/ε is the nudge's own; J and dW[l] only once computed.
        waits = frame.pending(["J", found.gradient.name])
        self.explained = replace(kept, nudge=found, note=None, waits=waits)

    def close(self) -> bool:
        """Close what is shown; whether there was anything."""
        shown, self.explained = self.explained is not None, None
        return shown

    # ---- drawing ----------------------------------------------------------------------

    def show(self, frame: Frame) -> None:
        """Shown while the frame is the one it was made for; any other closes it."""
        if self.explained is not None and self.explained.position != frame.position:
            self.explained = None  # the cursor moved: another moment's element
        self.display = self.explained is not None
        self._iteration = frame.iteration
        if self.display:
            self._draw()

    def fit(self, room: int) -> None:
        """The lines the panel may take: a long sum is written whole when they are enough."""
        if room != self.room:
            self.room = room
            if self.display:
                self._draw()

    def _draw(self) -> None:
        explained = self.explained
        explanation, nudge = explained.explanation, explained.nudge
        what = explanation.element if explanation is not None else (
            nudge.parameter if nudge is not None else None)
        unchanged.titles(self, Content.assemble(("explain", "bold cyan"),
                                                f" {what}" if what is not None else "",
                                                f" · {self._iterations()}"),
                         Content("esc closes · enter explains · + nudges"))
        body: list[Content] = []
        if explained.note:
            body.append(Content.styled(explained.note, "italic"))
        blocks = [explanation_lines(explanation, self._whole(explanation, body))] \
            if explanation is not None else []
        blocks += [nudge_lines(nudge, explained.waits)] if nudge is not None else []
        for first, *rest in blocks:
            if body:
                body.append(Content(""))
            body.append(Content.styled(first, "bold"))
            body += [Content(line) for line in rest]
        unchanged.update(self, Content("\n").join(body), layout=False)  # sized by the debugger

    def _iterations(self) -> str:
        """The iteration the body writes about, as the title names it: a parameter before
        this iteration's update is the last update's value (iteration i − 1), while its
        nudge moves it as iteration i uses it; a note belongs to the cursor's iteration."""
        explained = self.explained
        shown = [x.iteration for x in (explained.explanation, explained.nudge) if x is not None]
        every = list(dict.fromkeys(shown)) or [self._iteration]
        if len(every) == 1:
            return f"iteration {every[0]}"
        return "iterations " + " and ".join(map(str, every))

    def _whole(self, explanation: Explanation, body: list) -> int:
        """How many terms a sum may have and still be written whole: every one, when the
        whole explanation (and a nudge) fits the room; else as --explain writes it."""
        longest = max((len(s.terms) for s in explanation.sums), default=0)
        nudge = self.explained.nudge
        needed = (len(body) + len(explanation_lines(explanation, longest))
                  + (len(nudge_lines(nudge, self.explained.waits)) + 1 if nudge is not None else 0))
        return longest if needed <= self.room else HEAD + TAIL + 1


def _element(engine: Engine, frame: Frame, view) -> tuple[Element | None, int | None, str | None]:
    """The element under the focused panel's cell cursor, and the iteration that computed
    the value the panel shows; or a note saying why there is none."""
    if not isinstance(view, MatrixPanes) or view.cursor is None:
        return None, None, HINT
    name, cell = view.matrix_name, view.cursor
    value = frame.values.get(name)
    if value is None:
        return None, None, f"{name} is not computed yet at this step"
    index = cell if len(getattr(value, "shape", ())) == 2 else cell[1:]
    i = frame.iteration
    if is_parameter(name) and (frame.step is None or frame.step.kind != plan.UPDATE):
        # Before this iteration's update a parameter holds what the last update made.
        if frame.position < engine.S:
            return (Element(name, index), None,
                    f"{name}{list(index)} = {plain(float(value[index]))} is where iteration 0 "
                    "starts: the initial parameters, before any update")
        i -= 1 if frame.step is not None else 0
    return Element(name, index), i, None
