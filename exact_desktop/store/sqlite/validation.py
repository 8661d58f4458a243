"""Checks before a write: the annotation type exists and the vector fits it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from exact_desktop.model.vectors import InvalidVectorError, validate_vector
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite import tables as t


class AnnotationTypes:
    """(vector_type, node_count) per annotation type id, read once per transaction."""

    def __init__(self, conn: Connection) -> None:
        rows = conn.execute(
            select(t.annotation_type.c.id, t.annotation_type.c.vector_type, t.annotation_type.c.node_count)
        )
        self.known: dict[int, tuple[int, int]] = {row.id: (row.vector_type, row.node_count) for row in rows}

    def check(self, annotation_type: int, vector: Any, who: str) -> None:
        found = self.known.get(annotation_type)
        if found is None:
            raise StoreError(f"{who}: unknown annotation type {annotation_type!r}")
        vector_type, node_count = found
        try:
            validate_vector(vector, vector_type, node_count, who=who)
        except InvalidVectorError as err:
            raise StoreError(str(err)) from None
