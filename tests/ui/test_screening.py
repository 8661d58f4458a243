"""Screening mode with EXACT's keys on a small demo slide: mark and move, move, the percentage,
the overview, and continuing where one left off after a restart."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.screening_ui import HINT
from tests.ui.test_annotating import annotating_window
from tests.ui.test_edit_tools import demo_project, on_the_demo_slide


def start_screening(window):
    QTest.keyClick(window, Qt.Key.Key_AsciiCircum)  # ^: start, or continue where one left off
    return window.annotation.screening


def test_screen_with_the_keys_restart_and_continue(qtbot, tmp_path, demo_slide):
    store, s, window = on_the_demo_slide(qtbot, tmp_path, demo_slide[0])
    ui = start_screening(window)
    screening = ui.screening
    assert screening is not None and ui.label.isVisible()
    assert window.statusBar().currentMessage() == HINT  # the keys, not the last tool's hint
    tiles = screening.tiles
    glass = [i for i, t in tiles.items() if t.get("Glass")]
    assert glass and len(glass) < len(tiles)  # the slide's corners are glass, its middle tissue
    first = screening.mode.current_index
    assert str(first) not in glass
    assert window.view.state.visible_region().contains_point(*screening.shown().center)
    assert ui.label.text().startswith("Screened 0 %")
    QTest.keyClick(window, Qt.Key.Key_D)  # mark this field and the one to the right
    QTest.keyClick(window, Qt.Key.Key_S)  # and the one below
    progress = screening.progress()
    assert progress.screened == 3 and ui.label.text() == str(progress)
    assert store.get(e.ScreeningMode, screening.mode.id).current_index == screening.mode.current_index
    QTest.keyClick(window, Qt.Key.Key_J)  # move left without marking
    assert screening.progress().screened == 3
    here = screening.mode.current_index
    centre = screening.shown().center
    state = window.view.state
    assert abs(state.center_x - centre[0]) < 1 and abs(state.center_y - centre[1]) < 1
    assert all(not tiles[str(i)].get("Glass") for i in (first, here))
    assert window.annotation.annotator.tool.name != "knife"  # d and s screened; the edit tools rest
    window.close()

    again = SqliteStore(tmp_path / "p.db")
    window = annotating_window(qtbot, again, s.image_set.id)
    ui = start_screening(window)
    assert ui.screening.mode.current_index == here  # continues where it left off
    assert ui.screening.progress() == progress
    assert ui.label.text() == str(progress)
    ui.stop()
    assert not ui.label.isVisible() and ui.screening is None
    (kept,) = again.list(e.ScreeningMode, image=s.image.id)
    assert kept.user == window.editor and kept.current_index == here


def test_the_unscreened_fields_that_hold_candidates_are_listed_and_visited(qtbot, tmp_path, demo_slide):
    store, s = demo_project(tmp_path, demo_slide[0])
    plugin = store.create(e.Plugin("Detector", script="x.py"))
    result = store.create(e.PluginResult(s.image.id, None, plugin.id))
    entry = store.create(e.PluginResultEntry(result.id, "mitoses", default_threshold=0.5))
    found = [(3000, 2000, 0.9), (3100, 2050, 0.2), (1500, 1900, 0.8)]
    store.bulk_create([e.PluginResultAnnotation(s.box.id, entry.id, s.image.id,
                                                {"x1": x, "y1": y, "x2": x + 20, "y2": y + 20}, score=score)
                       for x, y, score in found])  # fmt: skip
    window = annotating_window(qtbot, store, s.image_set.id)
    ui = start_screening(window)
    screening = ui.screening
    holding = screening.unscreened_holding(np.array([[x + 10, y + 10] for x, y, score in found if score >= 0.5]))
    assert holding
    ui.candidates_action.trigger()
    assert screening.mode.current_index == holding[0] and screening.progress().screened == 0
    assert f"{len(holding)} unscreened fields hold candidates" in window.statusBar().currentMessage()
    for _ in holding:
        QTest.keyClick(window, Qt.Key.Key_W)  # mark it (and the field above) screened
        ui.candidates_action.trigger()
    assert screening.unscreened_holding(np.array([[3010, 2010], [1510, 1910]])) == []
    assert "no unscreened field holds" in window.statusBar().currentMessage()


def test_a_field_size_from_another_magnification_starts_a_new_screening(qtbot, tmp_path, demo_slide):
    _store, _s, window = on_the_demo_slide(qtbot, tmp_path, demo_slide[0])
    ui = start_screening(window)
    QTest.keyClick(window, Qt.Key.Key_D)
    before = ui.screening.mode
    assert ui.screening.progress().screened == 2

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        dialog.setDoubleValue(20)
        dialog.accept()

    QTimer.singleShot(200, answer)
    ui.size_action.trigger()  # Tools -> Screening: field size...
    after = ui.screening.mode
    assert after.id == before.id and abs(after.x_resolution - before.x_resolution / 2) <= 1
    assert ui.screening.progress().screened == 0 and after.x_steps * after.y_steps > before.x_steps * before.y_steps
    QTest.keyClick(window, Qt.Key.Key_AsciiCircum)  # ^ continues with the fields there are
    assert ui.screening.mode.x_resolution == after.x_resolution
