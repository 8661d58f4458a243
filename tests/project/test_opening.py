"""A project file opens as what the image set shown is: local, or a server's mirror."""

from __future__ import annotations

from exact_desktop.model import entities as e
from exact_desktop.project.exact import ExactProject
from exact_desktop.project.local import LocalProject
from exact_desktop.project.opening import open_project
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.sync_ledger import SyncLedger

SERVER = "http://127.0.0.1:9"  # never asked: opening a project reads only its file


def _file(tmp_path, mirrored_first: bool):
    store = SqliteStore(tmp_path / "p.db")
    team = store.create(e.Team("t"))
    first = store.create(e.ImageSet("first", team=team.id))
    second = store.create(e.ImageSet("second", team=team.id))
    SyncLedger(store).mirror((first if mirrored_first else second).id, SERVER, 7)
    store.close()
    return tmp_path / "p.db", first.id, second.id


def test_a_local_project_that_took_a_pull_stays_local(tmp_path):
    """A local project with a `sync pull --db` into it opened as that server's mirror (found by
    an outside tester): its own image set's slides could not be shown and the window asked the
    server for jobs. Its own sets are local; the synced one opens as the server's."""
    path, local, synced = _file(tmp_path, mirrored_first=False)
    for image_set in (None, local):
        project = open_project(path, image_set)
        assert isinstance(project, LocalProject), image_set
        project.store.close()
    project = open_project(path, synced)
    assert isinstance(project, ExactProject) and project.first_image_set() == synced
    project.store.close()


def test_a_mirror_reopened_without_an_image_set_is_the_servers_again(tmp_path):
    path, mirrored, _ = _file(tmp_path, mirrored_first=True)
    project = open_project(path)
    assert isinstance(project, ExactProject) and project.first_image_set() == mirrored
    project.store.close()
