"""The QThread poller's signals, and jobs left running by a previous session."""

from __future__ import annotations

from exact_desktop.model import entities as e
from exact_desktop.model.jobs import JobView
from exact_desktop.plugins.jobs import mark_interrupted
from exact_desktop.project.opening import project_of
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.job_poller import JobPoller
from exact_desktop.ui.main_window import MainWindow
from tests.store.conftest import seed


def view(job_id: int, status: str, percent: float, error: str = "") -> JobView:
    return JobView(job_id, "p", "img", status, percent, None, error, "")


def test_poll_once_says_what_changed(qtbot):
    snapshots = [
        [view(1, "running", 10)],
        [view(1, "running", 55)],
        [view(1, "done", 100)],
        [view(1, "done", 100), view(2, "failed", 0, "boom")],
    ]
    poller = JobPoller(lambda: snapshots.pop(0))
    poller.poll_once()
    with qtbot.waitSignal(poller.progress) as progress:
        poller.poll_once()
    assert progress.args == [1, 55.0]
    with qtbot.waitSignal(poller.finished_job) as finished:
        poller.poll_once()
    assert finished.args == [1]
    with qtbot.waitSignal(poller.failed_job) as failed:
        poller.poll_once()
    assert failed.args == [2, "boom"]


def test_the_thread_reports_reading_problems_and_keeps_going(qtbot):
    calls = {"n": 0}

    def fetch():
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("database is on a disconnected drive")
        return [view(1, "running", 5)]

    poller = JobPoller(fetch)
    with qtbot.waitSignal(poller.problem, timeout=5000) as problem:
        poller.start()
    assert "disconnected drive" in problem.args[0]
    with qtbot.waitSignal(poller.polled, timeout=5000) as polled:
        pass
    assert polled.args[0][0].percent == 5
    poller.stop()
    assert poller.isFinished()


def test_jobs_running_when_the_app_stopped_are_marked_interrupted(qtbot, tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    plugin = store.create(e.Plugin("p", script="x:y"))
    running = store.create(
        e.PluginJob(plugin.id, s.image.id, status="running", attached_worker="gone", processing_complete=40)
    )
    done = store.create(e.PluginJob(plugin.id, s.other_image.id, status="done", processing_complete=100))
    assert mark_interrupted(store) == [running.id]
    assert store.get(e.PluginJob, running.id).status == "interrupted"
    assert store.get(e.PluginJob, done.id).status == "done"
    store.update(e.PluginJob, running.id, status="running")
    window = MainWindow(project=project_of(store), interactive_errors=False)  # a window on the project does it at start
    qtbot.addWidget(window)
    assert window.plugins.interrupted == [running.id]
    qtbot.waitUntil(lambda: running.id in window.plugins.jobs.jobs, timeout=5000)
    assert window.plugins.jobs.jobs[running.id].status == "interrupted"
    window.close()
