"""Hostile input to the embedded API: refused by name (400/404), never a 500, nothing half-done.

One test per class of defect found by trying the API as a hostile user would; each checks the
answer and then what the project file holds (rows, index rows, files on disk).
"""

from __future__ import annotations

import json
import sqlite3
import struct
import uuid
import zlib

import pytest
import requests

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import BOXES_TIFF
from tests.server.test_auth_and_errors import get, post

A = "/api/v1/annotations/annotations/"
P = "/api/v1/processing"


def auth(served) -> dict[str, str]:
    return {"Authorization": f"Bearer {served.token}"}


def box(served, **extra) -> dict:
    return {"annotation_type": served.seed.box.id, "image": served.seed.image.id,
            "vector": {"x1": 1, "y1": 2, "x2": 30, "y2": 40}, "unique_identifier": str(uuid.uuid4()), **extra}  # fmt: skip


def bomb_png(width: int = 32_000, height: int = 32_000) -> bytes:
    """A valid 1-bit PNG of width x height white pixels: a few hundred KB that decode to gigabytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def test_multiple_delete_is_all_or_nothing(served):
    made = [post(served, A, box(served)).json()["id"] for _ in range(2)]
    answer = requests.delete(f"{served.url}{A}multiple_delete/", params={"id__in": f"{made[0]},99999999,{made[1]}"},
                             headers=auth(served), timeout=10)  # fmt: skip
    assert answer.status_code == 404
    for annotation_id in made:  # neither was deleted
        assert get(served, f"{A}{annotation_id}/").json()["deleted"] is False
    assert requests.delete(f"{served.url}{A}multiple_delete/", params={"id__in": f"{made[0]},{made[1]}"},
                           headers=auth(served), timeout=10).status_code == 204  # fmt: skip
    assert all(get(served, f"{A}{i}/").json()["deleted"] for i in made)


def test_every_spelling_of_a_uuid_finds_the_same_annotation(served):
    value = uuid.uuid4()
    spellings = [str(value), str(value).upper(), value.hex, "{" + str(value) + "}", value.urn]
    ids = {post(served, A, box(served, unique_identifier=s)).json()["id"] for s in spellings}
    assert len(ids) == 1
    listed = get(served, A, params={"unique_identifier": value.hex.upper(), "image": served.seed.image.id}).json()
    assert listed["count"] == 1 and listed["results"][0]["unique_identifier"] == str(value)
    assert post(served, A, box(served, unique_identifier="not-a-uuid")).status_code == 400


def test_a_list_create_naming_one_annotation_twice_or_one_already_there_names_the_items(served):
    value = str(uuid.uuid4())
    for second in (value, value.upper()):
        answer = post(
            served, A, [box(served), box(served, unique_identifier=value), box(served, unique_identifier=second)]
        )
        assert answer.status_code == 400
        assert answer.json() == {
            "non_field_errors": [f"items 1 and 2: the same unique_identifier {value} on image {served.seed.image.id}"]
        }
    assert post(served, A, box(served, unique_identifier=value)).status_code == 201
    answer = post(served, A, [box(served), box(served, unique_identifier=value.upper())])
    assert answer.json() == {
        "non_field_errors": [f"item 1: image {served.seed.image.id} already has unique_identifier {value}"]
    }
    assert get(served, A, params={"image": served.seed.image.id, "unique_identifier": value}).json()["count"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"meta_data": {"n": 2**64 + 1}}, "meta_data"),
        ({"meta_data": json.loads("[" * 100 + "]" * 100)}, "meta_data"),
        ({"description": "\ud800 lone surrogate"}, "description"),
        ({"vector": {"x1": 1e39, "y1": 0, "x2": 2e39, "y2": 5}}, "x1"),
        ({"vector": {"x01": 1, "y01": 1, "x1": 1, "y1": 1, "x2": 5, "y2": 5}}, "x01"),
        ({"vector": {"x\u0661": 900000, "y\u0661": 9, "x1": 1, "y1": 1, "x2": 5, "y2": 5}}, "x\u0661"),
        ({"time": "0001-01-01T00:00:00"}, "time"),
        ({"time": "9999-12-31T23:59:00-05:00"}, "time"),  # year 10000 in UTC, as it is stored
        ({"time": "0001-01-01T00:00:00+05:00"}, "time"),
    ],
)
def test_values_that_could_not_be_read_back_are_refused_by_name(served, body, field):
    answer = requests.post(f"{served.url}{A}", data=json.dumps(box(served, **body)),
                           headers={**auth(served), "Content-Type": "application/json"}, timeout=10)  # fmt: skip
    assert answer.status_code == 400, answer.text
    assert field in answer.text
    page = get(served, A, params={"image": served.seed.image.id, "limit": 1000})
    assert page.status_code == 200  # every page still reads


def test_numbers_beyond_64_bits_are_a_404_or_a_400(served):
    assert get(served, f"{A}{2**63}/").status_code == 404
    assert get(served, f"/api/v1/images/images/{2**70}/").status_code == 404
    assert get(served, A, params={"image": 2**63}).status_code == 400
    assert requests.delete(f"{served.url}{A}{2**64}/", headers=auth(served), timeout=10).status_code == 404


def _files(folder) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_decompression_bomb_is_refused_everywhere_by_its_size(served, tmp_path):
    bomb = bomb_png()
    assert len(bomb) < 300_000
    images_folder = served.db.with_name(served.db.name + ".images")
    before = _files(images_folder)
    answer = requests.post(f"{served.url}/api/v1/images/images/", files={"file_path": ("bomb.png", bomb)},
                           data={"image_set": served.seed.image_set.id}, headers=auth(served), timeout=60)  # fmt: skip
    assert answer.status_code == 400 and "32000 x 32000" in answer.text
    assert _files(images_folder) == before  # nothing left on disk
    entry = _entry(served)
    bitmap = requests.post(f"{served.url}{P}/pluginresultbitmaps/", files={"bitmap": ("heat.png", bomb)},
                           data={"pluginresultentry": entry, "image": served.seed.image.id,
                                 "location_rect": '{"x": 0, "y": 0, "w": 10, "h": 10}'},
                           headers=auth(served), timeout=60)  # fmt: skip
    assert bitmap.status_code == 400 and "32000 x 32000" in bitmap.text


def _entry(served) -> int:
    result = post(served, f"{P}/pluginresults/", {"image": served.seed.image.id, "plugin": served.plugin.id,
                                                  "entries": []}).json()  # fmt: skip
    body = {"pluginresult": result["id"], "name": "heat", "annotation_results": [], "bitmap_results": []}
    return post(served, f"{P}/pluginresultentrys/", body).json()["id"]


@pytest.mark.parametrize(
    "rect", ["[1,2]", '{"x": 0, "y": 0, "w": -5, "h": 3}', '{"x": 0}', "nan", '{"x": 0, "y": 0, "w": 1e400, "h": 1}']
)
def test_a_bitmap_needs_a_real_location_and_a_refused_one_leaves_no_file(served, rect):
    png = bomb_png(16, 16)
    entry = _entry(served)
    folder = served.db.with_name(served.db.name + ".bitmaps")
    before = _files(folder)
    answer = requests.post(f"{served.url}{P}/pluginresultbitmaps/", files={"bitmap": ("h.png", png)},
                           data={"pluginresultentry": entry, "image": served.seed.image.id, "location_rect": rect},
                           headers=auth(served), timeout=10)  # fmt: skip
    assert answer.status_code == 400 and "location_rect" in answer.text
    missing = requests.post(f"{served.url}{P}/pluginresultbitmaps/", files={"bitmap": ("h.png", png)},
                            data={"pluginresultentry": 99999, "image": served.seed.image.id,
                                  "location_rect": '{"x": 0, "y": 0, "w": 5, "h": 5}'},
                            headers=auth(served), timeout=10)  # fmt: skip
    assert missing.status_code == 400
    assert _files(folder) == before


def test_an_upload_name_with_a_nul_or_a_path_is_cleaned(served):
    data = BOXES_TIFF.read_bytes()
    answer = requests.post(f"{served.url}/api/v1/images/images/", files={"file_path": ("../x\x00y.tiff", data)},
                           data={"image_set": served.seed.image_set.id}, headers=auth(served), timeout=60)  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"][0]["name"] == "xy.tiff"


def test_results_deleted_by_a_run_again_leave_no_index_rows(served):
    entry = _entry(served)
    items = [{"annotation_type": served.seed.box.id, "pluginresultentry": entry, "image": served.seed.image.id,
              "vector": {"x1": i, "y1": i, "x2": i + 3, "y2": i + 3}, "score": 0.5} for i in range(300)]  # fmt: skip
    assert post(served, f"{P}/pluginresultannotations/", items).status_code == 201
    result = get(served, f"{P}/pluginresultentrys/{entry}/").json()["pluginresult"]
    assert (
        requests.delete(f"{served.url}{P}/pluginresults/{result}/", headers=auth(served), timeout=10).status_code == 204
    )
    with sqlite3.connect(served.db) as raw:
        rows = raw.execute("SELECT count(*) FROM plugin_result_annotation").fetchone()[0]
        index = raw.execute("SELECT count(*) FROM plugin_result_annotation_grid").fetchone()[0]
    assert rows == index
    store = SqliteStore(served.db)
    assert store.count(e.PluginResultAnnotation, pluginresultentry=entry) == 0
    store.close()


def test_a_list_create_of_results_answers_what_a_read_gives_back(served):
    entry = _entry(served)
    items = [{"annotation_type": served.seed.box.id, "pluginresultentry": entry, "image": served.seed.image.id,
              "vector": {"x1": i, "y1": i, "x2": i + 3.5, "y2": i + 3}, "score": i / 10,
              "meta_data": {"n": i} if i else None, "unique_identifier": str(uuid.uuid4())} for i in range(3)]  # fmt: skip
    answer = post(served, f"{P}/pluginresultannotations/", items)
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert [c["unique_identifier"] for c in created] == [i["unique_identifier"] for i in items]
    assert created == [get(served, f"{P}/pluginresultannotations/{c['id']}/").json() for c in created]
    assert {c["plugin"] for c in created} == {served.plugin.id} and all(c["generated"] for c in created)


def test_concurrent_job_creates_for_one_image_make_one_job(served):
    from concurrent.futures import ThreadPoolExecutor

    body = {"image_id": served.seed.other_image.id, "plugin_id": served.plugin.id}

    def create(_: int) -> int:
        return requests.post(f"{served.url}/processing/api/plugin_job/create/", json=body, headers=auth(served),
                             timeout=30).status_code  # fmt: skip

    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(create, range(8)))
    assert codes == [201] + [400] * 7
    store = SqliteStore(served.db)
    assert store.count(e.PluginJob, plugin=served.plugin.id, image=served.seed.other_image.id) == 1
    store.close()


def test_a_changed_password_takes_effect_at_once(served, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import PROJECT

    def set_password(password: str) -> None:
        subprocess.run([sys.executable, "-m", "exact_desktop", "users", "add", "alice", "--db", str(served.db)],
                       env={**os.environ, "EXACT_DESKTOP_PASSWORD": password}, cwd=PROJECT, check=True,
                       capture_output=True)  # fmt: skip

    set_password("first-password")
    teams = f"{served.url}/api/v1/users/teams/"
    assert requests.get(teams, auth=("alice", "first-password"), timeout=30).status_code == 200
    set_password("second-password")
    assert requests.get(teams, auth=("alice", "first-password"), timeout=30).status_code == 403
    assert requests.get(teams, auth=("alice", "second-password"), timeout=30).status_code == 200


def test_credentials_are_checked_before_the_body_is_read(served):
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        answer = requests.post(f"{served.url}{A}", data=b"{not json", timeout=10,
                               headers={**headers, "Content-Type": "application/json"})  # fmt: skip
        assert answer.status_code == 403 and "detail" in answer.json()


def test_a_bomb_opened_as_a_slide_or_drawn_as_a_bitmap_is_refused_by_size(tmp_path):
    import os
    import subprocess
    import sys

    from exact_desktop.viewer.overlay_painter import BitmapUnreadableError, heatmap_image
    from tests.conftest import PROJECT

    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bomb_png())
    done = subprocess.run([sys.executable, "-m", "exact_desktop", "open", str(bomb), "--screenshot",
                           str(tmp_path / "shot.png")], cwd=PROJECT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
    assert done.returncode == 2 and "32000 x 32000" in done.stderr and "Traceback" not in done.stderr
    with pytest.raises(BitmapUnreadableError, match="32000 x 32000"):  # not decoded, nothing drawn
        heatmap_image(bomb, channels=1, threshold=0.5)


@pytest.mark.parametrize(
    ("field", "value"),
    [("channels", "7"), ("scale_min", "5"), ("default_alpha", "3"), ("default_threshold", "-1"), ("frame", "0")],
)
def test_a_bitmap_the_viewer_could_not_draw_is_refused(served, field, value):
    data = {"pluginresultentry": _entry(served), "image": served.seed.image.id,
            "location_rect": '{"x": 0, "y": 0, "w": 5, "h": 5}', field: value}  # fmt: skip
    answer = requests.post(f"{served.url}{P}/pluginresultbitmaps/", files={"bitmap": ("h.png", bomb_png(16, 16))},
                           data=data, headers=auth(served), timeout=10)  # fmt: skip
    assert answer.status_code == 400, answer.text


def test_deleting_a_result_or_a_plugin_takes_its_files_with_it(served):
    entry = _entry(served)
    folder = served.db.with_name(served.db.name + ".bitmaps")
    before = _files(folder)
    made = requests.post(f"{served.url}{P}/pluginresultbitmaps/", files={"bitmap": ("h.png", bomb_png(16, 16))},
                         data={"pluginresultentry": entry, "image": served.seed.image.id,
                               "location_rect": '{"x": 0, "y": 0, "w": 5, "h": 5}'},
                         headers=auth(served), timeout=10)  # fmt: skip
    assert made.status_code == 201 and len(_files(folder)) == len(before) + 1
    result = get(served, f"{P}/pluginresultentrys/{entry}/").json()["pluginresult"]
    assert (
        requests.delete(f"{served.url}{P}/pluginresults/{result}/", headers=auth(served), timeout=10).status_code == 204
    )
    assert _files(folder) == before  # the bitmap went with its result
    icon = {"icon": ("i.png", bomb_png(8, 8), "image/png")}
    form = {"name": "Doomed", "author": "t", "contact": "a@b.org", "abouturl": "http://localhost/x"}
    plugin = requests.post(f"{served.url}{P}/plugins/", data=form, files=icon, headers=auth(served), timeout=10)
    assert plugin.status_code == 201 and len(_files(folder)) == len(before) + 1
    gone = requests.delete(f"{served.url}{P}/plugins/{plugin.json()['id']}/", headers=auth(served), timeout=10)
    assert gone.status_code == 204 and _files(folder) == before


def test_a_refused_or_replaced_plugin_icon_leaves_no_file(served):
    folder = served.db.with_name(served.db.name + ".bitmaps")
    form = {"name": "Icons", "author": "t", "contact": "a@b.org", "abouturl": "http://localhost/x"}

    def icon():
        return {"icon": ("i.png", bomb_png(8, 8), "image/png")}

    made = requests.post(f"{served.url}{P}/plugins/", data=form, files=icon(), headers=auth(served), timeout=10)
    assert made.status_code == 201
    after_create = _files(folder)
    again = requests.post(f"{served.url}{P}/plugins/", data=form, files=icon(), headers=auth(served), timeout=10)
    assert again.status_code == 400 and _files(folder) == after_create  # refused: its icon is not kept
    replaced = requests.patch(f"{served.url}{P}/plugins/{made.json()['id']}/", data={"author": "u"}, files=icon(),
                              headers=auth(served), timeout=10)  # fmt: skip
    assert replaced.status_code == 200 and len(_files(folder)) == len(after_create)  # the old icon went


def test_concurrent_result_creates_for_one_job_make_one_result(served):
    from concurrent.futures import ThreadPoolExecutor

    job = requests.post(f"{served.url}/processing/api/plugin_job/create/", headers=auth(served), timeout=30,
                        json={"image_id": served.seed.image.id, "plugin_id": served.plugin.id}).json()  # fmt: skip
    body = {"image": served.seed.image.id, "plugin": served.plugin.id, "job": job["id"], "entries": []}

    def create(_: int) -> int:
        return requests.post(f"{served.url}{P}/pluginresults/", json=body, headers=auth(served), timeout=30).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(create, range(8)))
    assert codes == [201] + [400] * 7
    store = SqliteStore(served.db)
    assert store.count(e.PluginResult, job=job["id"]) == 1
    store.close()


def test_a_bitmap_whose_file_is_gone_answers_404_naming_it(served):
    folder = served.db.with_name(served.db.name + ".bitmaps")
    made = requests.post(f"{served.url}{P}/pluginresultbitmaps/", files={"bitmap": ("h.png", bomb_png(16, 16))},
                         data={"pluginresultentry": _entry(served), "image": served.seed.image.id,
                               "location_rect": '{"x": 0, "y": 0, "w": 5, "h": 5}'},
                         headers=auth(served), timeout=10)  # fmt: skip
    assert made.status_code == 201, made.text
    for file in folder.iterdir():
        file.unlink()
    answer = requests.get(f"{served.url}{P}/pluginresultbitmaps/{made.json()['id']}/file/", headers=auth(served),
                          timeout=10)  # fmt: skip
    assert answer.status_code == 404, answer.text
    assert "missing" in answer.json()["detail"]


def test_a_list_create_of_results_refuses_one_uuid_twice_and_answers_its_one_spelling(served):
    """Two results with one UUID in one list create were both stored (the review listed the
    candidate twice and could decide only one), and an upper-case or braced UUID was answered
    as sent though stored canonical (found by an outside tester)."""
    entry = _entry(served)
    same = str(uuid.uuid4())

    def item(uid):
        return {"annotation_type": served.seed.box.id, "pluginresultentry": entry, "image": served.seed.image.id,
                "vector": {"x1": 1, "y1": 1, "x2": 4, "y2": 4}, "unique_identifier": uid}  # fmt: skip

    twice = post(served, f"{P}/pluginresultannotations/", [item(same), item(str(uuid.uuid4())), item(same.upper())])
    assert twice.status_code == 400 and twice.json() == {"unique_identifier": [f"2: {same} is also item 0's"]}
    store = SqliteStore(served.db)
    assert store.count(e.PluginResultAnnotation, pluginresultentry=entry) == 0
    store.close()
    braced = post(served, f"{P}/pluginresultannotations/", [item("{" + same.upper() + "}")])
    assert braced.status_code == 201, braced.text
    created = braced.json()[0]
    assert created["unique_identifier"] == same
    assert get(served, f"{P}/pluginresultannotations/{created['id']}/").json() == created


def test_a_list_in_the_workers_form_that_the_store_refuses_names_each_item(served):
    """A list with every field a worker sends goes to the store as it is (plain_results.py); what
    the store refuses is checked item by item, for the same message per item as any other list,
    and nothing of it is stored."""
    entry = _entry(served)

    def item(vector, kind=served.seed.box.id):
        return {"annotation_type": kind, "pluginresultentry": entry, "image": served.seed.image.id, "vector": vector,
                "score": 0.5, "meta_data": None, "unique_identifier": str(uuid.uuid4())}  # fmt: skip

    fine = {"x1": 1, "y1": 1, "x2": 4, "y2": 4}
    items = [item(fine), item({"x1": 9, "y1": 1, "x2": 4, "y2": 4}), item(fine, kind=999_999), item(fine)]
    refused = post(served, f"{P}/pluginresultannotations/", items)
    assert refused.status_code == 400
    assert refused.json()["annotation_type"] == ["2: annotation_type 999999 does not exist"]
    assert [m.split(":")[0] for m in refused.json()["vector"]] == ["1"]
    store = SqliteStore(served.db)
    assert store.count(e.PluginResultAnnotation, pluginresultentry=entry) == 0
    store.close()
    stored = post(served, f"{P}/pluginresultannotations/", [item(fine), item(fine)])
    assert stored.status_code == 201 and len(stored.json()) == 2


def test_a_result_annotation_create_answers_with_the_fields_asked_for(served):
    """`fields`/`omit` cut a create's answer as EXACT's serializer does (the result writer asks
    for the ids alone); the rows are stored whole either way."""
    entry = _entry(served)
    items = [{"annotation_type": served.seed.box.id, "pluginresultentry": entry, "image": served.seed.image.id,
              "vector": {"x1": i, "y1": i, "x2": i + 3, "y2": i + 3}, "score": 0.5, "meta_data": None,
              "unique_identifier": str(uuid.uuid4())} for i in range(3)]  # fmt: skip
    ids = post(served, f"{P}/pluginresultannotations/", items[:2], params={"fields": "id"})
    assert ids.status_code == 201 and [set(x) for x in ids.json()] == [{"id"}] * 2
    stored = [get(served, f"{P}/pluginresultannotations/{x['id']}/").json() for x in ids.json()]
    assert [(x["unique_identifier"], x["vector"]) for x in stored] == [
        (i["unique_identifier"], i["vector"]) for i in items[:2]
    ]
    without = post(served, f"{P}/pluginresultannotations/", items[2], params={"omit": "vector,meta_data"})
    assert without.status_code == 201 and {"id", "score"} <= set(without.json())
    assert not {"vector", "meta_data"} & set(without.json())
