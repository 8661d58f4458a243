"""A server that answers with JSON of the wrong shape is named, with the request and the field,
in one line: no traceback, no wrong value passed on, nothing stored from that answer.

PageFaults (tests/faults/pages.py) answers the chosen request itself; the rest reaches the
real server behind it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from exact_desktop.cli.exact_server import _prefer_token
from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.plugins.exact_registry import register_on_server
from exact_desktop.plugins.sdk.worker import find_plugin
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.errors import AnswerError
from exact_desktop.rest.exact_api import ANNOTATIONS, IMAGE_SETS, ExactApi
from exact_desktop.store.credentials import Credentials
from exact_desktop.store.sqlite.store import SqliteStore
from tests.contract.conftest import Target, cli
from tests.contract.test_sync import SyncSet, assert_in_step, project, run, sync_set
from tests.faults.pages import PageFaults

__all__ = ["project", "sync_set"]  # the fixtures, shared with test_sync
PLUGINS = "/api/v1/processing/plugins/"
TYPES = "/api/v1/annotations/annotation_types/"


@pytest.fixture
def faults(server: Target) -> Iterator[PageFaults]:
    with PageFaults(server.url) as proxy:
        yield proxy


def empty_project(tmp_path: Path) -> Path:
    db = tmp_path / "p.db"
    SqliteStore(db).close()
    return db


@pytest.mark.parametrize(
    ("body", "wrong"), [(b"[1, 2]", "a list, not an object"), (b'{"id": 1, "name": null}', "'name' as null")]
)
def test_a_malformed_image_set_ends_the_sync_in_one_line(server: Target, faults: PageFaults, tmp_path: Path,
                                                         body: bytes, wrong: str) -> None:  # fmt: skip
    faults.canned["GET", f"{IMAGE_SETS}{server.image_set}/"] = (200, body)
    code, _, err = cli(server, "sync", "both", "--server", faults.url, "--image-set", str(server.image_set),
                       "--db", str(empty_project(tmp_path)), url=faults.url)  # fmt: skip
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert faults.url in err and f"{IMAGE_SETS}{server.image_set}/" in err and wrong in err
    assert "refused" not in err  # the server answered, just not with an image set


def test_a_created_annotation_answered_with_nonsense_is_named(server: Target, faults: PageFaults) -> None:
    faults.canned["POST", ANNOTATIONS] = (201, b'{"id": "seven", "results": 7}')
    api = ExactApi(Connection(faults.url, token=server.token))
    with pytest.raises(AnswerError) as caught:
        api.create_annotations([{"image": 1, "annotation_type": 1, "vector": {}}])
    assert faults.url in str(caught.value) and "not a list" in str(caught.value)


def test_a_plugin_without_a_name_is_named(server: Target, faults: PageFaults) -> None:
    page = {"count": 1, "next": None, "results": [{"id": 3, "name": None, "products": []}]}
    faults.canned["GET", PLUGINS] = (200, orjson.dumps(page))
    with pytest.raises(AnswerError) as caught:
        find_plugin(Connection(faults.url, token=server.token), "Nuclei")
    assert faults.url in str(caught.value) and "'name' as null" in str(caught.value)


def test_a_token_answer_without_a_token_refuses_the_login(server: Target, faults: PageFaults) -> None:
    faults.canned["POST", "/users/api/tokens/"] = (201, b'{"name": "made"}')
    connection = Connection(faults.url, user=server.user, password=server.password)
    with pytest.raises(AnswerError) as caught:
        _prefer_token(connection, Credentials(faults.url, user=server.user, password=server.password))
    assert faults.url in str(caught.value) and "'token' as no such field" in str(caught.value)


@pytest.mark.parametrize(
    ("method", "path", "body", "wrong"),
    [
        (
            "GET",
            TYPES,
            {"count": 1, "next": None, "results": [{"id": 4, "name": "Nucleus"}]},
            "'product' as no such field",
        ),
        ("POST", PLUGINS, {"id": "seven"}, "'id' as the text 'seven'"),
    ],
)
def test_plugin_register_checks_what_the_server_answers(server: Target, faults: PageFaults, method: str, path: str,
                                                        body: object, wrong: str) -> None:  # fmt: skip
    faults.canned[method, path] = (200 if method == "GET" else 201, orjson.dumps(body))
    manifest = {"name": "Answers", "products": [{"name": "Nucleus", "vector_type": 1}]}
    with pytest.raises(AnswerError) as caught:
        register_on_server(Connection(faults.url, token=server.token), manifest, server.product, name="Answers hsync")
    assert faults.url in str(caught.value) and path in str(caught.value) and wrong in str(caught.value)


def test_sync_into_a_missing_project_file_is_refused(server: Target, tmp_path: Path) -> None:
    for db in (tmp_path / "missing.db", tmp_path / "nodir" / "x.db"):
        code, _, err = cli(server, "sync", "pull", "--server", server.url, "--image-set", str(server.image_set),
                           "--db", str(db))  # fmt: skip
        assert code == 2 and "no such project file" in err and "Traceback" not in err
        assert not db.exists() and not (tmp_path / "nodir").exists()


def test_a_push_answered_with_nonsense_looks_up_what_was_stored(server: Target, faults: PageFaults,
                                                                sync_set: SyncSet, project: SqliteStore) -> None:  # fmt: skip
    sync_set.create(3)
    run(project, server, "pull", sync_set.id)
    image = project.list(e.Image, remote_id=sync_set.image)[0]
    kind = project.list(e.AnnotationType, remote_id=sync_set.box_type)[0]
    project.bulk_create(
        [e.Annotation(stored_id(kind), stored_id(image), {"x1": 1, "y1": 1, "x2": 9 + i, "y2": 9}) for i in range(2)]
    )
    faults.garbled["POST", ANNOTATIONS] = b'{"id": "seven", "results": 7}'  # stored, then answered with this
    summary = run(project, server, "push", sync_set.id, url=faults.url)
    assert (summary.pushed, summary.errors, summary.outbox) == (2, [], 0)
    assert_in_step(project, sync_set)  # each once on the server: nothing sent twice
