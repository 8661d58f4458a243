"""The FastAPI application: routes, authentication, and EXACT-style errors."""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from exact_desktop.server.auth import Authenticator
from exact_desktop.server.body_limits import BoundedBodies
from exact_desktop.server.listing import BadRequest, field_errors
from exact_desktop.server.routes import (
    annotations,
    core,
    images,
    plugin_records,
    processing,
    screening,
    verifications,
)
from exact_desktop.server.slides_cache import DeepZooms, OpenSlides
from exact_desktop.store.base import DamagedProjectError, DiskFullError, NotFoundError, StoreError
from exact_desktop.store.sqlite.store import SqliteStore


class _CredentialsFirst:
    """Every route needs a caller: checked before the body is read or parsed, so a malformed
    body from a stranger is a 403, not a 400 that tells what the API expects. Plain ASGI:
    Starlette's BaseHTTPMiddleware runs each request through extra streams and a task."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            request.state.caller = scope["app"].state.authenticate(request)
        except HTTPException as err:
            await JSONResponse({"detail": err.detail}, status_code=err.status_code)(scope, receive, send)
            return
        await self.app(scope, receive, send)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.slides.close()


def create_app(store: SqliteStore, token: str) -> FastAPI:
    app = FastAPI(
        title="exact-desktop embedded EXACT API", docs_url=None, redoc_url=None, openapi_url=None, lifespan=_lifespan
    )
    app.state.store = store
    app.state.authenticate = Authenticator(store, token)
    app.state.slides = OpenSlides()
    app.state.deepzooms = DeepZooms(app.state.slides)
    app.include_router(core.router, prefix="/api/v1")
    app.include_router(annotations.router, prefix="/api/v1")
    app.include_router(verifications.router, prefix="/api/v1")
    app.include_router(images.router)
    app.include_router(processing.router)
    app.include_router(plugin_records.router)
    app.include_router(screening.router)

    app.add_middleware(BoundedBodies)
    app.add_middleware(_CredentialsFirst)  # added last, so outermost: a stranger's body is never read

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(field_errors(exc.errors()), status_code=400)

    @app.exception_handler(BadRequest)
    async def bad_request(_request: Request, exc: BadRequest) -> JSONResponse:
        return JSONResponse(exc.errors, status_code=400)

    @app.exception_handler(NotFoundError)
    async def not_found(_request: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(StoreError)
    async def refused(_request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"non_field_errors": [str(exc)]}, status_code=400)

    _add_failure_handlers(app)
    return app


FULL = (errno.ENOSPC, errno.EDQUOT)


def _add_failure_handlers(app: FastAPI) -> None:
    """Failures that are not the request's fault get a status a client can act on: 507 (retry
    when there is room) for a full disk, 503 for a damaged project file; never a bare 500."""

    @app.exception_handler(DiskFullError)
    async def disk_full(_request: Request, exc: DiskFullError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=507)

    @app.exception_handler(DamagedProjectError)
    async def damaged(_request: Request, exc: DamagedProjectError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.exception_handler(OSError)
    async def file_failed(_request: Request, exc: OSError) -> JSONResponse:
        if exc.errno in FULL:
            return JSONResponse({"detail": "the disk is full; nothing of this request was kept"}, status_code=507)
        if exc.errno == errno.ENAMETOOLONG:
            return JSONResponse({"non_field_errors": ["a file name is too long for this disk"]}, status_code=400)
        raise exc

    @app.exception_handler(RecursionError)
    async def too_deep(_request: Request, _exc: RecursionError) -> JSONResponse:
        return JSONResponse({"non_field_errors": ["JSON nested too deeply to be read"]}, status_code=400)
