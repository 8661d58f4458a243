"""Sync between the local mirror and both servers: pull, push, incremental, conflicts, faults.

Each test gets a fresh image set with one slide on the server, and a fresh project file. What
the server holds is read back with plain requests, not through the client under test.
"""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.exact_api import ExactApi
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.sync_ledger import CONFLICT_KEY, SyncLedger
from exact_desktop.sync import engine
from exact_desktop.sync.engine import Synchroniser, SyncSummary
from tests.contract.conftest import Target, cli, upload
from tests.faults.proxy import FaultProxy

ANNOTATIONS = "/api/v1/annotations/annotations/"


class SyncSet:
    """A server image set made for one test, and what the test needs to act on the server."""

    def __init__(self, target: Target, slide: Path) -> None:
        self.target = target
        self.http = target.session()
        made = self.http.post(f"{target.url}/api/v1/images/image_sets/", json={
            "name": f"Sync {uuid.uuid4().hex[:8]}", "team": target.team, "product_set": [target.product],
            "description": "sync tests", "images": [], "set_tags": [],
        }, timeout=60)  # fmt: skip
        assert made.status_code == 201, made.text
        self.id = made.json()["id"]
        self.image = upload(target, slide, "contract.svs", self.id)
        types = self.http.get(f"{target.url}/api/v1/annotations/annotation_types/",
                              params={"product": target.product, "limit": 100}, timeout=60).json()["results"]  # fmt: skip
        self.box_type = next(t["id"] for t in types if t["vector_type"] == 1 and t["product"] == target.product)

    def create(self, n: int, offset: int = 0) -> list[str]:
        bodies = [
            {"annotation_type": self.box_type, "image": self.image, "unique_identifier": str(uuid.uuid4()),
             "deleted": False, "vector": _box(offset + i)}
            for i in range(n)
        ]  # fmt: skip
        for start in range(0, n, 500):
            answer = self.http.post(f"{self.target.url}{ANNOTATIONS}", json=bodies[start : start + 500], timeout=300)
            assert answer.status_code in (200, 201), answer.text
        return [b["unique_identifier"] for b in bodies]

    def listed(self) -> list[dict[str, Any]]:
        found, offset = [], 0
        while True:
            page = self.http.get(f"{self.target.url}{ANNOTATIONS}", params={
                "image": self.image, "limit": 1000, "offset": offset,
                "fields": "id,unique_identifier,vector,deleted,meta_data,last_edit_time",
            }, timeout=120).json()  # fmt: skip
            found += page["results"]
            offset += len(page["results"])
            if not page["next"]:
                return found

    def patch(self, uuid_: str, **fields: Any) -> None:
        row = next(a for a in self.listed() if a["unique_identifier"] == uuid_)
        answer = self.http.patch(f"{self.target.url}{ANNOTATIONS}{row['id']}/", json=fields, timeout=60)
        assert answer.status_code == 200, answer.text


def _box(i: int) -> dict[str, int]:
    x, y = 20 + (i % 50) * 55, 20 + (i // 50) % 35 * 55
    return {"x1": x, "y1": y, "x2": x + 30, "y2": y + 30}


@pytest.fixture
def sync_set(server: Target, contract_slide: Path) -> SyncSet:
    return SyncSet(server, contract_slide)


@pytest.fixture
def project(tmp_path: Path) -> SqliteStore:
    store = SqliteStore(tmp_path / "mirror.db")
    yield store
    store.close()


def run(store: SqliteStore, target: Target, direction: str, remote_set: int, url: str | None = None,
        timeout: float = 60) -> SyncSummary:  # fmt: skip
    api = ExactApi(Connection(url or target.url, token=target.token, timeout=timeout), server=target.url)
    return Synchroniser(store, api).run(direction, remote_set)


def local_live(store: SqliteStore) -> Counter[str]:
    return Counter(a.unique_identifier for a in store.list(e.Annotation, deleted=False))


def server_live(sync_set: SyncSet) -> Counter[str]:
    return Counter(a["unique_identifier"] for a in sync_set.listed() if not a["deleted"])


def assert_in_step(store: SqliteStore, sync_set: SyncSet) -> None:
    """Both sides hold the same live annotations, each exactly once, and nothing waits."""
    here, there = local_live(store), server_live(sync_set)
    assert max(here.values(), default=1) == 1 and max(there.values(), default=1) == 1
    assert set(here) == set(there)
    assert SyncLedger(store).outbox_size() == 0


def test_full_pull_push_and_incremental_sync(server: Target, sync_set: SyncSet, project: SqliteStore,
                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(engine, "PENDING_PAGE", 128)  # the 300 creates below are read in three pages
    made = sync_set.create(1200)  # more than one page of 1,000
    first = run(project, server, "pull", sync_set.id)
    assert (first.pulled, first.conflicts, first.errors) == (1200, 0, [])
    assert set(local_live(project)) == set(made)
    image = project.list(e.Image, remote_id=sync_set.image)[0]
    kind = project.list(e.AnnotationType, remote_id=sync_set.box_type)[0]

    # edits here: 300 new, 5 moved, 3 deleted
    new = [e.Annotation(stored_id(kind), stored_id(image), _box(2000 + i)) for i in range(300)]
    project.bulk_create(new)
    mine = sorted(project.list(e.Annotation, remote_id__in=[a.remote_id for a in project.list(e.Annotation)][:8]),
                  key=lambda a: a.id)  # fmt: skip
    moved = {a.id: {"vector": {"x1": 5, "y1": 5, "x2": 9 + n, "y2": 9}} for n, a in enumerate(mine[:5])}
    project.update_many(e.Annotation, moved)
    project.delete_many(e.Annotation, [a.id for a in mine[5:8]])
    assert SyncLedger(project).outbox_size() == 308

    pushed = run(project, server, "push", sync_set.id)
    assert (pushed.pushed, pushed.conflicts, pushed.errors, pushed.outbox) == (308, 0, [], 0)
    assert_in_step(project, sync_set)
    on_server = {a["unique_identifier"]: a for a in sync_set.listed()}
    for a in mine[:5]:
        assert on_server[a.unique_identifier]["vector"] == moved[stored_id(a)]["vector"]
    assert all(on_server[a.unique_identifier]["deleted"] for a in mine[5:8])
    assert len(server_live(sync_set)) == 1200 + 300 - 3

    # incremental: two edits and one creation on the server come back, nothing else
    sync_set.patch(made[100], vector={"x1": 1, "y1": 1, "x2": 4, "y2": 4})
    sync_set.patch(made[101], deleted=True)
    (extra,) = sync_set.create(1, offset=3000)
    again = run(project, server, "both", sync_set.id)
    assert (again.pulled, again.pushed, again.conflicts, again.errors) == (3, 0, 0, [])
    assert project.list(e.Annotation, unique_identifier=made[100])[0].vector == {"x1": 1, "y1": 1, "x2": 4, "y2": 4}
    assert project.list(e.Annotation, unique_identifier=made[101])[0].deleted
    assert extra in local_live(project)
    assert_in_step(project, sync_set)
    quiet = run(project, server, "both", sync_set.id)
    assert (quiet.pulled, quiet.pushed, quiet.conflicts) == (0, 0, 0)


def test_a_conflict_keeps_both_versions_on_both_sides(server: Target, sync_set: SyncSet, project: SqliteStore) -> None:
    (theirs_uuid,) = sync_set.create(1)
    run(project, server, "pull", sync_set.id)
    (local,) = project.list(e.Annotation, unique_identifier=theirs_uuid)
    mine_vector = {"x1": 100, "y1": 100, "x2": 160, "y2": 150}
    theirs_vector = {"x1": 300, "y1": 300, "x2": 340, "y2": 330}
    project.update(e.Annotation, stored_id(local), vector=mine_vector)
    sync_set.patch(theirs_uuid, vector=theirs_vector)

    summary = run(project, server, "both", sync_set.id)
    assert summary.conflicts == 1 and summary.errors == []
    (conflict,) = SyncLedger(project).conflicts()
    assert conflict.unique_identifier == theirs_uuid and conflict.copy is not None
    assert project.get(e.Annotation, stored_id(local)).vector == theirs_vector
    copy = project.get(e.Annotation, conflict.copy)
    assert copy.vector == mine_vector and copy.meta_data[CONFLICT_KEY]["of"] == theirs_uuid  # type: ignore[index]
    on_server = {a["unique_identifier"]: a for a in sync_set.listed()}
    assert on_server[theirs_uuid]["vector"] == theirs_vector
    assert on_server[copy.unique_identifier]["vector"] == mine_vector
    assert_in_step(project, sync_set)

    # resolved for this side's version: the original takes it, the copy goes, on both sides
    SyncLedger(project).resolve(conflict.id, "local")
    assert SyncLedger(project).conflicts() == []
    done = run(project, server, "both", sync_set.id)
    assert done.errors == [] and done.conflicts == 0
    on_server = {a["unique_identifier"]: a for a in sync_set.listed()}
    assert on_server[theirs_uuid]["vector"] == mine_vector and on_server[copy.unique_identifier]["deleted"]
    assert_in_step(project, sync_set)


def test_a_delete_here_against_an_edit_there_keeps_the_edit(server: Target, sync_set: SyncSet,
                                                            project: SqliteStore) -> None:  # fmt: skip
    (theirs_uuid,) = sync_set.create(1)
    run(project, server, "pull", sync_set.id)
    (local,) = project.list(e.Annotation, unique_identifier=theirs_uuid)
    project.delete(e.Annotation, stored_id(local))
    sync_set.patch(theirs_uuid, description="checked by a pathologist")
    summary = run(project, server, "both", sync_set.id)
    assert summary.conflicts == 1
    kept = project.get(e.Annotation, stored_id(local))
    assert not kept.deleted and kept.description == "checked by a pathologist"
    (conflict,) = SyncLedger(project).conflicts()
    assert conflict.copy is None and conflict.local_change == "deleted"
    assert_in_step(project, sync_set)


@pytest.mark.parametrize("fault", ["cut-pagination", "cut-push", "500-batch", "timeout-push"])
def test_faults_lose_nothing_and_double_nothing(server: Target, sync_set: SyncSet, project: SqliteStore,
                                                fault: str) -> None:  # fmt: skip
    sync_set.create(2500)
    with FaultProxy(server.url) as proxy:
        if fault == "cut-pagination":
            proxy.cut_once_after(1500)  # during the third page's request
            first = _run_through(project, server, "pull", sync_set, proxy)
            assert proxy.cuts == 1
        else:
            run(project, server, "pull", sync_set.id)
            image = project.list(e.Image, remote_id=sync_set.image)[0]
            kind = project.list(e.AnnotationType, remote_id=sync_set.box_type)[0]
            project.bulk_create([e.Annotation(stored_id(kind), stored_id(image), _box(4000 + i)) for i in range(1200)])
            if fault == "cut-push":
                proxy.cut_once_after(150_000)  # inside the first list POST (about 200 bytes per annotation)
            elif fault == "500-batch":
                proxy.answer_next(500, "POST")
            else:
                proxy.stall_next_response(4.0)
            first = _run_through(project, server, "push", sync_set, proxy, timeout=2.0)
            assert proxy.cuts + proxy.answered + proxy.stalled == 1
    rerun = run(project, server, "both", sync_set.id)  # after the failure, and once more, straight
    assert rerun.errors == [], rerun.errors
    assert_in_step(project, sync_set)
    assert len(local_live(project)) == (2500 if fault == "cut-pagination" else 3700)
    assert first.errors == [] or first.outbox >= 0


def _run_through(store: SqliteStore, target: Target, direction: str, sync_set: SyncSet, proxy: FaultProxy,
                 timeout: float = 60) -> SyncSummary:  # fmt: skip
    """A sync through the proxy, which may fail: a failed sync is then an empty summary."""
    from exact_desktop.rest.errors import ExactApiError

    try:
        return run(store, target, direction, sync_set.id, url=proxy.url, timeout=timeout)
    except ExactApiError as err:
        return SyncSummary(errors=[str(err)])


def test_the_sync_command(server: Target, sync_set: SyncSet, tmp_path: Path) -> None:
    made = sync_set.create(30)
    db = tmp_path / "cli.db"
    SqliteStore(db).close()  # a sync refuses a project file that does not exist
    code, summary, err = cli(server, "sync", "both", "--server", server.url, "--image-set", str(sync_set.id),
                             "--db", str(db), "--json")  # fmt: skip
    assert code == 0, err
    assert summary == {
        "pulled": 30, "pushed": 0, "conflicts": 0, "unchanged": 0, "errors": [], "outbox": 0, "notes": [],
    }  # fmt: skip
    store = SqliteStore(db)
    assert set(local_live(store)) == set(made)
    store.close()
    code, conflicts, err = cli(server, "sync", "conflicts", "--db", str(db))
    assert (code, conflicts) == (0, [])
    code, _, err = cli(server, "sync", "pull", "--server", server.url, "--image-set", str(sync_set.id),
                       "--db", str(db), env={"EXACT_TOKEN": "pat_wrong.token"})  # fmt: skip
    assert code == 2 and server.url in err and "403" in err
    assert server.token not in err


def test_edits_made_offline_wait_in_the_outbox_across_a_restart(server: Target, sync_set: SyncSet,
                                                                tmp_path: Path) -> None:  # fmt: skip
    from exact_desktop.rest.errors import ExactApiError

    sync_set.create(5)
    path = tmp_path / "offline.db"
    with FaultProxy(server.url) as proxy:
        store = SqliteStore(path)
        run(store, server, "pull", sync_set.id, url=proxy.url)
        proxy.refuse = True  # the network is gone
        image = store.list(e.Image, remote_id=sync_set.image)[0]
        kind = store.list(e.AnnotationType, remote_id=sync_set.box_type)[0]
        made = store.create(e.Annotation(stored_id(kind), stored_id(image), _box(77)))
        with pytest.raises(ExactApiError) as caught:
            run(store, server, "push", sync_set.id, url=proxy.url, timeout=5)
        assert proxy.url in str(caught.value)
        store.close()  # and the program ends
    store = SqliteStore(path)  # the next start, with the network back
    assert SyncLedger(store).outbox_size() == 1
    summary = run(store, server, "push", sync_set.id)
    assert (summary.pushed, summary.errors, summary.outbox) == (1, [], 0)
    assert server_live(sync_set)[made.unique_identifier] == 1
    assert_in_step(store, sync_set)
    store.close()
