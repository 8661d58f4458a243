"""`plugin test SCRIPT --image ID`: a script tried on one image, its results summed up, nothing
kept unless --keep (then it is added and its job and results stay)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from exact_desktop.model import entities as e
from tests.conftest import PROJECT
from tests.plugins.conftest import SCRIPTS


def plugin_test(*args: str) -> tuple[int, dict, str]:
    done = subprocess.run([sys.executable, "-m", "exact_desktop", "plugin", "test", *args], cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}, done.stderr


def counts(store) -> dict[str, int]:
    """Rows of what a test makes: its record, job, results, types and the spatial index's bands."""
    kinds = (e.Plugin, e.PluginJob, e.PluginResult, e.PluginResultAnnotation, e.AnnotationType)
    found = {k.__name__: store.count(k) for k in kinds}
    with sqlite3.connect(store.path) as db:
        for table in ("spatial_band", "spatial_density"):
            found[table] = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return found


def test_a_script_is_tried_on_one_image_and_nothing_is_kept(project):
    store, s, _plugin, _third = project
    before = counts(store)
    code, summary, err = plugin_test(str(SCRIPTS / "many_boxes.py"), "--image", str(s.image.id),
                                     "--param", "count=250", "--db", str(store.path))  # fmt: skip
    assert code == 0, err
    assert summary["by_type"]["Many box"]["count"] == 250 and summary["jobs"][0]["status"] == "done"
    assert "250 Many box" in err and "nothing was kept" in err
    assert counts(store) == before  # no plugin, job, result or type left ("Many box" was made for the test)


def test_keep_adds_the_plugin_and_keeps_its_results(project):
    store, s, _plugin, _third = project
    code, summary, err = plugin_test(str(SCRIPTS / "many_boxes.py"), "--image", str(s.image.id),
                                     "--param", "count=120", "--keep", "--db", str(store.path))  # fmt: skip
    assert code == 0, err
    assert [p.name for p in store.list(e.Plugin, name="Many boxes")] == ["Many boxes"]
    assert store.count(e.PluginResultAnnotation, image=s.image.id) == 120 and summary["kept"] is True


def test_a_failing_script_says_why_and_an_unknown_image_is_one_line(project):
    store, s, _plugin, _third = project
    before = counts(store)
    code, summary, err = plugin_test(str(SCRIPTS / "behaviours.py"), "--image", str(s.image.id),
                                     "--param", "mode=raise", "--db", str(store.path))  # fmt: skip
    assert code == 1 and "RuntimeError: the model file is missing" in summary["errors"][0]["error"]
    assert "failed: RuntimeError: the model file is missing" in err  # on stderr too, however fast it failed
    assert counts(store) == before
    code, _summary, err = plugin_test(str(SCRIPTS / "behaviours.py"), "--image", "999", "--db", str(store.path))
    assert code == 2 and err.count("\n") == 1 and "no image 999" in err


def start_slow_test(store, image: int, stderr=subprocess.DEVNULL) -> tuple[subprocess.Popen, e.Plugin]:
    """A `plugin test` of many boxes that takes a while (about 12 s) and its record, once it has
    stored some of them."""
    earlier = {p.id for p in store.list(e.Plugin)}
    test = subprocess.Popen([sys.executable, "-m", "exact_desktop", "plugin", "test", str(SCRIPTS / "many_boxes.py"),
                             "--image", str(image), "--param", "count=6000", "--param", "pause_s=0.2",
                             "--db", str(store.path)], cwd=PROJECT, stdout=subprocess.DEVNULL,
                            stderr=stderr, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        for record in store.list(e.Plugin):
            jobs = [] if record.id in earlier else store.list(e.PluginJob, plugin=record.id)
            if any(store.count(e.PluginResult, job=job.id) for job in jobs):  # its first boxes are stored
                return test, record
        assert test.poll() is None and time.monotonic() < deadline, "the slow test never stored a box"
        time.sleep(0.1)


def test_the_next_test_tidies_a_killed_test_and_leaves_a_running_one_alone(project):
    """F9: a test killed outright left its record, a job running for ever, its results and types."""
    store, s, _plugin, _third = project
    before = counts(store)
    killed, dead = start_slow_test(store, s.image.id)
    said = open(store.path.parent / "running-test.err", "w+")  # noqa: SIM115 - read after the process ends
    running, alive = start_slow_test(store, s.image.id, said)  # another test, running in its own process
    try:
        os.killpg(killed.pid, signal.SIGKILL)  # the test and its worker, as a power cut would
        killed.wait()
        assert [j.status for j in store.list(e.PluginJob, plugin=dead.id)] == ["running"]
        code, summary, err = plugin_test(str(SCRIPTS / "many_boxes.py"), "--image", str(s.image.id),
                                         "--param", "count=20", "--db", str(store.path))  # fmt: skip
        assert code == 0, err
        assert not store.list(e.Plugin, name=dead.name) and not store.list(e.PluginJob, plugin=dead.id)
        assert f"removed what a killed plugin test left: {dead.name}" in err and summary["tidied"] == [dead.name]
        assert running.poll() is None  # it ran the whole time the other test did, and keeps what it has
        assert [j.status for j in store.list(e.PluginJob, plugin=alive.id)] == ["running"]
        assert store.list(e.AnnotationType, name="Many box")  # made for the dead test, now the running one's
    finally:
        running.terminate()  # stopped, not killed: it removes its own record on the way out
        running.wait(timeout=60)
        said.seek(0)
        err = said.read()
        said.close()
    assert "stopped by SIGTERM: the test was ended; nothing of it was kept" in err  # not a run's "takes them up"
    assert counts(store) == before  # records, jobs, results, the type made for them and their bands: all gone
