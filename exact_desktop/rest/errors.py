"""What can go wrong talking to EXACT's REST API, by what the caller should do about it.

`ExactApiError` is the one base: a sync, a window or a command line catches it for every way a
request to EXACT (or the embedded API) can fail. A plugin's own failures (`PluginError`) live
in the plugin SDK and derive from it, so a worker reports both the same way.
"""

from __future__ import annotations


class ExactApiError(Exception):
    """A request to EXACT failed; the message names the request and the reason."""


class RefusedError(ExactApiError):
    """The server answered 4xx: it did not store anything, and sending again will not help."""

    def __init__(self, message: str, status: int, body: str) -> None:
        super().__init__(message)
        self.status, self.body = status, body


class UnknownOutcomeError(ExactApiError):
    """The request may or may not have been carried out (connection lost, timeout, 5xx)."""


class AnswerError(ExactApiError):
    """The server answered, but not with what EXACT sends; the message names the server, the
    request and what was wrong. Nothing of that answer was stored."""
