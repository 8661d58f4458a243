"""Warm workers: started ahead of the jobs, kept between runs, woken with jobs instead of polling."""

from __future__ import annotations

import os
import shutil

import pytest

from exact_desktop.model import entities as e
from exact_desktop.plugins.job_book import StoreJobBook
from exact_desktop.plugins.jobs import create_jobs, settle_reruns
from exact_desktop.plugins.local_queue import LocalQueue, QueueRun, project_env
from exact_desktop.plugins.registry import register
from exact_desktop.plugins.warm_workers import WarmWorkers
from exact_desktop.server.server import serve_in_thread
from tests.plugins.conftest import SCRIPT

ENTRY = "tests.plugins.scripts.behaviours:process"  # a module:function plugin on the SDK


@pytest.fixture
def served(project):
    store, s, _plugin, _third = project
    server = serve_in_thread(store)
    warm = WarmWorkers()
    yield store, s, LocalQueue(StoreJobBook(store), project_env(server.url, server.token), size=1, warm=warm), warm
    warm.close()
    server.stop()


def run(store, s, queue: LocalQueue, plugin: e.Plugin, params: dict) -> QueueRun:
    submitted = create_jobs(store, plugin, s.image_set.id, params, run_again=True)
    outcome = queue.run(plugin, [j.id for j in submitted.created])
    settle_reruns(store, [j.id for j in submitted.created])  # type: ignore[misc]
    return outcome


def stored_per_job(store) -> list[tuple[str, int]]:
    jobs = store.list(e.PluginJob)
    return [(j.status, store.count(e.PluginResultAnnotation, image=j.image)) for j in jobs]


def test_a_worker_started_ahead_takes_the_jobs_of_two_runs_and_ends_with_the_queue(served):
    store, s, queue, warm = served
    plugin = register(store, ENTRY, s.product.id)
    [worker] = queue.warm(plugin)
    assert worker.ready.wait(60) and worker.process.poll() is None
    assert queue.warm(plugin) == []  # one waits already
    first = run(store, s, queue, plugin, {"count": 4})
    assert first.workers == [worker.name] and first.failures == {}
    assert stored_per_job(store) == [("done", 4)] * 3
    second = run(store, s, queue, plugin, {"count": 2})
    assert second.workers == [worker.name] and worker.process.poll() is None  # the same process, still there
    assert stored_per_job(store) == [("done", 2)] * 3  # the first run's results replaced
    warm.close()
    assert worker.process.poll() is not None


def test_an_idle_worker_is_kept_for_the_next_run_until_its_plugin_file_changes(served, tmp_path):
    store, s, queue, _warm = served
    script = tmp_path / "behaviours.py"
    shutil.copy(SCRIPT, script)
    plugin = register(store, str(script), s.product.id)
    assert queue.warm(plugin) == []  # a script file might work on anything it finds: not started ahead
    first = run(store, s, queue, plugin, {"count": 3})
    second = run(store, s, queue, plugin, {"count": 3})
    assert second.workers == first.workers and second.failures == {}
    later = script.stat().st_mtime + 10
    os.utime(script, (later, later))  # the plugin was edited: its warm worker runs the old code
    third = run(store, s, queue, plugin, {"count": 3})
    assert third.workers != first.workers and third.failures == {}
    assert stored_per_job(store) == [("done", 3)] * 3


def test_a_warm_worker_that_died_while_waiting_is_replaced(served):
    store, s, queue, _warm = served
    plugin = register(store, ENTRY, s.product.id)
    [worker] = queue.warm(plugin)
    assert worker.ready.wait(60)
    worker.process.kill()
    worker.process.wait()
    outcome = run(store, s, queue, plugin, {"count": 5})
    assert worker.name not in outcome.workers and outcome.failures == {}
    assert stored_per_job(store) == [("done", 5)] * 3


def test_what_a_plugin_prints_on_stdout_does_not_end_its_run_early(served):
    """The worker's stdout is the queue's channel: a plugin printing the line that means "idle"
    there (with print or straight to the file descriptor) would end the run while it works."""
    store, s, queue, _warm = served
    plugin = register(store, ENTRY, s.product.id)
    outcome = run(store, s, queue, plugin, {"mode": "chatty", "count": 10})
    assert outcome.failures == {}
    assert stored_per_job(store) == [("done", 10)] * 3


def test_what_a_plugin_prints_when_its_module_is_imported_does_not_end_its_run(served):
    """Before the SDK has its channel (the plugin's module is imported first) a print of "idle"
    reached the queue as the worker's word: every job failed "not run", blaming the plugin
    (found by an attacker). The queue now hears only lines carrying this start's own token."""
    store, s, queue, _warm = served
    plugin = register(store, "tests.plugins.scripts.loud_at_import:process", s.product.id)
    outcome = run(store, s, queue, plugin, {"mode": "boxes", "count": 7})
    assert outcome.failures == {}
    assert stored_per_job(store) == [("done", 7)] * 3
