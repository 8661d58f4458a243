"""What every route needs: the store, the caller, and the helpers to list and serialise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Depends, Request
from fastapi.responses import Response

from exact_desktop.server.auth import Caller
from exact_desktop.server.expand import expand
from exact_desktop.server.listing import page, page_params, parse_filters, select_fields
from exact_desktop.store.sqlite.store import SqliteStore


def store_of(request: Request) -> SqliteStore:
    return request.app.state.store


def caller_of(request: Request) -> Caller:
    """Who is calling, as the app's middleware found before anything of the request was read."""
    return request.state.caller


StoreDep = Depends(store_of)
CallerDep = Depends(caller_of)


def json_response(content: Any, status_code: int = 200) -> Response:
    """Sent as built: FastAPI's jsonable_encoder would walk every value of a large page again."""
    body = orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, status_code=status_code, media_type="application/json")


def list_response(
    request: Request,
    store: SqliteStore,
    kind: type,
    allowed: dict[str, str],
    serialize_page: Callable[[list[Any]], list[dict[str, Any]]],
    **fixed: Any,
) -> Response:
    """One page of `kind` with EXACT's filters, as {count, next, previous, results}."""
    filters = {**parse_filters(request, allowed), **fixed}
    limit, offset = page_params(request)
    items = store.list(kind, limit=limit, offset=offset, **filters)
    bodies = expand(request, store, kind, serialize_page(items))
    return json_response(page(request, bodies, store.count(kind, **filters), limit, offset))


def detail_response(request: Request, store: SqliteStore, kind: type, body: dict[str, Any]) -> dict[str, Any]:
    return select_fields(request, expand(request, store, kind, [body])[0])
