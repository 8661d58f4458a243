"""The credentials given are the ones the server sees, whatever ~/.netrc says about its host."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from exact_desktop.rest.connection import Connection
from exact_desktop.sync.exact_mirror import ExactMirror
from tests.rest.recording import Recording, recording_server


@pytest.fixture
def url_with_a_netrc_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone-else password not-yours\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    with recording_server() as url:
        yield url


def test_a_token_is_sent_as_given_not_the_netrc_entry(url_with_a_netrc_entry: str) -> None:
    Connection(url_with_a_netrc_entry, token="the-token").get("/api/v1/images/image_sets/")
    assert Recording.seen == ["Bearer the-token"]


def test_a_password_is_sent_as_given_not_the_netrc_entry(url_with_a_netrc_entry: str) -> None:
    Connection(url_with_a_netrc_entry, user="alice", password="s3cret").get("/api/v1/images/image_sets/")
    assert Recording.seen == ["Basic YWxpY2U6czNjcmV0"]  # alice:s3cret


def test_a_plugin_process_gets_the_token_in_its_environment(tmp_path: Path) -> None:
    project = ExactMirror(Connection("http://127.0.0.1:1", token="the-token"), 1, tmp_path)
    try:
        assert project.plugin_environment() == {"EXACT_URL": "http://127.0.0.1:1", "EXACT_TOKEN": "the-token"}
    finally:
        project.store.close()
    with_password = ExactMirror(Connection("http://127.0.0.1:1", user="alice", password="s3cret"), 1, tmp_path)
    try:
        assert with_password.plugin_environment() == {
            "EXACT_URL": "http://127.0.0.1:1", "EXACT_USER": "alice", "EXACT_PASSWORD": "s3cret",
        }  # fmt: skip
    finally:
        with_password.store.close()
