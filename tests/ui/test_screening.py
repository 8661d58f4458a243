"""Screening mode with EXACT's keys on a small demo slide: mark and move, move, the percentage,
the overview, and continuing where one left off after a restart."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore
from tests.ui.test_annotating import annotating_window
from tests.ui.test_edit_tools import on_the_demo_slide


def start_screening(window):
    QTest.keyClick(window, Qt.Key.Key_AsciiCircum)  # ^: start, or continue where one left off
    return window.annotation.screening


def test_screen_with_the_keys_restart_and_continue(qtbot, tmp_path, demo_slide):
    store, s, window = on_the_demo_slide(qtbot, tmp_path, demo_slide[0])
    ui = start_screening(window)
    screening = ui.screening
    assert screening is not None and ui.label.isVisible()
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
