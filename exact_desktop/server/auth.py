"""Who is calling: the session token (Bearer or Token) or HTTP Basic for local users.

Refusals are 403 with DRF's `{"detail": ...}`, as EXACT answers them (it never says 401).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from fastapi import HTTPException, Request

from exact_desktop.model.entities import User, stored_id
from exact_desktop.server.passwords import check_password
from exact_desktop.store.sqlite.store import SqliteStore


@dataclass(frozen=True)
class Caller:
    user_id: int | None
    name: str


class Authenticator:
    def __init__(self, store: SqliteStore, token: str) -> None:
        self.store, self.token = store, token
        # header -> (user id, the hash it was checked against): scrypt runs once per credential,
        # and a password changed since (`users add`) no longer matches the cached hash
        self._basic_cache: dict[str, tuple[int, str | None]] = {}

    def __call__(self, request: Request) -> Caller:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme in ("bearer", "token") and hmac.compare_digest(value.strip().encode(), self.token.encode()):
            return Caller(None, "session")
        if scheme == "basic":
            return self._basic(header, value)
        raise HTTPException(403, "Authentication credentials were not provided.")

    def _basic(self, header: str, value: str) -> Caller:
        cached = self._basic_cache.get(header)
        if cached is not None:
            user_id, checked_against = cached
            if self.store.password_hash(user_id) == checked_against:
                return Caller(user_id, str(user_id))
            del self._basic_cache[header]
        try:
            name, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise HTTPException(403, "Invalid basic header. Credentials not correctly base64 encoded.") from None
        users = self.store.list(User, username=name)
        if not users or not check_password(password, self.store.password_hash(stored_id(users[0]))):
            raise HTTPException(403, "Invalid username/password.")
        self._basic_cache[header] = (stored_id(users[0]), self.store.password_hash(stored_id(users[0])))
        return Caller(users[0].id, name)
