"""Plugins -> Manage plugins: add, show, edit, test on the shown image, remove."""

from __future__ import annotations

import json
from pathlib import Path

from exact_desktop.model import entities as e
from exact_desktop.plugins.registry import produced_types
from exact_desktop.project.opening import project_of
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.main_window import MainWindow
from tests.conftest import BOXES_TIFF
from tests.plugins.conftest import open_window
from tests.store.conftest import seed

SCRIPT = str(Path(__file__).parent / "scripts" / "behaviours.py")


def test_manage_plugins_from_the_menu(qtbot, tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(BOXES_TIFF), width=300, height=250)
    store.delete(e.Image, s.other_image.id)
    window = open_window(qtbot, store, s.image_set.id)
    ui = window.plugins
    ui.manage_action.trigger()
    manager = ui.manager
    assert manager is not None and manager.isVisible() and manager.listing.count() == 0

    manager._pick_script = lambda: str(tmp_path / "missing.py")
    assert manager.add() is None and "missing.py" in manager.message.text()
    manager._pick_script = lambda: SCRIPT
    added = manager.add()
    assert added is not None and manager.listing.count() == 1
    assert "2 parameter(s)" in manager.message.text() and "Spot, Outline" in manager.message.text()
    assert manager.name.text() == "Behaviours" and manager.script.text() == SCRIPT
    assert [p["name"] for p in json.loads(manager.parameters.toPlainText())] == ["mode", "count"]

    manager.name.setText("Spot finder")
    manager.queue.setCurrentText("celery")
    manager.products.setText("Spot, Mitosis")
    schema = json.loads(manager.parameters.toPlainText())
    schema[1]["default"] = 4
    manager.parameters.setPlainText(json.dumps(schema))
    manager.save()
    saved = store.get(e.Plugin, added.id)
    assert (saved.name, saved.queue) == ("Spot finder", "celery")
    assert set(saved.produces) == {"Spot", "Mitosis"}
    assert {t.name for t in produced_types(store, saved)} == {"Spot", "Mitosis"}
    assert saved.parameter_schema[1]["default"] == 4
    manager.parameters.setPlainText("{not json")
    manager.save()
    assert "not a valid schema" in manager.message.text()

    store.update(e.Plugin, added.id, queue="local")
    manager.reload(select=added.id)
    manager.test_button.click()  # runs on the image shown, with the default parameters

    def finished() -> bool:
        jobs = store.list(e.PluginJob)
        return len(jobs) == 1 and jobs[0].status == "done"

    qtbot.waitUntil(finished, timeout=30_000)
    assert store.count(e.PluginResultAnnotation, image=s.image.id) == 4

    manager.remove()
    assert manager.listing.count() == 0 and store.count(e.Plugin) == 0
    window.close()


def test_the_manager_lists_a_servers_plugin_records_too(qtbot, tmp_path):
    from tests.server.conftest import start_server, stop_server

    remote_db = tmp_path / "server.db"
    remote = SqliteStore(remote_db)
    remote.create(e.Plugin("Mitosis counter (server)", author="lab", package="lab.mitosis"))
    remote.close()
    process, info = start_server(remote_db)  # an EXACT-compatible server with its own records
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    window = MainWindow(project=project_of(store), interactive_errors=False)
    qtbot.addWidget(window)
    manager = window.plugins.show_manager()
    manager._pick_script = lambda: SCRIPT
    manager.add()
    assert not manager.connect_server(info["url"], "wrong token")
    assert "403" in manager.message.text()
    assert manager.connect_server(info["url"], info["token"])
    items = [manager.listing.item(i).text() for i in range(manager.listing.count())]
    assert items == ["Behaviours  [local]", "Mitosis counter (server)  [server]"]
    manager.listing.setCurrentRow(1)
    assert manager.name.text() == "Mitosis counter (server)" and "lab.mitosis" in manager.script.text()
    assert not manager.save_button.isEnabled() and not manager.remove_button.isEnabled()
    assert stop_server(process) == 0
    assert s.product.id in store.list(e.Plugin)[0].products
    window.close()
