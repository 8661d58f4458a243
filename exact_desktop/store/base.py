"""The Store interface over a project's data: EXACT's entities, read and written as one API.

Its one implementation is the SQLite project file (`sqlite/`); a project that works on an EXACT
server is a mirror in such a file, kept in step by `sync/` (see `project/` for the two kinds).
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from blinker import Signal

from exact_desktop.model.entities import Annotation, Identified, stored_id
from exact_desktop.model.geometry import Rect
from exact_desktop.store.annotation_columns import AnnotationColumns

E = TypeVar("E", bound=Identified)  # an entity: stored ones have ids


class StoreError(Exception):
    """A store refused or failed an operation; the message says which and why."""


class NotFoundError(StoreError):
    pass


class SchemaTooNewError(StoreError):
    pass


class DiskFullError(StoreError):
    """The disk holding the project is full (or failing): nothing of the change was written,
    and the same change may succeed once there is room."""


class DamagedProjectError(StoreError):
    """SQLite found damaged pages in the project file: what they hold cannot be read."""


@dataclass(frozen=True)
class ViewportQuery:
    """Objects of one image inside a level-0 rectangle.

    `annotation_types` None means all; `entries` selects plugin result entries instead of
    ordinary annotations; `min_score` applies to result annotations. With `nodes` False every
    object comes back as its bounding box (its two corners), which is all a painter of dots needs
    and skips reading the polygons' nodes.
    """

    image: int
    rect: Rect
    annotation_types: tuple[int, ...] | None = None
    entries: tuple[int, ...] | None = None
    min_score: float = 0.0
    limit: int | None = None
    nodes: bool = True

    def __post_init__(self) -> None:
        # numpy scalars would reach SQLite as blobs, which compare above every number: plain floats
        r = self.rect
        object.__setattr__(self, "rect", Rect(float(r.x), float(r.y), float(r.w), float(r.h)))
        object.__setattr__(self, "min_score", float(self.min_score))


@dataclass
class ViewportObjects:
    """Compact arrays the renderer draws directly; row i is one object.

    Object i's nodes are `nodes[offsets[i]:offsets[i + 1]]` (level-0 x, y). `scores` is NaN
    for ordinary annotations. `holes` holds the hole rings (level-0 x, y) of the polygons that
    have any (their `meta_data["holes"]`), by object id: few objects have holes, so they are
    kept aside rather than in the flat arrays.
    """

    ids: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    types: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    bboxes: np.ndarray = field(default_factory=lambda: np.empty((0, 4), np.float32))
    scores: np.ndarray = field(default_factory=lambda: np.empty(0, np.float32))
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    nodes: np.ndarray = field(default_factory=lambda: np.empty((0, 2), np.float32))
    holes: dict[int, list[np.ndarray]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def nodes_of(self, i: int) -> np.ndarray:
        return self.nodes[self.offsets[i] : self.offsets[i + 1]]


@dataclass
class DensityGrid:
    """Object counts per square cell of `cell` level-0 pixels; counts[bucket, row, col].

    The grid's first cell is (first_col, first_row). Result annotations have one bucket per
    tenth of score (bucket b holds scores in [b/10, (b+1)/10)); annotations have one bucket.
    """

    cell: int
    first_col: int
    first_row: int
    counts: np.ndarray

    def at_threshold(self, min_score: float) -> np.ndarray:
        """Counts of objects scoring at least `min_score` (to the bucket: tenths of score)."""
        buckets = len(self.counts)
        first = 0 if buckets == 1 else min(buckets - 1, max(0, int(np.floor(min_score * buckets + 1e-9))))
        return np.asarray(self.counts[first:].sum(axis=0, dtype=np.int64))


@dataclass(frozen=True)
class SpatialChange:
    """Objects of one layer (an image's annotation type, or its result entry) that changed.

    `boxes` are (x0, y0, x1, y1) rows in level-0 pixels, of the old and the new geometry.
    """

    kind: str  # "annotations" or "results"
    image: int
    group: int
    boxes: np.ndarray


class Store(ABC):
    """CRUD per entity class (`store.list(Annotation, image=3)`), bulk create, viewport query.

    Filters are equality on EXACT field names, or `name__in=[...]` for a set of values.
    Deleting an Annotation is soft (EXACT's `deleted`); other entities are removed.
    `changed` (a blinker signal) is sent with `changes=[SpatialChange, ...]` after each write
    that moved geometry has committed, from the writing thread.
    """

    changed: Signal

    def __init__(self) -> None:
        self.changed = Signal()

    @abstractmethod
    def list(self, kind: type[E], limit: int | None = None, offset: int = 0, **filters: Any) -> list[E]: ...

    @abstractmethod
    def count(self, kind: type[Any], **filters: Any) -> int: ...

    @abstractmethod
    def get(self, kind: type[E], id: int) -> E: ...

    def get_many(self, kind: type[E], ids: Sequence[int], chunk: int = 500) -> dict[int, E]:
        """The entities of `ids` that exist, by id (a few queries, not one per id)."""
        found: dict[int, E] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), chunk):
            for entity in self.list(kind, id__in=unique[start : start + chunk]):
                found[stored_id(entity)] = entity
        return found

    @abstractmethod
    def create(self, entity: E) -> E: ...

    @abstractmethod
    def update(self, kind: type[E], id: int, **changes: Any) -> E: ...

    @abstractmethod
    def update_many(self, kind: type[E], changes: dict[int, dict[str, Any]]) -> builtins.list[E]:
        """Apply `{id: {field: value}}` in one transaction, all or none; the new entities in order."""

    @abstractmethod
    def change_and_create(self, changes: dict[int, dict[str, Any]], created: Sequence[Any]) -> builtins.list[int]:
        """Annotations: apply `changes` and create `created` in one transaction, all or none (an
        edit that splits one annotation into several); the new ids in order."""

    @abstractmethod
    def move_job_results(
        self, job_id: int, job_changes: dict[str, Any], set_aside: bool = False, relink: Sequence[int] = (),
        drop: Sequence[int] = (), carry: bool = False,
    ) -> Any:  # fmt: skip
        """A plugin job changed with its results in one transaction: `drop` deleted, `relink` the
        job's again, and with `set_aside` the results it holds now unlinked and recorded in its
        `set_aside` (a run again: whoever takes the job up next settles them); the new job. With
        `carry`, the review decisions on the dropped results go to the job's results that repeat
        them first (carried_decisions.py)."""

    @abstractmethod
    def delete(self, kind: type[Any], id: int) -> None: ...

    @abstractmethod
    def delete_many(self, kind: type[Any], ids: Sequence[int]) -> None:
        """All in one transaction or none (NotFoundError names the first missing id)."""
        ...

    @abstractmethod
    def bulk_create(self, entities: Sequence[E]) -> builtins.list[int]:
        """Create all or none, in one transaction; returns the new ids in order."""

    def present_uuids(self, image: int, uuids: Sequence[str], chunk: int = 500) -> set[str]:
        """Which of `uuids` (canonical spelling) the image's annotations have, deleted ones too."""
        found: set[str] = set()
        for start in range(0, len(uuids), chunk):
            picked = list(uuids[start : start + chunk])
            found.update(a.unique_identifier for a in self.list(Annotation, image=image, unique_identifier__in=picked))
        return found

    def deleted_uuids(self, image: int, uuids: Sequence[str], chunk: int = 500) -> dict[str, int]:
        """Which of `uuids` the image's deleted annotations have, with their ids: an import of one
        of them brings that annotation back rather than passing it as already here."""
        found: dict[str, int] = {}
        for start in range(0, len(uuids), chunk):
            picked = list(uuids[start : start + chunk])
            listed = self.list(Annotation, image=image, unique_identifier__in=picked, deleted=True)
            found.update((a.unique_identifier, stored_id(a)) for a in listed)
        return found

    def create_columns(self, batch: AnnotationColumns) -> builtins.list[int]:
        """`bulk_create` of new annotations given as columns (an import's): all or none, in one
        transaction; the new ids in order. A store with no column path of its own makes objects."""
        return self.bulk_create(batch.annotations())

    @abstractmethod
    def viewport(self, query: ViewportQuery) -> ViewportObjects: ...

    @abstractmethod
    def density(self, query: ViewportQuery) -> DensityGrid:
        """Counts per cell under the query's rectangle, all score buckets (min_score is not applied)."""

    @abstractmethod
    def typical_size(self, query: ViewportQuery) -> float:
        """About how large (level-0 pixels, longer side) the query's objects are; 0 when none."""

    def close(self) -> None:  # noqa: B027 - optional
        """Release connections."""
