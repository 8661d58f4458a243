"""A server's slides for `slides.remote_source`, fetched through the REST client."""

from __future__ import annotations

from typing import Any

from exact_desktop.rest.connection import Connection
from exact_desktop.rest.errors import ExactApiError
from exact_desktop.slides.remote_source import FetchError


class RestTiles:
    """`TileServer` over one REST session: its auth, timeouts and retries; its errors as FetchError."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    @property
    def url(self) -> str:
        return self.connection.url

    def json(self, path: str) -> Any:
        try:
            return self.connection.get(path)
        except ExactApiError as err:
            raise FetchError(str(err)) from None

    def content(self, path: str) -> bytes:
        try:
            return self.connection.request("GET", path).content
        except ExactApiError as err:
            raise FetchError(str(err)) from None
