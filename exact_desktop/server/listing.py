"""DRF-style lists: limit/offset pages with count/next/previous, and fields/omit selection."""

from __future__ import annotations

import functools
from typing import Any

import orjson
from fastapi import Request
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.datastructures import URL

from exact_desktop.model.values import INT_MAX, INT_MIN

DEFAULT_PAGE = 50
MAX_PAGE = 10_000


def page_params(request: Request) -> tuple[int, int]:
    query = request.query_params
    limit = _int(query.get("limit"), DEFAULT_PAGE, "limit")
    offset = _int(query.get("offset"), 0, "offset")
    return max(1, min(limit, MAX_PAGE)), max(0, offset)


LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
ANY_ADDRESS = frozenset({"0.0.0.0", "::"})


def own_url(request: Request, url: URL | None = None) -> URL:
    """`url` (default: the request's) as the client reached this server where the Host header names
    a loopback address (a client, or a proxy on this machine in front of it, follows the link back
    the way it came, as EXACT's own links do), else on the address the server is bound to: a link
    built from any other Host header would send a client (and what it carries) wherever it says."""
    url = request.url if url is None else url
    server = request.scope.get("server")
    if not server or (url.hostname or "") in LOOPBACK_NAMES or server[0] in ANY_ADDRESS:
        return url
    host, port = server
    return url.replace(netloc=f"[{host}]:{port}" if ":" in host else f"{host}:{port}")


def page(request: Request, results: list[dict[str, Any]] | orjson.Fragment, count: int, limit: int,
         offset: int) -> dict[str, Any]:  # fmt: skip
    """DRF's page; `results` as dicts (fields are selected here) or as JSON text already
    holding just the fields asked for."""

    def link(new_offset: int) -> str:
        return str(own_url(request).include_query_params(limit=limit, offset=new_offset))

    return {
        "count": count,
        "next": link(offset + limit) if offset + limit < count else None,
        "previous": link(max(0, offset - limit)) if offset > 0 else None,
        "results": results if isinstance(results, orjson.Fragment) else [select_fields(request, r) for r in results],
    }


def selected(request: Request, names: list[str]) -> list[str]:
    """Of an object's field names in order, those `fields`/`omit` keep (as `select_fields`)."""
    return list(select_fields(request, dict.fromkeys(names)))


def select_fields(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    fields = request.query_params.get("fields")
    omit = request.query_params.get("omit")
    if fields:
        wanted = set(fields.split(","))
        body = {k: v for k, v in body.items() if k in wanted}
    if omit:
        unwanted = set(omit.split(","))
        body = {k: v for k, v in body.items() if k not in unwanted}
    return body


def wants(request: Request, field: str) -> bool:
    """Whether a costly field is asked for (so lists can skip computing it)."""
    fields = request.query_params.get("fields")
    omit = request.query_params.get("omit")
    return (not fields or field in fields.split(",")) and not (omit and field in omit.split(","))


class BadRequest(Exception):  # noqa: N818 - mirrors the HTTP status
    """400 with a JSON body naming each bad field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(str(errors))


def _int(text: str | None, default: int, name: str) -> int:
    if text in (None, ""):
        return default
    try:
        return _bounded_int(text)
    except ValueError:
        raise BadRequest({name: [f"A valid integer of 64 bits is required, got {text!r}."]}) from None


def _bounded_int(text: str) -> int:
    """An integer SQLite can hold: every number of a query is one, or a 400 naming it."""
    number = int(text)
    if not INT_MIN <= number <= INT_MAX:
        raise ValueError(text)
    return number


def parse_filters(request: Request, allowed: dict[str, str]) -> dict[str, Any]:
    """Query parameters to store filters; `allowed` maps EXACT names to kinds (int, bool, str, ints)."""
    filters: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, raw in request.query_params.items():
        kind = allowed.get(name)
        if kind is None or raw == "":
            continue
        try:
            filters[name] = _convert(raw, kind)
        except ValueError:
            errors[name] = [f"Enter a valid {kind.rstrip('s')}, got {raw!r}."]
    if errors:
        raise BadRequest(errors)
    return filters


def _convert(raw: str, kind: str) -> Any:
    if kind == "int":
        return _bounded_int(raw)
    if kind == "ints":
        return [_bounded_int(v) for v in raw.split(",") if v]
    if kind == "strs":
        return [v for v in raw.split(",") if v]
    if kind == "bool":
        lowered = raw.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise ValueError(raw)
    return raw


def field_errors(errors: Any) -> dict[str, list[str]]:
    """Pydantic's error list as DRF's {"field": ["message", ...]}; list items as "index.field"."""
    named: dict[str, list[str]] = {}
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "form")]
        named.setdefault(".".join(location) or "non_field_errors", []).append(error.get("msg", "invalid"))
    return named


@functools.cache
def _list_of(model: type[BaseModel]) -> TypeAdapter:
    """Built once per model: building one costs more than validating a list of 500."""
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def one_or_many(model: type[BaseModel], body: Any) -> BaseModel | list[BaseModel]:
    """EXACT's create endpoints take an object (one) or a list (bulk): validate as what was sent."""
    try:
        if isinstance(body, list):
            return _list_of(model).validate_python(body)
        if isinstance(body, dict):
            return model.model_validate(body)
    except ValidationError as err:
        raise BadRequest(field_errors(err.errors())) from None
    raise BadRequest({"non_field_errors": [f"Expected an object or a list of objects, got {type(body).__name__}."]})
