"""`exact-desktop sync` on the command line: the window's mirror of the server by default, and
a message that says what to do when the credentials or the image set are wrong."""

from __future__ import annotations

from pathlib import Path

from exact_desktop.store.project import project_path
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.sync.exact_mirror import mirror_path
from tests.contract.conftest import Target, cli
from tests.contract.test_sync import SyncSet, local_live, sync_set

__all__ = ["sync_set"]  # the fixture, shared with test_sync


def test_without_db_the_sync_goes_into_the_servers_mirror_as_in_the_window(server: Target, sync_set: SyncSet,
                                                                           tmp_path: Path) -> None:  # fmt: skip
    made = sync_set.create(12)
    home = {"EXACT_DESKTOP_HOME": str(tmp_path)}
    code, summary, err = cli(server, "sync", "both", "--server", server.url, "--image-set", str(sync_set.id), env=home)
    assert code == 0, err
    assert summary["pulled"] == 12
    mirror = SqliteStore(mirror_path(server.url, tmp_path / "servers"))  # where ExactMirror opens it
    try:
        assert set(local_live(mirror)) == set(made)
    finally:
        mirror.close()
    code, conflicts, err = cli(server, "sync", "conflicts", "--server", server.url, env=home)  # in the same mirror
    assert (code, conflicts) == (0, []), err
    local_project = tmp_path / project_path().relative_to(project_path().parents[1])
    assert not local_project.exists(), "the local project was written to"
    code, _, err = cli(server, "sync", "conflicts", "--server", "http://127.0.0.1:1", env=home)
    assert code == 2 and "nothing of http://127.0.0.1:1 is kept here yet" in err


def test_an_image_set_not_on_the_server_is_named_with_those_that_are(server: Target, sync_set: SyncSet,
                                                                     tmp_path: Path) -> None:  # fmt: skip
    SqliteStore(tmp_path / "p.db").close()
    code, _, err = cli(server, "sync", "pull", "--server", server.url, "--image-set", "987654",
                       "--db", str(tmp_path / "p.db"))  # fmt: skip
    assert code == 2 and "Traceback" not in err
    assert f"image set 987654 does not exist on {server.url}" in err
    assert f"{server.image_set} (Demo)" in err  # the first 20 are named, however many the session made
    assert "run it again" not in err


def test_refused_credentials_say_to_log_in_again(server: Target, sync_set: SyncSet, tmp_path: Path) -> None:
    SqliteStore(tmp_path / "p.db").close()
    code, _, err = cli(server, "sync", "pull", "--server", server.url, "--image-set", str(sync_set.id),
                       "--db", str(tmp_path / "p.db"), env={"EXACT_TOKEN": "pat_wrong.token"})  # fmt: skip
    assert code == 2 and "Traceback" not in err
    assert f"log in again with `exact-desktop login {server.url}`" in err and "run it again" not in err
