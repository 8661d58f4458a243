"""A list create of result annotations in the form a plugin's worker sends it, made into rows
without a pydantic model and a check call per item.

The SDK sends lists of 500: every field there, ids as integers, the score a number, the vector
an object, meta_data an object or null, each UUID in its one spelling and none twice. Such a
list is checked a column at a time (builtins walk each column in C); the store then checks the
annotation types and the vectors itself, all or nothing (its column path). A list in any other
form (a field left out or of another type, a UUID in another spelling) is checked item by item,
as any client's, for a message per item: about a third of the server's time a batch went to
those models and calls (pydantic 0.6 ms, the checks 1.1 ms of a batch of 500).
"""

from __future__ import annotations

from datetime import datetime
from itertools import chain
from operator import itemgetter
from typing import Any

from exact_desktop.model import entities as e
from exact_desktop.model.values import all_canonical_uuids

FIELDS = ("annotation_type", "pluginresultentry", "image", "vector", "score", "meta_data", "unique_identifier")
_KEYS = frozenset(FIELDS)
_FIELDS = itemgetter(*FIELDS)
_NUMBERS = {int, float}
_OBJECT_OR_NULL = {dict, type(None)}


def plain_results(payload: list[Any], now: datetime) -> list[e.PluginResultAnnotation] | None:
    """The rows of `payload` created at `now`, or None when it is not in the worker's form."""
    if not payload or set(map(type, payload)) != {dict} or not all(item.keys() == _KEYS for item in payload):
        return None
    kinds, entries, images, vectors, scores, meta, uuids = zip(*map(_FIELDS, payload), strict=True)
    if set(map(type, chain(kinds, entries, images))) != {int} or not set(map(type, scores)) <= _NUMBERS:
        return None
    if set(map(type, vectors)) != {dict} or not set(map(type, meta)) <= _OBJECT_OR_NULL:
        return None
    if not all_canonical_uuids(uuids) or len(set(uuids)) != len(uuids):
        return None
    return [
        e.PluginResultAnnotation(kind, entry, image, vector, float(score), data, unique_identifier=uuid, time=now)
        for kind, entry, image, vector, score, data, uuid in zip(
            kinds, entries, images, vectors, scores, meta, uuids, strict=True
        )
    ]
