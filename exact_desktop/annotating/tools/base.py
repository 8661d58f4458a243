"""The tool interface: pointer events in level-0 pixels; a tool tells the annotator once, when
its gesture is finished (a shape to create, vectors to store)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from shapely.geometry import Polygon

from exact_desktop.annotating.displayed import DisplayedImage
from exact_desktop.model.entities import Annotation, AnnotationType
from exact_desktop.model.geometry import Rect


class Host(Protocol):
    """What a tool may use of the annotator that holds it (the annotator is one)."""

    active: AnnotationType | None
    selection: list[int]
    hit: Callable[[float, float, float], int | None]
    inside: Callable[[Rect], list[int]]

    @property
    def selected(self) -> list[Annotation]: ...

    def select(self, ids: list[int]) -> None: ...

    def vector_type(self, annotation: Annotation) -> int: ...

    def create(self, vector: dict[str, Any]) -> None: ...

    def store_vectors(self, label: str, vectors: dict[int, dict[str, Any]]) -> None: ...

    @property
    def downsample(self) -> float: ...

    def type_of(self, annotation: Annotation) -> AnnotationType | None: ...

    def pixels(self, region: Rect | None = None, downsample: float | None = None) -> DisplayedImage | None: ...

    def reshape(self, label: str, target: Annotation, pieces: list[Polygon]) -> None: ...

    def create_polygons(self, label: str, pieces: list[Polygon]) -> None: ...

    def say(self, text: str) -> None: ...


@dataclass
class Preview:
    """Something the view draws over the overlay: `role` is drawing, selected or band."""

    nodes: np.ndarray
    closed: bool
    role: str
    colour: str = "#FFFFFF"
    circle: bool = False  # nodes are (centre, a point on the circle)
    holes: tuple[np.ndarray, ...] = ()  # rings cut out of a closed shape (a polygon's meta_data["holes"])


class Tool:
    """Does nothing; each tool overrides what its gesture needs. `press` returns False for a
    press the tool does not want (the view then pans)."""

    name = "none"
    temporary = False  # True: a tool a key lends (EXACT's s, g, d); Escape gives the usual one back
    title = ""
    hint = ""  # said when a key lends the tool

    @classmethod
    def refusal(cls, annotator: Host) -> str | None:
        """Why a key cannot lend this tool now (None: it can)."""
        return None

    def __init__(self, annotator: Host) -> None:
        self.annotator = annotator

    def fits(self) -> bool:
        """False once the selection no longer suits the tool (the annotator then swaps it)."""
        return True

    def press(self, x: float, y: float, tolerance: float, shift: bool, ctrl: bool, alt: bool = False) -> bool:
        return False

    def move(self, x: float, y: float) -> bool:
        """True when the previews changed."""
        return False

    def release(self, x: float, y: float, tolerance: float) -> None:
        return None

    def double_click(self, x: float, y: float, tolerance: float) -> bool:
        return False

    def wheel(self, notches: float) -> bool:
        """Shift+wheel; False leaves the wheel to the view (zoom)."""
        return False

    def finish(self) -> bool:
        """Enter: store what is being drawn."""
        return False

    def cancel(self) -> bool:
        """Escape: drop what is being drawn; False when there was nothing."""
        return False

    def undo_vertex(self) -> bool:
        return False

    @property
    def drawing(self) -> bool:
        return False

    def previews(self) -> list[Preview]:
        return []

    def shown_vector(self, annotation: Annotation) -> dict[str, Any]:
        """A selected annotation's vector as the gesture in progress would leave it."""
        return annotation.vector or {}
