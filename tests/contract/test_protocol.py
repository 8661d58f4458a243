"""The plugin protocol, request by request, against the real EXACT and `exact-desktop serve`.

Every assertion about what the project's clients get holds on both servers. Where the servers
differ, the test says how each behaves (the real one is right, or is recorded as broken) and
checks that the client's outcome does not depend on it.
"""

from __future__ import annotations

import uuid

import pytest
import requests

from exact_desktop.model.entities import status_from_exact
from exact_desktop.plugins.exact_registry import register_on_server
from exact_desktop.plugins.exact_runner import CREATE_JOB
from exact_desktop.plugins.registry import describe
from exact_desktop.plugins.sdk.results import ResultWriter
from exact_desktop.plugins.sdk.worker import find_plugin, plugin_types
from exact_desktop.rest.errors import RefusedError
from tests.contract.conftest import Target

P = "/api/v1/processing"
PROBE = "tests/plugins/scripts/many_boxes.py"


@pytest.fixture
def probe(server: Target) -> dict:
    """The test plugin registered on the server, with a fresh job on small.svs."""
    record = register_on_server(server.connection(), describe(PROBE), server.product)
    return record


def _job(server: Target, plugin_id: int, image: int) -> dict:
    connection = server.connection()
    mine = [j for j in connection.iterate(f"{P}/pluginjobs/") if j["plugin"] == plugin_id and j["image"] == image]
    return mine[0] if mine else connection.post(CREATE_JOB, {"image_id": image, "plugin_id": plugin_id})


def test_missing_or_wrong_credentials_are_refused_with_403_and_a_reason(server: Target):
    url = f"{server.url}/api/v1/images/images/"
    for auth in ({}, {"auth": (server.user, "not the password")}, {"headers": {"Authorization": "Bearer pat_x.y"}}):
        answer = requests.get(url, timeout=30, **auth)
        assert answer.status_code == 403, (auth, answer.text)
        assert answer.json()["detail"]


def test_a_plugin_is_found_by_its_exact_name_whatever_the_list_filter_does(server: Target):
    connection = server.connection()
    first = register_on_server(connection, describe(PROBE), server.product)
    other = register_on_server(connection, describe(PROBE), server.product, name="Many boxes (copy)")
    assert first["id"] != other["id"]
    listed = connection.get(f"{P}/plugins/", name="Many boxes (copy)", limit=1000)["results"]
    if server.name == "exact":  # recorded: EXACT ignores ?name= and answers every plugin
        assert {p["name"] for p in listed} >= {"Many boxes", "Many boxes (copy)"}
    assert find_plugin(connection, "Many boxes")["id"] == first["id"]
    assert find_plugin(connection, "Many boxes (copy)")["id"] == other["id"]


def test_a_plugin_id_the_server_does_not_have_is_a_404_in_exacts_words(server: Target):
    """To a read, a change and a removal: `serve` answers a PATCH or DELETE of a running plugin
    test's record so too (tests/server)."""
    session, url = server.session(), f"{server.url}{P}/plugins/987654/"
    for answer in (session.get(url, timeout=30), session.patch(url, data={"author": "x"}, timeout=30),
                   session.delete(url, timeout=30)):  # fmt: skip
        assert answer.status_code == 404 and answer.json() == {"detail": "No Plugin matches the given query."}


def test_a_plugins_products_are_products_and_its_types_are_found_inside_them(server: Target, probe: dict):
    assert probe["products"] == [server.product]
    connection = server.connection()
    types, vector_types = plugin_types(connection, find_plugin(connection, "Many boxes"))
    assert (
        "Many box" in types and vector_types[types["Many box"]] == 1
    )  # asked for with fields=: the SDK checks vectors
    kind = connection.get(f"/api/v1/annotations/annotation_types/{types['Many box']}/")
    assert kind["product"] == server.product and kind["vector_type"] == 1
    again = register_on_server(connection, describe(PROBE), server.product)  # no second type, no second plugin
    assert again["id"] == probe["id"] and again["annotation_types"] == probe["annotation_types"]


def test_filter_ids_are_job_ids_and_a_second_job_for_an_image_is_refused(server: Target, probe: dict):
    connection = server.connection()
    a = _job(server, probe["id"], server.images["small.svs"])
    b = _job(server, probe["id"], server.images["boxes.tiff"])
    picked = connection.get(f"{P}/pluginjobs/", filter_ids=str(a["id"]), limit=1000)["results"]
    assert [j["id"] for j in picked] == [a["id"]]
    both = connection.get(f"{P}/pluginjobs/", filter_ids=f"{a['id']},{b['id']}", limit=1000)["results"]
    assert sorted(j["id"] for j in both) == sorted([a["id"], b["id"]])
    with pytest.raises(RefusedError) as refused:
        connection.post(CREATE_JOB, {"image_id": server.images["small.svs"], "plugin_id": probe["id"]})
    assert refused.value.status == 400


def test_a_job_refuses_a_null_eta(server: Target, probe: dict):
    job = _job(server, probe["id"], server.images["small.svs"])
    with pytest.raises(RefusedError) as refused:
        server.connection().patch(f"{P}/pluginjobs/{job['id']}/", eta_time=None)
    assert refused.value.status == 400 and "eta_time" in refused.value.body


def test_a_late_progress_report_on_a_failed_job_leaves_it_failed(server: Target, probe: dict):
    """EXACT keeps no job state and writes any PATCH, also of a job that has ended: the state a
    client derives stays "failed" because a progress report leaves `error_message` alone (the
    embedded API's own `status` says the same, and promises no more than that)."""
    job = _job(server, probe["id"], server.images["small.svs"])
    connection, path = server.connection(), f"{P}/pluginjobs/{job['id']}/"
    connection.patch(path, error_message="the plugin process ended (exit code 7)", attached_worker="w1")
    try:
        late = connection.patch(path, processing_complete=30, updated_time="2026-12-06T22:00:00Z")
        assert late["processing_complete"] == 30 and late["error_message"] == "the plugin process ended (exit code 7)"
        assert status_from_exact(late) == "failed" and late.get("status", "failed") == "failed"
    finally:
        connection.patch(path, error_message="", error_detail="", attached_worker="", processing_complete=0)


def _entry(server: Target, probe: dict, image: int, job: int | None = None) -> int:
    connection = server.connection()
    body = {"image": image, "plugin": probe["id"], "job": job, "entries": []}
    result = connection.post(f"{P}/pluginresults/", body)
    entry = connection.post(
        f"{P}/pluginresultentrys/",
        {"pluginresult": result["id"], "name": f"probe {uuid.uuid4()}", "annotation_results": [], "bitmap_results": []},
    )
    return entry["id"]


def test_one_result_per_job(server: Target, probe: dict):
    connection = server.connection()
    image = server.images["boxes.tiff"]
    job = _job(server, probe["id"], image)
    for old in connection.pages(f"{P}/pluginresults/", job_id=job["id"]):
        connection.delete(f"{P}/pluginresults/{old['id']}/")
    connection.post(f"{P}/pluginresults/", {"image": image, "plugin": probe["id"], "job": job["id"], "entries": []})
    with pytest.raises(RefusedError) as refused:
        connection.post(f"{P}/pluginresults/", {"image": image, "plugin": probe["id"], "job": job["id"], "entries": []})
    assert refused.value.status == 400 and "job" in refused.value.body


def test_a_result_can_be_set_aside_from_its_job_and_given_back(server: Target, probe: dict):
    """What a rerun does with a job's earlier results until the new run is done (result.job is
    nullable on EXACT): the job then takes a new result, and the old one can return to it."""
    connection = server.connection()
    image = server.images["boxes.tiff"]
    job = _job(server, probe["id"], image)
    for old in connection.pages(f"{P}/pluginresults/", job_id=job["id"]):
        connection.delete(f"{P}/pluginresults/{old['id']}/")
    body = {"image": image, "plugin": probe["id"], "job": job["id"], "entries": []}
    earlier = connection.post(f"{P}/pluginresults/", body)
    assert connection.patch(f"{P}/pluginresults/{earlier['id']}/", job=None)["job"] is None
    newer = connection.post(f"{P}/pluginresults/", body)  # the job is free for the new run's result
    connection.delete(f"{P}/pluginresults/{newer['id']}/")
    assert connection.patch(f"{P}/pluginresults/{earlier['id']}/", job=job["id"])["job"] == job["id"]
    connection.delete(f"{P}/pluginresults/{earlier['id']}/")


def _boxes(entry: int, kind: int, image: int, n: int) -> list[dict]:
    return [
        {"annotation_type": kind, "pluginresultentry": entry, "image": image, "score": 0.5, "meta_data": None,
         "vector": {"x1": i, "y1": i, "x2": i + 4, "y2": i + 4}, "unique_identifier": str(uuid.uuid4())}
        for i in range(n)
    ]  # fmt: skip


def test_result_annotations_one_at_a_time_everywhere_lists_only_where_taken(server: Target, probe: dict):
    connection = server.connection()
    image = server.images["boxes.tiff"]
    kind = probe["annotation_types"]["Many box"]
    entry = _entry(server, probe, image)
    one = connection.post(f"{P}/pluginresultannotations/", _boxes(entry, kind, image, 1)[0])
    assert one["score"] == 0.5 and one["pluginresultentry"] == entry
    listed = requests.post(f"{server.url}{P}/pluginresultannotations/", json=_boxes(entry, kind, image, 2),
                           headers={"Authorization": f"Bearer {server.token}"}, timeout=60)  # fmt: skip
    if server.name == "exact":  # EXACT takes one object per request
        assert listed.status_code == 400 and "Expected a dictionary" in listed.text
    else:  # the embedded API's extension
        assert listed.status_code == 201
    writer = ResultWriter(connection)
    items = _boxes(_entry(server, probe, image), kind, image, 120)
    writer.send(items[:60])
    writer.send(items[60:])
    assert writer.finish() == 120
    assert writer.lists is (server.name == "embedded")  # found out, not assumed
    stored = connection.pages(f"{P}/pluginresultannotations/", pluginresultentry=items[0]["pluginresultentry"])
    assert sorted(str(r["unique_identifier"]) for r in stored) == sorted(i["unique_identifier"] for i in items)


def test_a_result_annotation_create_answers_with_the_fields_asked_for(server: Target, probe: dict):
    """The result writer asks for `fields=id`, as it reads nothing else of a create's answer:
    EXACT's serializer cuts the answer of a create to the fields asked for, and so does the
    embedded API, on one object and on a list. What is stored is the whole object."""
    connection = server.connection()
    image = server.images["boxes.tiff"]
    kind = probe["annotation_types"]["Many box"]
    entry = _entry(server, probe, image)
    body = _boxes(entry, kind, image, 1)[0]
    one = connection.post(f"{P}/pluginresultannotations/", body, fields="id")
    assert set(one) == {"id"}
    stored = connection.get(f"{P}/pluginresultannotations/{one['id']}/")
    assert stored["unique_identifier"] == body["unique_identifier"] and stored["vector"] == body["vector"]
    if server.name == "embedded":  # EXACT takes one object per request
        listed = connection.post(f"{P}/pluginresultannotations/", _boxes(entry, kind, image, 2), fields="id")
        assert [set(x) for x in listed] == [{"id"}] * 2
        assert connection.count(f"{P}/pluginresultannotations/", pluginresultentry=entry) == 3


def test_an_annotation_without_a_uuid(server: Target):
    """Recorded: EXACT's single create without `unique_identifier` is a server error that stores
    nothing. The embedded API does what a correct EXACT would (a new UUID); clients always send one."""
    session = server.session()
    kinds = session.get(f"{server.url}/api/v1/annotations/annotation_types/",
                        params={"product": server.product, "name": "Nucleus", "limit": 1000}).json()["results"]  # fmt: skip
    kind = next(k for k in kinds if k["name"] == "Nucleus" and k["product"] == server.product)
    image = server.images["boxes.tiff"]
    body = {"annotation_type": kind["id"], "image": image, "vector": {"x1": 1, "y1": 1, "x2": 9, "y2": 9}}
    before = session.get(f"{server.url}/api/v1/annotations/annotations/", params={"image": image, "limit": 1}).json()
    answer = session.post(f"{server.url}/api/v1/annotations/annotations/", json=body, timeout=60)
    after = session.get(f"{server.url}/api/v1/annotations/annotations/", params={"image": image, "limit": 1}).json()
    if server.name == "exact":
        assert answer.status_code == 500 and after["count"] == before["count"]
    else:
        assert answer.status_code == 201 and uuid.UUID(answer.json()["unique_identifier"])
        assert after["count"] == before["count"] + 1
    with_uuid = {**body, "unique_identifier": str(uuid.uuid4()), "deleted": False}
    made = session.post(f"{server.url}/api/v1/annotations/annotations/", json=with_uuid, timeout=60)
    assert made.status_code == 201 and made.json()["unique_identifier"] == with_uuid["unique_identifier"]


def test_a_list_create_answers_with_the_fields_asked_for(server: Target):
    """EXACT's list create serialises with the request, so `fields=` cuts its answer as on a list
    (a push asks for id, UUID and edit time only). The ids answered are the ones stored."""
    session = server.session()
    kinds = session.get(f"{server.url}/api/v1/annotations/annotation_types/",
                        params={"product": server.product, "limit": 1000}).json()["results"]  # fmt: skip
    kind = next(k for k in kinds if k["name"] == "Nucleus" and k["product"] == server.product)
    image = server.images["boxes.tiff"]
    bodies = [
        {"annotation_type": kind["id"], "image": image, "vector": {"x1": i, "y1": 2, "x2": i + 9, "y2": 11},
         "unique_identifier": str(uuid.uuid4()), "deleted": False}
        for i in range(3)
    ]  # fmt: skip
    answer = session.post(f"{server.url}/api/v1/annotations/annotations/", json=bodies, timeout=60,
                          params={"fields": "id,unique_identifier,last_edit_time"})  # fmt: skip
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert [set(m) for m in made] == [{"id", "unique_identifier", "last_edit_time"}] * 3
    assert [m["unique_identifier"] for m in made] == [b["unique_identifier"] for b in bodies]
    stored = session.get(f"{server.url}/api/v1/annotations/annotations/", params={
        "unique_identifier__in": ",".join(b["unique_identifier"] for b in bodies), "fields": "id,unique_identifier,last_edit_time",
    }).json()["results"]  # fmt: skip
    assert sorted(map(tuple, (sorted(m.items()) for m in made))) == sorted(
        map(tuple, (sorted(s.items()) for s in stored))
    )
