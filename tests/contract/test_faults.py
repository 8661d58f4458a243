"""Nothing lost, nothing doubled: the plugin protocol under faults, counted on the server.

The "Many boxes" plugin adds exactly `count` boxes. Whatever happens on the way (many runs, a
connection cut in the middle of sending, a worker killed in the middle of a job), the server
must end up holding each of them exactly once, and the job may say 100 % only then.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exact_desktop.plugins.exact_runner import stored_results, submit_jobs
from exact_desktop.plugins.sdk.worker import find_plugin
from tests.conftest import PROJECT
from tests.contract.conftest import Target, cli
from tests.faults.proxy import FaultProxy

P = "/api/v1/processing"
SCRIPT = str(PROJECT / "tests" / "plugins" / "scripts" / "many_boxes.py")
NAME = "Many boxes"


@pytest.fixture
def many_boxes(server: Target, tmp_path: Path) -> Path:
    """The plugin added to a local project and registered on the server; the project file."""
    db = tmp_path / "worker.db"
    code, _added, err = cli(server, "plugin", "add", SCRIPT, "--db", str(db))
    assert code == 0, err
    code, _record, err = cli(server, "plugin", "register", NAME, "--server", server.url, "--product",
                             str(server.product), "--db", str(db))  # fmt: skip
    assert code == 0, err
    return db


def held_exactly_once(target: Target, job_id: int) -> int:
    """How many results the server holds for the job, after checking no UUID is there twice."""
    connection = target.connection()
    results = [r for r in connection.iterate(f"{P}/pluginresults/", job_id=job_id) if r["job"] == job_id]
    assert len(results) == 1
    uuids = [str(a["unique_identifier"]) for entry in results[0]["entries"]
             for a in connection.iterate(f"{P}/pluginresultannotations/", pluginresultentry=entry,
                                         fields="id,unique_identifier")]  # fmt: skip
    assert len(uuids) == len(set(uuids)), "a result is stored twice"
    assert stored_results(connection, job_id)[0] == len(uuids)
    return len(uuids)


def run_many_boxes(target: Target, db: Path, count: int, url: str | None = None) -> dict:
    code, summary, err = cli(target, "plugin", "run", NAME, "--image-set", str(target.faults_set), "--server",
                             url or target.url, "--run-again", "--workers", "1", "--param", f"count={count}",
                             "--db", str(db), url=url)  # fmt: skip
    assert code == 0, (json.dumps(summary), err)
    (job,) = summary["jobs"]
    assert job["status"] == "done" and job["processing_complete"] == 100, job
    return job


@pytest.mark.parametrize("server", ["embedded"], indirect=True)
def test_six_thousand_boxes_twenty_times_are_six_thousand_every_time(server: Target, many_boxes: Path):
    for run in range(20):
        job = run_many_boxes(server, many_boxes, 6000)
        assert job["result_annotations"] == 6000, f"run {run}"
        assert held_exactly_once(server, job["job"]) == 6000, f"run {run}"


def test_a_connection_cut_while_sending_loses_and_doubles_nothing(server: Target, many_boxes: Path):
    with FaultProxy(server.url) as proxy:
        proxy.cut_once_after(600_000)  # past the set-up requests, in the middle of the results
        job = run_many_boxes(server, many_boxes, 6000, url=proxy.url)
        assert proxy.cuts == 1
    assert job["result_annotations"] == 6000
    assert held_exactly_once(server, job["job"]) == 6000


def _work(target: Target, db: Path, lease_s: float, idle_exit: float, count: int) -> subprocess.Popen[str]:
    env = {**target.env(), "EXACT_LEASE_S": str(lease_s),
           "EXACT_PLUGIN_PARAMS": json.dumps({"count": count, "pause_s": 0.3})}  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "exact_desktop", "plugin", "work", NAME, "--server", target.url, "--db", str(db),
         "--idle-exit", str(idle_exit)], cwd=PROJECT, env=env, text=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip


def test_a_worker_killed_in_the_middle_is_taken_over_after_the_lease(server: Target, many_boxes: Path):
    connection = server.connection()
    plugin = find_plugin(connection, NAME)
    (job_id,), _skipped = submit_jobs(connection, plugin["id"], server.faults_set, run_again=True)
    first = _work(server, many_boxes, lease_s=120, idle_exit=0, count=1500)
    deadline = time.monotonic() + 120
    while connection.get(f"{P}/pluginjobs/{job_id}/")["processing_complete"] < 20:
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()[1]
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)  # the worker and its plugin process, mid-job
    first.communicate()
    dead = connection.get(f"{P}/pluginjobs/{job_id}/")
    assert dead["attached_worker"] and dead["processing_complete"] < 100
    second = _work(server, many_boxes, lease_s=3, idle_exit=10, count=1500)
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert f"job {job_id} (image {server.faults_image}): 100 %" in err  # progress on stderr
    assert [j["job"] for j in summary["jobs"]] == [job_id] and summary["jobs"][0]["status"] == "done"
    done = connection.get(f"{P}/pluginjobs/{job_id}/")
    assert (
        done["processing_complete"] == 100 and done["attached_worker"] == summary["worker"] != dead["attached_worker"]
    )
    assert held_exactly_once(server, job_id) == 1500
