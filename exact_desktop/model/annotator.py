"""The annotation tools, Qt-free: pointer events in level-0 pixels in, store edits out.

The view translates mouse and keys into `press`, `move`, `release`, `double_click` and the
commands below, and paints `previews()`; every finished shape or edit goes through
`EditHistory`, so it is stored at once and can be undone. A press the tools do not want
(select mode, on empty slide) returns False and the view pans, as in EXACT.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from blinker import Signal

from exact_desktop.model import shapes
from exact_desktop.model.edit_history import EditHistory
from exact_desktop.model.entities import Annotation, AnnotationType, VectorType
from exact_desktop.model.geometry import Rect
from exact_desktop.store.base import Store

DRAW, SELECT = "draw", "select"
BOX, CIRCLE = "box", "circle"  # the two ways to draw a box type
_PREVIEW_LIMIT = 500  # past this many selected objects a move previews their common box


@dataclass
class Preview:
    """Something the view draws over the overlay: `role` is drawing, selected or band."""

    nodes: np.ndarray
    closed: bool
    role: str
    colour: str = "#FFFFFF"
    circle: bool = False  # nodes are (centre, a point on the circle)


@dataclass
class _Drag:
    kind: str  # move, handle, band, box, circle, line
    x: float
    y: float
    index: int = -1
    cx: float = 0.0
    cy: float = 0.0
    moved: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Annotator:
    """`changed` is sent when something to draw changed, `selection_changed` with the new ids."""

    def __init__(
        self,
        store: Store,
        history: EditHistory,
        hit: Callable[[float, float, float], int | None],
        in_rect: Callable[[Rect], list[int]],
    ) -> None:
        self.store, self.history, self._hit, self._in_rect = store, history, hit, in_rect
        self.image: int | None = None
        self.palette: list[AnnotationType] = []  # types with geometry, in number-key order
        self.active: AnnotationType | None = None
        self.mode = DRAW
        self.box_shape = BOX
        self.selection: list[int] = []
        self._selected: dict[int, Annotation] = {}
        self.types: dict[int, AnnotationType] = {}
        self._nodes: list[tuple[float, float]] = []  # the shape being drawn
        self._cursor: tuple[float, float] | None = None
        self._drag: _Drag | None = None
        self.changed = Signal()
        self.selection_changed = Signal()

    # --- context ----------------------------------------------------------------------------
    def set_image(self, image: int | None, types: list[AnnotationType]) -> None:
        self.cancel()
        self.image = image
        self.types = {t.id: t for t in types}  # type: ignore[misc]
        self.palette = [t for t in types if t.vector_type != VectorType.GLOBAL]
        if self.active is None or self.active.id not in self.types:
            self.active = self.palette[0] if self.palette else None
        self.select([])

    def set_active(self, type_id: int) -> None:
        self.cancel_drawing()
        self.active = self.types[type_id]
        self.changed.send(self)

    def toggle_mode(self) -> str:
        """`c`: draw <-> select."""
        self.cancel_drawing()
        self.mode = SELECT if self.mode == DRAW else DRAW
        self.changed.send(self)
        return self.mode

    @property
    def drawing(self) -> bool:
        return bool(self._nodes) or (self._drag is not None and self._drag.kind in (BOX, CIRCLE, "line"))

    def type_of(self, annotation: Annotation) -> AnnotationType | None:
        return self.types.get(annotation.annotation_type)

    # --- selection --------------------------------------------------------------------------
    def select(self, ids: list[int]) -> None:
        ids = list(dict.fromkeys(ids))
        self.selection = ids
        self._reload_selected()
        self.selection_changed.send(self, ids=ids)
        self.changed.send(self)

    def _reload_selected(self) -> None:
        found = {}
        for id in self.selection:
            annotation = self.store.get(Annotation, id)
            if not annotation.deleted and annotation.image == self.image:
                found[id] = annotation
        self._selected = found
        self.selection = list(found)

    def refresh(self) -> None:
        """After an undo or an edit elsewhere: the selection as the store has it now."""
        self._reload_selected()
        self.selection_changed.send(self, ids=self.selection)
        self.changed.send(self)

    @property
    def selected(self) -> list[Annotation]:
        return list(self._selected.values())

    # --- pointer ----------------------------------------------------------------------------
    def press(self, x: float, y: float, tolerance: float, shift: bool = False, ctrl: bool = False) -> bool:
        if self.image is None:
            return False
        if self.mode == DRAW and self.active is not None and not (shift and not self._nodes):
            self._press_draw(x, y, tolerance)
            self.changed.send(self)
            return True
        return self._press_select(x, y, tolerance, shift, ctrl)

    def move(self, x: float, y: float) -> None:
        self._cursor = (x, y)
        if self._drag is not None:
            self._drag.moved = self._drag.moved or (x, y) != (self._drag.x, self._drag.y)
            self._drag.cx, self._drag.cy = x, y
        if self._drag is not None or self._nodes:
            self.changed.send(self)

    def release(self, x: float, y: float, tolerance: float) -> None:
        drag, self._drag = self._drag, None
        if drag is None:
            return
        drag.cx, drag.cy = x, y
        finish = {
            "move": self._finish_move, "handle": self._finish_handle, "band": self._finish_band,
            BOX: self._finish_box, CIRCLE: self._finish_circle, "line": self._finish_line_drag,
        }[drag.kind]  # fmt: skip
        finish(drag, tolerance)
        self.changed.send(self)

    def double_click(self, x: float, y: float, tolerance: float) -> bool:
        if self._nodes:
            if not _same(self._nodes[-1], (x, y)):
                self._nodes.append((x, y))  # a double-click that came without its first press
            self.finish()
            return True
        if len(self._selected) == 1:
            annotation = self.selected[0]
            vector_type = self._vector_type(annotation)
            if vector_type in (VectorType.POLYGON, VectorType.MULTI_LINE, VectorType.SEGMENTATION):
                nodes = shapes.nodes_of(annotation.vector)
                edge, distance = shapes.nearest_edge(nodes, x, y, vector_type != VectorType.MULTI_LINE)
                if distance <= tolerance:
                    self._apply("Insert vertex", {annotation.id: shapes.insert_vertex(annotation.vector, edge, x, y)})  # type: ignore[arg-type,dict-item]
                    return True
        return False

    # --- commands ---------------------------------------------------------------------------
    def finish(self) -> bool:
        """Enter (or a double-click): store the multi-line or polygon being drawn."""
        if self.active is None or not self._nodes:
            return False
        nodes, self._nodes = self._nodes, []
        vector_type = self.active.vector_type
        if vector_type == VectorType.POLYGON and len(nodes) >= 2 and _same(nodes[-1], nodes[-2]):
            nodes = nodes[:-1]  # the double-click's own press
        if vector_type == VectorType.MULTI_LINE and len(nodes) >= 2 and _same(nodes[-1], nodes[-2]):
            nodes = nodes[:-1]
        needed = shapes.MIN_NODES.get(VectorType(vector_type), 1)
        if len(nodes) < needed:
            self.changed.send(self)
            return False
        self._create(shapes.vector_of(nodes))
        return True

    def cancel_drawing(self) -> None:
        self._nodes = []
        if self._drag is not None and self._drag.kind in (BOX, CIRCLE, "line"):
            self._drag = None

    def cancel(self) -> None:
        """Escape: stop drawing, or else clear the selection."""
        if self.drawing:
            self.cancel_drawing()
            self.changed.send(self)
        elif self.selection:
            self.select([])

    def undo_vertex(self) -> bool:
        """Ctrl+Z while drawing removes the last vertex; False when there is none to remove."""
        if not self._nodes:
            return False
        self._nodes.pop()
        self.changed.send(self)
        return True

    def delete_selected(self) -> int:
        ids = list(self._selected)
        if ids:
            self.history.delete(ids)
            self.select([])
        return len(ids)

    def retype_selected(self, index: int) -> bool:
        """Number key: give the selection palette type `index` (the key 1 is index 0, 0 is 9)."""
        if not 0 <= index < len(self.palette):
            return False
        target = self.palette[index]
        if not self._selected:
            self.set_active(target.id)  # type: ignore[arg-type]
            return True
        changes = {
            id: {"annotation_type": target.id}
            for id, a in self._selected.items()
            if self._vector_type(a) == target.vector_type
            or {self._vector_type(a), target.vector_type} <= set(shapes.BOXES)
        }
        if not changes:
            return False
        self.history.change(f"Change type to {target.name}", changes)
        self.refresh()
        return True

    # --- what to draw -----------------------------------------------------------------------
    def previews(self) -> list[Preview]:
        out: list[Preview] = []
        drag = self._drag
        colour = self.active.color_code if self.active else "#FFFFFF"
        if drag is not None and drag.kind == BOX:
            out.append(
                Preview(shapes.handles(shapes.box_vector(drag.x, drag.y, drag.cx, drag.cy), 1), True, "drawing", colour)
            )
        elif drag is not None and drag.kind == CIRCLE:
            out.append(Preview(np.array([(drag.x, drag.y), (drag.cx, drag.cy)]), True, "drawing", colour, circle=True))
        elif drag is not None and drag.kind == "line":
            out.append(Preview(np.array([(drag.x, drag.y), (drag.cx, drag.cy)]), False, "drawing", colour))
        elif drag is not None and drag.kind == "band":
            out.append(Preview(shapes.handles(shapes.box_vector(drag.x, drag.y, drag.cx, drag.cy), 1), True, "band"))
        if self._nodes:
            nodes = list(self._nodes) + ([self._cursor] if self._cursor else [])
            closed = self.active is not None and self.active.vector_type == VectorType.POLYGON
            out.append(Preview(np.array(nodes), closed, "drawing", colour))
        out.extend(self._selection_previews())
        return out

    def handle_points(self) -> np.ndarray:
        """Handles of a single selected annotation (corners of a box, nodes of the rest)."""
        if len(self._selected) != 1 or (self._drag is not None and self._drag.kind == "move"):
            return np.empty((0, 2))
        annotation = self.selected[0]
        return shapes.handles(self._shown_vector(annotation), self._vector_type(annotation))

    def _selection_previews(self) -> list[Preview]:
        selected = self.selected
        if len(selected) > _PREVIEW_LIMIT:
            boxes = [b for a in selected if (b := shapes.bounds(self._shown_vector(a)))]
            if not boxes:
                return []
            arr = np.array(boxes)
            box = shapes.box_vector(arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max())
            return [Preview(shapes.handles(box, 1), True, "selected")]
        out = []
        for annotation in selected:
            vector_type = self._vector_type(annotation)
            closed = vector_type in (*shapes.BOXES, *shapes.CLOSED)
            nodes = shapes.handles(self._shown_vector(annotation), vector_type)
            colour = (self.type_of(annotation) or self.active or AnnotationType("", 1, 0)).color_code
            out.append(Preview(nodes, closed, "selected", colour))
        return out

    def _shown_vector(self, annotation: Annotation) -> dict[str, Any]:
        """The vector as the drag in progress would leave it."""
        drag, vector = self._drag, annotation.vector or {}
        if drag is None or not drag.moved:
            return vector
        if drag.kind == "move":
            return shapes.moved(vector, drag.cx - drag.x, drag.cy - drag.y)
        if drag.kind == "handle":
            return shapes.drag_handle(vector, self._vector_type(annotation), drag.index, drag.cx, drag.cy)
        return vector

    # --- internals --------------------------------------------------------------------------
    def _vector_type(self, annotation: Annotation) -> int:
        t = self.type_of(annotation)
        return t.vector_type if t else (self.store.get(AnnotationType, annotation.annotation_type).vector_type)

    def _press_draw(self, x: float, y: float, tolerance: float) -> None:
        assert self.active is not None
        vector_type = self.active.vector_type
        if vector_type == VectorType.BOUNDING_BOX:
            self._drag = _Drag(self.box_shape, x, y, cx=x, cy=y)
        elif vector_type == VectorType.FIXED_SIZE_BOUNDING_BOX:
            w, h = self.active.default_width, self.active.default_height
            self._create(shapes.box_vector(x - w / 2, y - h / 2, x + w / 2, y + h / 2))
        elif vector_type == VectorType.POINT:
            self._create(shapes.vector_of([(x, y)]))
        elif vector_type == VectorType.LINE:
            if self._nodes:
                start = self._nodes[0]
                self._nodes = []
                self._create(shapes.vector_of([start, (x, y)]))
            else:
                self._nodes = [(x, y)]
                self._drag = _Drag("line", x, y, cx=x, cy=y)
        elif vector_type in (VectorType.POLYGON, VectorType.MULTI_LINE):
            first = self._nodes[0] if self._nodes else None
            if (
                vector_type == VectorType.POLYGON
                and first is not None
                and len(self._nodes) >= 3
                and math.hypot(x - first[0], y - first[1]) <= tolerance
            ):
                self.finish()  # clicking the first vertex closes the polygon
                return
            self._nodes.append((x, y))
        self._cursor = (x, y)

    def _press_select(self, x: float, y: float, tolerance: float, shift: bool, ctrl: bool) -> bool:
        if len(self._selected) == 1:
            annotation = self.selected[0]
            vector_type = self._vector_type(annotation)
            index, distance = shapes.nearest(shapes.handles(annotation.vector, vector_type), x, y)
            if distance <= tolerance:
                if ctrl:
                    smaller = shapes.delete_vertex(annotation.vector, vector_type, index)  # type: ignore[arg-type]
                    if smaller is not None:
                        self._apply("Delete vertex", {annotation.id: smaller})  # type: ignore[dict-item]
                    return True
                self._drag = _Drag("handle", x, y, index=index, cx=x, cy=y)
                return True
        hit = self._hit(x, y, tolerance)
        if hit is not None:
            if shift:
                ids = [i for i in self.selection if i != hit] if hit in self.selection else [*self.selection, hit]
                self.select(ids)
            elif hit not in self.selection:
                self.select([hit])
            if hit in self._selected:
                self._drag = _Drag("move", x, y, cx=x, cy=y)
            return True
        if shift:
            self._drag = _Drag("band", x, y, cx=x, cy=y)
            return True
        if self.selection:
            self.select([])
        return False

    def _finish_move(self, drag: _Drag, tolerance: float) -> None:
        dx, dy = drag.cx - drag.x, drag.cy - drag.y
        if not drag.moved or (dx == 0 and dy == 0):
            return
        noun = "annotation" if len(self._selected) == 1 else f"{len(self._selected):,} annotations"
        self._apply(f"Move {noun}", {id: shapes.moved(a.vector or {}, dx, dy) for id, a in self._selected.items()})

    def _finish_handle(self, drag: _Drag, tolerance: float) -> None:
        if not drag.moved or len(self._selected) != 1:
            return
        annotation = self.selected[0]
        vector = shapes.drag_handle(
            annotation.vector or {}, self._vector_type(annotation), drag.index, drag.cx, drag.cy
        )
        self._apply("Reshape", {annotation.id: vector})  # type: ignore[dict-item]

    def _finish_band(self, drag: _Drag, tolerance: float) -> None:
        rect = Rect(min(drag.x, drag.cx), min(drag.y, drag.cy), abs(drag.cx - drag.x), abs(drag.cy - drag.y))
        found = self._in_rect(rect)
        self.select([*self.selection, *found])

    def _finish_box(self, drag: _Drag, tolerance: float) -> None:
        if abs(drag.cx - drag.x) >= tolerance and abs(drag.cy - drag.y) >= tolerance:
            self._create(shapes.box_vector(drag.x, drag.y, drag.cx, drag.cy))

    def _finish_circle(self, drag: _Drag, tolerance: float) -> None:
        radius = math.hypot(drag.cx - drag.x, drag.cy - drag.y)
        if radius >= tolerance:
            self._create(shapes.circle_vector(drag.x, drag.y, radius))

    def _finish_line_drag(self, drag: _Drag, tolerance: float) -> None:
        if math.hypot(drag.cx - drag.x, drag.cy - drag.y) >= tolerance and self._nodes:
            self._nodes = []
            self._create(shapes.vector_of([(drag.x, drag.y), (drag.cx, drag.cy)]))
        # else: a click; the line's second click ends it

    def _create(self, vector: dict[str, Any]) -> None:
        assert self.active is not None and self.image is not None
        annotation = Annotation(annotation_type=self.active.id, image=self.image, vector=vector)  # type: ignore[arg-type]
        ids = self.history.create([annotation], f"Create {self.active.name}")
        self.select(ids)

    def _apply(self, label: str, vectors: dict[int, dict[str, Any]]) -> None:
        self.history.change(label, {id: {"vector": v} for id, v in vectors.items()})
        self.refresh()


def _same(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) < 1e-6 and abs(a[1] - b[1]) < 1e-6
