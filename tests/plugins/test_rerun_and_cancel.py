"""Running again and cancelling cost only what was asked: earlier results stay until replaced by a
job that is done, and a cancel ends the job it names, not the worker's next one."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from exact_desktop.model import entities as e
from exact_desktop.plugins.exact_runner import run_on_server
from exact_desktop.plugins.job_book import StoreJobBook
from exact_desktop.plugins.jobs import ParameterError, cancel_job, create_jobs, mark_interrupted
from exact_desktop.plugins.local_queue import LocalQueue, project_env
from exact_desktop.plugins.registry import PluginRegistryError, register
from exact_desktop.project.local_run import run_plugin
from exact_desktop.rest.connection import Connection
from exact_desktop.server.server import serve_in_thread
from tests.conftest import PROJECT
from tests.plugins.conftest import SCRIPTS


def results(store, plugin: e.Plugin) -> int:
    kept = [r.id for r in store.list(e.PluginResult, plugin=plugin.id)]
    entries = [x.id for x in store.list(e.PluginResultEntry, pluginresult__in=kept)]
    return store.count(e.PluginResultAnnotation, pluginresultentry__in=entries)


def test_a_rerun_refused_before_it_starts_keeps_every_earlier_result(project, tmp_path):
    store, s, _plugin, _third = project
    script = tmp_path / "boxes.py"
    shutil.copy(SCRIPTS / "many_boxes.py", script)
    boxes = register(store, str(script), s.product.id)
    assert run_plugin(store, "Many boxes", s.image_set.id, {"count": "200"}, workers=2)["errors"] == []
    assert results(store, boxes) == 3 * 200
    with pytest.raises(ParameterError, match="pause_s: expected a finite number, got 'nan'"):
        run_plugin(store, "Many boxes", s.image_set.id, {"count": "200", "pause_s": "nan"}, run_again=True)
    assert results(store, boxes) == 3 * 200
    script.rename(tmp_path / "moved.py")
    with pytest.raises(PluginRegistryError, match="does not exist"):
        run_plugin(store, "Many boxes", s.image_set.id, run_again=True)
    assert results(store, boxes) == 3 * 200
    assert {j.status for j in store.list(e.PluginJob, plugin=boxes.id)} == {"done"}


def test_a_rerun_that_fails_keeps_the_earlier_results_and_one_that_is_done_replaces_them(project):
    store, s, plugin, _third = project
    run_plugin(store, "Behaviours", s.image_set.id, {"count": "5"}, workers=2)
    failed = run_plugin(store, "Behaviours", s.image_set.id, {"mode": "raise"}, run_again=True, workers=2)
    assert len(failed["errors"]) == 3
    assert all("the results of the earlier run are kept" in j["error"] for j in failed["jobs"])
    assert results(store, plugin) == 3 * 5 and all(j["result_annotations"] == 5 for j in failed["jobs"])
    assert store.count(e.PluginResult, plugin=plugin.id) == 3
    done = run_plugin(store, "Behaviours", s.image_set.id, {"count": "2"}, run_again=True, workers=2)
    assert done["errors"] == [] and results(store, plugin) == 3 * 2
    assert store.count(e.PluginResult, plugin=plugin.id) == 3


def test_a_cancel_ends_only_the_job_it_names_not_the_workers_next_one(project):
    """One worker, two slow jobs (about 3 s each): the first is cancelled; the worker stops it and
    goes on to the second, which must finish although the cancel's grace period passes meanwhile."""
    store, s, plugin, _third = project
    jobs = create_jobs(store, plugin, s.image_set.id, {"mode": "slow", "count": 60},
                       images=[s.image.id, s.other_image.id]).created  # fmt: skip
    server = serve_in_thread(store)
    queue = LocalQueue(StoreJobBook(store), project_env(server.url, server.token), size=1, timeout_s=60)
    thread = threading.Thread(target=queue.run, args=(plugin, [j.id for j in jobs]))
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not (running := [j for j in store.list(e.PluginJob) if j.processing_complete > 0]):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        first = running[0]
        cancel_job(store, first.id)
        thread.join(60)
        assert not thread.is_alive()
    finally:
        server.stop()
    ended = {j.id: j for j in store.list(e.PluginJob)}
    second = next(j for j in jobs if j.id != first.id)
    assert ended[first.id].status == "cancelled"
    assert ended[second.id].status == "done", ended[second.id].error_message
    assert store.count(e.PluginResultAnnotation, image=second.image) == 60


def test_on_a_server_a_rerun_that_fails_keeps_the_earlier_results(project):
    """`plugin run --server ... --run-again`: the worker sets the job's results aside (result.job
    null, as EXACT allows) and gives them back when the new run fails."""
    store, s, plugin, _third = project
    server = serve_in_thread(store)
    connection = Connection(server.url, token=server.token)
    env = {"EXACT_URL": server.url, "EXACT_TOKEN": server.token}
    try:
        assert run_on_server(connection, env, plugin, s.image_set.id, {"count": 5}, workers=2)["errors"] == []
        failed = run_on_server(connection, env, plugin, s.image_set.id, {"mode": "raise"}, run_again=True, workers=2)
        assert len(failed["errors"]) == 3 and all(j["result_annotations"] == 5 for j in failed["jobs"])
        assert results(store, plugin) == 3 * 5 and store.count(e.PluginResult, plugin=plugin.id) == 3
        done = run_on_server(connection, env, plugin, s.image_set.id, {"count": 2}, run_again=True, workers=2)
    finally:
        server.stop()
    assert done["errors"] == [] and results(store, plugin) == 3 * 2
    assert store.count(e.PluginResult, plugin=plugin.id) == 3


def test_a_rerun_killed_outright_leaves_its_set_aside_results_to_the_next_run_never_beside_it(project, tmp_path):
    """`plugin run --run-again` killed with SIGKILL: the earlier results it had set aside are
    recorded with their jobs, so the next run settles them: one run's results per job after it,
    none left unlinked (they were kept in the killed process's memory only, and stayed for good)."""
    store, s, plugin, _third = project
    assert run_plugin(store, "Behaviours", s.image_set.id, {"count": "5"}, workers=3)["errors"] == []
    rerun = subprocess.Popen(
        [sys.executable, "-m", "exact_desktop", "plugin", "run", "--image-set", str(s.image_set.id), "--workers", "3",
         "--run-again", "--param", "mode=slow", "--param", "count=100000", "--db", str(store.path), "Behaviours"],
        cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not all(0 < j.processing_complete < 100 for j in store.list(e.PluginJob, plugin=plugin.id)):
            assert rerun.poll() is None and time.monotonic() < deadline, "the rerun never got going"
            time.sleep(0.05)
    finally:
        os.killpg(rerun.pid, signal.SIGKILL)  # the run and its workers, as a power cut would
        rerun.wait()
    jobs = store.list(e.PluginJob, plugin=plugin.id)
    assert [(j.status, len(j.set_aside)) for j in jobs] == [("running", 1)] * 3
    assert store.count(e.PluginResult, plugin=plugin.id, job=None) == 3  # set aside, and known to be
    again = run_plugin(store, "Behaviours", s.image_set.id, {"count": "2"}, workers=3)
    assert [j["status"] for j in again["jobs"]] == ["done"] * 3
    assert results(store, plugin) == 3 * 2 and store.count(e.PluginResult, plugin=plugin.id) == 3
    assert all(not j.set_aside for j in store.list(e.PluginJob, plugin=plugin.id))


def test_a_window_started_after_a_killed_rerun_gives_the_jobs_their_earlier_results_back(project):
    store, s, plugin, _third = project
    run_plugin(store, "Behaviours", s.image_set.id, {"count": "5"}, workers=3)
    submitted = create_jobs(store, plugin, s.image_set.id, run_again=True)  # then the run was killed
    store.update(e.PluginJob, submitted.created[0].id, status="running", attached_worker="gone")
    assert store.count(e.PluginResult, plugin=plugin.id, job=None) == 3
    assert mark_interrupted(store) == [submitted.created[0].id]  # what the window does as it starts
    assert store.count(e.PluginResult, plugin=plugin.id, job=None) == 0 and results(store, plugin) == 3 * 5
    assert all(not j.set_aside for j in store.list(e.PluginJob, plugin=plugin.id))
