"""The official client, exact-sync 0.0.41 from PyPI, unchanged, against `exact-desktop serve`."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
import requests
from exact_sync.v1.api.annotations_api import AnnotationsApi
from exact_sync.v1.api.image_sets_api import ImageSetsApi
from exact_sync.v1.api.images_api import ImagesApi
from exact_sync.v1.api.processing_api import ProcessingApi
from exact_sync.v1.api_client import ApiClient
from exact_sync.v1.configuration import Configuration
from exact_sync.v1.models import (
    Annotation,
    Image,
    ImageSet,
    PluginJob,
    PluginResult,
    PluginResultAnnotation,
    PluginResultBitmap,
    PluginResultEntry,
)

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore
from tests.server.conftest import stop_server


def client_for(served) -> ApiClient:
    config = Configuration()
    config.host = served.url
    config.token = served.token
    return ApiClient(config)


@pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)  # exact-sync never closes uploads
def test_exact_sync_full_round_trip(served, tmp_path):
    client = client_for(served)
    s = served.seed
    image_sets = ImageSetsApi(client).list_image_sets()
    assert image_sets.count == 1 and isinstance(image_sets.results[0], ImageSet)
    assert sorted(image_sets.results[0].images) == [s.image.id, s.other_image.id]
    images = ImagesApi(client).list_images(image_set=s.image_set.id)
    assert all(isinstance(i, Image) for i in images.results)
    assert {i.name for i in images.results} == {"a.svs", "b.svs"}

    patch = ImagesApi(client).get_patch(s.image.id, x=100, y=100, level=0, width=64, height=48)
    assert patch.size == (64, 48)
    assert patch.convert("RGB").getpixel((0, 0)) in {(255, 255, 255), (255, 0, 0), (0, 0, 255), (0, 255, 0)}

    annotations = AnnotationsApi(client)
    one = annotations.create_annotation(
        body={
            "annotation_type": s.box.id,
            "image": s.image.id,
            "vector": {"x1": 1, "y1": 2, "x2": 30, "y2": 40},
            "unique_identifier": str(uuid.uuid4()),
        }
    )
    assert isinstance(one, Annotation) and one.id
    listed = annotations.create_annotation(body=[
        {"annotation_type": s.polygon.id, "image": s.image.id, "vector": {"x1": 0, "y1": 0, "x2": 9, "y2": 0, "x3": 9, "y3": 9}, "unique_identifier": str(uuid.uuid4())}
        for _ in range(5)
    ])  # fmt: skip
    assert len(listed) == 5 and all(isinstance(a, Annotation) for a in listed)
    back = annotations.list_annotations(image=s.image.id, deleted=False)
    assert back.count == 6 and {a.id for a in back.results} == {one.id, *(a.id for a in listed)}
    assert annotations.retrieve_annotation(one.id).vector == {"x1": 1, "y1": 2, "x2": 30, "y2": 40}
    annotations.partial_update_annotation(one.id, deleted=True)
    assert annotations.list_annotations(image=s.image.id, deleted=False).count == 5
    assert annotations.retrieve_annotation(one.id).deleted is True

    created = requests.post(f"{served.url}/processing/api/plugin_job/create/", json={"image_id": s.image.id, "plugin_id": served.plugin.id},
                            headers={"Authorization": f"Bearer {served.token}"}, timeout=10)  # fmt: skip
    assert created.status_code == 201, created.text
    processing = ProcessingApi(client)
    jobs = processing.list_plugin_jobs(image_id=s.image.id)
    assert jobs.count == 1 and isinstance(jobs.results[0], PluginJob)
    job = jobs.results[0]
    claimed = processing.partial_update_plugin_job(job.id, attached_worker="worker-1")
    assert claimed.attached_worker == "worker-1"
    done = processing.partial_update_plugin_job(job.id, processing_complete=100)
    assert done.processing_complete == 100

    result = processing.create_plugin_result(
        body={"image": s.image.id, "plugin": served.plugin.id, "job": job.id, "entries": []}
    )
    assert isinstance(result, PluginResult)
    entry = processing.create_plugin_result_entry(
        body={"pluginresult": result.id, "name": "nuclei", "annotation_results": [], "bitmap_results": []}
    )
    assert isinstance(entry, PluginResultEntry)
    scores = [0.2, 0.6, 0.95]
    made = [
        processing.create_plugin_result_annotation(body={"annotation_type": s.box.id, "pluginresultentry": entry.id, "image": s.image.id, "vector": {"x1": 10 * i, "y1": 10, "x2": 10 * i + 8, "y2": 18}, "score": score})
        for i, score in enumerate(scores)
    ]  # fmt: skip
    assert [m.score for m in made] == scores and all(isinstance(m, PluginResultAnnotation) for m in made)
    # exact-sync types this call's answer as one object, so the list form is sent as plain JSON
    bulk = requests.post(f"{served.url}/api/v1/processing/pluginresultannotations/", headers={"Authorization": f"Token {served.token}"}, timeout=10,
                         json=[{"annotation_type": s.box.id, "pluginresultentry": entry.id, "image": s.image.id, "vector": {"x1": 5, "y1": 5, "x2": 9, "y2": 9}, "score": 0.5}] * 2)  # fmt: skip
    assert bulk.status_code == 201 and [r["score"] for r in bulk.json()] == [0.5, 0.5]
    assert all(PluginResultAnnotation(**r) for r in bulk.json())
    heatmap = tmp_path / "heat.png"
    import cv2

    cv2.imwrite(str(heatmap), (np.linspace(0, 255, 64 * 64).reshape(64, 64)).astype(np.uint8))
    # create_plugin_result_bitmap() of exact-sync 0.0.41 takes only `body=` (JSON) and so cannot send
    # a file; its own ApiClient does multipart, and its model reads the answer
    bitmap = client.call_api(
        "/api/v1/processing/pluginresultbitmaps/", "POST", header_params={"Content-Type": "multipart/form-data", "Accept": "application/json"},
        post_params=[("name", "density"), ("channels", 1), ("pluginresultentry", entry.id), ("image", s.image.id),
                     ("location_rect", '{"x": 0, "y": 0, "w": 300, "h": 250}')],
        files={"bitmap": str(heatmap)}, response_type="PluginResultBitmap", auth_settings=["basicAuth"], _return_http_data_only=True,
    )  # fmt: skip
    assert isinstance(bitmap, PluginResultBitmap)
    assert bitmap.location_rect == {"x": 0, "y": 0, "w": 300, "h": 250}
    fetched = requests.get(bitmap.bitmap, headers={"Authorization": f"Bearer {served.token}"}, timeout=10)
    assert fetched.status_code == 200 and fetched.content == heatmap.read_bytes()

    assert stop_server(served.process) == 0
    store = SqliteStore(served.db)  # everything is in the project file
    assert store.count(e.PluginResultAnnotation, pluginresultentry=entry.id) == 5
    assert store.get(e.PluginJob, job.id).status == "done"
    assert store.count(e.Annotation, image=s.image.id, deleted=False) == 5
    store.close()


@pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)  # exact-sync never closes uploads
def test_exact_sync_uploads_and_downloads_images_and_reads_deepzoom(served, tmp_path):
    import shutil

    from tests.conftest import SMALL_SVS, UNREADABLE_SVS

    client = client_for(served)
    images = ImagesApi(client)
    upload = tmp_path / "Schnitt ü.svs"
    shutil.copy(SMALL_SVS, upload)
    page = images.create_image(file_path=str(upload), image_type=0, image_set=served.seed.image_set.id)
    made = page.results[0]
    assert isinstance(made, Image) and made.name == "Schnitt ü.svs" and (made.width, made.height) == (16, 16)
    assert made.mpp == pytest.approx(0.499)
    target = tmp_path / "back.svs"
    images.download_image(made.id, target_path=target)
    assert target.read_bytes() == SMALL_SVS.read_bytes()
    info = images.get_slide_information(served.seed.image.id)
    assert info.level_dimensions[0] == [300, 250] and len(info.level_downsamples) == 4
    thumb = tmp_path / "thumb.png"
    images.download_thumbnail(served.seed.image.id, target_path=thumb)
    import cv2

    assert cv2.imread(str(thumb)).shape[:2] == (250, 300)

    bad = tmp_path / "broken.svs"
    shutil.copy(UNREADABLE_SVS, bad)
    refused = requests.post(f"{served.url}/api/v1/images/images/", files={"file_path": bad.open("rb")}, data={"image_set": served.seed.image_set.id},
                            headers={"Authorization": f"Bearer {served.token}"}, timeout=10)  # fmt: skip
    assert refused.status_code == 400 and "broken.svs" in refused.json()["file_path"][0]
    assert ImagesApi(client).list_images(image_set=served.seed.image_set.id).count == 3  # a, b and the upload

    headers = {"Authorization": f"Bearer {served.token}"}
    dzi = requests.get(
        f"{served.url}/api/v1/images/images/{served.seed.image.id}/1/1/tile/", headers=headers, timeout=10
    )
    assert (
        dzi.status_code == 200
        and 'TileSize="254"' in dzi.text
        and 'Overlap="1"' in dzi.text
        and 'Width="300"' in dzi.text
    )
    top = requests.get(
        f"{served.url}/api/v1/images/images/{served.seed.image.id}/1/1/tile_files/9/0_0.jpeg/",
        headers=headers,
        timeout=10,
    )
    assert top.status_code == 200 and top.headers["content-type"] == "image/jpeg" and top.content[:2] == b"\xff\xd8"
    png = requests.get(
        f"{served.url}/api/v1/images/images/{served.seed.image.id}/1/1/tile_files/9/1_0.png/",
        headers=headers,
        timeout=10,
    )
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    outside = requests.get(
        f"{served.url}/api/v1/images/images/{served.seed.image.id}/1/1/tile_files/9/7_7.jpeg/",
        headers=headers,
        timeout=10,
    )
    assert outside.status_code == 400 and "tiles" in outside.json()["tile"][0]
