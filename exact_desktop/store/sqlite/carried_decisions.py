"""Review decisions kept across a plugin's run again: a new result that repeats a decided one
(same image, entry name, annotation type and geometry) takes over its decision and its UUID.

A run again replaces a job's results. Without this, every review decision on them went with the
old rows (an outside tester lost 128), the rejections were offered again, and accepting a result
whose twin was accepted made a second annotation. Taking the UUID keeps the link the review
draws from a candidate to the annotation an accept made (provenance.accepted_uuid), so that
annotation is the new result's too and accepting it again changes nothing. A result the new
run does not repeat (other parameters, another model) is new and undecided.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import orjson

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


def carry_decisions(cursor: sqlite3.Cursor, job_id: int, earlier: Sequence[int]) -> int:
    """Moves the decisions on the result annotations of the `earlier` results (about to be
    dropped) to the job's results that repeat them; how many moved. Part of the caller's
    transaction: the drop that follows must not take them."""
    if not earlier:
        return 0
    marks = ",".join("?" * len(earlier))
    decided = cursor.execute(
        _ROWS + f"JOIN review_decision d ON d.result_annotation = a.id WHERE en.pluginresult IN ({marks}) "
        "ORDER BY a.id",
        list(earlier),
    ).fetchall()
    if not decided:
        return 0
    images = sorted({row[1] for row in decided})
    fresh = cursor.execute(
        _ROWS + "JOIN plugin_result r ON r.id = en.pluginresult "
        f"WHERE r.job = ? AND a.image IN ({','.join('?' * len(images))}) ORDER BY a.id",
        [job_id, *images],
    ).fetchall()
    free: dict[_Key, list[int]] = defaultdict(list)
    for id, image, entry, kind, vector, _uuid in fresh:
        free[(image, entry, kind, _geometry(vector))].append(id)
    moves = []
    for old, image, entry, kind, vector, uuid in decided:
        twins = free.get((image, entry, kind, _geometry(vector)))
        if twins:
            moves.append((old, twins.pop(0), uuid))
    cursor.executemany(
        "UPDATE plugin_result_annotation SET unique_identifier = ? WHERE id = ?", [(u, new) for _, new, u in moves]
    )
    cursor.executemany(
        "UPDATE review_decision SET result_annotation = ? WHERE result_annotation = ?",
        [(new, old) for old, new, _ in moves],
    )
    return len(moves)
