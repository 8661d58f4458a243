"""EXACT's verifications on both servers: one per (annotation, user), a second create refused
with EXACT's own 400 body, a verdict changed by PATCH, lists filtered by annotation and user."""

from __future__ import annotations

import uuid

from tests.contract.conftest import Target

V = "/api/v1/annotations/verifications/"


def test_verifications_are_unique_per_annotation_and_user_and_change_by_patch(server: Target):
    http = server.session()
    me = http.get(f"{server.url}/api/v1/users/users/", params={"username": server.user}, timeout=60).json()
    user = me["results"][0]["id"]
    types = http.get(f"{server.url}/api/v1/annotations/annotation_types/",
                     params={"product": server.product, "limit": 100}, timeout=60).json()["results"]  # fmt: skip
    box = next(t["id"] for t in types if t["vector_type"] == 1 and t["product"] == server.product)
    made = http.post(f"{server.url}/api/v1/annotations/annotations/", json={
        "annotation_type": box, "image": server.images["contract.svs"], "unique_identifier": str(uuid.uuid4()),
        "vector": {"x1": 10, "y1": 10, "x2": 40, "y2": 40}, "meta_data": {"review": {"decision": "accept"}},
    }, timeout=60)  # fmt: skip
    assert made.status_code == 201, made.text
    annotation = made.json()["id"]

    first = http.post(f"{server.url}{V}", json={"annotation": annotation, "user": user, "verified": True}, timeout=60)
    assert first.status_code == 201, first.text
    body = first.json()
    assert set(body) == {"id", "annotation", "user", "time", "verified"}
    assert (body["annotation"], body["user"], body["verified"]) == (annotation, user, True)

    again = http.post(f"{server.url}{V}", json={"annotation": annotation, "user": user, "verified": False}, timeout=60)
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["The fields annotation, user must make a unique set."]}

    changed = http.patch(f"{server.url}{V}{body['id']}/", json={"verified": False}, timeout=60)
    assert changed.status_code == 200, changed.text
    assert changed.json()["verified"] is False

    listed = http.get(f"{server.url}{V}", params={"annotation": annotation, "user": user}, timeout=60).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    assert listed["results"][0]["verified"] is False
    one = http.get(f"{server.url}{V}{body['id']}/", timeout=60).json()
    assert one["annotation"] == annotation and one["verified"] is False


def test_a_verification_is_deleted_as_exact_deletes_it(server: Target):
    http = server.session()
    me = http.get(f"{server.url}/api/v1/users/users/", params={"username": server.user}, timeout=60).json()
    types = http.get(f"{server.url}/api/v1/annotations/annotation_types/",
                     params={"product": server.product, "limit": 100}, timeout=60).json()["results"]  # fmt: skip
    box = next(t["id"] for t in types if t["vector_type"] == 1 and t["product"] == server.product)
    made = http.post(f"{server.url}/api/v1/annotations/annotations/", json={
        "annotation_type": box, "image": server.images["contract.svs"], "unique_identifier": str(uuid.uuid4()),
        "vector": {"x1": 50, "y1": 10, "x2": 80, "y2": 40},
    }, timeout=60)  # fmt: skip
    body = {"annotation": made.json()["id"], "user": me["results"][0]["id"], "verified": True}
    verification = http.post(f"{server.url}{V}", json=body, timeout=60).json()["id"]
    gone = http.delete(f"{server.url}{V}{verification}/", timeout=60)
    assert gone.status_code == 204, gone.text
    assert http.get(f"{server.url}{V}{verification}/", timeout=60).status_code == 404
    assert http.delete(f"{server.url}{V}{verification}/", timeout=60).status_code == 404
    assert http.post(f"{server.url}{V}", json=body, timeout=60).status_code == 201  # the pair is free again
