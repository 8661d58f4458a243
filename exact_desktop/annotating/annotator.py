"""The annotation model of the shown image, Qt-free: palette, active type, mode, selection, and
the current tool object (chosen from the active type and the mode; see `model/tools/`).

The view feeds the current tool pointer events in level-0 pixels and paints `previews()`; a
tool's finished gesture comes back here as `create` or `store_vectors`, which go through
`EditHistory`: stored at once, in one transaction, and undoable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from blinker import Signal
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from exact_desktop.annotating.displayed import DisplayedImage, read_displayed
from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.annotating.tools.base import Preview, Tool
from exact_desktop.annotating.tools.drawing import BoxTool, CircleTool, ClickTool, PathTool
from exact_desktop.annotating.tools.select import SelectTool
from exact_desktop.model import regions, shapes
from exact_desktop.model.entities import Annotation, AnnotationType, VectorType, stored_id
from exact_desktop.model.geometry import Rect
from exact_desktop.model.view_state import ViewState
from exact_desktop.slides.base import SlideSource
from exact_desktop.store.base import Store

DRAW, SELECT = "draw", "select"
BOX, CIRCLE = "box", "circle"  # drag a box type's box (or a polygon's vertices), or a circle
_PREVIEW_LIMIT = 500  # past this many selected objects a move previews their common box
_DRAWING_TOOLS: dict[int, type[Tool]] = {
    VectorType.BOUNDING_BOX: BoxTool, VectorType.FIXED_SIZE_BOUNDING_BOX: ClickTool, VectorType.POINT: ClickTool,
    VectorType.LINE: PathTool, VectorType.MULTI_LINE: PathTool, VectorType.POLYGON: PathTool,
}  # fmt: skip

__all__ = ["BOX", "CIRCLE", "DRAW", "SELECT", "Annotator", "Preview"]


class Annotator:
    """`changed` is sent when something to draw changed, `selection_changed` with the new ids."""

    def __init__(
        self,
        store: Store,
        history: EditHistory,
        hit: Callable[[float, float, float], int | None],
        inside: Callable[[Rect], list[int]],
    ) -> None:
        self.store, self.history = store, history
        self.hit, self.inside = hit, inside  # the object under a point; the objects inside a rectangle
        self.image: int | None = None
        self.types: dict[int, AnnotationType] = {}
        self.palette: list[AnnotationType] = []  # types with geometry, in number-key order
        self.active: AnnotationType | None = None
        self.mode = DRAW
        self._box_shape = BOX
        self.selection: list[int] = []
        self._selected: dict[int, Annotation] = {}
        self.tool: Tool = Tool(self)
        self.changed = Signal()
        self.selection_changed = Signal()
        self.view: ViewState | None = None  # the zoom, for tools sized in screen pixels
        self.slide: SlideSource | None = None  # the shown slide's pixels, for tools that look at them
        self.told = Signal()  # with text=: what a tool did or why it did nothing, for the status bar

    # --- context ----------------------------------------------------------------------------
    def set_image(self, image: int | None, types: list[AnnotationType]) -> None:
        self.tool.cancel()
        self.image = image
        self.types = {stored_id(t): t for t in types}
        self.palette = [t for t in types if t.vector_type != VectorType.GLOBAL]
        if self.active is None or self.active.id not in self.types:
            self.active = self.palette[0] if self.palette else None
        self._choose_tool()
        self.select([])

    def set_active(self, type_id: int) -> None:
        self.active = self.types[type_id]
        self._choose_tool()

    def toggle_mode(self) -> str:
        """`c`: draw <-> select."""
        self.mode = SELECT if self.mode == DRAW else DRAW
        self._choose_tool()
        return self.mode

    @property
    def box_shape(self) -> str:
        return self._box_shape

    @box_shape.setter
    def box_shape(self, shape: str) -> None:
        self._box_shape = shape
        self._choose_tool()

    def _choose_tool(self) -> None:
        self.tool.cancel()
        if self.mode == SELECT or self.active is None:
            kind: type[Tool] = SelectTool
        elif self.active.vector_type in (VectorType.BOUNDING_BOX, VectorType.POLYGON) and self._box_shape == CIRCLE:
            kind = CircleTool
        else:
            kind = _DRAWING_TOOLS.get(self.active.vector_type, SelectTool)
        self.tool = kind(self)
        self.changed.send(self)

    def use(self, kind: type[Tool]) -> str:
        """A tool key (EXACT's s, g, d): that tool in place of the usual one; the same key again,
        or Escape, gives the usual one back. Returns what to tell the person."""
        if type(self.tool) is kind:
            self._choose_tool()
            return f"{kind.title} off"
        refusal = kind.refusal(self)
        if refusal:
            return refusal
        self.tool.cancel()
        self.tool = kind(self)
        self.changed.send(self)
        return kind.hint

    @property
    def downsample(self) -> float:
        """Level-0 pixels per screen pixel in the view the tools draw in."""
        return self.view.downsample if self.view is not None else 1.0

    def pixels(self, region: Rect | None = None, downsample: float | None = None) -> DisplayedImage | None:
        """The slide's pixels in `region` at `downsample`; by default what the view shows now,
        at its zoom. None without a slide."""
        if self.slide is None or (self.view is None and (region is None or downsample is None)):
            return None
        region = region or self.view.visible_region()  # type: ignore[union-attr]
        return read_displayed(self.slide, region, downsample or self.view.downsample)  # type: ignore[union-attr]

    def say(self, text: str) -> None:
        self.told.send(self, text=text)

    @property
    def drawing(self) -> bool:
        return self.tool.drawing

    def type_of(self, annotation: Annotation) -> AnnotationType | None:
        return self.types.get(annotation.annotation_type)

    def vector_type(self, annotation: Annotation) -> int:
        t = self.type_of(annotation)
        return t.vector_type if t else self.store.get(AnnotationType, annotation.annotation_type).vector_type

    # --- selection --------------------------------------------------------------------------
    def select(self, ids: list[int]) -> None:
        self.selection = list(dict.fromkeys(ids))
        self._reload_selected()
        self.selection_changed.send(self, ids=self.selection)
        if not self.tool.fits():
            self._choose_tool()
        self.changed.send(self)

    def _reload_selected(self) -> None:
        stored = self.store.get_many(Annotation, self.selection)
        found = {id: a for id in self.selection if (a := stored.get(id)) and not a.deleted and a.image == self.image}
        self._selected = found
        self.selection = list(found)

    def refresh(self) -> None:
        """After an undo or an edit elsewhere: the selection as the store has it now."""
        self.select(self.selection)

    @property
    def selected(self) -> list[Annotation]:
        return list(self._selected.values())

    # --- pointer events, for the current tool -----------------------------------------------
    def press(
        self, x: float, y: float, tolerance: float, shift: bool = False, ctrl: bool = False, alt: bool = False
    ) -> bool:
        if self.image is None:
            return False
        taken = self.tool.press(x, y, tolerance, shift, ctrl, alt)
        self.changed.send(self)
        return taken

    def move(self, x: float, y: float) -> None:
        if self.tool.move(x, y):
            self.changed.send(self)

    def release(self, x: float, y: float, tolerance: float) -> None:
        self.tool.release(x, y, tolerance)
        self.changed.send(self)

    def double_click(self, x: float, y: float, tolerance: float) -> bool:
        taken = self.tool.double_click(x, y, tolerance)
        self.changed.send(self)
        return taken

    def wheel(self, notches: float) -> bool:
        """Shift+wheel: the tool's (the brush's size); False when the tool has no use for it."""
        taken = self.tool.wheel(notches)
        if taken:
            self.changed.send(self)
        return taken

    # --- commands ---------------------------------------------------------------------------
    def finish(self) -> bool:
        """Enter (or a double-click): store the line, multi-line or polygon being drawn."""
        done = self.tool.finish()
        self.changed.send(self)
        return done

    def cancel(self) -> None:
        """Escape: stop drawing, or else clear the selection."""
        if self.tool.cancel():
            self.changed.send(self)
        elif self.tool.temporary:
            self._choose_tool()
        elif self.selection:
            self.select([])

    def undo_vertex(self) -> bool:
        """Ctrl+Z while drawing removes the last vertex; False when there is none to remove."""
        removed = self.tool.undo_vertex()
        if removed:
            self.changed.send(self)
        return removed

    def delete_selected(self) -> int:
        ids = list(self._selected)
        if ids:
            self.history.delete(ids)
            self.select([])
        return len(ids)

    def retype_selected(self, index: int) -> bool:
        """Number key: give the selection palette type `index` (key 1 is index 0, 0 is 9); with
        nothing selected, draw with that type. Only types of the same shape (boxes with boxes)."""
        if not 0 <= index < len(self.palette):
            return False
        target = self.palette[index]
        if not self._selected:
            self.set_active(stored_id(target))
            return True
        changes = {id: {"annotation_type": target.id} for id, a in self._selected.items() if self._fits(a, target)}
        if not changes:
            return False
        self.history.change(f"Change type to {target.name}", changes)
        self.refresh()
        return True

    def number_key(self, index: int) -> str:
        """What a number key does (`retype_selected`), said in a sentence for the status bar, so
        a key that changes nothing never goes unexplained."""
        key = str((index + 1) % 10)
        if not 0 <= index < len(self.palette):
            return f"No annotation type on key {key}"
        target = self.palette[index]
        shape = shapes.name_of(target.vector_type)
        selected = self.selected
        if not selected:
            self.retype_selected(index)
            if self.mode != DRAW:  # as a click on the type in the palette does
                self.toggle_mode()
            return f"Drawing {target.name} ({shape})"
        fitting = sum(self._fits(a, target) for a in selected)
        if not fitting:
            theirs = ", ".join(sorted({shapes.name_of(self.vector_type(a)) for a in selected}))
            return (f"The selected {theirs} cannot become {target.name} ({shape}): nothing changed. "
                    f"Escape clears the selection; then {key} draws {target.name}")  # fmt: skip
        self.retype_selected(index)
        kept = f"; {len(selected) - fitting:,} of another shape kept their type" if fitting < len(selected) else ""
        return f"{fitting:,} annotation{'s' * (fitting != 1)} changed to {target.name}{kept}"

    def _fits(self, annotation: Annotation, target: AnnotationType) -> bool:
        """A type change keeps the shape: boxes become boxes, polygons polygons."""
        shape = self.vector_type(annotation)
        return shape == target.vector_type or {shape, target.vector_type} <= set(shapes.BOXES)

    # --- what the tools hand back -----------------------------------------------------------
    def create(self, vector: dict[str, Any]) -> None:
        """Store a drawn shape. As on EXACT (a finished drawing is saved and its selection reset),
        nothing stays selected: the next number key picks the type to draw, not a new type for it."""
        assert self.active is not None and self.image is not None
        annotation = Annotation(annotation_type=stored_id(self.active), image=self.image, vector=vector)
        self.history.create([annotation], f"Create {self.active.name}")
        self.select([])

    def store_vectors(self, label: str, vectors: dict[int, dict[str, Any]]) -> None:
        self.history.change(label, {id: {"vector": v} for id, v in vectors.items()})
        self.refresh()

    def reshape(self, label: str, target: Annotation, pieces: list[Polygon]) -> None:
        """Store what an edit tool made of `target`: the largest piece stays it, the others become
        new annotations of its type, no piece deletes it; one transaction, one undo step."""
        assert target.id is not None
        if not pieces:
            self.history.delete([target.id], label)
            self.select([])
            return
        frame = (target.vector or {}).get("frame")
        first, *rest = (regions.fields_of(p, target.meta_data, frame) for p in pieces)
        kind, image = target.annotation_type, target.image
        created = [Annotation(kind, image, **f) for f in rest]
        self.history.change_and_create(label, {target.id: first}, created)
        self.refresh()
        if rest:
            self.say(f"{label}: {len(pieces)} pieces; the largest stays selected")

    def create_polygons(self, label: str, pieces: list[Polygon]) -> None:
        """New polygons of the active type (holes in meta_data); the largest stays selected, so
        the next stroke of the tool that made them adds to it."""
        assert self.active is not None and self.image is not None
        kind, image = stored_id(self.active), self.image
        made = [Annotation(kind, image, **regions.fields_of(p)) for p in pieces]
        ids = self.history.create(made, label)
        self.select(ids[:1])

    def reshape_selected(self, label: str, operation: Callable[[BaseGeometry], list[Polygon] | None]) -> str:
        """Apply `operation` (fill holes, simplify, smooth) to every selected polygon as one
        undoable edit; says what happened, in a sentence."""
        polygons = [a for a in self.selected if self.vector_type(a) in shapes.CLOSED and a.vector]
        if not polygons:
            return f"{label}: select one or more polygons first"
        changes: dict[int, dict[str, Any]] = {}
        for annotation in polygons:
            pieces = operation(regions.polygon_of(annotation.vector, annotation.meta_data))
            if pieces:  # the largest piece, should a change break one up
                frame = (annotation.vector or {}).get("frame")
                changes[stored_id(annotation)] = regions.fields_of(pieces[0], annotation.meta_data, frame)
        if not changes:
            return f"{label}: nothing to change in the selected polygons"
        self.history.change(label, changes)
        self.refresh()
        return f"{label}: {len(changes):,} of {len(polygons):,} selected polygons changed"

    # --- what to draw -----------------------------------------------------------------------
    def previews(self) -> list[Preview]:
        return self.tool.previews() + self._selection_previews()

    def handle_points(self) -> np.ndarray:
        """Handles of a single selected annotation (corners of a box, nodes of the rest)."""
        if len(self._selected) != 1 or getattr(self.tool, "moving", False):
            return np.empty((0, 2))
        (annotation,) = self.selected
        return shapes.handles(self.tool.shown_vector(annotation), self.vector_type(annotation))

    def _selection_previews(self) -> list[Preview]:
        selected = self.selected
        if len(selected) > _PREVIEW_LIMIT:
            boxes = np.array([b for a in selected if (b := shapes.bounds(self.tool.shown_vector(a)))])
            if not len(boxes):
                return []
            box = shapes.box_vector(boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max())
            return [Preview(shapes.handles(box, 1), True, "selected")]
        out = []
        for annotation in selected:
            vector_type = self.vector_type(annotation)
            closed = vector_type in (*shapes.BOXES, *shapes.CLOSED)
            nodes = shapes.handles(self.tool.shown_vector(annotation), vector_type)
            t = self.type_of(annotation)
            holes = _shown_holes(annotation, self.tool.shown_vector(annotation))
            out.append(Preview(nodes, closed, "selected", t.color_code if t else "#FFFFFF", holes=holes))
        return out


def _shown_holes(annotation: Annotation, shown: dict[str, Any]) -> tuple[np.ndarray, ...]:
    """The polygon's holes where it is shown: moved along while it is dragged whole, left out
    while one of its nodes is dragged (the hole stays where it was stored)."""
    holes = [np.asarray(h, np.float64) for h in (annotation.meta_data or {}).get("holes") or [] if len(h) >= 3]
    stored = annotation.vector or {}
    if not holes or shown == stored:
        return tuple(holes)
    before, after = shapes.bounds(stored), shapes.bounds(shown)
    if before is None or after is None:
        return ()
    shift, moved = np.subtract(after[:2], before[:2]), np.subtract(after[2:], before[2:])
    return tuple(h + shift for h in holes) if np.allclose(shift, moved) else ()
