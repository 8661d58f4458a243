"""`serve` in several processes: all answer from one project, and none outlives the others."""

from __future__ import annotations

import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from exact_desktop.bench.sync_bench import _box
from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore
from tests.server.conftest import start_server, stop_server
from tests.store.conftest import seed

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads worker pids from /proc")


def _workers(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _gone(pid: int, within_s: float = 10.0) -> bool:
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] == "Z":  # ended, not yet reaped
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def project(tmp_path):
    db = tmp_path / "project.db"
    store = SqliteStore(db)
    s = seed(store)
    store.close()
    return db, s


def test_every_worker_writes_into_the_one_project_and_a_stop_ends_them_all(project):
    db, s = project
    process, info = start_server(db, "--workers", "2")
    workers = _workers(process.pid)
    assert len(workers) == 2
    url, headers = f"{info['url']}/api/v1/annotations/annotations/", {"Authorization": f"Bearer {info['token']}"}

    def create(batch: int) -> int:
        body = [{"annotation_type": s.box.id, "image": s.image.id, "vector": _box(batch * 100 + i)} for i in range(100)]
        with requests.Session() as fresh:  # a connection of its own, so both workers get some
            return fresh.post(url, json=body, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(create, range(20))) == {201}
    counted = requests.get(f"{url}count/", params={"image": s.image.id}, headers=headers, timeout=10).json()
    assert stop_server(process) == 0
    assert all(_gone(pid) for pid in workers)
    store = SqliteStore(db)
    assert counted["count"] == store.count(e.Annotation, image=s.image.id) == 2000
    assert len({a.unique_identifier for a in store.list(e.Annotation)}) == store.count(e.Annotation)
    store.close()


def test_workers_stop_when_the_parent_is_killed(project):
    db, _ = project
    process, info = start_server(db, "--workers", "2")
    workers = _workers(process.pid)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=20)  # the pipes close only once every worker has gone
    assert all(_gone(pid) for pid in workers)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{info['url']}/api/v1/users/teams/", timeout=5)


def test_a_worker_that_dies_stops_the_server_with_a_message_naming_it(project):
    db, _ = project
    process, info = start_server(db, "--workers", "2")
    first, second = _workers(process.pid)
    os.kill(first, signal.SIGKILL)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 1
    assert f"server worker {first} ended by itself (signal SIGKILL)" in err
    assert _gone(second)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{info['url']}/api/v1/users/teams/", timeout=5)


def test_one_worker_is_one_process(project):
    db, _ = project
    process, info = start_server(db, "--workers", "1")
    assert _workers(process.pid) == []
    answer = requests.get(
        f"{info['url']}/api/v1/users/teams/", headers={"Authorization": f"Bearer {info['token']}"}, timeout=10
    )
    assert answer.status_code == 200
    assert stop_server(process) == 0


def test_a_stop_the_moment_it_starts_ends_with_0_and_leaves_no_worker(project):
    db, _ = project
    for _ in range(5):  # the stop reaches workers at different points of their start
        process, _ = start_server(db, "--workers", "2")
        workers = _workers(process.pid)
        assert stop_server(process) == 0
        assert all(_gone(pid) for pid in workers)
