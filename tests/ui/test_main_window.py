"""The main window and the command line, as a person meets them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QMessageBox

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.main_window import MainWindow
from exact_desktop.ui.settings import last_project, remember_project
from tests.conftest import BOXES_TIFF, SMALL_SVS, UNOPENABLE_TIFF, UNREADABLE_SVS
from tests.store.conftest import seed


def make_window(qtbot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(900, 700)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_bad_slides_show_a_message_naming_file_and_problem(qtbot):
    window = make_window(qtbot)
    with qtbot.waitSignals([window.errorShown, window.errorShown], timeout=5_000):
        failures = window.open_paths([UNOPENABLE_TIFF, SMALL_SVS, UNREADABLE_SVS])
    assert [f.path.name for f in failures] == ["unopenable.tiff", "unreadable.svs"]
    boxes = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    texts = " ".join(b.text() for b in boxes)
    assert "unopenable.tiff" in texts and "Unsupported TIFF compression" in texts
    assert "unreadable.svs" in texts and "cannot be decoded" in texts
    assert window.images.count() == 1  # the good slide still opened and is shown
    assert window.view.source is not None and window.view.source.path == SMALL_SVS


def test_status_bar_shows_position_micrometres_and_magnification(qtbot):
    window = make_window(qtbot)
    with qtbot.waitSignal(window.view.frameCompleted, timeout=10_000):
        window.open_paths([SMALL_SVS])
    view = window.view
    s_x, s_y = view.state.l0_to_screen(10, 4)
    pos = QPointF(s_x, s_y)
    view.mouseMoveEvent(
        QMouseEvent(
            QMouseEvent.Type.MouseMove,
            pos,
            view.mapToGlobal(pos),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
        )
    )
    assert window.position_label.text() == "x 10  y 4 px"
    assert window.micron_label.text() == f"{10 * 0.499:,.1f}, {4 * 0.499:,.1f} µm"
    mag = window.magnification_label.text()
    assert mag.endswith("%)") and "x" in mag


def test_switching_images_in_the_list_switches_the_slide(qtbot):
    window = make_window(qtbot)
    window.open_paths([SMALL_SVS, BOXES_TIFF])
    assert window.view.source.path == SMALL_SVS
    with qtbot.waitSignal(window.view.frameCompleted, timeout=10_000):
        window.images.setCurrentRow(1)
    assert window.view.source.path == BOXES_TIFF
    assert window.view.state.slide_width == 300


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, EXACT_DESKTOP_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "exact_desktop", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_cli_screenshot_of_a_good_slide(tmp_path, data_home):
    shot = tmp_path / "shot.png"
    result = run_cli("open", str(BOXES_TIFF), "--screenshot", str(shot), home=data_home)
    assert result.returncode == 0, result.stderr
    picture = cv2.imread(str(shot))
    assert picture is not None and picture.shape[0] > 300
    assert (np.all(picture == (255, 0, 0), axis=2)).sum() > 1000  # the blue box, in BGR


def test_cli_refuses_bad_slides_with_a_message_and_no_traceback(tmp_path, data_home):
    for bad, reason in ((UNREADABLE_SVS, "cannot be decoded"), (UNOPENABLE_TIFF, "Unsupported TIFF compression")):
        result = run_cli("open", str(bad), "--screenshot", str(tmp_path / "x.png"), home=data_home)
        assert result.returncode != 0
        assert bad.name in result.stderr and reason in result.stderr
        assert "Traceback" not in result.stderr
        assert not (tmp_path / "x.png").exists()


def test_cli_demo_makes_slides_and_ground_truth_once(tmp_path, data_home):
    folder = tmp_path / "demo ü"
    shot = tmp_path / "demo.png"
    result = run_cli("demo", "--dir", str(folder), "--size", "3000x2000", "--screenshot", str(shot), home=data_home)
    assert result.returncode == 0, result.stderr
    assert cv2.imread(str(shot)) is not None
    truth = json.loads((folder / "demo-ground-truth.json").read_text(encoding="utf-8"))
    assert Path(truth["slide"]) == folder / "demo-slide.svs"
    made = (folder / "demo-slide.svs").stat().st_mtime_ns
    again = run_cli("demo", "--dir", str(folder), "--size", "3000x2000", "--no-gui", home=data_home)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["slides"][0] == str(folder / "demo-slide.svs")
    assert (folder / "demo-slide.svs").stat().st_mtime_ns == made  # reused, not rebuilt


def test_the_jobs_dock_shows_several_rows(qtbot, tmp_path):
    """Issue 26: the Jobs dock showed a row and a half."""
    from tests.plugins.conftest import open_window
    from tests.ui.test_annotating import project

    store, s, _ = project(tmp_path)
    window = open_window(qtbot, store, s.image_set.id)
    table = window.plugins.jobs_panel.table
    assert table.isVisible() and table.viewport().height() >= 4 * table.verticalHeader().defaultSectionSize()
    window.grab().save(str(tmp_path / "jobs-dock.png"))


def test_an_emptied_or_foreign_project_file_is_refused_in_one_line_and_left_as_it_is(tmp_path, data_home):
    """The last project emptied (0 bytes) was made over as a new project, then the window aborted
    on its remembered image set; `open FILE.db` read a project file that SQLite did not write as a
    slide. Each is one line naming the file, exit 2, the file untouched."""
    empty, text = tmp_path / "emptied.db", tmp_path / "notes.db"
    empty.write_bytes(b"")
    text.write_text("not a database\n")
    remember_project(empty, 1, None)
    for args, said in ((["open"], "empty"), (["open", str(empty)], "empty"), (["open", str(text)], "not an SQLite")):
        done = run_cli(*args, "--screenshot", str(tmp_path / "shot.png"), home=data_home)
        lines = [line for line in done.stderr.splitlines() if line.startswith("exact-desktop:")]
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert len(lines) == 1 and said in lines[0] and ".db" in lines[0], done.stderr
    assert empty.read_bytes() == b"" and text.read_text() == "not a database\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["emptied.db", "home", "notes.db"]  # no journal, no shot


def test_the_last_project_without_its_remembered_image_set_opens_at_its_first(tmp_path, data_home):
    """The image set shown last was deleted (or the file is another project now): NotFoundError and an abort."""
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(BOXES_TIFF), width=300, height=250)
    store.close()
    remember_project(tmp_path / "p.db", stored_id(s.image_set) + 1, None)
    done = run_cli("open", "--screenshot", str(tmp_path / "shot.png"), home=data_home)
    assert done.returncode == 0 and (tmp_path / "shot.png").exists(), done.stderr
    assert last_project() == (tmp_path / "p.db", stored_id(s.image_set))
