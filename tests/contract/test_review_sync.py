"""Reviewed candidates synced to both servers: the accepted annotations with their provenance,
and each decision as the signed-in reviewer's verification (a reject after an accept: false)."""

from __future__ import annotations

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.model import entities as e
from exact_desktop.model.accepted_uuid import accepted_uuid
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.exact_api import ExactApi
from exact_desktop.review.provenance import KEY
from exact_desktop.review.session import ReviewSession
from exact_desktop.sync.engine import Synchroniser, SyncSummary
from tests.contract.conftest import Target
from tests.contract.test_sync import SyncSet, project, sync_set  # noqa: F401 - fixtures

V = "/api/v1/annotations/verifications/"


def run(store, target: Target, direction: str, remote_set: int) -> SyncSummary:
    """Signed in as the user (serve's session token stands for no user, and a verification needs one)."""
    api = ExactApi(Connection(target.url, user=target.user, password=target.password, timeout=60))
    return Synchroniser(store, api).run(direction, remote_set)


def pulled_with_candidates(project, server: Target, sync_set: SyncSet, count: int) -> ReviewSession:  # noqa: F811
    """The server's set pulled, and `count` box candidates of a Nuclei plugin on its image, under review."""
    assert run(project, server, "pull", sync_set.id).errors == []
    image = project.list(e.Image, remote_id=sync_set.image)[0]
    kind = project.list(e.AnnotationType, remote_id=sync_set.box_type)[0]
    plugin = project.create(e.Plugin("Nuclei", package="nuclei 1.0"))
    result = project.create(e.PluginResult(image.id, None, plugin.id))
    entry = project.create(e.PluginResultEntry(result.id, "nuclei"))
    project.bulk_create([
        e.PluginResultAnnotation(kind.id, entry.id, image.id, {"x1": 30 * i, "y1": 40, "x2": 30 * i + 20, "y2": 60}, 0.9 - i / 10)
        for i in range(1, count + 1)
    ])  # fmt: skip
    return ReviewSession(project, EditHistory(project), [entry.id])


def test_decisions_reach_the_server_as_annotations_and_verifications(server: Target, sync_set: SyncSet, project):  # noqa: F811
    session = pulled_with_candidates(project, server, sync_set, 3)
    candidates = [session.at(i) for i in range(3)]
    session.accept()
    session.accept()
    session.reject()  # never an annotation: nothing goes to the server for it

    pushed = run(project, server, "push", sync_set.id)
    assert (pushed.pushed, pushed.errors) == (2, [])
    uuids = [accepted_uuid(session.result(c).unique_identifier) for c in candidates]
    there = {a["unique_identifier"]: a for a in sync_set.listed()}
    assert set(there) == set(uuids[:2])
    assert all(there[u]["meta_data"][KEY]["plugin"] == "Nuclei" for u in uuids[:2])
    assert {there[u]["meta_data"][KEY]["result_annotation"] for u in uuids[:2]} == {
        session.result(c).unique_identifier for c in candidates[:2]
    }
    me = sync_set.http.get(f"{server.url}/api/v1/users/users/", params={"username": server.user}, timeout=60).json()
    user = me["results"][0]["id"]

    def verdicts() -> dict[int, bool]:
        found = {}
        for u in uuids[:2]:
            listed = sync_set.http.get(f"{server.url}{V}", params={"annotation": there[u]["id"]}, timeout=60).json()
            assert [v["user"] for v in listed["results"]] == [user]
            found[there[u]["id"]] = listed["results"][0]["verified"]
        return found

    assert verdicts() == {there[uuids[0]]["id"]: True, there[uuids[1]]["id"]: True}
    assert run(project, server, "push", sync_set.id).errors == []  # nothing new: nothing sent twice
    assert verdicts() == {there[uuids[0]]["id"]: True, there[uuids[1]]["id"]: True}

    session.decide({candidates[0].id: None})  # taken back: the annotation goes, the verdict turns
    pushed = run(project, server, "push", sync_set.id)
    assert pushed.errors == []
    assert verdicts() == {there[uuids[0]]["id"]: False, there[uuids[1]]["id"]: True}
    live = {a["unique_identifier"] for a in sync_set.listed() if not a["deleted"]}
    assert live == {uuids[1]}


def test_an_undone_verdict_is_taken_back_from_the_server_on_the_next_push(server: Target, sync_set: SyncSet, project):  # noqa: F811
    """Ctrl+Z of an accept already pushed: the next push deletes the server's verification and
    the annotation the accept made; a redo brings both back, once."""
    session = pulled_with_candidates(project, server, sync_set, 2)
    history = session.history
    kept, undone = (accepted_uuid(session.result(session.at(i)).unique_identifier) for i in range(2))
    session.accept()
    session.accept()
    assert run(project, server, "push", sync_set.id).errors == []
    there = {a["unique_identifier"]: a["id"] for a in sync_set.listed()}

    def verdicts(uuid: str) -> list[bool]:
        listed = sync_set.http.get(f"{server.url}{V}", params={"annotation": there[uuid]}, timeout=60).json()
        return [v["verified"] for v in listed["results"]]

    def live() -> set[str]:
        return {a["unique_identifier"] for a in sync_set.listed() if not a["deleted"]}

    assert (verdicts(kept), verdicts(undone), live()) == ([True], [True], {kept, undone})

    history.undo()  # the second accept taken back
    pushed = run(project, server, "push", sync_set.id)
    assert pushed.errors == []
    assert (verdicts(kept), verdicts(undone), live()) == ([True], [], {kept})
    assert run(project, server, "push", sync_set.id).errors == []  # nothing left to take back

    history.redo()
    assert run(project, server, "push", sync_set.id).errors == []
    assert (verdicts(kept), verdicts(undone), live()) == ([True], [True], {kept, undone})
