"""`exact-desktop plugin run|jobs|cancel` as a real process: signals, progress, what is kept."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exact_desktop.model import entities as e
from exact_desktop.plugins.jobs import create_jobs
from tests.conftest import PROJECT


def cli(*args: str, **kwargs) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "exact_desktop", *args], cwd=PROJECT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)  # fmt: skip


def finished(*args: str, **kwargs) -> tuple[int, str, str]:
    process = cli(*args, **kwargs)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (the plugin's workers), from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_run_ends_its_workers_marks_its_jobs_and_the_next_run_takes_them_up(project, stop):
    store, s, _plugin, _third = project
    db = str(store.path)
    run = cli("plugin", "run", "Behaviours", "--image-set", str(s.image_set.id), "--param", "mode=slow",
              "--param", "count=100000", "--workers", "2", "--db", db)  # fmt: skip
    wait_for(lambda: any(j.processing_complete > 0 for j in store.list(e.PluginJob)))
    workers = children(run.pid)
    assert len(workers) == 2
    run.send_signal(stop)
    _out, err = run.communicate(timeout=30)
    assert run.returncode == 128 + stop, err
    assert f"stopped by {signal.Signals(stop).name}" in err and "Traceback" not in err
    wait_for(lambda: not any(alive(w) for w in workers), 10)  # none left behind with PPID 1
    jobs = store.list(e.PluginJob)
    assert len(jobs) == 3 and {j.status for j in jobs} == {"interrupted"}, [(j.status, j.error_message) for j in jobs]
    assert all(j.error_message.startswith("Interrupted") for j in jobs)
    assert store.count(e.PluginResultAnnotation) > 0  # what the workers had stored is kept

    code, _out, err = finished("plugin", "run", "Behaviours", "--image-set", str(s.image_set.id),
                               "--param", "count=4", "--db", db)  # fmt: skip
    assert code == 0, err
    jobs = store.list(e.PluginJob)
    assert {j.status for j in jobs} == {"done"} and store.count(e.PluginResultAnnotation) == 3 * 4


def test_jobs_of_a_run_killed_outright_are_taken_up_by_the_next_run(project):
    """SIGKILL to the run and its workers: nobody marks the jobs, which stay running; the next
    run sees that their supervisor is gone and takes them up. A job never claimed stays queued
    (nothing tells whose it is): the run names it and how to free it."""
    store, s, _plugin, _third = project
    db = str(store.path)
    run = cli("plugin", "run", "Behaviours", "--image-set", str(s.image_set.id), "--param", "mode=slow",
              "--param", "count=100000", "--workers", "2", "--db", db, start_new_session=True)  # fmt: skip
    wait_for(lambda: any(j.processing_complete > 0 for j in store.list(e.PluginJob)))
    os.killpg(run.pid, signal.SIGKILL)
    run.communicate(timeout=30)
    assert "running" in {j.status for j in store.list(e.PluginJob)}
    rerun = ("plugin", "run", "Behaviours", "--image-set", str(s.image_set.id), "--param", "count=4", "--db", db)
    code, _out, err = finished(*rerun)
    assert code == 0, err
    queued = [j for j in store.list(e.PluginJob) if j.status != "done"]
    assert {j.status for j in queued} <= {"pending"}
    for job in queued:
        assert str(job.id) in err and "plugin cancel JOB" in err
        assert finished("plugin", "cancel", str(job.id), "--db", db)[0] == 0
    assert finished(*rerun)[0] == 0
    jobs = store.list(e.PluginJob)
    assert {j.status for j in jobs} == {"done"} and store.count(e.PluginResultAnnotation) == 3 * 4


def test_run_says_each_jobs_progress_and_a_failures_traceback_end_and_jobs_lists_them(project):
    store, s, _plugin, _third = project
    code, out, err = finished("plugin", "run", "Behaviours", "--image-set", str(s.image_set.id), "--param",
                              "mode=raise", "--workers", "1", "--db", str(store.path))  # fmt: skip
    assert code == 1
    jobs = store.list(e.PluginJob)
    for job in jobs:
        assert f"job {job.id} (image {job.image}): failed: RuntimeError: the model file is missing" in err
    assert 'raise RuntimeError("the model file is missing")' in err  # the traceback's last lines
    assert "see the detail" not in out + err
    code, out, err = finished("plugin", "jobs", "--plugin", "Behaviours", "--db", str(store.path))
    assert code == 0, err
    listed = json.loads(out)
    assert [j["job"] for j in listed] == [j.id for j in jobs] and {j["status"] for j in listed} == {"failed"}
    assert "RuntimeError: the model file is missing" in listed[0]["detail"]


def test_cancel_on_the_command_line_names_what_it_cannot_cancel(project):
    store, s, plugin, _third = project
    job = create_jobs(store, plugin, s.image_set.id, images=[s.image.id]).created[0]
    code, _out, err = finished("plugin", "cancel", str(job.id), "--db", str(store.path))
    assert code == 0, err
    assert store.get(e.PluginJob, job.id).status == "cancelled"
    code, _out, err = finished("plugin", "cancel", str(job.id), "--db", str(store.path))
    assert code == 2 and err.count("\n") == 1 and f"job {job.id} has ended (cancelled)" in err
    code, _out, err = finished("plugin", "cancel", "999", "--db", str(store.path))
    assert code == 2 and "no job 999" in err


def test_commands_that_read_a_project_refuse_a_missing_file_and_make_no_folders(tmp_path):
    missing = tmp_path / "no" / "such" / "x.db"
    for args in (("plugin", "list"), ("plugin", "jobs"), ("plugin", "run", "X", "--image-set", "1"),
                 ("serve",), ("export", "--image", "1", str(tmp_path / "out.json"))):  # fmt: skip
        code, _out, err = finished(*args, "--db", str(missing))
        assert code == 2 and err.count("\n") == 1 and "no such project file" in err and str(missing) in err, err
    assert not (tmp_path / "no").exists()
    code, _out, err = finished("plugin", "list", env={**os.environ, "EXACT_DESKTOP_HOME": str(tmp_path / "home")})
    assert code == 2 and "exact-desktop demo" in err and not (tmp_path / "home" / "projects").exists()


def test_a_number_of_workers_below_one_is_refused_before_anything_runs(project):
    """`--workers -3` was taken, and the run then said every worker process had died (an outside
    attacker's finding)."""
    store, s, _plugin, _third = project
    code, _out, err = finished("plugin", "run", "Behaviours", "--image-set", str(s.image_set.id),
                               "--workers", "-3", "--db", str(store.path))  # fmt: skip
    assert code == 2 and "--workers: expected a number of processes from 1 to 64, got '-3'" in err
    assert "Traceback" not in err and store.count(e.PluginJob) == 0
