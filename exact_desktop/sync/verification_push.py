"""Push's last step: review decisions go to the server as the reviewer's EXACT verifications.

A verification refers to an annotation, so it goes once its annotation is on the server (the
push before this step sends accepted annotations like any other). One per (annotation, user)
there: a create whose outcome is unknown, or that meets one made before, is looked up by that
pair and PATCHed instead. `sync_verification` holds what the server has, so a verdict goes
again only when it changed here. A verification taken back here after it was sent (its decision
undone) is deleted there first (`sync_verification_gone`, migration 0013); while such a delete
fails, the verdicts wait (a verdict given again for the same annotation would find the copy
that is still to be deleted, and be lost with it). The user is the reviewer's server account, or, for a decision
made in a server's project (where the server stamps whoever is signed in), the signed-in
account, read from the annotation the push just stamped.
"""

from __future__ import annotations

from typing import Any

from exact_desktop.rest.answers import Shape, checked, checked_list
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.errors import ExactApiError, RefusedError, UnknownOutcomeError
from exact_desktop.rest.exact_api import ANNOTATIONS
from exact_desktop.store.sqlite.store import SqliteStore, driver_cursor

VERIFICATIONS = "/api/v1/annotations/verifications/"
_ID: Shape = {"id": int}
_PAGE: Shape = {"results": list}
_EDITOR: Shape = {"last_editor": (int, type(None))}


def push_verifications(store: SqliteStore, connection: Connection, image_set: int) -> tuple[int, list[str]]:
    """Sends the image set's verifications the server does not hold as they are here, and
    deletes there the ones taken back here: (sent or deleted, errors)."""
    deleted, errors = _delete_taken_back(store, connection, image_set)
    if errors:  # a verdict again for an annotation whose old one is still there would find that one
        return len(deleted), errors
    with store.engine.connect() as conn:
        rows = (
            driver_cursor(conn)
            .execute(
                "SELECT v.id, a.remote_id, v.verified, u.remote_id, s.remote_id FROM verification v "
                "JOIN annotation a ON a.id = v.annotation JOIN image i ON i.id = a.image "
                "LEFT JOIN user u ON u.id = v.user LEFT JOIN sync_verification s ON s.verification = v.id "
                "WHERE i.image_set = ? AND a.remote_id IS NOT NULL "
                "AND (s.verified IS NULL OR s.verified != v.verified) "
                "ORDER BY v.id",
                (image_set,),
            )
            .fetchall()
        )
    sent, me = [], None
    for local, annotation, verified, remote_user, remote in rows:
        try:
            if remote_user is None:
                asked = f"{ANNOTATIONS}{annotation}/"
                me = me or checked(connection.get(asked, fields="last_editor"), _EDITOR, connection.url, f"GET {asked}")
                remote_user = me["last_editor"]
                if remote_user is None:
                    raise ExactApiError("the server does not say who is signed in (a session token with no user)")
            body = {"annotation": annotation, "user": remote_user, "verified": bool(verified)}
            remote = remote if remote is not None else _created(connection, body)
            connection.patch(f"{VERIFICATIONS}{remote}/", verified=bool(verified))
            sent.append((local, remote, verified))
        except ExactApiError as err:
            errors.append(f"verification of annotation {annotation}: {err}")
    store.transaction(
        lambda conn: driver_cursor(conn).executemany(
            "INSERT INTO sync_verification (verification, remote_id, verified) VALUES (?, ?, ?) "
            "ON CONFLICT (verification) DO UPDATE SET remote_id = excluded.remote_id, verified = excluded.verified",
            sent,
        )
    )
    return len(deleted) + len(sent), errors


def _delete_taken_back(store: SqliteStore, connection: Connection, image_set: int) -> tuple[list[int], list[str]]:
    """Deletes on the server the verifications taken back here (already gone there counts as
    deleted); those deleted leave the list."""
    with store.engine.connect() as conn:
        gone = [row[0] for row in driver_cursor(conn).execute(
            "SELECT remote_id FROM sync_verification_gone WHERE image_set = ? OR image_set IS NULL ORDER BY remote_id",
            (image_set,),
        )]  # fmt: skip
    deleted, errors = [], []
    for remote in gone:
        try:
            connection.delete(f"{VERIFICATIONS}{remote}/")
        except RefusedError as err:
            if err.status != 404:
                errors.append(f"taking back verification {remote}: {err}")
                continue
        except ExactApiError as err:
            errors.append(f"taking back verification {remote}: {err}")
            continue
        deleted.append(remote)
    store.transaction(
        lambda conn: driver_cursor(conn).executemany(
            "DELETE FROM sync_verification_gone WHERE remote_id = ?", [(r,) for r in deleted]
        )
    )
    return deleted, errors


def _created(connection: Connection, body: dict[str, Any]) -> int:
    """The server's id of the (annotation, user) verification, made now or found made before."""
    try:
        return int(
            checked(connection.post(VERIFICATIONS, body), _ID, connection.url, f"the POST to {VERIFICATIONS}")["id"]
        )
    except (UnknownOutcomeError, RefusedError) as err:
        if isinstance(err, RefusedError) and "unique" not in err.body:
            raise
        asked = f"GET {VERIFICATIONS}"
        page = checked(
            connection.get(VERIFICATIONS, annotation=body["annotation"], user=body["user"]),
            _PAGE,
            connection.url,
            asked,
        )
        if not page["results"]:
            raise
        return int(checked_list(page["results"], _ID, connection.url, asked)[0]["id"])
