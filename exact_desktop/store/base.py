"""The Store interface: one API whether the data is on an EXACT server or in the local mirror."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from exact_desktop.model.geometry import Rect

E = TypeVar("E")


class StoreError(Exception):
    """A store refused or failed an operation; the message says which and why."""


class NotFoundError(StoreError):
    pass


class SchemaTooNewError(StoreError):
    pass


@dataclass(frozen=True)
class ViewportQuery:
    """Objects of one image inside a level-0 rectangle.

    `annotation_types` None means all; `entries` selects plugin result entries instead of
    ordinary annotations; `min_score` applies to result annotations.
    """

    image: int
    rect: Rect
    annotation_types: tuple[int, ...] | None = None
    entries: tuple[int, ...] | None = None
    min_score: float = 0.0
    limit: int | None = None


@dataclass
class ViewportObjects:
    """Compact arrays the renderer draws directly; row i is one object.

    Object i's nodes are `nodes[offsets[i]:offsets[i + 1]]` (level-0 x, y). `scores` is NaN
    for ordinary annotations.
    """

    ids: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    types: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    bboxes: np.ndarray = field(default_factory=lambda: np.empty((0, 4), np.float32))
    scores: np.ndarray = field(default_factory=lambda: np.empty(0, np.float32))
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    nodes: np.ndarray = field(default_factory=lambda: np.empty((0, 2), np.float32))

    def __len__(self) -> int:
        return len(self.ids)

    def nodes_of(self, i: int) -> np.ndarray:
        return self.nodes[self.offsets[i] : self.offsets[i + 1]]


class Store(ABC):
    """CRUD per entity class (`store.list(Annotation, image=3)`), bulk create, viewport query.

    Filters are equality on EXACT field names, or `name__in=[...]` for a set of values.
    Deleting an Annotation is soft (EXACT's `deleted`); other entities are removed.
    """

    @abstractmethod
    def list(self, kind: type[E], limit: int | None = None, offset: int = 0, **filters: Any) -> list[E]: ...

    @abstractmethod
    def count(self, kind: type[Any], **filters: Any) -> int: ...

    @abstractmethod
    def get(self, kind: type[E], id: int) -> E: ...

    @abstractmethod
    def create(self, entity: E) -> E: ...

    @abstractmethod
    def update(self, kind: type[E], id: int, **changes: Any) -> E: ...

    @abstractmethod
    def delete(self, kind: type[Any], id: int) -> None: ...

    @abstractmethod
    def delete_many(self, kind: type[Any], ids: Sequence[int]) -> None:
        """All in one transaction or none (NotFoundError names the first missing id)."""
        ...

    @abstractmethod
    def bulk_create(self, entities: Sequence[E]) -> list[int]:
        """Create all or none, in one transaction; returns the new ids in order."""

    @abstractmethod
    def viewport(self, query: ViewportQuery) -> ViewportObjects: ...

    def close(self) -> None:  # noqa: B027 - optional
        """Release connections."""
