"""What a review needs from the local mirror (tables: migration 0010), each write one transaction.

A candidate is a plugin result annotation. Its state is its decision row (or none) and the
annotation an accept makes (an ordinary annotation whose UUID the review layer derives from the
candidate's): `write` brings both to the outcome asked for, so applying an outcome twice is
the same as once, and undo is writing the outcome from before.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite import tables as t
from exact_desktop.store.sqlite.annotation_batch import update_annotations
from exact_desktop.store.sqlite.bulk import bulk_insert
from exact_desktop.store.sqlite.many_rows import insert_rows
from exact_desktop.store.sqlite.rows import dumps, json_or_none
from exact_desktop.store.sqlite.store import SqliteStore, driver_cursor, spatial_log
from exact_desktop.store.sqlite.tables import from_iso, to_iso

DECISIONS = ("accept", "relabel", "reject")  # codes 1, 2, 3 in `Candidates.decisions`; 0 is undecided
CHUNK = 500


@dataclass(frozen=True)
class Verdict:
    decision: str  # one of DECISIONS
    annotation_type: int | None  # the type an accept or relabel keeps; None for a reject
    reviewer: int | None
    time: datetime


@dataclass(frozen=True)
class Outcome:
    """What a candidate is to be: its verdict (None: undecided again) and the annotation an
    accept makes, live exactly when the verdict accepts (given for every outcome, so a reject
    or an undo can find and delete it)."""

    result_annotation: int
    verdict: Verdict | None
    annotation: e.Annotation
    result_uuid: str | None = None  # the candidate's own UUID: a run again's result holding it is the same candidate

    @property
    def live(self) -> bool:
        return self.verdict is not None and self.verdict.decision != "reject"


@dataclass(frozen=True)
class Place:
    """Where a review of `scope` stands: its order, threshold and filters, and the candidate on screen."""

    scope: str
    settings: dict[str, Any]
    current: int | None


@dataclass
class Candidates:
    """Result annotations of some entries as arrays, row i one candidate, in id order.
    `boxes` rows are (x0, y0, x1, y1) level-0 px, NaN when the result has no geometry;
    `chosen` is the type a decision kept (-1 when none)."""

    ids: np.ndarray
    images: np.ndarray
    entries: np.ndarray
    types: np.ndarray
    scores: np.ndarray
    boxes: np.ndarray
    decisions: np.ndarray
    chosen: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


class ReviewBook:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    # --- reads -----------------------------------------------------------------------------
    def candidates(self, entries: Sequence[int]) -> Candidates:
        """Read in three plain scans merged by id in numpy: the result rows, their boxes from the
        spatial grid (by band) and the decisions. Joining the grid row by row cost 1.2 s of 1.8 s
        at 100,000 results."""
        marks, args = ",".join("?" * len(entries)) or "NULL", tuple(entries)
        rows = self._read(
            "SELECT id, image, pluginresultentry, annotation_type, score FROM plugin_result_annotation "
            f"WHERE pluginresultentry IN ({marks}) ORDER BY id",
            args,
        )
        table = np.array(rows, np.float64).reshape(-1, 5)
        ids = table[:, 0].astype(np.int64)
        boxes = np.full((len(ids), 4), np.nan, np.float32)
        grid = np.array(self._read(
            f"SELECT g.id, g.min_x, g.min_y, g.max_x, g.max_y FROM {t.RESULT_GRID} g JOIN spatial_band b "
            f"ON b.band = g.band WHERE b.tree = ? AND b.grp IN ({marks})",
            (t.RESULT_GRID, *args),
        ), np.float64).reshape(-1, 5)  # fmt: skip
        _put(boxes, ids, grid[:, 0].astype(np.int64), grid[:, 1:])
        decisions = np.zeros(len(ids), np.int8)
        chosen = np.full(len(ids), -1, np.int64)
        codes = " ".join(f"WHEN '{name}' THEN {code}" for code, name in enumerate(DECISIONS, 1))
        decided = np.array(self._read(
            f"SELECT d.result_annotation, CASE d.decision {codes} ELSE 0 END, coalesce(d.annotation_type, -1) "
            "FROM review_decision d JOIN plugin_result_annotation r ON r.id = d.result_annotation "
            f"WHERE r.pluginresultentry IN ({marks})",
            args,
        ), np.int64).reshape(-1, 3)  # fmt: skip
        _put(decisions, ids, decided[:, 0], decided[:, 1])
        _put(chosen, ids, decided[:, 0], decided[:, 2])
        return Candidates(
            ids, table[:, 1].astype(np.int64), table[:, 2].astype(np.int64), table[:, 3].astype(np.int64),
            table[:, 4].astype(np.float32), boxes, decisions, chosen,
        )  # fmt: skip

    def results(self, ids: Sequence[int]) -> dict[int, e.PluginResultAnnotation]:
        """The result annotations of `ids` that exist, by id, read with plain SQL: the store's
        get_many of one (SQLAlchemy's statement and row mapping) cost 4 ms of a 9 ms accept."""
        rows = self._read_in(
            "SELECT id, annotation_type, pluginresultentry, image, vector, score, meta_data, unique_identifier, "
            "time, remote_id FROM plugin_result_annotation WHERE id IN ({ids})",
            list(dict.fromkeys(ids)),
        )
        return {
            id: e.PluginResultAnnotation(
                kind, entry, image, json_or_none(vector), score, json_or_none(meta), uuid, from_iso(made), id, remote
            )
            for id, kind, entry, image, vector, score, meta, uuid, made, remote in rows
        }

    def decided_in(self, entries: Sequence[int]) -> tuple[int, int]:
        """How many results of these entries have a decision, and how many of those are rejections."""
        rows = self._read_in(
            "SELECT count(*), coalesce(sum(d.decision = 'reject'), 0) FROM review_decision d "
            "JOIN plugin_result_annotation r ON r.id = d.result_annotation WHERE r.pluginresultentry IN ({ids})",
            entries,
        )
        return sum(int(row[0]) for row in rows), sum(int(row[1]) for row in rows)

    def verdicts(self, ids: Sequence[int]) -> dict[int, Verdict]:
        rows = self._read_in(
            "SELECT result_annotation, decision, annotation_type, reviewer, time FROM review_decision "
            "WHERE result_annotation IN ({ids})",
            ids,
        )
        return {row[0]: Verdict(row[1], row[2], row[3], from_iso(row[4])) for row in rows}

    def codes(self, ids: np.ndarray) -> np.ndarray:
        """Each candidate's decision code (0 undecided, else its index in DECISIONS + 1): what
        the overlay draws a result by."""
        codes = np.zeros(len(ids), np.int8)
        cases = " ".join(f"WHEN '{name}' THEN {code}" for code, name in enumerate(DECISIONS, 1))
        order = np.argsort(ids)
        sorted_ids = ids[order]
        for start in range(0, len(ids), CHUNK):
            chunk = tuple(sorted_ids[start : start + CHUNK].tolist())
            found = np.array(self._read(
                f"SELECT result_annotation, CASE decision {cases} ELSE 0 END FROM review_decision "
                f"WHERE result_annotation IN ({','.join('?' * len(chunk))})",
                chunk,
            ), np.int64).reshape(-1, 2)  # fmt: skip
            into = np.zeros(len(ids), np.int8)
            _put(into, sorted_ids, found[:, 0], found[:, 1])
            codes[order] |= into
        return codes

    def accepted(self, ids: np.ndarray) -> np.ndarray:
        """Which of these annotations a review accepted (their meta_data holds a provenance):
        the overlay gives them a small mark."""
        marked = np.zeros(len(ids), bool)
        for start in range(0, len(ids), CHUNK):
            chunk = tuple(ids[start : start + CHUNK].tolist())
            found = self._read(
                "SELECT id FROM annotation WHERE id IN ({}) AND meta_data IS NOT NULL AND "
                "CASE WHEN json_valid(meta_data) THEN json_type(meta_data, '$.review') END = 'object'".format(
                    ",".join("?" * len(chunk))
                ),
                chunk,
            )
            marked[start : start + len(chunk)] = np.isin(ids[start : start + CHUNK], [row[0] for row in found])
        return marked

    def decided(self, entries: Sequence[int]) -> int:
        marks = ",".join("?" * len(entries)) or "NULL"
        return int(
            self._read(
                "SELECT count(*) FROM review_decision d JOIN plugin_result_annotation r ON r.id = d.result_annotation "
                f"WHERE r.pluginresultentry IN ({marks})",
                tuple(entries),
            )[0][0]
        )

    def sheet(self, entries: Sequence[int]) -> list[tuple[Any, ...]]:
        """Every candidate of the entries in id order as (UUID, image name, type name, score,
        centre x, centre y, decision, kept type name, reviewer name); None where there is none."""
        marks = ",".join("?" * len(entries)) or "NULL"
        return self._read(
            "SELECT r.unique_identifier, i.name, t.name, r.score, (g.min_x + g.max_x) / 2, (g.min_y + g.max_y) / 2, "
            "d.decision, k.name, u.username FROM plugin_result_annotation r JOIN image i ON i.id = r.image "
            f"JOIN annotation_type t ON t.id = r.annotation_type LEFT JOIN {t.RESULT_GRID} g ON g.id = r.id "
            "LEFT JOIN review_decision d ON d.result_annotation = r.id "
            "LEFT JOIN annotation_type k ON k.id = d.annotation_type LEFT JOIN user u ON u.id = d.reviewer "
            f"WHERE r.pluginresultentry IN ({marks}) ORDER BY r.id",
            tuple(entries),
        )

    def by_uuid(self, uuids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """UUID -> (result annotation id, its entry) of those that exist (one pass over the table:
        result annotations have no index by UUID)."""
        rows = self._read(
            "SELECT unique_identifier, id, pluginresultentry FROM plugin_result_annotation "
            "WHERE unique_identifier IN (SELECT value FROM json_each(?))",
            (json.dumps(list(uuids)),),
        )
        return {uuid: (id, entry) for uuid, id, entry in rows}

    def place(self, scope: str) -> tuple[dict[str, Any], int | None] | None:
        """The settings and the candidate on screen a review of `scope` stopped at."""
        rows = self._read("SELECT settings, current FROM review_place WHERE scope = ?", (scope,))
        if not rows:
            return None
        return json.loads(rows[0][0]), rows[0][1]

    def places(self, prefix: str) -> list[tuple[str, dict[str, Any], int | None]]:
        """(scope, settings, candidate on screen) of every review whose scope starts with `prefix`."""
        rows = self._read("SELECT scope, settings, current FROM review_place WHERE scope LIKE ? || '%'", (prefix,))
        return [(scope, json.loads(settings), current) for scope, settings, current in rows]

    def features(self, ids: np.ndarray, version: str, width: int) -> tuple[np.ndarray, np.ndarray]:
        """(positions in `ids`, their rows) of the candidates whose features of `version` are stored."""
        positions, rows = [], []
        where = {int(id): i for i, id in enumerate(ids)}
        for id, blob in self._read_in(
            "SELECT result_annotation, features FROM candidate_features WHERE version = ? AND "
            "result_annotation IN ({ids})",
            list(where),
            (version,),
        ):
            if len(blob) == 4 * width:
                positions.append(where[id])
                rows.append(np.frombuffer(blob, np.float32))
        return np.array(positions, np.int64), np.array(rows, np.float32).reshape(-1, width)

    def keep_features(self, ids: np.ndarray, rows: np.ndarray, version: str) -> None:
        """Store these candidates' features (replacing any older version), in one transaction; of
        candidates gone meanwhile (a plugin run again under an open review) nothing is kept."""
        values = [
            (int(id), version, np.ascontiguousarray(row, np.float32).tobytes(), int(id))
            for id, row in zip(ids, rows, strict=True)
        ]
        if values:
            self.store.transaction(lambda conn: driver_cursor(conn).executemany(
                "INSERT OR REPLACE INTO candidate_features (result_annotation, version, features) "
                "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM plugin_result_annotation WHERE id = ?)",
                values,
            ))  # fmt: skip

    def _read(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        with self.store.engine.connect() as conn:
            return driver_cursor(conn).execute(sql, args).fetchall()

    def _read_in(self, sql: str, ids: Sequence[Any], before: tuple[Any, ...] = ()) -> list[Any]:
        """The rows of `sql` for every id, its `{ids}` filled with CHUNK marks at a time (SQLite's
        limit on variables), on one connection; `before`: the arguments ahead of the ids."""
        rows: list[Any] = []
        with self.store.engine.connect() as conn:
            cursor = driver_cursor(conn)
            for start in range(0, len(ids), CHUNK):
                chunk = tuple(ids[start : start + CHUNK])
                rows += cursor.execute(sql.format(ids=",".join("?" * len(chunk))), (*before, *chunk)).fetchall()
        return rows

    # --- writes ----------------------------------------------------------------------------
    def set_place(self, place: Place) -> None:
        self.store.transaction(lambda conn: write_place(driver_cursor(conn), place))

    def write(self, outcomes: Sequence[Outcome], place: Place | None = None) -> None:
        """Every outcome in one transaction: decision rows, and annotations made, restored or
        deleted; with the review's place when given (a decision and the step past it: one commit)."""
        if outcomes or place is not None:
            self.store.transaction(lambda conn: _write(conn, list(outcomes), place))


def _put(target: np.ndarray, ids: np.ndarray, keys: np.ndarray, values: np.ndarray) -> None:
    """target[row of each key in the sorted `ids`] = its value (keys not in `ids` are left out)."""
    rows = np.searchsorted(ids, keys)
    found = rows < len(ids)
    found[found] = ids[rows[found]] == keys[found]
    target[rows[found]] = values[found]


def write_place(cursor: Any, place: Place) -> None:
    cursor.execute(
        "INSERT INTO review_place (scope, settings, current) VALUES (?, ?, ?) "
        "ON CONFLICT (scope) DO UPDATE SET settings = excluded.settings, current = excluded.current",
        (place.scope, dumps(place.settings), place.current),
    )


def _write(conn: Connection, outcomes: list[Outcome], place: Place | None) -> None:
    cursor = driver_cursor(conn)
    if place is not None:
        write_place(cursor, place)
    if not outcomes:
        return
    outcomes, gone = _followed(cursor, outcomes)
    ids = [o.result_annotation for i, o in enumerate(outcomes) if i not in gone]
    _redraw(conn, cursor, ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        cursor.execute(f"DELETE FROM review_decision WHERE result_annotation IN ({','.join('?' * len(chunk))})", chunk)
    rows = [
        (o.result_annotation, o.verdict.decision, o.verdict.annotation_type, o.verdict.reviewer, to_iso(o.verdict.time))
        for i, o in enumerate(outcomes)
        if o.verdict is not None and i not in gone
    ]
    insert_rows(
        cursor, "INSERT INTO review_decision (result_annotation, decision, annotation_type, reviewer, time)", rows, 5
    )
    existing = _annotations(cursor, [o.annotation for o in outcomes])
    made: list[Outcome] = []
    changes: dict[int, dict[str, Any]] = {}
    verdicts: list[tuple[int, Outcome]] = []  # (annotation id, outcome) of annotations that exist after
    for o in outcomes:
        a = o.annotation
        found = existing.get((a.image, a.unique_identifier))
        if found is None:
            if o.live:
                made.append(o)
            continue
        verdicts.append((found[0], o))
        if o.live:
            changes[found[0]] = {
                "annotation_type": a.annotation_type, "meta_data": a.meta_data, "deleted": False,
                "last_editor": a.last_editor,
            }  # fmt: skip
        elif not found[1]:
            changes[found[0]] = {"deleted": True, "last_editor": a.last_editor}
    if made:
        ids = bulk_insert(conn, cursor, [o.annotation for o in made], spatial_log(conn))
        verdicts += zip(ids, made, strict=True)
    if changes:
        update_annotations(conn, cursor, changes, spatial_log(conn))
    write_verifications(cursor, verdicts)


def _followed(cursor: Any, outcomes: list[Outcome]) -> tuple[list[Outcome], set[int]]:
    """Outcomes of candidates a plugin's run again replaced since (an undo or redo of a decision
    made before it) go to the result now holding the candidate's UUID on its image
    (carried_decisions.py); where none does, the annotation part alone is written, as no decision
    can point at a result that is gone (an undo soft-deleted the annotation and left the carried
    "accept", and a redo failed on the foreign key). A result under the candidate's id but of
    another UUID is another result (SQLite gives removed ids to new rows): not this candidate.
    The outcomes, and the positions of those gone."""
    ids = [o.result_annotation for o in outcomes]
    uuids: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found = cursor.execute(
            f"SELECT id, unique_identifier FROM plugin_result_annotation WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        uuids.update((id, uuid) for id, uuid in found)

    def still(o: Outcome) -> bool:
        return o.result_annotation in uuids and (o.result_uuid is None or uuids[o.result_annotation] == o.result_uuid)

    followed: list[Outcome] = []
    gone: set[int] = set()
    for o in outcomes:
        if still(o):
            followed.append(o)
            continue
        now = None
        if o.result_uuid is not None:
            now = cursor.execute(
                "SELECT id FROM plugin_result_annotation WHERE image = ? AND unique_identifier = ?",
                (o.annotation.image, o.result_uuid),
            ).fetchone()
        if now is not None:
            followed.append(replace(o, result_annotation=now[0]))
        else:
            gone.add(len(followed))
            followed.append(o)
    return followed, gone


def _redraw(conn: Connection, cursor: Any, ids: list[int]) -> None:
    """The decided candidates' boxes go into the transaction's spatial log: the overlay draws
    their result layer again, in the new decision's style."""
    log = spatial_log(conn)
    if log is None:
        return
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = cursor.execute(
            f"SELECT band, min_x, max_x, min_y, max_y FROM {t.RESULT_GRID} WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        if rows:
            table = np.array(rows, np.float64)
            log.add(cursor, t.RESULT_GRID, table[:, 0].astype(np.int64), table[:, 1:])


def write_verifications(cursor: Any, verdicts: list[tuple[int, Outcome]]) -> None:
    """Each decision is also its reviewer's verification of the annotation, as EXACT keeps
    them: an accept verifies it, a reject of one that exists says it is wrong, and a decision
    taken back (undo) takes its verification back. Reviewer None (a server's project, where the
    server stamps the signed-in account) is one reviewer too: one row per annotation."""
    for annotation, o in verdicts:
        reviewer = o.verdict.reviewer if o.verdict is not None else o.annotation.last_editor
        if o.verdict is None:  # `IS`: no reviewer (a server's project) is the signed-in account's
            cursor.execute("DELETE FROM verification WHERE annotation = ? AND user IS ?", (annotation, reviewer))
            continue
        row = (o.live, to_iso(o.verdict.time), annotation, reviewer)
        changed = cursor.execute(
            "UPDATE verification SET verified = ?, time = ? WHERE annotation = ? AND user IS ?", row
        ).rowcount
        if not changed:
            cursor.execute("INSERT INTO verification (verified, time, annotation, user) VALUES (?, ?, ?, ?)", row)


def _annotations(cursor: Any, annotations: list[e.Annotation]) -> dict[tuple[int, str], tuple[int, bool]]:
    """(image, UUID) -> (id, deleted) of those of `annotations` that exist already (found per
    image: the unique index starts with it)."""
    found: dict[tuple[int, str], tuple[int, bool]] = {}
    by_image: dict[int, list[str]] = {}
    for a in annotations:
        by_image.setdefault(a.image, []).append(a.unique_identifier)
    for image, uuids in by_image.items():
        for start in range(0, len(uuids), CHUNK):
            chunk = uuids[start : start + CHUNK]
            rows = cursor.execute(
                "SELECT unique_identifier, id, deleted FROM annotation WHERE image = ? AND unique_identifier IN "
                f"({','.join('?' * len(chunk))})",
                (image, *chunk),
            ).fetchall()
            found.update({(image, uuid): (id, bool(deleted)) for uuid, id, deleted in rows})
    return found
