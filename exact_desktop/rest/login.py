"""Signing in to a server: one cheap request that needs valid credentials, and a clear refusal."""

from __future__ import annotations

from exact_desktop.rest.connection import Connection
from exact_desktop.rest.errors import RefusedError, UnknownOutcomeError

LOGIN_TIMEOUT_S = 20.0


class LoginError(Exception):
    """The server could not be used; the message names it and says why."""


def sign_in(url: str, user: str | None = None, password: str | None = None, token: str | None = None,
            verify: bool = True) -> Connection:  # fmt: skip
    """A connection whose credentials the server accepted."""
    connection = Connection(url, token or None, user or None, password, verify=verify, timeout=LOGIN_TIMEOUT_S)
    try:
        connection.get("/api/v1/users/teams/", limit=1, fields="id")
    except RefusedError as err:
        what = "the token" if token else f"user {user!r} and the password"
        raise LoginError(f"{connection.url} refused the login ({err.status}): check {what}") from None
    except UnknownOutcomeError as err:
        raise LoginError(f"cannot use {connection.url}: {err}") from None
    connection.timeout = 60.0
    return connection
