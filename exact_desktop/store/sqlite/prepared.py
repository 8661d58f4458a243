"""A chunk of annotations or result annotations checked and encoded for the bulk path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Prepared:
    """A chunk checked and encoded: its columns (without the id), and the spatial index entries of
    the rows that have geometry: their positions in the chunk, owners (2 rows: image, group) and
    boxes as rows of (min_x, max_x, min_y, max_y); scores of result annotations."""

    columns: list[Sequence[Any]]
    positions: np.ndarray
    owners: np.ndarray
    boxes: np.ndarray
    scores: list[float] | None = None

    @staticmethod
    def of_rows(rows: list[tuple[Any, ...]], entries: list[tuple[Any, ...]], scores: list[float] | None) -> Prepared:
        """From rows, and entries as (position, image, group, *box): the path taken one object at a time."""
        table = np.array(entries, np.float64).reshape(-1, 7)
        return Prepared(
            list(zip(*rows, strict=True)), table[:, 0].astype(np.int64), table[:, 1:3].T.astype(np.int64),
            table[:, 3:], scores,
        )  # fmt: skip
