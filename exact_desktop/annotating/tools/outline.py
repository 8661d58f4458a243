"""Outline from a box (`o`): drag a box around a nucleus or a region; its outline (GrabCut,
`box_outline`) becomes a new polygon of the active type, selected, so the edit keys, the brush
and the wand work on it at once. The tool stays on for the next box until Escape."""

from __future__ import annotations

from exact_desktop.annotating.box_outline import outline_of, reading_for
from exact_desktop.annotating.tools.base import Host
from exact_desktop.annotating.tools.drawing import BoxTool
from exact_desktop.model.entities import VectorType
from exact_desktop.model.geometry import Rect


class OutlineTool(BoxTool):
    name, title, temporary = "outline", "Outline from a box", True
    hint = "Outline (o): drag a box around a nucleus or a region to outline it; Escape ends"

    @classmethod
    def refusal(cls, annotator: Host) -> str | None:
        active = annotator.active
        if active is None or active.vector_type != VectorType.POLYGON:
            return "Outline from a box: pick a polygon type (number key) first; the outline becomes one"
        return None

    def fits(self) -> bool:
        return self.refusal(self.annotator) is None

    def store_shape(self, start: tuple[float, float], end: tuple[float, float], tolerance: float) -> None:
        box = Rect(min(start[0], end[0]), min(start[1], end[1]), abs(end[0] - start[0]), abs(end[1] - start[1]))
        if box.w < tolerance or box.h < tolerance:
            return
        region, downsample = reading_for(box)
        image = self.annotator.pixels(region, downsample)
        outline = outline_of(image, box) if image is not None else None
        if outline is None:
            self.annotator.say("Outline: found no object filling the box (an even region?); nothing stored")
            return
        self.annotator.create_polygons("Outline from a box", [outline])
