"""Numbers JSON has no words for, one answer whichever way a file is read.

Too large for a double (1e400, -1e400, 1.7976931348623159e308, 310 digits): orjson refuses a
file holding one anywhere; msgspec's typed decoding skips what an import never reads (QuPath's
measurements) without looking at its numbers, so one file was imported or refused by which way
it was read. QuPath writes none (its doubles end at 1.7976931348623157E308): such a number is a
broken writer's, so the file is refused either way, naming the feature that holds it.

Not a number, or infinite: QuPath 0.4 and older wrote such a measurement as a bare NaN, Infinity
or -Infinity (Gson's lenient numbers; QuPath 0.5 reads them, and writes the text "NaN"), which is
not JSON: orjson and msgspec refuse it. A file orjson stops at one of these words is read by
Python's json instead (slower: such files alone), as floats, its other numbers as orjson reads
them; whatever orjson refuses past the word is refused still. A coordinate that is one makes its
feature bad (geojson).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np
import orjson

REFUSED = "number is infinity when parsed as double"  # orjson's words for such a number

# An exponent of three digits or more (a number past a double with fewer has 210 digits before it).
_EXPONENTS = tuple(re.compile(e + rb"\+?[0-9]{3,}[,\]} \n\r\t]") for e in (b"e", b"E"))  # literal first: fast
_BLOCK = 64  # a run of 127 digits or more covers a whole aligned block of 64 bytes
_WORDS = ("NaN", "Infinity")  # where orjson stops at them (at -Infinity after its sign)
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")  # an escape of half a character, in a pair or alone


def may_hold_one(raw: bytes) -> bool:
    """Whether the file may hold a number beyond a double (true also for a few that are not: the
    reading decides). About 60 ms for 40 MB of polygons, against 950 for their typed decoding."""
    if any(exponent.search(raw) for exponent in _EXPONENTS):
        return True
    blocks = np.frombuffer(raw, np.uint8, count=len(raw) // _BLOCK * _BLOCK).reshape(-1, _BLOCK)
    digits_sampled = blocks[((blocks[:, ::8] - 48) < 10).all(axis=1)]  # uint8: below '0' wraps past 10
    return bool(((digits_sampled - 48) < 10).all(axis=1).any())


def loads(raw: bytes) -> Any:
    """The file as orjson reads it or, when orjson stops at a bare NaN, Infinity or -Infinity,
    as Python's json reads it (those as floats). Refused: a json.JSONDecodeError (orjson's is one),
    with `REFUSED` for a number beyond a double."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        if not (b"NaN" in raw or b"Infinity" in raw):
            raise
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            raise err from None
        if not text.startswith(_WORDS, err.pos):
            raise
    found, beyond = _read(text)
    if beyond:
        raise json.JSONDecodeError(REFUSED, text, text.find(beyond[0]))  # where it is first written
    return found


class _Beyond(str):
    """A number beyond a double, as written."""


def _read(text: str) -> tuple[Any, list[_Beyond]]:
    """The text as Python's json reads it, NaN, Infinity and -Infinity as floats, other numbers as
    orjson reads them; one beyond a double is left as `_Beyond` and listed (in the order read).
    Refused (json.JSONDecodeError) where orjson refuses it too: nested past its depth, or a string
    with half a character (an escaped surrogate alone), which Python's json reads."""
    beyond: list[_Beyond] = []

    def double(written: str) -> float | _Beyond:
        value = float(written)
        if math.isinf(value):
            beyond.append(_Beyond(written))
            return beyond[-1]
        return value

    def integer(written: str) -> int | float | _Beyond:
        if len(written) < 19:
            return int(written)
        if len(written) <= 20 and -(2**63) <= (value := int(written)) < 2**64:
            return value
        return double(written)  # as orjson reads a wider one (and int() refuses 4,300 digits)

    try:
        found = json.loads(text, parse_float=double, parse_int=integer)
    except RecursionError:
        raise json.JSONDecodeError("depth limit exceeded", text, 0) from None
    half = _SURROGATE.search(text)
    if half is not None and _holds_a_lone_surrogate(found):
        raise json.JSONDecodeError("a string holds half a character (an escaped surrogate alone)", text, half.start())
    return found, beyond


def _holds_a_lone_surrogate(value: Any) -> bool:
    return any(type(item) is str and not _encodes(item) for item in _walked(value))


def _encodes(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _walked(value: Any) -> Any:
    """Every value within `value` (itself first, then each key and member), in the file's order."""
    stack = [value]
    while stack:
        item = stack.pop()
        yield item
        if type(item) is dict:
            stack.extend(reversed([x for pair in item.items() for x in pair]))
        elif type(item) is list:
            stack.extend(reversed(item))


def holder(raw: bytes) -> tuple[int, str, str] | None:
    """The feature holding a number beyond a double: its index (from 0), its name or else its id
    ("" without either), and the number as written; None when no feature holds it. (A refused
    file's: read by Python's json, slower than orjson.)"""
    try:
        found, beyond = _read(raw.decode())
    except ValueError:  # (a UnicodeDecodeError or json.JSONDecodeError is one)
        return None
    features = found.get("features") if type(found) is dict else found
    if not beyond or type(features) is not list:
        return None
    for index, feature in enumerate(features):
        number = next((item for item in _walked(feature) if type(item) is _Beyond), None)
        if number is not None:
            return index, _name(feature), number[:40]
    return None


def _name(feature: Any) -> str:
    properties = feature.get("properties") if type(feature) is dict else None
    name = properties.get("name") if type(properties) is dict else None
    if type(name) is str and name:
        return name
    given = feature.get("id") if type(feature) is dict else None
    return given if type(given) is str else ""
