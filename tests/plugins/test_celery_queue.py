"""The `celery` queue with a real Redis server and a real Celery worker, both started here."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from exact_desktop.model import entities as e
from exact_desktop.plugins.registry import register
from exact_desktop.project.local_run import run_plugin
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import BOXES_TIFF, PROJECT
from tests.store.conftest import seed

SCRIPT = str(Path(__file__).parent / "scripts" / "behaviours.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker(tmp_path, monkeypatch):
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: scripts/system-deps.sh installs it (Debian package redis-server)"
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
    url = f"redis://127.0.0.1:{port}/0"
    monkeypatch.setenv("EXACT_DESKTOP_BROKER", url)
    yield url
    client.close()
    process.terminate()
    process.wait(10)


@pytest.fixture
def celery_worker(broker, tmp_path):
    env = {**os.environ, "EXACT_DESKTOP_BROKER": broker}
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "exact_desktop.plugins.celery_queue", "worker", "--pool=solo",
         "--concurrency=1", "-Q", "exact-desktop-plugins", "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    from exact_desktop.plugins.celery_queue import make_app

    app = make_app(broker)
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
    yield process
    process.terminate()
    process.wait(20)
    log.close()


def test_jobs_run_on_a_celery_worker_through_redis(celery_worker, tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(BOXES_TIFF), width=300, height=250)
    store.delete(e.Image, s.other_image.id)
    plugin = register(store, SCRIPT, s.product.id, queue="celery")
    assert plugin.queue == "celery"
    summary = run_plugin(store, "Behaviours", s.image_set.id, {"count": "9"})
    assert summary["errors"] == [], summary
    assert summary["jobs"][0]["status"] == "done" and summary["jobs"][0]["result_annotations"] == 9
    job = store.get(e.PluginJob, summary["jobs"][0]["job"])
    assert job.attached_worker.startswith("celery-")  # claimed by the process the celery worker started
    failing = run_plugin(store, "Behaviours", s.image_set.id, {"mode": "crash"}, run_again=True)
    assert "exit code 3" in failing["errors"][0]["error"]
    store.close()
