"""A worker's progress report never moves an ended job back: the embedded API reads the job and
writes its new state in one transaction, and keeps an ended state against a late report."""

from __future__ import annotations

import sqlite3

import pytest
import requests

from exact_desktop.model import entities as e
from exact_desktop.plugins.jobs import fail_job
from exact_desktop.server.server import serve_in_thread
from exact_desktop.store.sqlite.store import SqliteStore
from tests.store.conftest import seed

JOBS = "/api/v1/processing/pluginjobs/"
FAILED = "the plugin process ended (exit code 7) while working on this job"


@pytest.fixture
def running_job(tmp_path):
    """(server, store, job): a job a worker holds, the API in a thread of this process."""
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    plugin = store.create(e.Plugin("Detector", author="tests", products=[s.product.id]))
    job = store.create(e.PluginJob(plugin.id, s.image.id, attached_worker="w1", status="running"))  # type: ignore[arg-type]
    server = serve_in_thread(store)
    yield server, store, job
    server.stop()
    store.close()


def patch(server, job_id: int, **fields) -> dict:
    answer = requests.patch(
        f"{server.url}{JOBS}{job_id}/", json=fields, headers={"Authorization": f"Bearer {server.token}"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def fail_now_if_the_file_lets(path, job_id: int) -> bool:
    """The queue's fail, written at once from a connection of its own, unless a write holds the file."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as err:
        assert "locked" in str(err)
        return False
    finally:
        if not conn.in_transaction:
            conn.close()
    conn.execute("UPDATE plugin_job SET status = 'failed', error_message = ? WHERE id = ?", (FAILED, job_id))
    conn.execute("COMMIT")
    conn.close()
    return True


def test_a_progress_report_read_before_the_queue_failed_the_job_does_not_write_running_over_it(
    running_job, monkeypatch
):
    """The order of F1 forced: the server has read the job for a progress PATCH when the queue
    fails it. The old code wrote "running" from its stale copy over "failed"; now the read is
    inside the write, so the fail waits for it and lands after."""
    server, store, job = running_job
    landed: list[bool] = []
    read = store._get

    def read_then_let_the_queue_fail(conn, kind, id):
        found = read(conn, kind, id)
        if kind is e.PluginJob and not landed:
            landed.append(fail_now_if_the_file_lets(store.path, job.id))
        return found

    monkeypatch.setattr(store, "_get", read_then_let_the_queue_fail)
    patch(server, job.id, processing_complete=30.0)
    monkeypatch.undo()
    if landed == [False]:  # the file was held by the PATCH's own write: the queue's fail comes now
        fail_job(store, job.id, FAILED)
    assert landed, "the PATCH never read the job"
    ended = store.get(e.PluginJob, job.id)
    assert (ended.status, ended.error_message) == ("failed", FAILED)
    assert (
        requests.get(
            f"{server.url}{JOBS}{job.id}/", headers={"Authorization": f"Bearer {server.token}"}, timeout=10
        ).json()["status"]
        == "failed"
    )


@pytest.mark.parametrize("ended", ["done", "failed", "cancelled", "interrupted"])
def test_an_ended_job_stays_ended_whatever_a_late_progress_report_says(running_job, ended):
    server, store, job = running_job
    message = {"done": "", "failed": FAILED, "cancelled": "Cancelled by user", "interrupted": "Interrupted: x"}[ended]
    store.update(
        e.PluginJob, job.id, status=ended, error_message=message, processing_complete=100.0 * (ended == "done")
    )
    answer = patch(server, job.id, processing_complete=40.0, attached_worker="w1")
    assert answer["status"] == ended and answer["processing_complete"] == 40.0  # written, as EXACT writes it
    assert store.get(e.PluginJob, job.id).status == ended


def test_a_patch_that_clears_the_message_queues_an_ended_job_again_and_a_failure_ends_a_running_one(running_job):
    server, store, job = running_job
    assert patch(server, job.id, error_message="RuntimeError: no model")["status"] == "failed"
    again = patch(server, job.id, error_message="", error_detail="", attached_worker="", processing_complete=0)
    assert again["status"] == "pending"
    store.update(e.PluginJob, job.id, status="cancelled", error_message="Cancelled by user")
    assert patch(server, job.id, error_message="RuntimeError: late")["status"] == "cancelled"
    assert patch(server, job.id, error_message="", attached_worker="w2")["status"] == "running"
