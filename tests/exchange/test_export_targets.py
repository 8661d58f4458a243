"""Export writes only regular files and new paths, whole or not at all: a device, a folder, a
FIFO, a missing folder or a full disk is one line naming the target (exit 2), with the target as
it was and no temporary file left beside it. Each case runs the real command on a real project."""

from __future__ import annotations

import json
import os
import stat

import pytest

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore
from tests.faults.disk import can_mount, small_disk
from tests.store.conftest import box, seed
from tests.store.test_project_files import one_line, run


@pytest.fixture
def project(tmp_path):
    db = tmp_path / "p.db"
    store = SqliteStore(db)
    s = seed(store)
    store.bulk_create([e.Annotation(s.box.id, s.image.id, box(i, i), description="d" * 100) for i in range(300)])
    store.close()
    return db, s.image.id


def export(project, target) -> object:
    db, image = project
    return run("export", "--db", str(db), "--image", str(image), str(target))


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "partial" in p.name) if folder.is_dir() else []


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_is_refused_and_stays_a_device(project, tmp_path):
    full = tmp_path / "full"  # a /dev/full of the test's own: the old code replaced the device with a file
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    one_line(export(project, full), str(full), "not a regular file")
    assert stat.S_ISCHR(os.stat(full).st_mode) and leftovers(tmp_path) == []


def test_a_folder_a_fifo_and_a_missing_folder_are_refused_by_name(project, tmp_path):
    folder = tmp_path / "out.geojson"
    folder.mkdir()
    one_line(export(project, folder), str(folder), "is a folder")
    assert folder.is_dir() and list(folder.iterdir()) == []
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    one_line(export(project, fifo), str(fifo), "not a regular file")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    missing = tmp_path / "no" / "such" / "out.json"
    one_line(export(project, missing), str(missing), "does not exist")
    assert not (tmp_path / "no").exists() and leftovers(tmp_path) == []


@pytest.mark.skipif(not can_mount(), reason="mounting a small tmpfs needs root")
def test_a_full_disk_keeps_the_old_file_whole_and_leaves_nothing(project, tmp_path):
    with small_disk(tmp_path / "disk", 64) as disk:
        target = disk / "out.json"
        target.write_text('{"old": true}')
        target.chmod(0o640)
        one_line(export(project, target), str(target), "No space left on device", "the file is as it was")
        assert target.read_text() == '{"old": true}' and leftovers(disk) == []
        target.unlink()
        one_line(export(project, target), str(target), "No space left on device", "no file was made")
        assert list(disk.iterdir()) == []


def test_an_export_over_a_regular_file_replaces_it_whole_with_its_mode(project, tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    done = export(project, link)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and len(json.loads(target.read_text())["annotations"]) == 300
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and leftovers(tmp_path) == []
