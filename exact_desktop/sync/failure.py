"""Why a sync stopped, in words that say what to do next (the command line and the window)."""

from __future__ import annotations

from exact_desktop.rest.errors import AnswerError, RefusedError, UnknownOutcomeError
from exact_desktop.sync.frame import MissingImageSetError


def sync_failure(server: str, err: Exception) -> str:
    """Why a sync stopped, and what to do about it: running it again helps only when the
    outcome was unknown (the network, a timeout, the server's own failure)."""
    if isinstance(err, RefusedError) and err.status in (401, 403):
        return f"{server} refused the credentials ({err.status}): log in again with `exact-desktop login {server}`"
    if isinstance(err, MissingImageSetError):
        return str(err)
    if isinstance(err, AnswerError):
        return f"sync with {server} stopped, what arrived before is kept: the server's answer cannot be used: {err}"
    if isinstance(err, UnknownOutcomeError):
        return f"sync with {server} stopped, nothing is lost (run it again once the server answers): {err}"
    return f"sync with {server} stopped, nothing is lost: {server} refused a request: {err}"
