"""Bounds on what a request body may cost: a JSON body of at most MAX_BODY_BYTES, read within
BODY_SECONDS; any body (an upload too) that stops arriving for BODY_IDLE_SECONDS is given up.

Without them 300 MB of whitespace was read and parsed (14 s, then a 400), and a
`Content-Length: 999999999999` with two bytes of body held a worker until the client left.
A slide upload (multipart) may be any size and take its time, as long as it keeps arriving.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 128 << 20  # a push sends 1,000 annotations per request: a few MB
BODY_SECONDS = 120.0  # for a JSON body of at most that size over loopback: ample
BODY_IDLE_SECONDS = 30.0  # the longest wait for the next piece of any body


class BoundedBodies:
    """Plain ASGI, as _CredentialsFirst: a declared length past the bound is refused (413) before
    a byte is read; the body's pieces are counted and timed as the route reads them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        upload = headers.get("content-type", "").lower().startswith("multipart/form-data")
        limit, deadline = (None, None) if upload else (MAX_BODY_BYTES, time.monotonic() + BODY_SECONDS)
        declared = headers.get("content-length", "")
        if limit is not None and declared.isdigit() and int(declared) > limit:
            await JSONResponse({"detail": _too_large(limit)}, status_code=413)(scope, receive, send)
            return
        received, done = 0, False

        async def bounded() -> Message:
            nonlocal received, done
            if done:  # the body is in: what follows is a wait for the client to leave
                return await receive()
            left = BODY_SECONDS if deadline is None else deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), max(min(BODY_IDLE_SECONDS, left), 0.0))
            except TimeoutError:
                late = f"took more than {BODY_SECONDS:.0f} s" if left <= BODY_IDLE_SECONDS else "stopped arriving"
                raise HTTPException(408, f"the request body {late}; send it whole and without pauses") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                done = not message.get("more_body", False)
                if limit is not None and received > limit:
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, bounded, send)


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit:,} bytes, more than this API reads"
