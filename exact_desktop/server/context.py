"""What every route needs: the store, the caller, and the helpers to list and serialise."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from exact_desktop.server.auth import Caller
from exact_desktop.server.expand import expand
from exact_desktop.server.listing import page, page_params, parse_filters, select_fields
from exact_desktop.store.many_objects import gc_paused
from exact_desktop.store.sqlite.store import SqliteStore


def store_of(request: Request) -> SqliteStore:
    return request.app.state.store


def caller_of(request: Request) -> Caller:
    """Who is calling, as the app's middleware found before anything of the request was read."""
    return request.state.caller


# 19 digits in a row: perhaps an integer beyond 64 bits, which orjson would round to a float
# (found by mapping every digit to 9: a regular expression took longer than the json module)
_DIGITS_TO_NINE = bytes.maketrans(b"0123456789", b"9" * 10)
_LONG_NUMBER = b"9" * 19


class _OrjsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            self._json = _UNREAD
            if _LONG_NUMBER not in body.translate(_DIGITS_TO_NINE):
                with contextlib.suppress(orjson.JSONDecodeError):
                    self._json = orjson.loads(body)
            if self._json is _UNREAD:  # what orjson refuses or might round: read as before, checked by name
                self._json = json.loads(body)
        return self._json


_UNREAD = object()


class OrjsonRoute(APIRoute):
    """Bodies parsed by orjson: a push's list of 500 annotations took 3 ms in the json module,
    a fifth of that here. Bodies orjson refuses (lone surrogates, NaN) or whose integers it
    might round go to the json module as before, so the checks name the field.

    A POST of JSON is handled with the cycle collector held off (many_objects.gc_paused), from
    its body's parse to its answer: a list create makes thousands of objects (the parsed items,
    the rows, the answer) that live until the request ends and none of which is in a cycle,
    so the collector walked them for nothing and, once they had outlived two of its rounds, the
    whole heap with them (a full collection, 75 ms, a job). Freed with the request, they are
    never collected at all. A plugin's job's 13 lists of 2,000 results: the server's CPU 0.36 s
    against 0.43 (medians of 18, alternated runs, load 4-5)."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()

        async def with_orjson(request: Request) -> Any:
            ours = _OrjsonRequest(request.scope, request.receive)
            if ours.method != "POST" or not _json_body(ours):
                return await handler(ours)
            with gc_paused():
                response = await handler(ours)
                del ours  # and the body it parsed, before the collector is back
            return response

        return with_orjson


def _json_body(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("application/json")


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
