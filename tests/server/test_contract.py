"""Every implemented list and detail endpoint answers in the shape of EXACT's own OpenAPI file.

The processing endpoints are not in that file; their fields are checked against NOTES.md.
Exempt: `verified_by_user`, `concealed`, `blurred` of Annotation. The file types them as
read-only strings because they are SerializerMethodFields on the server, which a schema
generator cannot type; the server (and exact-sync's models) carry booleans there.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import requests
import yaml
from openapi_schema_validator import OAS30Validator

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import PROJECT

SPEC = yaml.safe_load((PROJECT.parent / "shared" / "exact" / "EXACT-API.yml").read_text(encoding="utf-8"))
METHOD_FIELDS = {"Annotation": ("verified_by_user", "concealed", "blurred")}
ENDPOINTS = [
    ("/api/v1/users/teams/", "/api/v1/users/teams/{id}/"),
    ("/api/v1/administration/products/", "/api/v1/administration/products/{id}/"),
    ("/api/v1/images/image_sets/", "/api/v1/images/image_sets/{id}/"),
    ("/api/v1/images/images/", "/api/v1/images/images/{id}/"),
    ("/api/v1/annotations/annotation_types/", "/api/v1/annotations/annotation_types/{id}/"),
    ("/api/v1/annotations/annotations/", "/api/v1/annotations/annotations/{id}/"),
]
# NOTES.md, "Plugins and jobs": the fields each processing resource carries
PROCESSING = {
    "/api/v1/processing/plugins/": {"id", "name", "author", "package", "contact", "abouturl", "icon", "products", "results"},
    "/api/v1/processing/pluginjobs/": {"id", "plugin", "image", "creator", "created_time", "updated_time", "eta_time", "processing_complete",
                                        "attached_worker", "error_message", "error_detail", "result"},
    "/api/v1/processing/pluginresults/": {"id", "image", "job", "plugin", "default_alpha", "created_time", "completed_time", "entries"},
    "/api/v1/processing/pluginresultentrys/": {"id", "pluginresult", "name", "visible", "default_threshold", "created_time",
                                                "annotation_results", "bitmap_results"},
    "/api/v1/processing/pluginresultannotations/": {"id", "annotation_type", "pluginresultentry", "vector", "score", "meta_data",
                                                     "unique_identifier", "image", "time"},
    "/api/v1/processing/pluginresultbitmaps/": {"id", "bitmap", "name", "channels", "scale_min", "scale_max", "default_alpha",
                                                 "default_threshold", "location_rect", "frame", "meta_data", "pluginresultentry", "image"},
}  # fmt: skip


def response_schema(path: str) -> dict:
    schema = SPEC["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return _resolve(copy.deepcopy(schema))


def _resolve(node):
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            resolved = _resolve(copy.deepcopy(SPEC["components"]["schemas"][name]))
            for field in METHOD_FIELDS.get(name, ()):
                resolved["properties"].pop(field, None)
            return resolved
        return {k: _resolve(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v) for v in node]
    return node


@pytest.fixture
def filled(served):
    """One of everything, so no list is empty and no detail is missing."""
    store = SqliteStore(served.db)
    s = served.seed
    store.create(e.TeamMembership(s.team.id, s.user.id))
    store.create(
        e.Annotation(s.box.id, s.image.id, {"x1": 1, "y1": 1, "x2": 5, "y2": 5}, user=s.user.id, meta_data={"a": 1})
    )
    job = store.create(e.PluginJob(served.plugin.id, s.image.id, creator=s.user.id))
    result = store.create(e.PluginResult(s.image.id, job.id, served.plugin.id))
    entry = store.create(e.PluginResultEntry(result.id, "nuclei"))
    store.create(
        e.PluginResultAnnotation(s.box.id, entry.id, s.image.id, {"x1": 1, "y1": 1, "x2": 5, "y2": 5}, score=0.4)
    )
    store.create(e.PluginResultBitmap(entry.id, s.image.id, "x.png", location_rect={"x": 0, "y": 0, "w": 1, "h": 1}))
    store.close()
    return served


def fetch(served, path: str, **params) -> dict:
    answer = requests.get(
        f"{served.url}{path}", params=params, headers={"Authorization": f"Bearer {served.token}"}, timeout=10
    )
    assert answer.status_code == 200, (path, answer.text)
    return answer.json()


@pytest.mark.parametrize(("list_path", "detail_path"), ENDPOINTS)
def test_list_and_detail_match_exacts_openapi(filled, list_path, detail_path):
    listed = fetch(filled, list_path)
    OAS30Validator(response_schema(list_path)).validate(listed)
    assert listed["results"], f"{list_path} returned nothing to check"
    detail = fetch(filled, detail_path.format(id=listed["results"][0]["id"]))
    OAS30Validator(response_schema(detail_path)).validate(detail)
    required = set(response_schema(detail_path).get("required", ()))
    assert required <= set(detail)


@pytest.mark.parametrize("path", sorted(PROCESSING))
def test_processing_resources_carry_the_fields_notes_lists(filled, path):
    listed = fetch(filled, path)
    assert {"count", "next", "previous", "results"} <= set(listed) and listed["results"]
    assert PROCESSING[path] <= set(listed["results"][0]), PROCESSING[path] - set(listed["results"][0])
    detail = fetch(filled, f"{path}{listed['results'][0]['id']}/")
    assert PROCESSING[path] <= set(detail)


def test_the_schema_check_can_fail():
    """A wrong type must be caught, or the contract test proves nothing."""
    schema = response_schema("/api/v1/images/images/{id}/")
    with pytest.raises(Exception, match="is not of type"):
        OAS30Validator(schema).validate({"id": 1, "name": "a", "filename": "a", "image_set": "one", "annotations": []})
    assert Path(__file__).exists()
