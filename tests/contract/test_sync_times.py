"""Times round-trip with both servers: EXACT writes Berlin wall time without an offset, `serve`
writes UTC with one; the mirror holds UTC either way, and the pull's cursor goes back to each
in its own form, so the next pull brings exactly what changed."""

from __future__ import annotations

import uuid
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
import requests

from exact_desktop.model import entities as e
from exact_desktop.rest.server_clock import ServerClock
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.sync_ledger import SyncLedger
from tests.contract.conftest import Target
from tests.contract.test_sync import ANNOTATIONS, SyncSet, _box, assert_in_step, project, run, sync_set

__all__ = ["project", "sync_set"]  # the fixtures, shared with test_sync
CLOSE = timedelta(minutes=1)  # the hour a wrong zone makes is far outside


def created(sync_set: SyncSet, n: int) -> tuple[str, requests.Response]:
    """One annotation made on the server by plain HTTP: its UUID, and the answer (with its Date)."""
    made = str(uuid.uuid4())
    answer = sync_set.http.post(f"{sync_set.target.url}{ANNOTATIONS}", json={
        "annotation_type": sync_set.box_type, "image": sync_set.image, "unique_identifier": made, "vector": _box(n),
    }, timeout=60)  # fmt: skip
    assert answer.status_code in (200, 201), answer.text
    return made, answer


def test_times_round_trip_as_utc_and_the_cursor_in_the_servers_own_form(server: Target, sync_set: SyncSet,
                                                                        project: SqliteStore) -> None:  # fmt: skip
    made, answer = created(sync_set, 1)
    server_now = parsedate_to_datetime(answer.headers["Date"])
    first = run(project, server, "pull", sync_set.id)
    assert (first.pulled, first.errors) == (1, [])
    (here,) = project.list(e.Annotation, unique_identifier=made)
    assert abs(here.time - server_now) < CLOSE and abs(here.last_edit_time - server_now) < CLOSE

    (mirror,) = SyncLedger(project).mirrors()
    written_with_offset = answer.json()["last_edit_time"].endswith(("Z", "+00:00"))
    assert mirror.cursor and mirror.cursor.endswith("Z") == written_with_offset  # the server's own form
    cursor = ServerClock().instant(mirror.cursor)  # no later than the edit, nor than the pull's start
    assert here.last_edit_time - CLOSE < cursor <= here.last_edit_time

    sync_set.patch(made, description="seen again")
    again = run(project, server, "pull", sync_set.id)
    assert (again.pulled, again.errors) == (1, [])
    (here,) = project.list(e.Annotation, unique_identifier=made)
    assert here.description == "seen again" and abs(here.last_edit_time - server_now) < CLOSE

    mine = project.create(e.Annotation(here.annotation_type, here.image, _box(2)))
    pushed = run(project, server, "push", sync_set.id)
    assert (pushed.pushed, pushed.errors, pushed.notes) == (1, [], [])  # the clock fits the `Date` it answered
    assert_in_step(project, sync_set)
    there = next(a for a in sync_set.listed() if a["unique_identifier"] == mine.unique_identifier)
    assert abs(ServerClock().instant(there["last_edit_time"]) - server_now) < CLOSE


def test_a_wrong_zone_setting_is_set_right_by_the_servers_clock_before_a_pull(
    server: Target, sync_set: SyncSet, project: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXACT_SERVER_TIME_ZONE", "America/New_York")
    made, answer = created(sync_set, 3)
    server_now = parsedate_to_datetime(answer.headers["Date"])
    pulled = run(project, server, "pull", sync_set.id)
    assert (pulled.pulled, pulled.errors) == (1, [])
    if server.name == "exact":  # naive times: the token's last use showed the clock
        (note,) = pulled.notes
        assert "-05:00" in note and server.url in note
    else:  # times with their offset need no zone
        assert pulled.notes == []
    (here,) = project.list(e.Annotation, unique_identifier=made)
    assert abs(here.time - server_now) < CLOSE
