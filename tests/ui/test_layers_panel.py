"""The Layers panel puts plugin results first, under their own heading, with what made them."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel

from exact_desktop.model.layers import ANNOTATIONS, RESULTS, Layer, LayerList
from exact_desktop.ui.layers_panel import LayersPanel

DETAILS = "Nuclei detector · nuclei-detector 1.2 · job 7 · 2026-12-06 10:00 · min_area=20"


def _panel(qtbot) -> LayersPanel:  # type: ignore[no-untyped-def]
    layers = LayerList()
    types = [Layer(ANNOTATIONS, t, f"Type {t}", 1) for t in range(16)]
    layers.sync(1, ANNOTATIONS, types)
    layers.sync(1, RESULTS, [Layer(RESULTS, 5, "Nuclei detector · nuclei", 1, details=DETAILS)])
    panel = LayersPanel(layers, lambda: 1)
    qtbot.addWidget(panel)
    panel.rebuild()
    return panel


def _texts_in_order(panel: LayersPanel) -> list[str]:
    widgets = [panel.grid.itemAt(i).widget() for i in range(panel.grid.count())]
    return [w.text() for w in widgets if isinstance(w, QLabel | QCheckBox) and w.text()]


def test_result_layers_come_first_with_what_made_them(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = _panel(qtbot)
    texts = _texts_in_order(panel)
    assert texts[:3] == ["<b>Plugin results</b>", "Nuclei detector · nuclei", DETAILS]
    assert texts.index("<b>Annotation types</b>") < texts.index("Type 0")
    box = panel.controls[(RESULTS, 5)][0]
    assert DETAILS in box.toolTip()


def test_dragging_a_slider_keeps_the_widgets(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = _panel(qtbot)
    slider = panel.controls[(RESULTS, 5)][1]
    panel.layers.set((RESULTS, 5), threshold=0.7)  # the panel's own change comes back as values only
    assert panel.controls[(RESULTS, 5)][1] is slider
    assert slider.value() == 70


def test_a_result_layers_threshold_is_shown_as_a_number(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The slider alone gave no number (an outside tester had to guess the threshold)."""
    panel = _panel(qtbot)
    label, slider = panel.score_labels[(RESULTS, 5)], panel.controls[(RESULTS, 5)][1]
    assert slider is not None and label.text() == f"score ≥ {slider.value() / 100:.2f}"
    slider.setValue(63)  # dragged
    layer = panel.layers.get((RESULTS, 5))
    assert label.text() == "score ≥ 0.63" and layer is not None and layer.threshold == 0.63
    panel.layers.set((RESULTS, 5), threshold=0.25)  # set elsewhere (the review's threshold)
    assert label.text() == "score ≥ 0.25"
    opacity = panel.controls[(RESULTS, 5)][2]
    row_of = {id(w): panel.grid.getItemPosition(panel.grid.indexOf(w))[0] for w in (label, slider, opacity)}
    assert row_of[id(label)] == row_of[id(slider)] > row_of[id(opacity)]  # a row of its own: Accept was cut off


def test_the_wheel_over_a_slider_is_left_to_the_scroll_area_until_the_slider_is_clicked(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A wheel turn over a row's slider, scrolling the panel, leaves its value alone and goes on
    to the scroll area (Qt passes an ignored wheel event of the platform's to the parents)."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    panel = _panel(qtbot)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()  # focus goes to the active window only (on xcb without a window manager too)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel, timeout=5_000)
    opacity = panel.controls[(ANNOTATIONS, 0)][2]
    before = opacity.value()

    def wheel_down() -> bool:
        at = QPointF(opacity.width() / 2, opacity.height() / 2)
        event = QWheelEvent(at, QPointF(opacity.mapToGlobal(at.toPoint())), QPoint(), QPoint(0, -120),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
        QApplication.sendEvent(opacity, event)
        return event.isAccepted()

    assert not wheel_down() and opacity.value() == before
    opacity.setFocus()  # as a click or Tab gives it
    qtbot.waitUntil(opacity.hasFocus)
    assert wheel_down() and opacity.value() != before
