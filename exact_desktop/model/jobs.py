"""The jobs the GUI follows: Qt-free, observed by the widgets (layers are in model/layers.py)."""

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
