"""The sync conflict rule: what an annotation that came from the server does to the mirror.

Each annotation is matched here by its server id, else by its UUID (an answer to our own create
that was lost). From what the mirror knows of it (the server time last agreed on, its base, and
whether an edit of it waits in the outbox) one of five things happens:

- NEW: it is not here; it is made.
- UNCHANGED: the server's time is the base; nothing to do.
- CONFLICT: it changed on the server and here since the base. Nothing is lost: the original
  takes the server's version and this side's becomes a marked copy (a new UUID) that is pushed;
  a person resolves it later (keep the server's, the local one, or both).
- OWN_PUSH: it waits in the outbox and has no base: the server holds our own push whose answer
  was lost. It is linked to its server id; later edits here still go out.
- SERVER: only the server changed it; the mirror takes the server's version.

The ledger (`store/sqlite/sync_ledger.py`) carries the outcome out, in one transaction per page.
"""

from __future__ import annotations

from enum import StrEnum


class Arrival(StrEnum):
    NEW = "new"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    OWN_PUSH = "own push"
    SERVER = "server"


def arrival(here: bool, agreed: bool, base_time: str | None, server_time: str, queued: bool) -> Arrival:
    """What becomes of one incoming annotation: `here` if the mirror has it, `agreed` if the two
    sides ever agreed on it (at server time `base_time`), `queued` if an edit of it waits to be pushed."""
    if not here:
        return Arrival.NEW
    if base_time == server_time:
        return Arrival.UNCHANGED
    if queued and agreed:
        return Arrival.CONFLICT
    if queued:
        return Arrival.OWN_PUSH
    return Arrival.SERVER
