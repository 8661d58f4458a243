"""A real `exact-desktop serve` process on loopback, over a seeded project."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import BOXES_TIFF, PROJECT
from tests.store.conftest import Seed, seed


@dataclass
class Served:
    url: str
    token: str
    db: Path
    seed: Seed
    plugin: e.Plugin
    process: subprocess.Popen[str]


def start_server(db: Path, *extra: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "exact_desktop", "serve", "--db", str(db), *extra],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        raise AssertionError(f"serve printed nothing: {process.communicate()[1]}")
    return process, json.loads(line)


def stop_server(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=20)
    return process.returncode


@pytest.fixture
def served(tmp_path):
    db = tmp_path / "project.db"
    store = SqliteStore(db)
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(BOXES_TIFF), width=300, height=250)
    plugin = store.create(
        e.Plugin(
            "Test detector", author="tests", package="tests.detector", products=[s.product.id], produces=[s.box.name]
        )
    )
    store.close()
    process, info = start_server(db)
    yield Served(info["url"], info["token"], db, s, plugin, process)
    if process.poll() is None:
        stop_server(process)
