"""The window on a server: sign in, list the image sets, open one, see its slides through the
server's tiles, and an annotation made here arrives on the server. Real Qt widgets, both servers."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.project.exact import ExactProject
from exact_desktop.project.exact_plugins import ExactPlugins
from exact_desktop.rest.login import sign_in
from exact_desktop.slides.remote_source import RemoteSlideSource
from exact_desktop.store.credentials import credentials_for
from exact_desktop.sync.exact_mirror import ExactMirror
from exact_desktop.ui.connect_dialog import ConnectDialog
from exact_desktop.ui.main_window import MainWindow
from tests.contract.conftest import Target


@pytest.fixture(autouse=True)
def _no_secrets_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EXACT_TOKEN", "EXACT_USER", "EXACT_PASSWORD", "EXACT_URL"):
        monkeypatch.delenv(name, raising=False)


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    raw = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    rows = raw.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3]
    return rows.reshape(image.height(), image.width(), 3).copy()  # the QImage's memory goes with it


def signed_in(qtbot, target: Target) -> ConnectDialog:
    dialog = ConnectDialog()
    qtbot.addWidget(dialog)
    dialog.url.setText(target.url)
    dialog.user.setText(target.user)
    dialog.password.setText(target.password)
    assert dialog.sign_in(), dialog.message.text()
    return dialog


def open_server_window(qtbot, target: Target, image_set: int, folder: Path) -> tuple[ExactMirror, MainWindow]:
    """A window on a server image set, pulled into a mirror of its own in `folder`."""
    project = ExactMirror(sign_in(target.url, token=target.token), image_set, folder=folder)
    project.sync("pull")
    window = MainWindow(interactive_errors=False, project=ExactProject(project))
    qtbot.addWidget(window)
    window.show()
    window.open_image_set(project.image_set())
    return project, window


def test_open_a_server_image_set_and_annotate_on_it(qtbot, server: Target, contract_slide: Path,
                                                    tmp_path: Path) -> None:  # fmt: skip
    dialog = signed_in(qtbot, server)
    listed = [dialog.sets.item(row).text() for row in range(dialog.sets.count())]
    assert "Demo  (3 images)" in listed, listed
    dialog.choose(server.image_set)
    dialog._open()
    assert dialog.chosen_set == server.image_set
    kept = credentials_for(server.url)  # the secret went to the (file) keyring, private
    assert kept.source == "keyring" and kept.user == server.user
    assert stat.S_IMODE(os.stat(Path(os.environ["EXACT_DESKTOP_HOME"]) / "keyring.cfg").st_mode) == 0o600

    start = MainWindow(interactive_errors=False)
    qtbot.addWidget(start)
    with qtbot.waitSignal(start.server_ui.opened, timeout=120_000) as opened:
        start.server_ui.open_server_set(ExactMirror(dialog.connection, server.image_set, folder=tmp_path))
    window: MainWindow = opened.args[0]
    qtbot.addWidget(window)
    names = [window.images.item(row).text() for row in range(window.images.count())]
    assert sorted(names) == ["boxes.tiff", "contract.svs", "small.svs"]
    window.images.setCurrentRow(names.index("contract.svs"))
    assert isinstance(window.sources[names.index("contract.svs")], RemoteSlideSource)
    qtbot.waitUntil(window.view.frame_is_complete, timeout=60_000)

    local = MainWindow(interactive_errors=False)  # the same viewer on the file itself
    qtbot.addWidget(local)
    local.resize(window.size())
    window.show(), local.show()
    for view in (window.view, local.view):  # the two windows have different panels: same view size
        view.setFixedSize(800, 560)
    local.open_paths([contract_slide])
    window.view.fit(), local.view.fit()
    qtbot.waitUntil(lambda: window.view.frame_is_complete() and local.view.frame_is_complete(), timeout=60_000)
    for shown in (window, local):  # the slide's pixels alone: a plugin test may have left results on this image
        shown.layers.set_all(shown.current_image_id(), visible=False)  # type: ignore[arg-type]
    assert all(not layer.visible for layer in window.layers.for_image(window.current_image_id()))  # type: ignore[arg-type]
    assert window.view.size() == local.view.size()
    there, here = pixels(window.view.grab().toImage()), pixels(local.view.grab().toImage())
    assert there.shape == here.shape
    window.view.grab().save(str(tmp_path / "server-view.png")), local.view.grab().save(str(tmp_path / "file-view.png"))
    difference = np.abs(there.astype(np.int16) - here.astype(np.int16)).mean()
    assert difference < 4.0, difference
    assert (here < 200).any(axis=2).mean() > 0.05  # there is tissue in the picture, not only glass

    # an annotation made through the window's Store arrives on the server by itself
    store = window.store
    image = store.list(e.Image, name="contract.svs")[0]
    kind = next(t for t in store.list(e.AnnotationType) if t.vector_type == 1)
    made = store.create(e.Annotation(stored_id(kind), stored_id(image), {"x1": 400, "y1": 300, "x2": 460, "y2": 350}))
    session = server.session()

    def on_server() -> bool:
        found = session.get(f"{server.url}/api/v1/annotations/annotations/",
                            params={"unique_identifier": made.unique_identifier, "fields": "id,vector"}, timeout=30)  # fmt: skip
        return found.json()["count"] == 1

    qtbot.waitUntil(on_server, timeout=30_000)
    qtbot.waitUntil(lambda: window.mirror.waiting() == 0, timeout=10_000)  # type: ignore[union-attr]
    window.mirror.close()  # type: ignore[union-attr]


def test_download_the_original_slide_and_show_it_from_the_file(qtbot, server: Target, contract_slide: Path,
                                                               tmp_path: Path) -> None:  # fmt: skip
    project, window = open_server_window(qtbot, server, server.image_set, tmp_path)
    names = [window.images.item(row).text() for row in range(window.images.count())]
    row = names.index("contract.svs")
    window.images.setCurrentRow(row)
    assert isinstance(window.sources[row], RemoteSlideSource)
    with qtbot.waitSignal(window.server_ui.downloaded, timeout=120_000) as downloaded:
        window.server_ui.download_action.trigger()
    path = Path(downloaded.args[0])
    assert path.read_bytes() == contract_slide.read_bytes()  # the original, byte for byte
    assert path.parent == project.slides_folder and not path.with_name(path.name + ".part").exists()
    shown = window.sources[row]
    assert not isinstance(shown, RemoteSlideSource) and shown.path == path
    qtbot.waitUntil(window.view.frame_is_complete, timeout=60_000)
    image = project.store.list(e.Image, name="contract.svs")[0]
    assert image.local_path == str(path)  # remembered: the next window opens the file too
    again = ExactMirror(project.connection, server.image_set, folder=tmp_path)
    assert again.slide_for(again.store.get(e.Image, image.id)).path == path
    window.mirror.close()  # type: ignore[union-attr]


def test_a_refused_login_and_an_unreachable_server_are_named(qtbot, server: Target) -> None:
    dialog = ConnectDialog()
    qtbot.addWidget(dialog)
    dialog.url.setText(server.url)
    dialog.user.setText(server.user)
    dialog.password.setText("not the password")
    assert not dialog.sign_in()
    assert server.url in dialog.message.text() and "refused" in dialog.message.text()
    assert dialog.sets.count() == 0 and dialog.connection is None
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    dialog.url.setText(f"http://127.0.0.1:{port}")
    assert not dialog.sign_in()
    assert f"127.0.0.1:{port}" in dialog.message.text() and "cannot" in dialog.message.text()


def test_run_a_plugin_on_the_servers_image_set_from_the_window(qtbot, server: Target, contract_slide: Path,
                                                               tmp_path: Path) -> None:  # fmt: skip
    from exact_desktop.model.layers import RESULTS
    from tests.contract.test_sync import SyncSet

    fresh = SyncSet(server, contract_slide)  # a set of its own: the jobs and results are this test's
    project, window = open_server_window(qtbot, server, fresh.id, tmp_path)
    ui = window.plugins
    assert ui is not None and isinstance(ui.session, ExactPlugins)
    plugin = next(p for p in ui.session.plugins() if p.name == "Nuclei detector")
    job_ids = ui.run(plugin, {})
    assert len(job_ids) == 1
    qtbot.waitUntil(lambda: job_ids[0] in ui.jobs.jobs and not ui.jobs.jobs[job_ids[0]].active, timeout=300_000)
    assert ui.jobs.jobs[job_ids[0]].status == "done", ui.jobs.jobs[job_ids[0]]
    image = project.store.list(e.Image, remote_id=fresh.image)[0]
    session = server.session()

    def stored_there() -> int:
        results = session.get(f"{server.url}/api/v1/processing/pluginresults/",
                              params={"job_id": job_ids[0], "limit": 10}, timeout=30).json()["results"]  # fmt: skip
        return sum(session.get(f"{server.url}/api/v1/processing/pluginresultannotations/",
                               params={"pluginresultentry": entry, "limit": 1}, timeout=30).json()["count"]
                   for r in results if r["job"] == job_ids[0] for entry in r["entries"])  # fmt: skip

    expected = stored_there()
    assert expected > 20  # the contract slide has nuclei to find
    qtbot.waitUntil(lambda: project.store.count(e.PluginResultAnnotation, image=image.id) == expected, timeout=60_000)
    qtbot.waitUntil(lambda: bool(window.layers.for_image(image.id, RESULTS)), timeout=30_000)
    (layer,) = window.layers.for_image(image.id, RESULTS)
    assert "Nuclei detector" in layer.name
    ui.close()
    project.close()


def test_the_plugin_manager_lists_the_servers_records_and_registers_plugins_there(
    qtbot, server: Target, contract_slide: Path, tmp_path: Path
) -> None:
    from exact_desktop.ui.exact_plugin_manager import ExactPluginManager
    from tests.contract.test_sync import SyncSet

    fresh = SyncSet(server, contract_slide)
    project, window = open_server_window(qtbot, server, fresh.id, tmp_path)
    ui = window.plugins
    assert ui is not None and ui.manage_action.isEnabled()
    ui.manage_action.trigger()
    manager = ui.manager
    assert isinstance(manager, ExactPluginManager) and manager.isVisible()
    qtbot.waitUntil(lambda: not manager.busy and bool(manager.entries), timeout=120_000)
    session = server.session()

    def records() -> dict[str, dict]:
        listed = session.get(f"{server.url}/api/v1/processing/plugins/", params={"limit": 1000}, timeout=60).json()
        return {r["name"]: r for r in listed["results"]}

    there = records()
    shown = {entry.name: entry for entry in manager.entries}
    assert {n for n, entry in shown.items() if entry.record is not None} == set(there)  # every record, no more
    installed = {p.name for p in ui.session.plugins()}
    assert {n for n, entry in shown.items() if entry.here is not None} == installed
    assert "Nuclei detector" in installed

    # a plugin installed here is registered on the server, in the image set's product
    manager.listing.setCurrentRow(list(shown).index("Nuclei detector"))
    assert manager.register_button.isEnabled()
    manager.register_button.click()
    qtbot.waitUntil(lambda: not manager.busy and "Registered Nuclei detector" in manager.message.text(),
                    timeout=120_000)  # fmt: skip
    record = records()["Nuclei detector"]
    assert server.product in record["products"]
    entry = next(entry for entry in manager.entries if entry.name == "Nuclei detector")
    assert entry.record is not None and entry.record["id"] == record["id"] and entry.state == "on the server, runs here"
    assert manager.products.get(server.product, f"product {server.product}") in manager.details.text()

    # a script of the person's: kept with the mirror, registered there, offered by the run dialog
    manager._pick_script = lambda: str(tmp_path / "missing.py")
    manager.add()
    qtbot.waitUntil(lambda: not manager.busy, timeout=60_000)
    assert "missing.py" in manager.message.text() and "Missing" not in records()
    manager._pick_script = lambda: str(Path(__file__).parents[1] / "plugins" / "scripts" / "behaviours.py")
    manager.add()
    qtbot.waitUntil(lambda: not manager.busy and "Added Behaviours" in manager.message.text(), timeout=120_000)
    made = records()["Behaviours"]
    assert server.product in made["products"]
    assert any(entry.name == "Behaviours" and entry.record and entry.here for entry in manager.entries)
    assert [p.script for p in ui.session.plugins() if p.name == "Behaviours"] == [
        str(Path(__file__).parents[1] / "plugins" / "scripts" / "behaviours.py")
    ]
    kinds = {t["name"] for t in session.get(f"{server.url}/api/v1/annotations/annotation_types/",
                                            params={"product": server.product, "limit": 1000}, timeout=60
                                            ).json()["results"] if t["product"] == server.product}  # fmt: skip
    assert {"Spot", "Outline"} <= kinds  # the types its manifest names, made in the product
    manager.close()
    ui.close()
    project.close()


def test_a_conflict_shows_in_the_panel_and_is_resolved_there(qtbot, server: Target, contract_slide: Path,
                                                             tmp_path: Path) -> None:  # fmt: skip
    from tests.contract.test_sync import SyncSet

    fresh = SyncSet(server, contract_slide)
    (uuid_,) = fresh.create(1)
    project, window = open_server_window(qtbot, server, fresh.id, tmp_path)
    panel = window.server_ui.conflicts
    assert panel.list.count() == 0 and not panel.keep_local.isEnabled()
    window.server_ui.timer.stop()  # this test pushes by hand
    (mine,) = project.store.list(e.Annotation, unique_identifier=uuid_)
    mine_vector, theirs_vector = {"x1": 10, "y1": 10, "x2": 90, "y2": 70}, {"x1": 500, "y1": 500, "x2": 530, "y2": 520}
    project.store.update(e.Annotation, stored_id(mine), vector=mine_vector)
    fresh.patch(uuid_, vector=theirs_vector)
    with qtbot.waitSignal(window.server_ui.synced, timeout=60_000) as synced:
        window.server_ui.sync("both")
    assert synced.args[0].conflicts == 1
    assert panel.list.count() == 1 and "1 open conflict" in panel.summary.text()
    qtbot.mouseClick(panel.keep_local, Qt.MouseButton.LeftButton)
    assert panel.list.count() == 0
    with qtbot.waitSignal(window.server_ui.synced, timeout=60_000) as synced:
        window.server_ui.sync("both")
    assert synced.args[0].errors == []
    on_server = {a["unique_identifier"]: a for a in fresh.listed()}
    assert on_server[uuid_]["vector"] == mine_vector
    assert sum(not a["deleted"] for a in on_server.values()) == 1  # the copy went on both sides
    window.plugins.close()  # type: ignore[union-attr]
    project.close()
