"""Files that cannot be projects, and commands that cannot ask: one line naming the problem, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from exact_desktop.store.base import StoreError
from exact_desktop.store.project import check_project_file, open_store
from tests.conftest import PROJECT
from tests.faults.disk import can_mount, small_disk


def run(*args: str, stdin=subprocess.DEVNULL, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exact_desktop", *args], cwd=PROJECT, capture_output=True,
                          text=True, stdin=stdin, timeout=60, env={**os.environ, **(env or {})})  # fmt: skip


def one_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def test_a_folder_a_text_file_and_an_impossible_place_are_refused_by_name(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("not a database\n")
    one_line(run("plugin", "list", "--db", str(tmp_path)), str(tmp_path), "folder")
    one_line(run("plugin", "list", "--db", str(text)), str(text), "not an SQLite database file")
    one_line(run("serve", "--db", str(text)), str(text), "not an SQLite database file")
    one_line(run("plugin", "list", "--db", "/proc/exact-desktop-test.db"), "/proc/exact-desktop-test.db")
    assert text.read_text() == "not a database\n"  # and it was left alone


@pytest.mark.skipif(not can_mount(), reason="mounting a small tmpfs needs root")
def test_a_read_only_project_is_refused_before_anything_is_served(tmp_path):
    """A project on a file system mounted read-only (root cannot write there either)."""
    with small_disk(tmp_path / "disk", 4096) as disk:
        project = disk / "p.db"
        open_store(project).close()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        with pytest.raises(StoreError, match="read-only"):
            check_project_file(project)
        one_line(run("serve", "--db", str(project)), str(project), "read-only")
        one_line(run("plugin", "list", "--db", str(project)), str(project), "read-only")


def test_users_add_without_a_terminal_says_how_to_give_the_password(tmp_path):
    done = run("users", "add", "alice", "--db", str(tmp_path / "p.db"), env={"EXACT_DESKTOP_PASSWORD": ""})
    assert done.returncode == 2 and "password" in done.stderr.lower()
    env = {k: v for k, v in os.environ.items() if k != "EXACT_DESKTOP_PASSWORD"}
    done = subprocess.run([sys.executable, "-m", "exact_desktop", "users", "add", "alice", "--db", str(tmp_path / "q.db")],
                          cwd=PROJECT, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, env=env)  # fmt: skip
    one_line(done, "no terminal", "EXACT_DESKTOP_PASSWORD")


def test_opening_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "slide.svs"
    os.mkfifo(fifo)
    done = run("open", str(fifo), "--screenshot", str(tmp_path / "shot.png"), env={"QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 2 and "not a regular file" in done.stderr and str(fifo) in done.stderr
