"""Plugins run through the local queue against the embedded API: results, faults, cancel."""

from __future__ import annotations

import os
import threading
import time

import pytest

from exact_desktop.model import entities as e
from exact_desktop.plugins.job_book import StoreJobBook
from exact_desktop.plugins.jobs import ParameterError, cancel_job, create_jobs
from exact_desktop.plugins.local_queue import LocalQueue, project_env
from exact_desktop.plugins.registry import PluginRegistryError, describe, produced_types, register
from exact_desktop.plugins.worker_threads import THREAD_VARIABLES, threads_per_worker
from exact_desktop.project.local_run import run_plugin
from exact_desktop.server.server import serve_in_thread
from tests.plugins.conftest import SCRIPT


def test_register_reads_the_description_and_makes_products(project):
    store, s, plugin, _ = project
    assert plugin.name == "Behaviours" and plugin.script == SCRIPT and plugin.queue == "local"
    assert plugin.products == [s.product.id] and plugin.produces == ["Spot", "Outline"]
    kinds = {t.name: t for t in produced_types(store, plugin)}
    assert set(kinds) == {"Spot", "Outline"} and kinds["Outline"].vector_type == 5
    assert [p["name"] for p in plugin.parameter_schema] == ["mode", "count"]
    again = register(store, SCRIPT, s.product.id)
    assert again.id == plugin.id and store.count(e.AnnotationType, name="Spot") == 1


def test_bad_scripts_are_refused_by_name(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("raise SystemExit('no describe here')")
    with pytest.raises(PluginRegistryError, match=r"broken\.py: --describe exited with 1"):
        describe(str(broken))
    with pytest.raises(PluginRegistryError, match="neither a file, a module nor a module:function"):
        describe("no_such_plugin")


def test_jobs_one_per_image_finished_ones_skipped_parameters_checked(project):
    store, s, plugin, third = project
    made = create_jobs(store, plugin, s.image_set.id, {"count": "5"})
    assert len(made.created) == 3 and {j.parameters["count"] for j in made.created} == {5}
    assert made.created[0].parameters["mode"] == "boxes"  # default filled in
    assert create_jobs(store, plugin, s.image_set.id).skipped == [s.image.id, s.other_image.id, third.id]
    with pytest.raises(ParameterError, match="count: must be between 1 and 100000"):
        create_jobs(store, plugin, s.image_set.id, {"count": 0}, run_again=True)
    with pytest.raises(ParameterError, match="mode: must be one of"):
        create_jobs(store, plugin, s.image_set.id, {"mode": "dance"}, run_again=True)


def test_a_run_writes_scored_results_for_every_image(project):
    store, s, _plugin, _ = project
    summary = run_plugin(store, "Behaviours", s.image_set.id, {"count": "7"}, workers=2)
    assert summary["errors"] == [] and len(summary["jobs"]) == 3
    assert all(j["status"] == "done" and j["result_annotations"] == 7 for j in summary["jobs"])
    scores = sorted(r.score for r in store.list(e.PluginResultAnnotation, image=s.image.id))
    assert scores == pytest.approx([(i + 1) / 7 for i in range(7)])
    again = run_plugin(store, "Behaviours", s.image_set.id)
    assert again["jobs"] == [] and len(again["skipped_images"]) == 3
    rerun = run_plugin(store, "Behaviours", s.image_set.id, {"count": "2"}, run_again=True)
    assert all(j["result_annotations"] == 2 for j in rerun["jobs"])
    assert store.count(e.PluginResultAnnotation) == 6  # the old results were replaced


def test_workers_numeric_threads_are_their_share_of_the_cores_unless_the_person_set_them(project, monkeypatch):
    store, s, _plugin, _ = project
    for variable in THREAD_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    run_plugin(store, "Behaviours", s.image_set.id, {"mode": "threads"}, workers=1)
    pools = [r.meta_data["pools"] for r in store.list(e.PluginResultAnnotation)]
    assert len(pools) == 3 and all(p["blas"] == threads_per_worker(1) < (os.cpu_count() or 2) for p in pools)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    run_plugin(store, "Behaviours", s.image_set.id, {"mode": "threads"}, run_again=True, workers=1)
    assert [r.meta_data["pools"]["blas"] for r in store.list(e.PluginResultAnnotation)] == [2, 2, 2]


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("crash", "exit code 3"),
        ("raise", "RuntimeError: the model file is missing"),
        ("invalid", "polygon needs at least 3 nodes"),
    ],
)
def test_failing_plugins_mark_their_job_failed_with_a_readable_message(project, mode, words):
    store, s, _plugin, _ = project
    summary = run_plugin(store, "Behaviours", s.image_set.id, {"mode": mode}, workers=1)
    assert len(summary["errors"]) == 3 and all(words in j["error"] for j in summary["errors"])
    job = store.get(e.PluginJob, summary["jobs"][0]["job"])
    assert job.status == "failed"
    if mode == "crash":
        assert "about to crash hard" in job.error_detail


def test_a_hanging_plugin_is_stopped_after_its_timeout_though_its_lease_is_kept(project, monkeypatch):
    """The worker's heartbeat keeps refreshing the job (its lease, every second here) while
    process() hangs: that is not progress, and the supervisor must still stop it."""
    store, s, plugin, _ = project
    monkeypatch.setenv("EXACT_LEASE_S", "2")  # a heartbeat every second
    jobs = create_jobs(store, plugin, s.image_set.id, {"mode": "hang"}, images=[s.image.id]).created
    server = serve_in_thread(store)
    queue = LocalQueue(StoreJobBook(store), project_env(server.url, server.token), size=1, timeout_s=4)
    outcome: dict = {}
    runner = threading.Thread(target=lambda: outcome.update(run=queue.run(plugin, [j.id for j in jobs])), daemon=True)
    started = time.monotonic()
    runner.start()
    runner.join(timeout=60)
    try:
        assert not runner.is_alive(), "the hanging plugin was never stopped"
    finally:
        server.stop()
    assert 4 <= time.monotonic() - started < 60
    assert "timed out" in outcome["run"].failures[jobs[0].id]
    assert store.get(e.PluginJob, jobs[0].id).status == "failed"


def test_cancel_stops_the_worker_within_two_seconds(project):
    store, s, plugin, _ = project
    job = create_jobs(store, plugin, s.image_set.id, {"mode": "slow", "count": 100000}, images=[s.image.id]).created[0]
    server = serve_in_thread(store)
    queue = LocalQueue(StoreJobBook(store), project_env(server.url, server.token), size=1, timeout_s=60)
    done = threading.Event()
    thread = threading.Thread(target=lambda: (queue.run(plugin, [job.id]), done.set()))
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while store.get(e.PluginJob, job.id).processing_complete == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.get(e.PluginJob, job.id).status == "running"
        cancel_job(store, job.id)
        cancelled = time.monotonic()
        assert done.wait(10)
        stopped_after = time.monotonic() - cancelled
        print(f"stopped {stopped_after:.2f} s after cancel")
        assert stopped_after < 2.0
    finally:
        thread.join(10)
        server.stop()
    ended = store.get(e.PluginJob, job.id)
    assert ended.status == "cancelled" and ended.error_message.startswith("Cancelled")
    assert 0 < store.count(e.PluginResultAnnotation) < 100000  # what it had found is kept
