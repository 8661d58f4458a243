"""`plugin work|run --server` against the embedded API over real HTTP: what `work` reports it did,
and a plugin the server lacks gets the command that registers it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import requests

from exact_desktop.model import entities as e
from exact_desktop.plugins.jobs import create_jobs
from exact_desktop.plugins.registry import register
from exact_desktop.server.server import serve_in_thread
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import PROJECT
from tests.plugins.conftest import SCRIPTS

OWN_NAME = str(SCRIPTS / "own_worker_name.py")  # names its worker itself, as EXACT's guide does
NEEDS_DEFAULTS = str(SCRIPTS / "needs_its_defaults.py")


def cli(url: str, token: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "EXACT_URL": url, "EXACT_TOKEN": token, "PYTHONUNBUFFERED": "1"}
    done = subprocess.run([sys.executable, "-m", "exact_desktop", *args], cwd=PROJECT, capture_output=True,
                          text=True, timeout=300, env=env)  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def test_work_reports_the_jobs_a_plugin_without_the_sdk_processed(project):
    store, s, _plugin, _third = project
    tissue = register(store, OWN_NAME, s.product.id)
    jobs = create_jobs(store, tissue, s.image_set.id, images=[s.image.id, s.other_image.id]).created
    server = serve_in_thread(store)
    try:
        code, out, err = cli(server.url, server.token, "plugin", "work", tissue.name, "--server", server.url,
                             "--db", str(store.path))  # fmt: skip
    finally:
        server.stop()
    summary = json.loads(out.strip().splitlines()[-1])
    ended = {j.id: j for j in store.list(e.PluginJob, plugin=tissue.id)}
    assert code == 0 and all(ended[j.id].status == "done" for j in jobs), err
    assert sorted(j["job"] for j in summary["jobs"]) == sorted(j.id for j in jobs), err


def test_a_worker_started_by_hand_gives_process_the_plugins_defaults(project):
    """A server's job carries no parameters: `plugin work` fills in the manifest's defaults, as
    the docs say (it gave `{}`: every job failed with a KeyError; an outside tester's finding)."""
    store, s, _plugin, _third = project
    plugin = register(store, NEEDS_DEFAULTS, s.product.id)
    server = serve_in_thread(store)
    try:
        made = requests.post(f"{server.url}/processing/api/plugin_job/create/", timeout=30,
                             json={"image_id": s.image.id, "plugin_id": plugin.id},
                             headers={"Authorization": f"Bearer {server.token}"})  # fmt: skip
        assert made.status_code == 201, made.text  # as EXACT makes it: no parameters
        (job,) = store.list(e.PluginJob, plugin=plugin.id)
        code, _out, err = cli(server.url, server.token, "plugin", "work", plugin.name, "--server", server.url,
                              "--db", str(store.path))  # fmt: skip
    finally:
        server.stop()
    assert code == 0 and store.get(e.PluginJob, job.id).status == "done", err
    assert store.count(e.PluginResultAnnotation, image=s.image.id) == 40


def test_a_plugin_the_server_lacks_gets_the_command_that_registers_it(project, tmp_path):
    store, s, _plugin, _third = project
    elsewhere = SqliteStore(tmp_path / "server.db")  # a server without the plugin
    server = serve_in_thread(elsewhere)
    try:
        for args in (("work", "Behaviours"), ("run", "Behaviours", "--image-set", str(s.image_set.id))):
            code, _out, err = cli(server.url, server.token, "plugin", *args, "--server", server.url,
                                  "--db", str(store.path))  # fmt: skip
            assert code == 2 and err.count("\n") == 1, err
            assert f"exact-desktop plugin register Behaviours --server {server.url} --product ID" in err
    finally:
        server.stop()
        elsewhere.close()


def test_a_run_whose_server_stops_answering_after_making_its_jobs_says_so_and_fails(project):
    """Not exit 2 ("refused, nothing was changed"): its jobs and their first results are on the
    server (an outside tester's finding). Exit 1, the jobs named, what becomes of them said."""
    store, s, _plugin, _third = project
    slow = register(store, str(SCRIPTS / "many_boxes.py"), s.product.id)
    server = serve_in_thread(store)
    env = {**os.environ, "EXACT_URL": server.url, "EXACT_TOKEN": server.token, "PYTHONUNBUFFERED": "1"}
    args = ["plugin", "run", slow.name, "--server", server.url, "--image-set", str(s.image_set.id), "--db",
            str(store.path), "--param", "count=200000", "--param", "pause_s=0.05"]  # fmt: skip
    run = subprocess.Popen([sys.executable, "-m", "exact_desktop", *args], cwd=PROJECT, env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not any(j.processing_complete > 0 for j in store.list(e.PluginJob, plugin=slow.id)):
            assert time.monotonic() < deadline and run.poll() is None, run.stderr.read() if run.stderr else ""
            time.sleep(0.2)
    finally:
        server.stop()
    _out, err = run.communicate(timeout=120)
    made = sorted(j.id for j in store.list(e.PluginJob, plugin=slow.id))
    assert run.returncode == 1, err
    assert f"the run stopped after making its jobs there ({', '.join(map(str, made))})" in err, err
