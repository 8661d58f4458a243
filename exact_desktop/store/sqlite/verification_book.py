"""What a verification of ordinary annotations needs from the project file: the annotations of a
type as review candidates, and the reviewer's verdicts on them (EXACT's Verification rows).

Like ReviewBook, but a candidate is an annotation itself: a verdict is its reviewer's
verification (verified, or not), a relabel changes the annotation's type and verifies it, and
nothing is made or deleted. Each write is one transaction with the review's place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite import tables as t
from exact_desktop.store.sqlite.annotation_batch import update_annotations
from exact_desktop.store.sqlite.review_book import (
    CHUNK,
    Candidates,
    Outcome,
    Place,
    ReviewBook,
    Verdict,
    write_place,
    write_verifications,
)
from exact_desktop.store.sqlite.rows import ANNOTATION_SELECT, annotation_from_raw
from exact_desktop.store.sqlite.store import SqliteStore, driver_cursor, spatial_log
from exact_desktop.store.sqlite.tables import from_iso

ACCEPT, REJECT = 1, 3  # codes in Candidates.decisions (see review_book.DECISIONS)


class VerificationBook(ReviewBook):
    def __init__(self, store: SqliteStore, reviewer: int | None) -> None:
        super().__init__(store)
        self.reviewer = reviewer

    def annotations_of(self, annotation_type: int, images: Sequence[int]) -> Candidates:
        """The live annotations of the type on the images, in id order, with this reviewer's verdicts."""
        marks = ",".join("?" * len(images)) or "NULL"
        rows = self._read(
            "SELECT a.id, a.image, a.annotation_type, g.min_x, g.min_y, g.max_x, g.max_y, v.verified "
            f"FROM annotation a LEFT JOIN {t.ANNOTATION_GRID} g ON g.id = a.id "
            "LEFT JOIN verification v ON v.annotation = a.id AND v.user IS ? "
            f"WHERE a.annotation_type = ? AND a.deleted = 0 AND a.image IN ({marks}) ORDER BY a.id",
            (self.reviewer, annotation_type, *images),
        )
        table = np.array([[np.nan if v is None else v for v in row] for row in rows], np.float64).reshape(-1, 8)
        ids, types = table[:, 0].astype(np.int64), table[:, 2].astype(np.int64)
        verified = table[:, 7]
        decisions = np.where(np.isnan(verified), 0, np.where(verified == 1, ACCEPT, REJECT)).astype(np.int8)
        return Candidates(
            ids, table[:, 1].astype(np.int64), types.copy(), types, np.ones(len(ids), np.float32),
            table[:, 3:7].astype(np.float32), decisions, np.where(decisions == ACCEPT, types, -1),
        )  # fmt: skip

    def results(self, ids: Sequence[int]) -> dict[int, e.Annotation]:  # type: ignore[override]
        """The annotations of `ids` that exist, by id: what a crop outlines."""
        rows = self._read_in(
            f"SELECT {ANNOTATION_SELECT} FROM annotation a WHERE a.id IN ({{ids}})", list(dict.fromkeys(ids))
        )
        return {row[0]: annotation_from_raw(row) for row in rows}

    def verdicts(self, ids: Sequence[int]) -> dict[int, Verdict]:
        """This reviewer's verdicts on the annotations: verified (an accept of its type now) or not."""
        rows = self._read_in(
            "SELECT v.annotation, v.verified, a.annotation_type, v.time FROM verification v "
            "JOIN annotation a ON a.id = v.annotation WHERE v.user IS ? AND v.annotation IN ({ids})",
            ids,
            (self.reviewer,),
        )
        return {
            id: Verdict("accept" if verified else "reject", kind if verified else None, self.reviewer, from_iso(made))
            for id, verified, kind, made in rows
        }

    def write(self, outcomes: Sequence[Outcome], place: Place | None = None) -> None:
        """Each outcome's annotation type and verification (none: taken back), in one transaction."""
        if outcomes or place is not None:
            self.store.transaction(lambda conn: _write(conn, list(outcomes), place))


def _write(conn: Connection, outcomes: list[Outcome], place: Place | None) -> None:
    cursor = driver_cursor(conn)
    if place is not None:
        write_place(cursor, place)
    if not outcomes:
        return
    ids = [o.result_annotation for o in outcomes]
    now: dict[int, Any] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = cursor.execute(f"SELECT id, annotation_type FROM annotation WHERE id IN ({marks})", chunk).fetchall()
        now.update(rows)
    changes = {
        o.result_annotation: {"annotation_type": o.annotation.annotation_type, "last_editor": o.annotation.last_editor}
        for o in outcomes
        if now.get(o.result_annotation) not in (None, o.annotation.annotation_type)
    }
    if changes:
        update_annotations(conn, cursor, changes, spatial_log(conn))
    write_verifications(cursor, [(o.result_annotation, o) for o in outcomes if o.result_annotation in now])
