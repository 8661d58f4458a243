"""New annotations of one image as columns: what an import of 100,000 polygons hands the store.

An import has its geometries as arrays already (shapely 2); making an `Annotation` and a vector
dict of each only for the store to take them apart again into the same arrays cost about a
second per 100,000. A store without a column path of its own takes `annotations()`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any, TypeVar

import numpy as np

from exact_desktop.model.entities import Annotation
from exact_desktop.model.vectors import keys_in_order

T = TypeVar("T")


@dataclass(frozen=True, eq=False)  # arrays have no truth value: two batches are equal only as one object
class AnnotationColumns:
    """Row i: type `annotation_types[i]`, nodes `nodes[offsets[i]:offsets[i + 1]]` (x, y; its
    vector x1, y1, ..., xn, yn), `unique_identifiers[i]`, `descriptions[i]`, `meta_data[i]`. All
    rows are of `image`, made by `user` (or nobody) at `time`."""

    image: int
    annotation_types: np.ndarray  # int64, one a row
    nodes: np.ndarray  # float64 (all rows' nodes, 2)
    offsets: np.ndarray  # int64, one more than the rows: row i's nodes start at offsets[i]
    unique_identifiers: list[str]
    descriptions: list[str]
    meta_data: list[dict[str, Any] | None]
    time: datetime
    user: int | None = None

    def __len__(self) -> int:
        return len(self.unique_identifiers)

    @property
    def counts(self) -> np.ndarray:
        """Each row's number of nodes."""
        return np.diff(self.offsets)

    def __getitem__(self, rows: slice) -> AnnotationColumns:
        """Consecutive rows (the bulk path takes a chunk at a time)."""
        start, stop, _ = rows.indices(len(self))
        first, last = int(self.offsets[start]), int(self.offsets[stop])
        return AnnotationColumns(
            self.image, self.annotation_types[start:stop], self.nodes[first:last],
            self.offsets[start : stop + 1] - first, self.unique_identifiers[start:stop],
            self.descriptions[start:stop], self.meta_data[start:stop], self.time, self.user,
        )  # fmt: skip

    def rows(self, positions: np.ndarray) -> AnnotationColumns:
        """The rows at `positions` (integers), in that order."""
        counts = self.counts[positions]
        starts = np.repeat(self.offsets[:-1][positions] - (np.cumsum(counts) - counts), counts)
        picked = positions.tolist()
        return AnnotationColumns(
            self.image, self.annotation_types[positions], self.nodes[starts + np.arange(len(starts))],
            np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), _taken(self.unique_identifiers, picked),
            _taken(self.descriptions, picked), _taken(self.meta_data, picked), self.time, self.user,
        )  # fmt: skip

    def annotations(self) -> list[Annotation]:
        """The rows as objects (for a store without a column path, and for an undoable edit)."""
        flat = self.nodes.ravel().tolist()
        ends = (2 * self.offsets).tolist()
        return [
            Annotation(kind, self.image, dict(zip(_keys(count), flat[start:end], strict=True)), unique_identifier=uid,
                       description=text, meta_data=meta, user=self.user, last_editor=self.user, time=self.time)
            for kind, start, end, count, uid, text, meta in zip(
                self.annotation_types.tolist(), ends[:-1], ends[1:], self.counts.tolist(), self.unique_identifiers,
                self.descriptions, self.meta_data, strict=True,
            )
        ]  # fmt: skip


_keys = functools.lru_cache(maxsize=256)(keys_in_order)


def _taken(values: list[T], positions: list[int]) -> list[T]:
    """values[p] for each p (itemgetter walks them in C; it gives a single value for one position)."""
    return list(itemgetter(*positions)(values)) if len(positions) > 1 else [values[p] for p in positions]
