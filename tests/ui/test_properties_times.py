"""The properties panel shows an annotation's times on the person's own clock, with its zone
(stored UTC): an annotation made at 09:59 UTC reads 10:59 CET in Berlin, not "10:59 UTC"."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from exact_desktop.model import entities as e
from tests.ui.test_annotating import annotating_window, project


@pytest.fixture
def in_berlin(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_show_on_the_local_clock_with_its_zone(qtbot, tmp_path, in_berlin) -> None:
    store, s, _label = project(tmp_path)
    made = store.create(e.Annotation(s.box.id, s.image.id, {"x1": 10, "y1": 10, "x2": 60, "y2": 50}))
    store.update(e.Annotation, made.id, time=datetime(2026, 12, 6, 9, 59, 38, tzinfo=UTC))
    window = annotating_window(qtbot, store, s.image_set.id)
    window.annotation.annotator.select([made.id])
    panel = window.annotation.properties
    assert panel.fields["Created"].text() == "2026-12-06 10:59:38 CET"
    panel.grab().save(str(tmp_path / "properties.png"))
    window.close()
    store.close()
