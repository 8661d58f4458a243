"""Numbers too large for a double, one answer whichever way a file is read.

orjson refuses a file holding one anywhere (1e400, -1e400, 1.7976931348623159e308, 310 digits);
msgspec's typed decoding skips what an import never reads (QuPath's measurements) without
looking at its numbers, so one file was imported or refused by which way it was read. QuPath
writes none (its doubles end at 1.7976931348623157E308; since 0.5 a measurement that is no
number is written as the text "NaN" or "Infinity", which both ways read): such a number is a
broken writer's, so the file is refused either way, naming the feature that holds it.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import numpy as np
import orjson

REFUSED = "number is infinity when parsed as double"  # orjson's words for such a number

# An exponent of three digits or more (a number past a double with fewer has 210 digits before it).
_EXPONENTS = tuple(re.compile(e + rb"\+?[0-9]{3,}[,\]} \n\r\t]") for e in (b"e", b"E"))  # literal first: fast
_BLOCK = 64  # a run of 127 digits or more covers a whole aligned block of 64 bytes
_NUMBER = re.compile(r"-?[0-9][0-9.eE+-]*")


def may_hold_one(raw: bytes) -> bool:
    """Whether the file may hold a number beyond a double (true also for a few that are not: the
    reading decides). About 60 ms for 40 MB of polygons, against 950 for their typed decoding."""
    if any(exponent.search(raw) for exponent in _EXPONENTS):
        return True
    blocks = np.frombuffer(raw, np.uint8, count=len(raw) // _BLOCK * _BLOCK).reshape(-1, _BLOCK)
    digits_sampled = blocks[((blocks[:, ::8] - 48) < 10).all(axis=1)]  # uint8: below '0' wraps past 10
    return bool(((digits_sampled - 48) < 10).all(axis=1).any())


class _Collection(msgspec.Struct):
    features: list[msgspec.Raw]


class _Named(msgspec.Struct):
    id: Any = None
    properties: dict[str, msgspec.Raw] | None = None


def holder(raw: bytes) -> tuple[int, str, str] | None:
    """The feature holding a number beyond a double: its index (from 0), its name or else its id
    ("" without either), and the number as written; None when no feature holds it."""
    try:
        found = msgspec.json.decode(raw, type=_Collection | list[msgspec.Raw])
    except (msgspec.DecodeError, RecursionError):  # not of that form, or nested past its depth: orjson's words
        return None
    features = found.features if isinstance(found, _Collection) else found
    for index, feature in enumerate(features):
        try:
            orjson.loads(memoryview(feature))
        except orjson.JSONDecodeError as err:
            if err.msg == REFUSED:
                return index, _name(feature), _number_at(bytes(feature).decode(errors="replace"), err.pos)
    return None


def _name(feature: msgspec.Raw) -> str:
    try:
        named = msgspec.json.decode(feature, type=_Named)
        name = msgspec.json.decode((named.properties or {}).get("name", b"null"), type=str | None)
    except (
        msgspec.DecodeError,
        RecursionError,
    ):  # another form, a name past a double, too deep: no name
        return ""
    return name or (named.id if isinstance(named.id, str) else "")


def _number_at(text: str, position: int) -> str:
    found = _NUMBER.match(text, position)
    return found.group()[:40] if found else "?"
