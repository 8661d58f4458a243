"""The jobs the GUI follows and the result layers it shows: Qt-free, observed by the widgets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from blinker import Signal

from exact_desktop.model.entities import JobStatus


@dataclass(frozen=True)
class JobView:
    """What the jobs panel shows of one job."""

    id: int
    plugin: str
    image: str
    status: str
    percent: float
    eta: datetime | None
    error: str
    detail: str

    @property
    def active(self) -> bool:
        return self.status in (JobStatus.PENDING, JobStatus.RUNNING)


@dataclass
class JobList:
    """Snapshots from the poller; `changed` is sent with the ids that changed."""

    jobs: dict[int, JobView] = field(default_factory=dict)
    changed: Signal = field(default_factory=Signal, repr=False, compare=False)

    def update(self, fresh: list[JobView]) -> set[int]:
        seen = {j.id: j for j in fresh}
        differing = {i for i, j in seen.items() if self.jobs.get(i) != j} | (set(self.jobs) - set(seen))
        self.jobs = seen
        if differing:
            self.changed.send(self, ids=differing)
        return differing


@dataclass
class ResultLayer:
    """One PluginResultEntry drawn over the slide."""

    entry: int
    name: str
    image: int
    visible: bool = True
    threshold: float = 0.0
    opacity: float = 0.8


@dataclass
class LayerList:
    layers: list[ResultLayer] = field(default_factory=list)
    changed: Signal = field(default_factory=Signal, repr=False, compare=False)

    def sync(self, image: int, entries: list[tuple[int, str, float]]) -> None:
        """Add layers for new entries (id, name, default threshold) of `image`; keep settings of known ones."""
        known = {layer.entry for layer in self.layers}
        added = [
            ResultLayer(entry, name, image, threshold=threshold)
            for entry, name, threshold in entries
            if entry not in known
        ]
        current = {entry for entry, _, _ in entries}
        kept = [layer for layer in self.layers if layer.image != image or layer.entry in current]
        if added or len(kept) != len(self.layers):
            self.layers = kept + added
            self.changed.send(self)

    def for_image(self, image: int) -> list[ResultLayer]:
        return [layer for layer in self.layers if layer.image == image]

    def set(self, entry: int, **values: object) -> None:
        for layer in self.layers:
            if layer.entry == entry:
                for name, value in values.items():
                    setattr(layer, name, value)
        self.changed.send(self)
