"""What can go wrong talking to a server, by what the caller should do about it."""

from __future__ import annotations


class PluginError(Exception):
    """A request the plugin depends on failed; the message names the request and the reason."""


class RefusedError(PluginError):
    """The server answered 4xx: it did not store anything, and sending again will not help."""

    def __init__(self, message: str, status: int, body: str) -> None:
        super().__init__(message)
        self.status, self.body = status, body


class UnknownOutcomeError(PluginError):
    """The request may or may not have been carried out (connection lost, timeout, 5xx)."""


class AnswerError(PluginError):
    """The server answered, but not with what EXACT sends; the message names the server, the
    request and what was wrong. Nothing of that answer was stored."""
