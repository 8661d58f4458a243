"""The overlay layers of the shown image: Qt-free, observed by the layers panel and the painter.

One layer per annotation type of the image (the project's own annotations) and one per plugin
result entry. A layer is known by its key, (kind, group): kind "annotations" with the annotation
type id, or "results" with the result entry id, as the spatial index groups them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from blinker import Signal

ANNOTATIONS, RESULTS = "annotations", "results"
LayerKey = tuple[str, int]


@dataclass
class Layer:
    kind: str
    group: int
    name: str
    image: int
    colour: str = "#FFFF00"
    visible: bool = True
    threshold: float = 0.0
    opacity: float = 0.8
    problem: str = ""  # why the layer cannot be drawn (set by the painter); "" when it draws
    details: str = ""  # what a result layer came from: plugin, package, parameters, job, date

    @property
    def key(self) -> LayerKey:
        return (self.kind, self.group)

    @property
    def entry(self) -> int:
        """The result entry of a result layer."""
        assert self.kind == RESULTS, "only result layers have an entry"
        return self.group


@dataclass
class LayerList:
    layers: list[Layer] = field(default_factory=list)
    changed: Signal = field(default_factory=Signal, repr=False, compare=False)

    def sync(self, image: int, kind: str, fresh: list[Layer]) -> None:
        """The layers of one kind for `image` are now `fresh`; known ones keep their settings and
        take the fresh name, details and colour (a result layer's type is known once it has a result)."""
        known = {layer.key: layer for layer in self.layers if layer.image == image and layer.kind == kind}
        wanted = {layer.key for layer in fresh}
        added = [layer for layer in fresh if layer.key not in known]
        described = [layer for layer in fresh if layer.key in known and _looks(known[layer.key]) != _looks(layer)]
        for layer in described:
            known[layer.key].name, known[layer.key].details, known[layer.key].colour = _looks(layer)
        kept = [x for x in self.layers if x.image != image or x.kind != kind or x.key in wanted]
        if added or described or len(kept) != len(self.layers):
            self.layers = kept + added
            self.changed.send(self)

    def for_image(self, image: int, kind: str | None = None) -> list[Layer]:
        return [x for x in self.layers if x.image == image and (kind is None or x.kind == kind)]

    def get(self, key: LayerKey) -> Layer | None:
        return next((x for x in self.layers if x.key == key), None)

    def set(self, key: LayerKey, **values: object) -> None:
        for layer in self.layers:
            if layer.key == key:
                for name, value in values.items():
                    setattr(layer, name, value)
        self.changed.send(self)

    def to_back(self, key: LayerKey) -> bool:
        """Draw the layer first, under the others (EXACT's `b`); False when there is no such layer."""
        layer = self.get(key)
        if layer is None:
            return False
        self.layers = [layer] + [x for x in self.layers if x is not layer]
        self.changed.send(self)
        return True

    def set_all(self, image: int, **values: object) -> None:
        """One change for every layer of the image (`y` hides or shows them all)."""
        for layer in self.for_image(image):
            for name, value in values.items():
                setattr(layer, name, value)
        self.changed.send(self)


def _looks(layer: Layer) -> tuple[str, str, str]:
    return layer.name, layer.details, layer.colour
