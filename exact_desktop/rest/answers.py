"""Answers of the server checked against the shape the client needs, before any field is used.

A field read blindly from a malformed answer ended a command with a traceback (`KeyError:
'name'`) or, worse, passed on a wrong value ("seven" as an id). `checked` names the server,
the request and the field instead, as one `AnswerError`.
"""

from __future__ import annotations

from typing import Any

from exact_desktop.rest.errors import AnswerError

Shape = dict[str, type | tuple[type, ...]]  # field -> the type(s) its value must have (type(None): may be null)


def checked(answer: Any, shape: Shape, server: str, request: str) -> dict[str, Any]:
    """`answer` itself, once it is an object whose every field in `shape` has a value of its type."""
    if not isinstance(answer, dict):
        raise AnswerError(f"{server} answered {request} with {_kind(answer)}, not an object")
    for field, kinds in shape.items():
        value = answer.get(field)
        if not _is(value, kinds):
            wanted = " or ".join(_name(k) for k in (kinds if isinstance(kinds, tuple) else (kinds,)))
            got = "no such field" if field not in answer else _kind(value)
            raise AnswerError(f"{server} answered {request} with {field!r} as {got}, not {wanted}")
    return answer


def checked_list(answer: Any, shape: Shape, server: str, request: str) -> list[dict[str, Any]]:
    """A list of objects, each `checked`."""
    if not isinstance(answer, list):
        raise AnswerError(f"{server} answered {request} with {_kind(answer)}, not a list")
    return [checked(item, shape, server, f"{request} (item {n})") for n, item in enumerate(answer, 1)]


def _is(value: Any, kinds: type | tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
        return False  # JSON's true is no id
    return isinstance(value, kinds)


def _name(kind: type) -> str:
    return {int: "a number", str: "a text", list: "a list", dict: "an object", type(None): "null"}.get(
        kind, kind.__name__
    )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"[:60]
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    return _name(type(value))
