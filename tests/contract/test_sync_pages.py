"""A pull through a server whose list pages cannot be trusted loses nothing and leaks nothing.

PageFaults (tests/faults/pages.py) sits between the client and the real server (EXACT or
`exact-desktop serve`) and spoils the answers; each test counts what both sides hold after.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from exact_desktop.rest import exact_api
from exact_desktop.rest.errors import UnknownOutcomeError
from exact_desktop.rest.paging import PageError
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.sync import engine
from tests.contract.conftest import Target
from tests.contract.test_sync import SyncSet, assert_in_step, local_live, project, run, server_live, sync_set
from tests.faults.pages import ANNOTATIONS, PageFaults
from tests.rest.recording import Recording, recording_server

__all__ = ["project", "sync_set"]  # the fixtures, shared with test_sync


@pytest.fixture
def faults(server: Target) -> Iterator[PageFaults]:
    with PageFaults(server.url) as proxy:
        yield proxy


def test_pages_capped_below_the_limit_asked_are_all_pulled(server: Target, sync_set: SyncSet, project: SqliteStore,
                                                           faults: PageFaults) -> None:  # fmt: skip
    sync_set.create(1200)
    faults.max_limit = 500  # the client asks for 1,000 a page
    summary = run(project, server, "pull", sync_set.id, url=faults.url)
    assert (summary.pulled, summary.errors) == (1200, [])
    assert len(local_live(project)) == len(server_live(sync_set)) == 1200
    assert_in_step(project, sync_set)


def test_a_next_pointing_to_its_own_page_does_not_loop(server: Target, sync_set: SyncSet, project: SqliteStore,
                                                       faults: PageFaults) -> None:  # fmt: skip
    sync_set.create(5)
    faults.max_limit, faults.next_to_self = 1, True  # the product's two types come in two pages too
    summary = run(project, server, "pull", sync_set.id, url=faults.url)
    assert (summary.pulled, summary.errors) == (5, [])
    assert max(faults.asked.values()) == 1  # no page asked for twice
    assert_in_step(project, sync_set)


@pytest.fixture
def elsewhere() -> Iterator[str]:
    with recording_server() as url:
        yield url


def test_a_next_on_another_origin_gets_no_request_and_no_token(server: Target, sync_set: SyncSet,
                                                               project: SqliteStore, faults: PageFaults,
                                                               elsewhere: str) -> None:  # fmt: skip
    sync_set.create(5)
    faults.max_limit, faults.next_origin = 1, elsewhere  # every list has a next page, there
    summary = run(project, server, "pull", sync_set.id, url=faults.url)
    assert Recording.seen == []
    assert (summary.pulled, summary.errors) == (5, [])
    assert_in_step(project, sync_set)


def test_a_refused_annotation_holds_the_cursor_back_until_it_is_stored(
    server: Target, sync_set: SyncSet, project: SqliteStore, faults: PageFaults, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "LATE_COMMIT", timedelta(0))  # as if the edits were minutes apart
    made = sync_set.create(20)
    run(project, server, "pull", sync_set.id)
    (refused,) = sync_set.create(1, offset=100)
    later = sync_set.create(4, offset=200)  # edited after it
    faults.broken_vectors = {refused}
    first = run(project, server, "pull", sync_set.id, url=faults.url)
    assert first.pulled == 4 and len(first.errors) == 1 and refused in first.errors[0]
    assert refused not in local_live(project)
    faults.broken_vectors = set()  # the server's answer is readable again
    again = run(project, server, "pull", sync_set.id, url=faults.url)
    assert (again.pulled, again.errors) == (1, [])
    assert set(local_live(project)) == {*made, refused, *later} == set(server_live(sync_set))


def test_a_slow_page_ends_the_pull_with_a_message_after_two_tries(server: Target, sync_set: SyncSet,
                                                                  project: SqliteStore, faults: PageFaults) -> None:  # fmt: skip
    sync_set.create(10)
    faults.annotation_delay_s = 3.0
    with pytest.raises(UnknownOutcomeError) as caught:
        run(project, server, "pull", sync_set.id, url=faults.url, timeout=1.0)
    assert faults.url in str(caught.value) and "no answer in 1 s, twice" in str(caught.value)
    assert faults.asked_for(ANNOTATIONS) == 2
    assert len(local_live(project)) == 0
    faults.annotation_delay_s = 0.0
    summary = run(project, server, "pull", sync_set.id, url=faults.url)
    assert (summary.pulled, summary.errors) == (10, [])
    assert_in_step(project, sync_set)


def test_a_page_sent_byte_by_byte_ends_the_pull_at_a_deadline(server: Target, sync_set: SyncSet,
                                                               project: SqliteStore, faults: PageFaults) -> None:  # fmt: skip
    sync_set.create(3)
    faults.drip_annotations_s = 0.05  # each byte well within the read timeout: only a deadline ends it
    with pytest.raises(UnknownOutcomeError) as caught:
        run(project, server, "pull", sync_set.id, url=faults.url, timeout=0.5)
    assert faults.url in str(caught.value) and "sent its answer too slowly" in str(caught.value)
    assert len(local_live(project)) == 0


@pytest.mark.parametrize("spoil", ["a list", "no id"])
def test_a_page_that_is_not_one_is_named_and_stores_nothing_of_it(server: Target, sync_set: SyncSet,
                                                                  project: SqliteStore, faults: PageFaults,
                                                                  spoil: str) -> None:  # fmt: skip
    sync_set.create(10)
    if spoil == "a list":
        faults.annotations_as_list = True
    else:
        faults.drop_id_of = 3
    with pytest.raises(PageError) as caught:
        run(project, server, "pull", sync_set.id, url=faults.url)
    message = str(caught.value)
    assert server.url in message and f"{ANNOTATIONS} at offset 0" in message
    assert ("with a list, not a page" if spoil == "a list" else "result 3 of") in message
    assert len(local_live(project)) == 0
    faults.annotations_as_list, faults.drop_id_of = False, 0
    assert run(project, server, "pull", sync_set.id, url=faults.url).pulled == 10
    assert_in_step(project, sync_set)


def test_what_changes_on_the_server_during_a_pull_comes_with_the_next(
    server: Target, sync_set: SyncSet, project: SqliteStore, faults: PageFaults, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An annotation made after the first page lies past the count the pull goes by; an edit
    made after it to one on a later page must not carry the cursor past the new one."""
    monkeypatch.setattr(engine, "LATE_COMMIT", timedelta(0))  # as if the edits were minutes apart
    monkeypatch.setattr(exact_api, "PAGE", 2)
    made = sync_set.create(4)  # two full pages
    late: list[str] = []

    def meanwhile() -> None:
        late.extend(sync_set.create(1, offset=50))  # a third page, past the count of 4
        sync_set.patch(made[3], description="edited during the pull")  # on the second page

    faults.after_first_page = meanwhile
    first = run(project, server, "pull", sync_set.id, url=faults.url)
    assert (first.pulled, first.errors) == (4, [])
    again = run(project, server, "pull", sync_set.id, url=faults.url)
    assert (again.pulled, again.errors) == (1, [])
    assert set(local_live(project)) == {*made, *late} == set(server_live(sync_set))
