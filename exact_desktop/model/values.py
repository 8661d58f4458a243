"""What may enter the store: values that can always be read back, and one spelling per UUID.

A value accepted once is read on every page that holds its row, so anything the readers cannot
take (an integer past 64 bits in JSON, a lone surrogate in text, a year-1 time, JSON nested a
thousand deep) is refused at the door with the field named, instead of poisoning reads later.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from itertools import repeat
from operator import attrgetter, is_
from typing import Any

MAX_DEPTH = 32  # JSON nesting
INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # what SQLite and orjson both hold
YEAR_MIN, YEAR_MAX = 1900, 9999
MAX_TEXT = 1_000_000  # characters in one text field
_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CANONICAL_LINES = re.compile(r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n)*")


_NONE = type(None)


class InvalidValueError(ValueError):
    def __init__(self, who: str, field: str, reason: str) -> None:
        self.who, self.field, self.reason = who, field, reason
        super().__init__(f"{who}: {field}: {reason}")


def canonical_uuid(value: Any, who: str = "value", field: str = "unique_identifier") -> str:
    """The one spelling of a UUID (lower case, dashes): upper case, no dashes, braces and
    `urn:uuid:` forms are the same identifier and must find the same row."""
    if type(value) is str and _CANONICAL.fullmatch(value):  # the desktop's own, and most clients'
        return value
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise InvalidValueError(who, field, f"{value!r} is not a UUID") from None


def all_canonical_uuids(values: Sequence[Any]) -> bool:
    """True when every value is a UUID as text in its one spelling: one regular expression over
    the whole column instead of a call per value (500 of them a list create)."""
    return set(map(type, values)) <= {str} and _CANONICAL_LINES.fullmatch("\n".join(values) + "\n") is not None


def check_text(value: str, who: str, field: str) -> None:
    if len(value) > MAX_TEXT:
        raise InvalidValueError(who, field, f"longer than {MAX_TEXT} characters")
    if "\x00" in value:
        raise InvalidValueError(who, field, "contains a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidValueError(who, field, "is not valid text (a lone surrogate)") from None


def check_int(value: int, who: str, field: str) -> None:
    if not INT_MIN <= value <= INT_MAX:
        raise InvalidValueError(who, field, f"{value} is out of range (64-bit integers)")


def check_time(value: datetime, who: str, field: str) -> None:
    """The year as stored (in UTC): 9999-12-31T23:59-05:00 is in year 10000 there."""
    try:
        value = value.astimezone(UTC) if value.tzinfo is not None else value
    except OverflowError:
        raise InvalidValueError(
            who, field, f"{value.isoformat()} is out of range in UTC ({YEAR_MIN}-{YEAR_MAX})"
        ) from None
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        raise InvalidValueError(who, field, f"year {value.year} is out of range ({YEAR_MIN}-{YEAR_MAX})")


def check_json(value: Any, who: str, field: str) -> None:
    """JSON the readers can always read back: str keys, 64-bit ints, finite floats, bounded depth."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidValueError(who, field, f"nested deeper than {MAX_DEPTH} levels")
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            check_int(item, who, field)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise InvalidValueError(who, field, f"{item} is not a finite number")
        elif isinstance(item, str):
            check_text(item, who, field)
        elif isinstance(item, dict):
            for key, member in item.items():
                if not isinstance(key, str):
                    raise InvalidValueError(who, field, f"key {key!r} is not a string")
                check_text(key, who, field)
                stack.append((member, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend((member, depth + 1) for member in item)
        else:
            raise InvalidValueError(who, field, f"{type(item).__name__} is not a JSON value")


_PLANS: dict[type, list[tuple[str, str]]] = {}


def _plan(kind: type) -> list[tuple[str, str]]:
    """(field, what) per field of an entity class, made once; `vector` has the vector rules."""
    if kind in _PLANS:
        return _PLANS[kind]
    plan = _PLANS[kind] = []
    for f in fields(kind):
        annotation = str(f.type)
        if f.name == "vector":
            continue
        if "dict" in annotation or "list[dict" in annotation or annotation.startswith("Any"):
            plan.append((f.name, "json"))
        elif "datetime" in annotation:
            plan.append((f.name, "time"))
        elif annotation.startswith("str"):
            plan.append((f.name, "text"))
        elif annotation.startswith("int"):
            plan.append((f.name, "int"))
        elif annotation.startswith("float"):
            plan.append((f.name, "float"))
        elif "list[str]" in annotation:
            plan.append((f.name, "json"))
    return plan


def _column_is_plain(what: str, values: list[Any]) -> bool:
    """True when every value of a column is in the common, cheaply proven case. Decided with
    builtins that walk the column in C (a million annotations' columns in well under a second);
    anything unusual is then checked value by value, which names the culprit."""
    if values and all(map(is_, values, repeat(values[0]))):  # one object throughout (an image, a type, ""): itself
        values = values[:1]
    kinds = set(map(type, values))
    present = values
    if kinds == {_NONE}:  # an empty column (user, meta_data, remote_id of new annotations)
        return True
    if _NONE in kinds:
        kinds.discard(_NONE)
        present = [v for v in values if v is not None]
    if not present:
        return True
    if what == "text":
        if kinds != {str}:
            return False
        joined = "".join(present)
        return joined.isascii() and "\x00" not in joined and max(map(len, present)) <= MAX_TEXT
    if what == "int":
        return kinds == {int} and min(present) >= INT_MIN and max(present) <= INT_MAX
    if what == "time":
        try:
            return bool(min(present).year > YEAR_MIN and max(present).year < YEAR_MAX)  # at a bound: each in its zone
        except TypeError:  # naive beside aware: looked at one by one
            return False
    if what == "float":
        try:
            return math.isfinite(math.fsum(present))  # NaN and infinities stay in the sum
        except (TypeError, OverflowError):
            return False
    return False


def check_entities(
    entities: list[Any], who: Callable[[Any], str], columns: Mapping[str, list[Any]] | None = None
) -> None:
    """check_entity for many of one kind, a column at a time: the bulk path stays fast, and only
    a column with something unusual in it is checked entity by entity (naming the culprit).
    `columns`: fields the caller has read already, by name (each is then not read again)."""
    if not entities:
        return
    known = columns or {}
    proven: list[tuple[str, list[Any]]] = []
    for name, what in _plan(type(entities[0])):
        values = known[name] if name in known else list(map(attrgetter(name), entities))
        if any(kind == what and all(map(is_, values, seen)) for kind, seen in proven):
            continue  # the same objects as a column proven already (last_edit_time of new rows is their time)
        proven.append((what, values))
        if not _column_is_plain(what, values):
            for entity in entities:
                check_entity(entity, who(entity))


def check_column(values: list[Any], what: str, name: str, who: Callable[[int], str]) -> None:
    """check_entities for one field given as a column ("text", "int", "time", "float" or
    "json"), as a batch of new annotations gives it; `who(position)` names the culprit."""
    if not _column_is_plain(what, values):
        for position, value in enumerate(values):
            _check_value(value, what, who(position), name)


def check_entity(entity: Any, who: str | None = None) -> None:
    """Raise InvalidValueError unless every field of `entity` can be stored and read back."""
    label = who or type(entity).__name__
    for name, what in _plan(type(entity)):
        _check_value(getattr(entity, name), what, label, name)


def _check_value(value: Any, what: str, label: str, name: str) -> None:
    if _column_is_plain(what, [value]):
        return
    if what == "text":
        check_text(str(value), label, name)
    elif what == "int":
        check_int(int(value), label, name)
    elif what == "time":
        check_time(value, label, name)
    elif what == "float":
        raise InvalidValueError(label, name, f"{value} is not a finite number")
    else:
        check_json(value, label, name)
