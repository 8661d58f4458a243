"""Start the GUI, optionally render one screenshot once the first frame is complete and exit."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from exact_desktop.paths import resource_path
from exact_desktop.project.base import Project
from exact_desktop.ui.gui_thread_gc import collect_on_gui_thread
from exact_desktop.ui.main_window import MainWindow

SCREENSHOT_TIMEOUT_MS = 120_000


# Tile workers run Python between their C calls; at the default 5 ms switch interval a paint
# that wants the GIL back after each Qt call can wait that long several times per frame.
GUI_SWITCH_INTERVAL_S = 0.0005


def application() -> QApplication:
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("exact-desktop")
    app.setStyleSheet(resource_path("style.qss").read_text(encoding="utf-8"))
    return app  # type: ignore[return-value]


def run_gui(
    paths: list[Path],
    screenshot: Path | None = None,
    view: tuple[float, float, float] | None = None,
    project: Project | None = None,
    image_set: int | None = None,
) -> int:
    """Open the slides (or an image set of a project); with `screenshot`, save the window once
    every visible tile is drawn, and exit."""
    app = application()
    collect_on_gui_thread(app)
    window = MainWindow(interactive_errors=screenshot is None, project=project)
    window.show()
    failures = window.open_image_set(image_set) if image_set is not None else []
    failures += window.open_paths(paths)
    for err in failures:
        print(f"exact-desktop: {err}", file=sys.stderr)
    if screenshot is None:
        return app.exec()
    if not failures and not window.sources:
        print("exact-desktop: nothing to show: no image of the project has a slide to open", file=sys.stderr)
    if failures or not window.sources:
        window.close()  # its threads (the job poller, a sync) end before Python does: no abort at exit
        return 2
    if view is not None:
        window.view.state.set_downsample(view[2])
        window.view.state.center_on(view[0], view[1])
    outcome = {"code": 3}

    def save() -> None:
        if not window.view.frame_is_complete():  # a late signal from an earlier view
            return
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(screenshot))
        outcome["code"] = 0 if ok else 4
        if not ok:
            print(f"exact-desktop: could not write the screenshot '{screenshot}'", file=sys.stderr)
        app.quit()

    def give_up() -> None:
        print("exact-desktop: the first frame did not complete in time", file=sys.stderr)
        app.quit()

    window.view.frameCompleted.connect(save)
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, give_up)
    app.exec()
    window.close()
    return outcome["code"]
