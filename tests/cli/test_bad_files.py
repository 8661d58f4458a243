"""Every command given a bad file (a folder, a FIFO, /dev/zero, a missing path, a file whose reads
fail, a damaged file) answers one line naming it and exits non-zero: no traceback, no hang. The
real command runs in a subprocess for each case of the table."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import PROJECT, UNREADABLE_SVS
from tests.server.test_damaged_project import project as damaged_project
from tests.store.conftest import seed

KINDS = ("folder", "fifo", "zero", "missing", "unreadable", "damaged")
# every command that reads a project, with a bad project file; each kind at least twice
DB_CASES = [
    (["plugin", "list"], "damaged"),
    (["plugin", "jobs"], "fifo"),
    (["plugin", "run", "x", "--image-set", "1"], "zero"),
    (["serve"], "damaged"),
    (["users", "add", "alice"], "missing"),
    (["export", "--image", "1", "{out}/out.json"], "unreadable"),
    (["import", "--image", "1", "{good_json}"], "zero"),
    (["review", "export", "--image-set", "1", "{out}/out.csv"], "missing"),
    (["review", "apply", "{good_csv}"], "folder"),
    (["sync", "conflicts"], "missing"),
    (["check"], "unreadable"),
    (["demo", "--no-gui"], "folder"),  # refused before the demo slides are made
    (["plugin", "list"], "fifo"),
]
# every command that reads or writes a file of its own, with each kind that can hurt it
FILE_CASES = [
    (["import", "--image", "1", "{bad}", "--db", "{good_db}"], KINDS),
    (["review", "apply", "{bad}", "--db", "{good_db}"], KINDS),
    (["review", "export", "--image-set", "1", "{bad}", "--db", "{good_db}"], ("zero", "missing")),
    (["open", "{bad}", "--screenshot", "{out}/shot.png"], ("fifo", "damaged")),
]


def _cases() -> list[tuple[list[str], str]]:
    cases = [([*command, "--db", "{bad}"], kind) for command, kind in DB_CASES]
    return cases + [(command, kind) for command, kinds in FILE_CASES for kind in kinds]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bad-files")
    good_db = root / "good.db"
    store = SqliteStore(good_db)
    s = seed(store)
    plugin = store.create(e.Plugin("detector", products=[s.product.id]))
    result = store.create(e.PluginResult(stored_id(s.image), None, stored_id(plugin)))
    store.create(e.PluginResultEntry(stored_id(result), "cells"))
    store.close()
    (root / "good.json").write_text("[]")
    (root / "good.csv").write_text("uuid,image,type,score,x,y,decision,reviewer\n")
    (root / "folder").mkdir()
    os.mkfifo(root / "fifo")
    (root / "out").mkdir()
    return {"root": root, "good_db": good_db, "damaged_db": damaged_project(root / "damaged")[0]}


def _bad(files: dict[str, Path], kind: str, argv: list[str]) -> Path:
    root = files["root"]
    if kind == "damaged":  # a damaged slide; else a damaged project (binary where JSON or CSV is read)
        return UNREADABLE_SVS if argv[0] == "open" else files["damaged_db"]
    return {"folder": root / "folder", "fifo": root / "fifo", "zero": Path("/dev/zero"),
            "missing": root / "no" / "such.file", "unreadable": Path("/proc/self/mem")}[kind]  # fmt: skip


@pytest.mark.parametrize(("argv", "kind"), _cases(), ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_a_bad_file_is_one_line_naming_it_never_a_traceback(files, argv, kind):
    bad = _bad(files, kind, argv)
    values = {"bad": str(bad), "good_db": str(files["good_db"]), "good_json": str(files["root"] / "good.json"),
              "good_csv": str(files["root"] / "good.csv"), "out": str(files["root"] / "out")}  # fmt: skip
    args = [part.format(**values) for part in argv]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EXACT_DESKTOP_PASSWORD": "long enough password"}
    try:
        done = subprocess.run([sys.executable, "-m", "exact_desktop", *args], cwd=PROJECT, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=60, env=env)  # fmt: skip
        assert not (files["root"] / "no").exists()  # nothing was made where the path was missing
    finally:
        shutil.rmtree(files["root"] / "no", ignore_errors=True)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    said = [line for line in done.stderr.splitlines() if line.startswith("exact-desktop:")]
    assert len(said) == 1 and bad.name in said[0], done.stderr


def test_a_reader_that_stops_reading_is_no_traceback(files):
    """`exact-desktop plugin list | head -0`: the pipe's reader has gone before anything is
    written; the command ends as a shell expects (141, as by SIGPIPE), without a word."""
    command = [sys.executable, "-m", "exact_desktop", "plugin", "list", "--db", str(files["good_db"])]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as running:
        assert running.stdout is not None and running.stderr is not None
        running.stdout.close()  # before the interpreter has started: its first write meets a closed pipe
        said = running.stderr.read().decode()
        code = running.wait(timeout=60)
    assert code == 141 and said == "", said


def test_a_command_started_with_its_output_closed_does_its_work_and_ends_well(files):
    """`exact-desktop plugin list >&-`: Python has no standard output then; the command's answer
    goes nowhere, as before, without a traceback or a failing exit status."""
    command = [sys.executable, "-m", "exact_desktop", "plugin", "list", "--db", str(files["good_db"])]
    done = subprocess.run(command, cwd=PROJECT, stderr=subprocess.PIPE, text=True, timeout=60,
                          preexec_fn=lambda: os.close(1))  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr


@pytest.mark.parametrize("unbuffered", ["1", ""], ids=["at-the-print", "at-the-last-flush"])
@pytest.mark.parametrize("command", ["jobs", "import"])
def test_an_output_on_a_full_device_is_one_line_not_a_traceback(files, tmp_path, command, unbuffered):
    """`exact-desktop plugin jobs > /dev/full`: the answer cannot be written (ENOSPC at a print,
    or at the last flush when output is buffered); the command says so in one line and fails,
    after the words it had for stderr (an import's refusal)."""
    bad = tmp_path / "unknown.geojson"
    point = {"type": "Point", "coordinates": [5, 5]}
    bad.write_text(json.dumps([{"type": "Feature", "geometry": point, "properties": {"classification": "No"}}] * 500))
    argv = {"jobs": ["plugin", "jobs"], "import": ["import", "--image", "1", str(bad)]}[command]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": unbuffered}
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "exact_desktop", *argv, "--db", str(files["good_db"])],
                              cwd=PROJECT, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, env=env)  # fmt: skip
    lines = done.stderr.splitlines()
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert lines[-1] == "exact-desktop: could not write the output: No space left on device", done.stderr
    assert len(lines) == (1 if command == "jobs" else 3), done.stderr


def test_serve_with_its_output_on_a_full_device_says_so_not_that_it_cannot_listen(files):
    """Listening worked; its first line (address and token) could not be written: said as such,
    not blamed on the socket (an outside tester's finding)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    argv = ["serve", "--workers", "1", "--port", "0", "--db", str(files["good_db"])]
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "exact_desktop", *argv], cwd=PROJECT, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60, env=env)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.splitlines()[-1] == "exact-desktop: could not write the output: No space left on device"
