"""`plugin test SCRIPT --image ID`: a script tried on one image, its results summed up, nothing
kept unless --keep (then it is added and its job and results stay)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

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
    assert counts(store) == before
    code, _summary, err = plugin_test(str(SCRIPTS / "behaviours.py"), "--image", "999", "--db", str(store.path))
    assert code == 2 and err.count("\n") == 1 and "no image 999" in err
