"""Annotating in the window as a person does: real mouse and key events on the real widgets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import QEvent, QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from exact_desktop.model import entities as e
from exact_desktop.paths import resource_path
from exact_desktop.plugins.registry import PLUGIN_SORT_ORDER, register
from exact_desktop.project.opening import project_of
from exact_desktop.store.local_user import login_name
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui import annotation_ui
from exact_desktop.ui.help_dialog import HelpDialog
from exact_desktop.ui.label_keys import shifted_digit
from exact_desktop.ui.main_window import MainWindow
from exact_desktop.ui.settings import last_project
from tests.conftest import BOXES_TIFF, PROJECT, SMALL_SVS
from tests.plugins.conftest import SCRIPT, open_window
from tests.plugins.test_gui_end_to_end import drawn_when_ready
from tests.store.conftest import seed


def project(tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(BOXES_TIFF), width=300, height=250)
    store.update(e.Image, s.other_image.id, local_path=str(SMALL_SVS), width=16, height=16)
    label = store.create(e.AnnotationType("Tumour slide", 7, s.product.id))
    return store, s, label


def annotating_window(qtbot, store, image_set: int) -> MainWindow:
    """The window, made active: its key shortcuts work only then (on xcb without a window manager too)."""
    window = open_window(qtbot, store, image_set)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    window.view.setFocus()
    return window


def screen(window: MainWindow, x: float, y: float) -> QPoint:
    sx, sy = window.view.state.l0_to_screen(x, y)
    return QPoint(round(sx), round(sy))


def drag(window, a, b, modifier=Qt.KeyboardModifier.NoModifier):
    view = window.view
    QTest.mousePress(view, Qt.MouseButton.LeftButton, modifier, screen(window, *a))
    QTest.mouseMove(view, screen(window, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2))
    QTest.mouseMove(view, screen(window, *b))
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, modifier, screen(window, *b))


def click(window, at, modifier=Qt.KeyboardModifier.NoModifier):
    QTest.mouseClick(window.view, Qt.MouseButton.LeftButton, modifier, screen(window, *at))


def live(store, image):
    return [a for a in store.list(e.Annotation, image=image) if not a.deleted]


def test_draw_select_delete_undo_with_mouse_and_keys(qtbot, tmp_path):
    store, s, _ = project(tmp_path)
    window = annotating_window(qtbot, store, s.image_set.id)
    ui = window.annotation
    assert [t.name for t in ui.annotator.palette] == ["Mitosis", "Nucleus", "Ruler", "Tissue"]
    window.view.setFocus()
    QTest.keyClick(window, Qt.Key.Key_2)  # Nucleus, a box type
    assert ui.annotator.active.id == s.box.id
    drag(window, (50, 40), (120, 100))
    (box,) = live(store, s.image.id)
    ds = window.view.state.downsample
    assert abs(box.vector["x1"] - 50) <= ds and abs(box.vector["x2"] - 120) <= ds
    assert ui.annotator.selection == []  # stored and let go, as EXACT does: the next key picks a type to draw
    qtbot.waitUntil(lambda: "Nucleus 1" in ui.list.summary.text(), timeout=5_000)

    QTest.keyClick(window, Qt.Key.Key_3)  # draw with Ruler, a line type, by two clicks
    click(window, (10, 200))
    click(window, (200, 210))
    assert len(live(store, s.image.id)) == 2

    QTest.keyClick(window, Qt.Key.Key_C)  # select mode
    click(window, (80, 70))
    assert ui.annotator.selection == [box.id]
    assert ui.properties.fields["UUID"].text() == box.unique_identifier
    QTest.keyClick(window, Qt.Key.Key_1)  # Mitosis is a point type: a box cannot become one, and says so
    assert store.get(e.Annotation, box.id).annotation_type == s.box.id
    assert "selected box cannot become Mitosis (point)" in window.statusBar().currentMessage()
    drag(window, (80, 70), (100, 90))  # move it by (20, 20)
    moved = store.get(e.Annotation, box.id).vector
    assert abs(moved["x1"] - box.vector["x1"] - 20) <= 2 * ds
    QTest.keyClick(window, Qt.Key.Key_X)
    assert store.get(e.Annotation, box.id).deleted
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not store.get(e.Annotation, box.id).deleted
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert store.get(e.Annotation, box.id).vector == box.vector
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert store.get(e.Annotation, box.id).vector == moved


def test_a_box_drawn_on_the_turned_view_is_stored_where_it_is_on_the_slide(qtbot, tmp_path):
    """r turns the view a quarter clockwise: the widget's right is the slide's up, its down the
    slide's right. A box dragged there is stored in the slide's level-0 pixels under the mouse."""
    store, s, _ = project(tmp_path)
    window = annotating_window(qtbot, store, s.image_set.id)
    view, state = window.view, window.view.state
    QTest.keyClick(window, Qt.Key.Key_R)
    assert state.quarter_turns == 1
    QTest.keyClick(window, Qt.Key.Key_2)  # Nucleus, a box type
    cx, cy, ds = state.center_x, state.center_y, state.downsample
    mid = QPoint(view.width() // 2, view.height() // 2)
    start, end = mid + QPoint(-30, -20), mid + QPoint(40, 30)
    QTest.mousePress(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(view, mid)
    QTest.mouseMove(view, end)
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    (box,) = live(store, s.image.id)
    v = box.vector
    # widget (dx, dy) from the centre is slide (dy, -dx): the corners (-20, 30) and (30, -40)
    expected = (cx - 20 * ds, cy - 40 * ds, cx + 30 * ds, cy + 30 * ds)
    stored = (min(v["x1"], v["x2"]), min(v["y1"], v["y2"]), max(v["x1"], v["x2"]), max(v["y1"], v["y2"]))
    assert stored == pytest.approx(expected, abs=2 * ds)


def test_a_number_key_after_drawing_picks_the_next_type_to_draw(qtbot, tmp_path):
    """Issue 26: a box just drawn stayed selected, so `4` (a polygon type) tried to retype it, and the
    polygon's clicks drew nothing, without a word."""
    store, s, _ = project(tmp_path)
    window = annotating_window(qtbot, store, s.image_set.id)
    QTest.keyClick(window, Qt.Key.Key_2)  # Nucleus, a box type
    drag(window, (50, 40), (120, 100))
    (box,) = live(store, s.image.id)
    QTest.keyClick(window, Qt.Key.Key_4)  # Tissue, a polygon type
    assert window.statusBar().currentMessage() == "Drawing Tissue (polygon)"
    for at in ((150, 20), (250, 30), (240, 160)):
        click(window, at)
    QTest.keyClick(window.view, Qt.Key.Key_Return)
    polygon = next(a for a in live(store, s.image.id) if a.id != box.id)
    assert polygon.annotation_type == s.polygon.id and len(polygon.vector) == 6
    assert store.get(e.Annotation, box.id).annotation_type == s.box.id


def test_every_edit_in_a_local_project_names_who_made_it(qtbot, tmp_path):
    """Issue 26: Author and Last editor showed "-" (NULL columns) for everything drawn here."""
    store, s, _ = project(tmp_path)
    store.create(e.User("someone else"))  # other users of the project (`users add`) are not the author
    me = store.create(e.User(login_name()))  # as the demo makes it; a project without one gets it on opening
    window = annotating_window(qtbot, store, s.image_set.id)
    QTest.keyClick(window, Qt.Key.Key_2)
    drag(window, (50, 40), (120, 100))
    (box,) = live(store, s.image.id)
    assert (box.user, box.last_editor) == (me.id, me.id)
    store.update(e.Annotation, box.id, last_editor=None)
    QTest.keyClick(window, Qt.Key.Key_C)
    click(window, (80, 70))
    properties = window.annotation.properties
    assert properties.fields["Author"].text() == me.username
    properties.description.setText("checked")
    properties.description.editingFinished.emit()
    edited = store.get(e.Annotation, box.id)
    assert (edited.description, edited.user, edited.last_editor) == ("checked", me.id, me.id)


def test_what_another_process_writes_to_the_project_shows_without_a_restart(qtbot, tmp_path):
    """Issue 26: after a pull from the command line the list had the new polygon, the view's
    tiles at that zoom did not until a restart."""
    store, s, _ = project(tmp_path)
    store.create(e.Annotation(s.box.id, s.image.id, {"x1": 20, "y1": 20, "x2": 60, "y2": 60}))
    window = annotating_window(qtbot, store, s.image_set.id)
    drawn_when_ready(qtbot, window, 1)
    script = textwrap.dedent(f"""
        from exact_desktop.model.entities import Annotation
        from exact_desktop.store.sqlite.store import SqliteStore
        store = SqliteStore({str(tmp_path / "p.db")!r})
        store.create(Annotation({s.polygon.id}, {s.image.id}, {{"x1": 150, "y1": 150, "x2": 250, "y2": 150, "x3": 200, "y3": 220}}))
        store.close()
    """)
    subprocess.run([sys.executable, "-c", script], cwd=PROJECT, check=True, timeout=120)
    drawn_when_ready(qtbot, window, 2)
    qtbot.waitUntil(lambda: window.annotation.list.rows.rowCount() == 2, timeout=5_000)
    window.view.grab().save(str(tmp_path / "after-the-outside-write.png"))


def test_polygon_by_clicks_double_click_and_escape(qtbot, tmp_path):
    store, s, _ = project(tmp_path)
    window = annotating_window(qtbot, store, s.image_set.id)
    window.view.setFocus()
    QTest.keyClick(window, Qt.Key.Key_4)  # Tissue, a polygon type
    for at in ((20, 20), (150, 30), (140, 160)):
        click(window, at)
    QTest.mouseDClick(window.view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, screen(window, 30, 150))
    (polygon,) = live(store, s.image.id)
    assert len(polygon.vector) == 8  # four vertices
    click(window, (200, 200))
    click(window, (250, 200))
    QTest.keyClick(window.view, Qt.Key.Key_Escape)
    assert not window.annotation.annotator.drawing and len(live(store, s.image.id)) == 1


def test_image_label_toggles_and_q_e_step_through_images(qtbot, tmp_path):
    store, s, label = project(tmp_path)
    window = annotating_window(qtbot, store, s.image_set.id)
    palette = window.annotation.palette
    palette.label_checks[label.id].click()
    (global_label,) = live(store, s.image.id)
    assert global_label.annotation_type == label.id and global_label.vector is None
    assert palette.label_checks[label.id].isChecked()
    palette.label_checks[label.id].click()
    assert live(store, s.image.id) == [] and not palette.label_checks[label.id].isChecked()
    QTest.keyClick(window, Qt.Key.Key_E)
    assert window.current_image_id() == s.other_image.id
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo reaches back to image 1
    assert window.current_image_id() == s.image.id and len(live(store, s.image.id)) == 1
    QTest.keyClick(window, Qt.Key.Key_Q)
    assert window.current_image_id() == s.image.id


def test_shift_digits_set_and_take_off_the_image_labels_on_any_layout(qtbot, tmp_path):
    store, s, label = project(tmp_path)
    window = annotating_window(qtbot, store, s.image_set.id)
    check = window.annotation.palette.label_checks[label.id]
    assert check.text() == "Shift+1  Tumour slide"
    shift = Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(window.view, Qt.Key.Key_Exclam, shift)  # Shift+1 on a US layout
    (global_label,) = live(store, s.image.id)
    assert global_label.annotation_type == label.id and check.isChecked()
    QTest.keyClick(window.view, Qt.Key.Key_1, shift)  # Shift+1 where the layout gives the digit
    assert live(store, s.image.id) == [] and not check.isChecked()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # each one undoable edit
    assert len(live(store, s.image.id)) == 1 and check.isChecked()
    QTest.keyClick(window.view, Qt.Key.Key_At, shift)
    assert "No image label on Shift+2" in window.statusBar().currentMessage()


def test_shift_digits_are_read_from_the_native_key_where_the_layout_shifts_them_to_symbols():
    german_shift_3 = QKeyEvent(
        QEvent.Type.KeyPress, Qt.Key.Key_section, Qt.KeyboardModifier.ShiftModifier, 12, 0xA7, 0, "\u00a7"
    )
    assert shifted_digit(german_shift_3, "xcb") == 3
    assert shifted_digit(german_shift_3, "offscreen") is None  # no native key known: not guessed
    windows = QKeyEvent(
        QEvent.Type.KeyPress, Qt.Key.Key_section, Qt.KeyboardModifier.ShiftModifier, 4, 0x33, 0, "\u00a7"
    )
    assert shifted_digit(windows, "windows") == 3
    mac = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_section, Qt.KeyboardModifier.ShiftModifier, 0, 0x14, 0, "\u00a7")
    assert shifted_digit(mac, "cocoa") == 3
    caret = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_AsciiCircum, Qt.KeyboardModifier.ShiftModifier, 15, 0x5E, 0, "^")
    assert shifted_digit(caret, "xcb") is None  # Shift+6 stays screening's ^


def test_list_flies_to_an_annotation_and_help_lists_the_keys(qtbot, tmp_path):
    store, s, _ = project(tmp_path)
    store.bulk_create(
        [e.Annotation(s.box.id, s.image.id, {"x1": x, "y1": 5, "x2": x + 4, "y2": 9}) for x in range(0, 250, 10)]
    )
    target = store.create(
        e.Annotation(s.polygon.id, s.image.id, {"x1": 200, "y1": 200, "x2": 210, "y2": 200, "x3": 205, "y3": 210})
    )
    window = annotating_window(qtbot, store, s.image_set.id)
    ui = window.annotation
    assert ui.list.rows.rowCount() == 26
    assert "Nucleus 25" in ui.list.summary.text() and "Tissue 1" in ui.list.summary.text()
    ui.list.filter.setCurrentIndex(ui.list.filter.findData(s.polygon.id))
    assert ui.list.rows.rowCount() == 1
    ui.list._clicked(ui.list.rows.index(0, 0))
    state = window.view.state
    assert abs(state.center_x - 205) < 1 and abs(state.center_y - 205) < 1 and state.downsample < 0.5
    assert ui.annotator.selection == [target.id]
    header = ui.list.table.horizontalHeader().model()  # issue 26: x and y were centres, unsaid
    said = [(header.headerData(c, Qt.Orientation.Horizontal), header.headerData(c, Qt.Orientation.Horizontal,
                                                                                 Qt.ItemDataRole.ToolTipRole))
            for c in (1, 2)]  # fmt: skip
    assert [name for name, _ in said] == ["Centre x", "Centre y"] and all("bounding box" in tip for _, tip in said)
    QTest.keyClick(window, Qt.Key.Key_F1)
    dialog = next(d for d in window.findChildren(HelpDialog))
    keys = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert {"c", "Del, x", "Ctrl+Z", "y", "q, e", "F1", "Escape"} <= set(keys)


def test_the_keys_help_shows_every_text_whole(qtbot, tmp_path):
    """Issue 26: F1's list cut its longer texts off ("... with a selection: ...")."""
    dialog = HelpDialog()
    dialog.setStyleSheet(resource_path("style.qss").read_text(encoding="utf-8"))  # the app's look: 10 pt
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.table
    qtbot.wait(50)  # the rows take their heights once the columns have theirs
    assert table.columnWidth(0) >= table.sizeHintForColumn(0)  # every key on one line
    for row in range(table.rowCount()):  # every text whole: wrapped where it must, in a row that tall
        assert table.rowHeight(row) >= table.sizeHintForRow(row), table.item(row, 1).text()
    dialog.grab().save(str(tmp_path / "keys.png"))


def test_layout_and_last_image_come_back(qtbot, tmp_path):
    store, s, _ = project(tmp_path)
    window = annotating_window(qtbot, store, s.image_set.id)
    window.annotation.docks[1].hide()
    window.show_image(s.other_image.id)
    window.close()
    store = SqliteStore(tmp_path / "p.db")
    again = MainWindow(project=project_of(store), interactive_errors=False)
    qtbot.addWidget(again)
    again.show()
    again.open_image_set(s.image_set.id)
    assert again.current_image_id() == s.other_image.id
    assert not again.annotation.docks[1].isVisible() and again.annotation.docks[2].isVisible()
    again.close()
    assert last_project() == (tmp_path / "p.db", s.image_set.id)  # what `exact-desktop open` opens


def test_an_edit_survives_a_kill_right_after_it(tmp_path):
    """The window is killed (SIGKILL) just after a box is drawn: the next start has the box."""
    store, s, _ = project(tmp_path)
    store.close()
    script = textwrap.dedent(f"""
        import sys, time
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest
        from exact_desktop.project.opening import project_of
        from exact_desktop.store.sqlite.store import SqliteStore
        from exact_desktop.ui.app import application
        from exact_desktop.ui.main_window import MainWindow
        app = application()
        window = MainWindow(project=project_of(SqliteStore({str(tmp_path / "p.db")!r})), interactive_errors=False)
        window.resize(1000, 700)
        window.show()
        window.open_image_set({s.image_set.id})
        app.processEvents()
        window.annotation.annotator.set_active({s.box.id})
        state = window.view.state
        a, b = state.l0_to_screen(40, 40), state.l0_to_screen(90, 80)
        QTest.mousePress(window.view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(round(a[0]), round(a[1])))
        QTest.mouseMove(window.view, QPoint(round(b[0]), round(b[1])))
        QTest.mouseRelease(window.view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(round(b[0]), round(b[1])))
        print("drawn", flush=True)
        time.sleep(600)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
    try:
        assert child.stdout.readline().strip() == "drawn"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        child.stdout.close()
    reopened = SqliteStore(tmp_path / "p.db")
    (box,) = live(reopened, s.image.id)
    assert box.annotation_type == s.box.id and box.vector["x2"] > box.vector["x1"]
    reopened.close()


def test_import_from_the_file_menu_asks_about_bad_features_and_is_one_undo(qtbot, tmp_path):
    store, s, _ = project(tmp_path)
    good = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [10, 10]},
        "properties": {"classification": {"name": "Mitosis"}},
    }
    bad = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [10, 10]},
        "properties": {"classification": {"name": "Necrosis"}},
    }
    path = tmp_path / "in.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [good, bad, {**good, "geometry": {"type": "Point", "coordinates": [20, 20]}}],
            }
        )
    )
    window = annotating_window(qtbot, store, s.image_set.id)
    ui = window.annotation
    asked = []
    assert ui.import_file(path, lambda plan: asked.append([str(p) for p in plan.problems]) or False) is None
    assert (
        asked
        == [
            [
                "2: class 'Necrosis' is not a type of this image set (its types: Mitosis, Nucleus, Ruler, Tissue, Tumour slide)"
            ]
        ]
        and live(store, s.image.id) == []
    )
    result = ui.import_file(path, lambda plan: True)
    assert (result.imported, result.stored) == (2, 2)
    assert "Imported 2 annotations" in window.statusBar().currentMessage()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert live(store, s.image.id) == []
    again = ui.import_file(path, lambda plan: True)  # the undone import's annotations come back, said so
    assert (again.imported, again.restored, again.already_present, again.stored) == (0, 2, 0, 2)
    assert len(live(store, s.image.id)) == 2
    assert window.statusBar().currentMessage() == (
        "Imported 2 annotations from in.geojson (2 of them deleted here before, now back)"
    )
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert live(store, s.image.id) == []


def test_an_import_of_no_valid_feature_says_why_without_asking(qtbot, tmp_path):
    """No "Import the 0 valid annotations?": nothing can be, and the reasons are said once each."""
    store, s, _ = project(tmp_path)
    tumor = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5, 5]}, "properties": {"classification": "Tumor"}}  # fmt: skip
    path = tmp_path / "tumor.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [tumor] * 40}))
    window = annotating_window(qtbot, store, s.image_set.id)
    asked = []
    assert window.annotation.import_file(path, lambda plan: asked.append(plan) or True) is None
    assert asked == [] and live(store, s.image.id) == []
    assert window.errors[-1] == (
        "Nothing can be imported from tumor.geojson: no feature is valid.\n\n40 features (1, 2, 3, ...): class 'Tumor' "
        "is not a type of this image set (its types: Mitosis, Nucleus, Ruler, Tissue, Tumour slide)"
    )


def test_an_import_shows_what_it_does_while_it_works(qtbot, tmp_path, monkeypatch):
    """The file dialog closed, a wait cursor and a status line say the file is being checked,
    then written: a big import otherwise looks like a window that hung."""
    store, s, _ = project(tmp_path)
    path = tmp_path / "in.geojson"
    point = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [10, 10]},
             "properties": {"classification": {"name": "Mitosis"}}}  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [point]}))
    window = annotating_window(qtbot, store, s.image_set.id)
    seen = []

    def watched(work):
        def run(*args, **kwargs):
            cursor = QApplication.overrideCursor()
            seen.append((window.statusBar().currentMessage(), cursor is not None and cursor.shape()))
            return work(*args, **kwargs)

        return run

    monkeypatch.setattr(annotation_ui, "plan_file", watched(annotation_ui.plan_file))
    monkeypatch.setattr(annotation_ui, "carry_out", watched(annotation_ui.carry_out))
    assert window.annotation.import_file(path, lambda plan: True).stored == 1
    assert seen == [
        ("Checking in.geojson\u2026", Qt.CursorShape.WaitCursor),
        ("Importing 1 annotations from in.geojson\u2026", Qt.CursorShape.WaitCursor),
    ]
    assert QApplication.overrideCursor() is None and "Imported 1 annotations" in window.statusBar().currentMessage()
    seen.clear()  # its undo and redo too: an undone import of 200,000 wrote for a minute with no sign
    monkeypatch.setattr(window.annotation.history, "undo", watched(window.annotation.history.undo))
    monkeypatch.setattr(window.annotation.history, "redo", watched(window.annotation.history.redo))
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert seen == [
        ("Undoing Import 1 annotations\u2026", Qt.CursorShape.WaitCursor),
        ("Redoing Import 1 annotations\u2026", Qt.CursorShape.WaitCursor),
    ]
    assert QApplication.overrideCursor() is None and len(live(store, s.image.id)) == 1


def test_open_without_slides_needs_an_earlier_project(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "exact_desktop", "open"], cwd=PROJECT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "no project was open before" in done.stderr


def test_ctrl_f_finds_an_image_by_name(qtbot, tmp_path):
    store, s, _ = project(tmp_path)
    window = annotating_window(qtbot, store, s.image_set.id)
    finder = window.annotation.finder
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert finder.isVisible() and finder.hasFocus()
    QTest.keyClicks(finder, "B.SV")
    assert [window.images.item(r).isHidden() for r in range(2)] == [True, False]
    QTest.keyClick(finder, Qt.Key.Key_Return)  # the match shown, the filter gone: the whole set listed
    assert window.current_image_id() == s.other_image.id and window.images.currentRow() == 1
    assert not finder.isVisible() and not finder.text() and not window.images.item(0).isHidden()
    window.grab().save(str(tmp_path / "found.png"))
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(finder, "B.SV")
    QTest.keyClick(finder, Qt.Key.Key_Escape)
    assert not finder.isVisible() and not window.images.item(0).isHidden()


def test_b_draws_the_active_type_under_the_others(qtbot, tmp_path):
    store, s, _ = project(tmp_path)
    window = annotating_window(qtbot, store, s.image_set.id)
    QTest.keyClick(window, Qt.Key.Key_4)  # Tissue, the last of the palette
    layers = window.layers.for_image(s.image.id)
    assert layers[0].group != s.polygon.id
    QTest.keyClick(window, Qt.Key.Key_B)
    assert window.layers.for_image(s.image.id)[0].group == s.polygon.id
    assert window.statusBar().currentMessage() == "Tissue is drawn under the other layers"


def test_types_a_plugin_brought_are_listed_apart_and_last(qtbot, tmp_path):
    store, s, _ = project(tmp_path)
    store.create(e.Plugin("Mitosis finder", products=[s.product.id], produces=["Mitosis", "Nucleus"]))
    mitosis = next(t for t in store.list(e.AnnotationType, product=s.product.id) if t.name == "Mitosis")
    store.update(
        e.AnnotationType, mitosis.id, sort_order=PLUGIN_SORT_ORDER
    )  # made for the plugin, as the registry does
    window = annotating_window(qtbot, store, s.image_set.id)
    ui = window.annotation
    assert [t.name for t in ui.annotator.palette] == ["Nucleus", "Ruler", "Tissue", "Mitosis"]
    rows = [ui.palette.types.item(r) for r in range(ui.palette.types.count())]
    assert [r.text() for r in rows][-2:] == ["From plugins", "4  Mitosis  (point)"]
    assert "Mitosis finder" in rows[-1].toolTip() and not rows[-2].flags() & Qt.ItemFlag.ItemIsSelectable
    QTest.keyClick(window, Qt.Key.Key_4)  # the number keys follow the palette: Mitosis is now 4
    assert ui.annotator.active.name == "Mitosis"
    ui.palette.types.setCurrentRow(len(rows) - 2)  # the heading picks nothing
    assert ui.annotator.active.name == "Mitosis"


def test_the_keys_help_lists_the_review_keys_and_fits_the_screen(qtbot, tmp_path):
    """F1 names the review's keys (Ctrl+R, j, k, ...) and its Close button is on the screen."""
    store, s, _ = project(tmp_path)
    window = annotating_window(qtbot, store, s.image_set.id)
    QTest.keyClick(window, Qt.Key.Key_F1)
    dialog = next(d for d in window.findChildren(HelpDialog))
    qtbot.waitExposed(dialog)
    qtbot.wait(50)
    keys = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert {"Ctrl+R", "j (review)", "k (review)", "g (review)", "Space (review)", "1-9 (review)"} <= set(keys)
    room = dialog.screen().availableGeometry()
    close = dialog.findChild(QDialogButtonBox)
    assert room.contains(dialog.frameGeometry()) and room.contains(QRect(close.mapToGlobal(QPoint(0, 0)), close.size()))
    dialog.grab().save(str(tmp_path / "keys-review.png"))


def test_every_dock_a_saved_layout_hid_can_be_shown_again_from_the_view_menu(qtbot, tmp_path):
    """View -> Panels lists every dock (the layers, the jobs, the review among them): one a saved
    layout hid comes back from there, and a job queued shows the jobs again."""
    store, s, _ = project(tmp_path)
    window = annotating_window(qtbot, store, s.image_set.id)
    window.layers_dock.hide()
    window.plugins.jobs_dock.hide()
    window.close()
    again = open_window(qtbot, SqliteStore(tmp_path / "p.db"), s.image_set.id)
    assert not again.layers_dock.isVisible() and not again.plugins.jobs_dock.isVisible()
    again.panels_menu.aboutToShow.emit()
    entries = {a.text(): a for a in again.panels_menu.actions()}
    for title in ("Layers", "Jobs", "Annotations", "Properties", "Image set: Demo"):
        assert title in entries, sorted(entries)
    assert again.plugins.review_action in entries.values()  # the review, before one is open
    entries["Layers"].trigger()
    assert again.layers_dock.isVisible()
    plugin = register(again.store, SCRIPT, s.product.id)
    assert again.plugins.run(plugin, {}, [s.image.id])
    assert again.plugins.jobs_dock.isVisible()  # the queued job is seen
    qtbot.waitUntil(
        lambda: bool(again.plugins.jobs.jobs) and all(j.status == "done" for j in again.plugins.jobs.jobs.values()),
        timeout=30_000,
    )
    again.plugins.review_action.trigger()
    again.panels_menu.aboutToShow.emit()
    assert "Review" in [a.text() for a in again.panels_menu.actions()]
    again.close()


def test_the_import_dialog_names_a_bad_feature_and_repairs_it_when_asked(qtbot, tmp_path):
    """The dialog says what the command line says (number, name, reason in words) and offers the
    repair `--make-valid` does: a bow tie comes in as two triangles, one undo step."""
    store, s, _ = project(tmp_path)
    square = [[10, 10], [40, 10], [40, 40], [10, 40], [10, 10]]
    bow_tie = [[100, 100], [200, 200], [200, 100], [100, 200], [100, 100]]
    path = tmp_path / "in.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
         "properties": {"classification": {"name": "Tissue"}, "name": name}}
        for ring, name in ((square, "cell 1"), (bow_tie, "cell 2"))]}))  # fmt: skip
    window = annotating_window(qtbot, store, s.image_set.id)
    seen = []

    def answer():  # once the dialog is up (the import's checking runs events before it)
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append((box.text(), [b.text() for b in box.buttons()]))
        repair = [b for b in box.buttons() if b.text() == "Repair and import"]
        repair[0].click() if repair else box.reject()

    QTimer.singleShot(0, answer)
    result = window.annotation.import_file(path, window.annotation._ask_to_skip)
    ((text, buttons),) = seen
    assert 'feature 2 ("cell 2"): its outline crosses itself at (150, 150) px' in text.splitlines()
    assert sorted(buttons) == ["Cancel", "Import the 1 valid", "Repair and import"]
    assert (result.imported, result.stored) == (3, 3)  # the square and the bow tie's two triangles
    assert window.annotation.history.undo_label() == "Import 3 annotations"
    window.annotation.history.undo()
    assert live(store, s.image.id) == []
