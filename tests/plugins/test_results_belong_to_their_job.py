"""A job's results are for its image: the embedded API refuses others (EXACT keeps them), and so
does the SDK before sending; a bad vector is refused at the plugin's own add_annotation call."""

from __future__ import annotations

import pytest
import requests

from exact_desktop.model import entities as e
from exact_desktop.plugins.jobs import create_jobs
from exact_desktop.plugins.sdk.context import JobContext
from exact_desktop.plugins.sdk.errors import PluginError
from exact_desktop.project.local_run import run_plugin
from exact_desktop.rest.connection import Connection
from exact_desktop.server.server import serve_in_thread

P = "/api/v1/processing"


@pytest.fixture
def served(project):
    store, s, plugin, _third = project
    server = serve_in_thread(store)
    yield server, store, s, plugin
    server.stop()


def test_the_api_refuses_results_for_an_image_that_is_not_the_jobs(served):
    server, store, s, plugin = served
    job = create_jobs(store, plugin, s.image_set.id, images=[s.image.id]).created[0]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {server.token}"
    stray = {"image": s.other_image.id, "plugin": plugin.id, "job": job.id, "entries": []}
    answer = session.post(f"{server.url}{P}/pluginresults/", json=stray, timeout=10)
    assert answer.status_code == 400
    assert f"job {job.id}" in answer.text and f"image {s.other_image.id}" in answer.text
    result = session.post(f"{server.url}{P}/pluginresults/", json={**stray, "image": s.image.id}, timeout=10).json()
    entry = session.post(f"{server.url}{P}/pluginresultentrys/", json={"pluginresult": result["id"], "name": "r"},
                         timeout=10).json()["id"]  # fmt: skip
    spot = {"annotation_type": s.box.id, "pluginresultentry": entry, "vector": {"x1": 1, "y1": 1, "x2": 5, "y2": 5}}
    answer = session.post(f"{server.url}{P}/pluginresultannotations/", json=[{**spot, "image": s.other_image.id}],
                          timeout=10)  # fmt: skip
    assert (
        answer.status_code == 400
        and f"job {job.id} for image {s.image.id}, not image {s.other_image.id}" in answer.text
    )
    bitmap = session.post(f"{server.url}{P}/pluginresultbitmaps/", timeout=10,
                          files={"bitmap": ("h.png", _png())},
                          data={"pluginresultentry": entry, "image": s.other_image.id,
                                "location_rect": '{"x": 0, "y": 0, "w": 5, "h": 5}'})  # fmt: skip
    assert bitmap.status_code == 400 and f"not image {s.other_image.id}" in bitmap.text
    assert store.count(e.PluginResultAnnotation) == 0 and store.count(e.PluginResultBitmap) == 0
    assert session.post(f"{server.url}{P}/pluginresultannotations/", json=[{**spot, "image": s.image.id}],
                        timeout=10).status_code == 201  # fmt: skip


def test_the_sdk_refuses_a_result_for_another_image_before_sending(served):
    server, store, s, plugin = served
    job = create_jobs(store, plugin, s.image_set.id, images=[s.image.id]).created[0]
    connection = Connection(server.url, token=server.token)
    context = JobContext(connection, {"id": job.id, "image": s.image.id}, {"id": plugin.id}, {"Spot": s.box.id})
    stray = {"annotation_type": s.box.id, "pluginresultentry": 1, "image": s.other_image.id,
             "vector": {"x1": 1, "y1": 1, "x2": 5, "y2": 5}, "unique_identifier": "u1"}  # fmt: skip
    with pytest.raises(PluginError, match=f"job {job.id} is for image {s.image.id}: a result for image"):
        context.writer.send([stray])
    context.writer.close()


def test_a_nan_in_a_vector_fails_the_job_at_the_plugins_own_call(project):
    store, s, _plugin, _third = project
    summary = run_plugin(store, "Behaviours", s.image_set.id, {"mode": "nan"}, workers=1)
    assert len(summary["errors"]) == 3
    for job in summary["jobs"]:
        assert "add_annotation('Spot'): x2 must be a finite number, got nan" in job["error"]
        assert "(at behaviours.py:" in job["error"]  # the plugin's own line, not the SDK's check
    assert store.count(e.PluginResultAnnotation) == 0


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (4, 4)).save(buffer, format="PNG")
    return buffer.getvalue()
