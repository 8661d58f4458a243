"""Select, move, resize and reshape: click, Shift+click, Shift+drag a rubber band; drag the
selection to move it, a handle to resize a box or move a vertex; double-click an edge to insert
a vertex, Ctrl+click a vertex to delete it. A press on empty slide is left to the view (pan)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exact_desktop.annotating.tools.base import Host, Preview, Tool
from exact_desktop.model import shapes
from exact_desktop.model.entities import Annotation, VectorType, stored_id
from exact_desktop.model.geometry import Rect

_PATHS = (VectorType.POLYGON, VectorType.MULTI_LINE, VectorType.SEGMENTATION)


@dataclass
class _Drag:
    kind: str  # move, handle or band
    x: float
    y: float
    index: int = -1
    cx: float = 0.0
    cy: float = 0.0

    @property
    def moved(self) -> bool:
        return (self.cx, self.cy) != (self.x, self.y)


class SelectTool(Tool):
    name = "select"

    def __init__(self, annotator: Host) -> None:
        super().__init__(annotator)
        self.drag: _Drag | None = None

    def press(self, x: float, y: float, tolerance: float, shift: bool, ctrl: bool, alt: bool = False) -> bool:
        a = self.annotator
        single = a.selected[0] if len(a.selected) == 1 else None
        if single is not None:
            vector_type = a.vector_type(single)
            index, distance = shapes.nearest(shapes.handles(single.vector, vector_type), x, y)
            if distance <= tolerance:
                if ctrl:
                    smaller = shapes.delete_vertex(single.vector or {}, vector_type, index)
                    if smaller is not None:
                        a.store_vectors("Delete vertex", {stored_id(single): smaller})
                else:
                    self.drag = _Drag("handle", x, y, index, x, y)
                return True
        hit = a.hit(x, y, tolerance)
        if hit is not None:
            if shift:
                a.select([i for i in a.selection if i != hit] if hit in a.selection else [*a.selection, hit])
            elif hit not in a.selection:
                a.select([hit])
            if hit in a.selection:
                self.drag = _Drag("move", x, y, cx=x, cy=y)
            return True
        if shift:
            self.drag = _Drag("band", x, y, cx=x, cy=y)
            return True
        if a.selection:
            a.select([])
        return False

    def move(self, x: float, y: float) -> bool:
        if self.drag is None:
            return False
        self.drag.cx, self.drag.cy = x, y
        return True

    def release(self, x: float, y: float, tolerance: float) -> None:
        drag, self.drag = self.drag, None
        if drag is None:
            return
        drag.cx, drag.cy = x, y
        a = self.annotator
        if drag.kind == "band":
            rect = Rect(min(drag.x, x), min(drag.y, y), abs(x - drag.x), abs(y - drag.y))
            a.select([*a.selection, *a.inside(rect)])
        elif drag.moved and drag.kind == "move":
            noun = "annotation" if len(a.selected) == 1 else f"{len(a.selected):,} annotations"
            a.store_vectors(f"Move {noun}", {stored_id(s): self.shown_vector(s, drag) for s in a.selected})
        elif drag.moved and drag.kind == "handle" and len(a.selected) == 1:
            (single,) = a.selected
            a.store_vectors("Reshape", {stored_id(single): self.shown_vector(single, drag)})

    def double_click(self, x: float, y: float, tolerance: float) -> bool:
        a = self.annotator
        if len(a.selected) != 1:
            return False
        (single,) = a.selected
        vector_type = a.vector_type(single)
        if vector_type not in _PATHS:
            return False
        nodes = shapes.nodes_of(single.vector)
        edge, distance = shapes.nearest_edge(nodes, x, y, vector_type != VectorType.MULTI_LINE)
        if distance > tolerance:
            return False
        a.store_vectors("Insert vertex", {stored_id(single): shapes.insert_vertex(single.vector or {}, edge, x, y)})
        return True

    def cancel(self) -> bool:
        had, self.drag = self.drag is not None, None
        return had

    @property
    def moving(self) -> bool:
        return self.drag is not None and self.drag.kind == "move"

    def previews(self) -> list[Preview]:
        drag = self.drag
        if drag is None or drag.kind != "band":
            return []
        return [Preview(shapes.handles(shapes.box_vector(drag.x, drag.y, drag.cx, drag.cy), 1), True, "band")]

    def shown_vector(self, annotation: Annotation, drag: _Drag | None = None) -> dict[str, Any]:
        drag = drag or self.drag
        vector = annotation.vector or {}
        if drag is None or not drag.moved:
            return vector
        if drag.kind == "move":
            return shapes.moved(vector, drag.cx - drag.x, drag.cy - drag.y)
        if drag.kind == "handle":
            return shapes.drag_handle(vector, self.annotator.vector_type(annotation), drag.index, drag.cx, drag.cy)
        return vector
