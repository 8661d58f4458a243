"""A window on a server as a person meets it (issue 26). The plugin dialogs are up before the
slow answers they wait for: a plugin whose description is held back, a server that holds its
answer back (25-30 s of a frozen window before Run plugin opened, 15-20 s for Manage plugins, no
sign of work). The title names the server; a lost connection's message goes once it is back."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from exact_desktop.model.entities import Plugin
from exact_desktop.plugins import exact_catalogue, registry
from exact_desktop.project.exact_plugins import ExactPlugins
from exact_desktop.project.opening import open_project, project_of
from exact_desktop.rest.connection import Connection
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.sync.engine import SyncSummary
from exact_desktop.sync.exact_mirror import ExactMirror
from exact_desktop.ui.exact_plugin_manager import ExactPluginManager
from exact_desktop.ui.main_window import MainWindow
from exact_desktop.ui.settings import last_project
from tests.faults.proxy import FaultProxy
from tests.rest.json_answer import answer_json

HELD_AT_MOST_S = 20  # a held plugin gives up waiting by then: the old code must not hang the test


def held_plugin(folder: Path, name: str, gate: Path) -> Path:
    """A plugin script whose --describe answers once `gate` exists (a real process, held back)."""
    script = folder / f"{name.replace(' ', '_').lower()}.py"
    script.write_text(
        textwrap.dedent(f"""
        import json, pathlib, sys, time
        for _ in range({HELD_AT_MOST_S * 20}):
            if pathlib.Path({str(gate)!r}).exists():
                break
            time.sleep(0.05)
        if "--describe" in sys.argv:
            print(json.dumps({{"name": {name!r}, "parameters": [{{"name": "size", "type": "int", "default": 3}}]}}))
    """)
    )
    return script


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch):
    """Makes `scripts` the installed plugins (the built-ins take seconds each to describe)."""

    def install(*scripts: Path) -> None:
        for module in (exact_catalogue, registry):
            monkeypatch.setattr(module, "discovered_scripts", lambda: [str(s) for s in scripts])

    return install


class HeldServer(http.server.ThreadingHTTPServer):
    """Answers the plugin list once released, with one record: a server that takes its time."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Held)
        self.asked, self.release = threading.Event(), threading.Event()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _Held(http.server.BaseHTTPRequestHandler):
    server: HeldServer

    def do_GET(self) -> None:
        if not self.path.startswith("/api/v1/processing/plugins/"):
            answer_json(self, 404, b'{"detail": "Not found."}')
            return
        self.server.asked.set()
        self.server.release.wait(HELD_AT_MOST_S)
        record = {"id": 7, "name": "Server one", "author": "lab", "package": "p", "products": []}
        answer_json(self, 200, json.dumps({"count": 1, "next": None, "previous": None, "results": [record]}).encode())

    def log_message(self, *_args: object) -> None:
        pass


def test_run_plugin_is_up_before_the_plugins_here_are_described(qtbot, tmp_path, installed, server_window):
    gate = tmp_path / "described"
    installed(held_plugin(tmp_path, "Held one", gate))
    ui = server_window().plugins
    ui.run_action.trigger()
    dialog = ui.run_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.plugin_box.count() == 0 and dialog.busy_bar.isVisible() and not dialog.ok_button.isEnabled()
    dialog.grab().save(str(tmp_path / "run-dialog-reading.png"))
    gate.touch()
    qtbot.waitUntil(lambda: dialog.plugin_box.count() == 1, timeout=HELD_AT_MOST_S * 1000)
    assert dialog.plugin_box.currentText() == dialog.plugin.name == "Held one" and "size" in dialog.fields
    assert dialog.ok_button.isEnabled() and not dialog.busy_bar.isVisible()
    dialog.reject()
    ui.run_action.trigger()  # described once: the next dialog has them at once... or a moment later
    qtbot.waitUntil(lambda: ui.run_dialog.plugin_box.count() == 1, timeout=5_000)


def test_the_manager_lists_the_plugins_here_while_the_server_holds_its_answer(qtbot, tmp_path, installed):
    gate = tmp_path / "open"
    gate.touch()
    installed(held_plugin(tmp_path, "Here one", gate))
    with HeldServer() as held:
        threading.Thread(target=held.serve_forever, daemon=True).start()
        project = ExactMirror(Connection(held.url, token="t"), 1, folder=tmp_path / "mirror")
        project.store.create(Plugin("Here one", remote_id=7))  # as a pulled result names it: no script
        manager = ExactPluginManager(ExactPlugins(project))
        qtbot.addWidget(manager)
        manager.open()
        assert manager.isVisible() and manager.busy and manager.busy_bar.isVisible()
        qtbot.waitUntil(lambda: [entry.name for entry in manager.entries] == ["Here one"], timeout=15_000)
        assert held.asked.is_set() and not held.release.is_set()  # the server has not answered yet
        assert manager.message.text().startswith("Reading the plugin records of http://127.0.0.1")
        assert manager.entries[0].state == "here; the server's records are not read yet"
        manager.grab().save(str(tmp_path / "manager-reading.png"))
        held.release.set()
        qtbot.waitUntil(lambda: not manager.busy, timeout=15_000)
        assert [(entry.name, entry.state) for entry in manager.entries] == [
            ("Here one", "here only: not registered on the server"),
            ("Server one", "on the server only: no plugin of that name is installed here"),
        ]
        assert manager.message.text() == "1 plugin record(s) on the server, 1 here only"
        assert not manager.busy_bar.isVisible() and manager.register_button.isEnabled()
        assert manager.entries[0].here.script == str(tmp_path / "here_one.py")  # the installed one runs
        held.shutdown()
        project.store.close()


def test_the_title_names_the_server_and_a_lost_connection_s_message_goes_when_it_is_back(qtbot, served, server_window):
    running, _ = served
    with FaultProxy(running.url) as proxy:
        window = server_window(via=proxy.url)
        assert window.view.source is not None  # a slide is shown, through the server's tiles
        assert window.windowTitle() == f"a.svs (300 x 250 px, 0.250 µm/px) - Demo on {proxy.url} - exact-desktop"
        bar = window.statusBar()
        window.server_ui.timer.stop()  # no periodic sync, whose report would take the status bar too
        proxy.refuse = True  # the server goes away: open connections cut, new ones closed at once
        proxy.cut_once_after(0)
        qtbot.waitUntil(lambda: bar.currentMessage().startswith("cannot read the jobs"), timeout=30_000)
        proxy.refuse = False
        qtbot.waitUntil(lambda: not bar.currentMessage().startswith("cannot read the jobs"), timeout=30_000)
        assert bar.currentMessage() == "The jobs are read again"


def test_a_mirror_reopened_from_its_file_is_a_server_project_again(qtbot, served, server_window, monkeypatch):
    """Issue 28: the last project reopened (`exact-desktop open` with no paths, as the window
    remembered it) was a plain local project: no Synchronise, no conflicts, the mirror's own jobs."""
    running, _ = served
    first = server_window()
    path, image_set = first.store.path, first.image_set_id
    first.close()  # remembers the project and its image set, as every window does
    monkeypatch.setenv("EXACT_TOKEN", running.token)  # the secret a login keeps in the keyring
    assert last_project() == (path, image_set)
    project = open_project(path, image_set)
    assert project.kind == "exact" and project.url == running.url  # type: ignore[attr-defined]
    again = MainWindow(interactive_errors=False, project=project)  # what `exact-desktop open` shows
    qtbot.addWidget(again)
    again.show()
    again.open_image_set(image_set)  # type: ignore[arg-type]
    assert "&Synchronise" in [a.text() for a in again.file_menu.actions()]
    assert again.server_ui.conflicts_dock is not None and again.editor is None
    assert again.windowTitle().endswith(f"Demo on {running.url} - exact-desktop")
    assert again.view.source is not None  # the slide, through the server's tiles
    with qtbot.waitSignal(again.server_ui.synced, timeout=30_000) as synced:
        again.server_ui.sync("both")
    assert isinstance(synced.args[0], SyncSummary), synced.args[0]  # signed in, in step with the server
    again.server_ui.timer.stop()
    again.close()
    reopened = MainWindow(
        interactive_errors=False, project=project_of(SqliteStore(path))
    )  # the window given the file alone
    qtbot.addWidget(reopened)
    assert reopened.mirror is not None and reopened.mirror.url == running.url
    reopened.close()


def test_open_given_a_mirror_file_shows_the_server_image_set_it_mirrors(qtbot, served, server_window, tmp_path):
    """`exact-desktop open FILE.db` took the project file for a slide and refused it. The served
    set has a slide the server cannot show: that one alone is named, and the window closes
    cleanly (it aborted, with the job poller still running at exit)."""
    running, _ = served
    first = server_window()
    path = first.store.path
    first.close()
    done = subprocess.run(
        [sys.executable, "-m", "exact_desktop", "open", str(path), "--screenshot", str(tmp_path / "mirror.png")],
        env={**os.environ, "EXACT_TOKEN": running.token, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    said = [line for line in done.stderr.splitlines() if line.startswith("exact-desktop:")]
    assert len(said) == 1 and "b.svs" in said[0] and "has no file" in said[0], done.stderr
    assert done.returncode == 2, done.stderr  # a slide could not be shown


def test_a_mirror_opened_from_the_recent_list_is_a_server_project(qtbot, served, server_window, monkeypatch):
    """Finding 3 and issue 28: File -> Recent projects lists a server's mirror as such, and
    opens it as a server project again (Synchronise, the server in the title)."""
    running, _ = served
    first = server_window()
    path = first.store.path
    first.close()
    monkeypatch.setenv("EXACT_TOKEN", running.token)  # the secret a login keeps in the keyring
    window = MainWindow(interactive_errors=False)  # slides alone: the recent list is there too
    qtbot.addWidget(window)
    window.project_menu.list_recent()
    [item] = window.project_menu.recent_menu.actions()
    assert item.toolTip() == str(path) and f"(server {running.url})" in item.text()
    with qtbot.waitSignal(window.project_menu.opened) as opened:
        item.trigger()
    again = opened.args[0]
    assert again.mirror is not None and again.mirror.url == running.url
    assert "&Synchronise" in [a.text() for a in again.file_menu.actions()]
    assert again.windowTitle().endswith(f"Demo on {running.url} - exact-desktop")
    again.server_ui.timer.stop()
    again.close()
