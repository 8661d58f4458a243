"""Review decisions kept across a plugin's run again: a new result that repeats a decided one
(same image, entry name, annotation type and geometry) takes over its decision and its UUID.

A run again replaces a job's results. Without this, every review decision on them went with the
old rows (an outside tester lost 128), the rejections were offered again, and accepting a result
whose twin was accepted made a second annotation. Taking the UUID keeps the link the review
draws from a candidate to the annotation an accept made (model/accepted_uuid.py), so that
annotation is the new result's too and accepting it again changes nothing. A result the new
run does not repeat (other parameters, another model) is new and undecided.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict, deque
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from exact_desktop.model.accepted_uuid import accepted_uuid
from exact_desktop.store.sqlite.tables import to_iso

_Key = tuple[int, str, int, Any]  # image, entry name, annotation type, geometry


def _geometry(vector: str | bytes | None) -> Any:
    """A vector as a key: its items sorted, numbers as floats (10 and 10.0 are one place)."""
    if vector is None:
        return None
    loaded = orjson.loads(vector)
    if not isinstance(loaded, dict):
        return orjson.dumps(loaded)
    return tuple(sorted((k, float(v) if isinstance(v, int | float) else orjson.dumps(v)) for k, v in loaded.items()))


_ROWS = (
    "SELECT a.id, a.image, en.name, a.annotation_type, a.vector, a.unique_identifier "
    "FROM plugin_result_annotation a JOIN plugin_result_entry en ON en.id = a.pluginresultentry "
)


def carry_decisions(cursor: sqlite3.Cursor, job_id: int, earlier: Sequence[int]) -> None:
    """Moves the decisions on the result annotations of the `earlier` results (about to be
    dropped) to the job's results that repeat them, then gives back their accepts to the job's
    results that a review accepted before a run in between lost them (`_adopt`). Part of the
    caller's transaction: the drop that follows must not take them."""
    if not earlier:
        return  # a first run: nothing was decided on its results
    marks = ",".join("?" * len(earlier))
    decided = cursor.execute(
        _ROWS + f"JOIN review_decision d ON d.result_annotation = a.id WHERE en.pluginresult IN ({marks}) "
        "ORDER BY a.id",
        list(earlier),
    ).fetchall()
    fresh = cursor.execute(
        _ROWS + "JOIN plugin_result r ON r.id = en.pluginresult WHERE r.job = ? ORDER BY a.id", [job_id]
    ).fetchall()
    moves = _twins(decided, fresh)
    cursor.executemany(
        "UPDATE plugin_result_annotation SET unique_identifier = ? WHERE id = ?", [(u, new) for _, new, u in moves]
    )
    cursor.executemany(
        "UPDATE review_decision SET result_annotation = ? WHERE result_annotation = ?",
        [(new, old) for old, new, _ in moves],
    )
    moved = {new for _, new, _ in moves}
    _adopt(cursor, job_id, [row for row in fresh if row[0] not in moved], earlier)


def _twins(decided: list[tuple[Any, ...]], fresh: list[tuple[Any, ...]]) -> list[tuple[int, int, str]]:
    """(old result, the new one that repeats it, the old one's UUID), one new result per old one.
    A new result holding the old one's UUID is its twin by the plugin's own word (a plugin may
    keep its UUIDs stable); otherwise the one of the same place. A UUID is never given to a
    result while another of the job's holds it: two results of one image with one UUID would
    share the annotation an accept makes (an outside attacker's finding)."""
    free: dict[_Key, deque[int]] = defaultdict(deque)
    by_uuid: dict[tuple[int, str], int] = {}
    uuid_of: dict[int, str] = {}
    for id, image, entry, kind, vector, uuid in fresh:
        free[(image, entry, kind, _geometry(vector))].append(id)
        by_uuid.setdefault((image, uuid), id)
        uuid_of[id] = uuid
    taken: set[int] = set()
    moves, later = [], []
    for row in decided:
        twin = by_uuid.get((row[1], row[5]))
        if twin is not None and twin not in taken:
            taken.add(twin)
            moves.append((row[0], twin, row[5]))
        else:
            later.append(row)
    held = {(image, uuid) for image, uuid in by_uuid}
    for old, image, entry, kind, vector, uuid in later:
        if (image, uuid) in held:
            continue  # another result of the job holds it
        twins = free.get((image, entry, kind, _geometry(vector)), deque())
        while twins and twins[0] in taken:
            twins.popleft()
        if twins:
            twin = twins.popleft()
            taken.add(twin)
            held.discard((image, uuid_of[twin]))
            held.add((image, uuid))
            moves.append((old, twin, uuid))
    return moves


_ACCEPTED = (
    "SELECT a.annotation_type, a.vector, a.unique_identifier, json_extract(a.meta_data, '$.review.result_annotation'), "
    "json_extract(a.meta_data, '$.review.decision'), json_extract(a.meta_data, '$.review.reviewer'), "
    "json_extract(a.meta_data, '$.review.time'), json_extract(a.meta_data, '$.review.model_type') FROM annotation a "
    "WHERE a.image = ? AND a.deleted = 0 AND a.meta_data LIKE '%\"review\"%' "
    "AND json_extract(a.meta_data, '$.review.plugin') = ? "
    "AND json_extract(a.meta_data, '$.review.decision') IN ('accept', 'relabel')"
)


def _adopt(cursor: sqlite3.Cursor, job_id: int, undecided: list[tuple[Any, ...]], earlier: Sequence[int]) -> None:
    """A result found again whose box a review of the same plugin accepted (or relabelled)
    before, the decision lost since (a run in between, with other parameters, did not find it;
    or code before this kept no decisions): it takes the UUID the accepted annotation was made
    from and an accept again, so it is not offered as new and accepting it makes no copy (an
    outside tester's review made exact duplicates so). Only an annotation whose own UUID is the
    one an accept of that result makes counts (provenance alone can be copied or forged), and
    only a result of the type the review was shown (the annotation's for an accept, the
    provenance's for a relabel). Rejections leave nothing to find: they are offered again."""
    plugin = cursor.execute(
        "SELECT p.name FROM plugin_job j JOIN plugin p ON p.id = j.plugin WHERE j.id = ?", (job_id,)
    ).fetchone()
    if plugin is None or not undecided:
        return
    unmatched: dict[tuple[int, Any, int], deque[int]] = defaultdict(deque)  # (image, geometry, type) -> results
    for id, image, _entry, kind, vector, _uuid in undecided:
        unmatched[(image, _geometry(vector), kind)].append(id)
    named: dict[str, list[int]] = defaultdict(list)
    for type_id, name in cursor.execute("SELECT id, name FROM annotation_type"):
        named[name].append(type_id)
    images = sorted({key[0] for key in unmatched})
    held = {uuid.lower() for uuid in _uuids_held(cursor, images, earlier)}
    rows, renamed = [], []
    for image in images:
        accepted = cursor.execute(_ACCEPTED, (image, plugin[0])).fetchall()  # read whole: the loop asks the cursor more
        for kind, vector, own, said, decision, reviewer, time, shown in accepted:
            if not isinstance(said, str) or said.lower() in held or str(own).lower() != accepted_uuid(said):
                continue  # linked already, or not made by accepting that result
            geometry = _geometry(vector)
            for shown_type in [kind] if decision == "accept" else named.get(str(shown), []):
                twins = unmatched.get((image, geometry, shown_type))
                if twins:
                    twin = twins.popleft()
                    held.add(said.lower())
                    renamed.append((said.lower(), twin))
                    rows.append((twin, decision, kind, _user(cursor, reviewer), _when(time)))
                    break
    cursor.executemany("UPDATE plugin_result_annotation SET unique_identifier = ? WHERE id = ?", renamed)
    cursor.executemany(
        "INSERT INTO review_decision (result_annotation, decision, annotation_type, reviewer, time) "
        "VALUES (?, ?, ?, ?, ?)",
        rows,
    )


def _uuids_held(cursor: sqlite3.Cursor, images: list[int], earlier: Sequence[int]) -> set[str]:
    """The UUIDs of the images' result annotations, but for those of the results being dropped."""
    entries = ",".join("?" * len(earlier))
    places = ",".join("?" * len(images))
    return {
        row[0]
        for row in cursor.execute(
            "SELECT a.unique_identifier FROM plugin_result_annotation a "
            "JOIN plugin_result_entry en ON en.id = a.pluginresultentry "
            f"WHERE a.image IN ({places}) AND en.pluginresult NOT IN ({entries})",
            [*images, *earlier],
        )
    }


def _user(cursor: sqlite3.Cursor, username: Any) -> int | None:
    found = cursor.execute('SELECT id FROM "user" WHERE username = ?', (username,)).fetchone() if username else None
    return found[0] if found else None


def _when(said: Any) -> str:
    """The provenance's time as the decision table keeps times; now where it cannot be read."""
    try:
        return to_iso(datetime.fromisoformat(str(said)))
    except (ValueError, OverflowError):  # 9999-12-31T23:59:59-12:00 is past what a UTC datetime holds
        return to_iso(datetime.now(UTC))
