"""What used to be a 500 from `serve`: numbers past 64 bits in a query, names too long for the
disk, JSON nested past any parser, a full disk (a retryable 507, not a 400 that says "refused").

Each case is tried on a real `serve` process; each answer is checked, then what the file holds.
"""

from __future__ import annotations

import json
import shutil

import pytest
import requests

from tests.conftest import BOXES_TIFF
from tests.faults.disk import can_mount, small_disk
from tests.server.conftest import start_server, stop_server
from tests.server.test_auth_and_errors import get, post
from tests.server.test_hardening import A, P, _entry, auth, bomb_png, box

HUGE = "99999999999999999999"
DEEP = 100_000


@pytest.mark.parametrize("path", [A, f"{P}/pluginresultannotations/", f"{P}/pluginjobs/", "/api/v1/images/images/"])
@pytest.mark.parametrize("name", ["offset", "limit"])
def test_a_page_number_past_64_bits_is_a_400_naming_it(served, path, name):
    answer = get(served, path, params={name: HUGE, "image": served.seed.image.id})
    assert answer.status_code == 400, answer.text
    assert name in answer.json()


def test_a_long_upload_name_is_shortened_to_what_the_disk_takes(served):
    name = "s" * 300 + ".tiff"
    answer = requests.post(f"{served.url}/api/v1/images/images/", files={"file_path": (name, BOXES_TIFF.read_bytes())},
                           data={"image_set": served.seed.image_set.id}, headers=auth(served), timeout=60)  # fmt: skip
    assert answer.status_code == 200, answer.text
    stored = answer.json()["results"][0]
    assert stored["name"].startswith("sss") and stored["name"].endswith(".tiff")
    assert len(stored["name"].encode()) <= 255
    assert get(served, f"/api/v1/images/images/{stored['id']}/thumbnail/").status_code == 200


def test_json_nested_past_any_parser_is_a_400(served):
    rect = "[" * DEEP + "]" * DEEP
    answer = requests.post(f"{served.url}{P}/pluginresultbitmaps/", files={"bitmap": ("h.png", bomb_png(16, 16))},
                           data={"pluginresultentry": _entry(served), "image": served.seed.image.id,
                                 "location_rect": rect}, headers=auth(served), timeout=30)  # fmt: skip
    assert answer.status_code == 400, answer.text
    deep_body = json.dumps(box(served))[:-1] + ', "meta_data": ' + '{"a": ' * DEEP + "1" + "}" * DEEP + "}"
    answer = requests.post(f"{served.url}{A}", data=deep_body,
                           headers={**auth(served), "Content-Type": "application/json"}, timeout=30)  # fmt: skip
    assert answer.status_code == 400, answer.text
    assert get(served, A, params={"image": served.seed.image.id}).json()["count"] == 0  # nothing stored


@pytest.mark.skipif(not can_mount(), reason="mounting a small tmpfs needs root")
def test_a_full_disk_is_a_507_a_client_may_retry_and_nothing_is_half_written(served, tmp_path):
    stop_server(served.process)
    with small_disk(tmp_path / "disk", 4096) as disk:
        db = disk / "project.db"
        shutil.copy(served.db, db)
        process, info = start_server(db)
        try:
            served.url, served.token = info["url"], info["token"]
            assert post(served, A, box(served)).status_code == 201
            # fill the disk to its last block; unbuffered, so closing the file has nothing left to write
            with (disk / "filler").open("wb", buffering=0) as filler:
                try:
                    while True:
                        filler.write(b"\0" * 65536)
                except OSError:
                    pass
            items = [box(served, description="x" * 500) for _ in range(2000)]
            answer = post(served, A, items)
            assert answer.status_code == 507, answer.text
            assert "disk is full" in answer.text
            upload = requests.post(f"{served.url}/api/v1/images/images/",
                                   files={"file_path": ("b.tiff", BOXES_TIFF.read_bytes())},
                                   data={"image_set": served.seed.image_set.id}, headers=auth(served), timeout=60)  # fmt: skip
            assert upload.status_code == 507, upload.text
            (disk / "filler").unlink()  # room again: the same requests succeed, nothing was half-stored
            assert get(served, A, params={"image": served.seed.image.id}).json()["count"] == 1
            assert post(served, A, items).status_code == 201
            assert get(served, A, params={"image": served.seed.image.id}).json()["count"] == 2001
            assert sorted(p.name for p in disk.rglob("*.tiff")) == []
        finally:
            stop_server(process)
