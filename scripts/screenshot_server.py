"""Renders docs/server-window.png: the demo project served by `exact-desktop serve`, opened as a
server image set (File > Connect), the small slide drawn from the server's DeepZoom tiles with
the regions pulled into the mirror. Usage (after `exact-desktop demo --no-gui`):

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_server.py PROJECT.db OUT.png
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer

from exact_desktop.model.entities import Image
from exact_desktop.project.exact import ExactProject
from exact_desktop.rest.login import sign_in
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.sync.exact_mirror import ExactMirror
from exact_desktop.ui.app import application
from exact_desktop.ui.main_window import MainWindow


def main(project: Path, out: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        served = Path(tmp) / "served.db"
        shutil.copy(project, served)
        store = SqliteStore(served)
        image = next(i for i in store.list(Image) if i.name == "demo-small-slide.svs")
        store.close()
        process = subprocess.Popen([sys.executable, "-m", "exact_desktop", "serve", "--db", str(served)],
                                   stdout=subprocess.PIPE, text=True)  # fmt: skip
        try:
            info = json.loads(process.stdout.readline())  # type: ignore[union-attr]
            remote = ExactMirror(sign_in(info["url"], token=info["token"]), image.image_set, folder=Path(tmp))
            print(json.dumps(remote.sync("pull").as_json()))
            app = application()
            window = MainWindow(interactive_errors=False, project=ExactProject(remote))
            window.resize(1600, 1000)
            window.show()
            window.open_image_set(remote.image_set())
            mirrored = remote.store.list(Image, remote_id=image.id)[0]
            window.show_image(mirrored.id)  # type: ignore[arg-type]
            window.server_ui.conflicts_dock.raise_()

            def save() -> None:
                if window.view.frame_is_complete():
                    window.grab().save(str(out))
                    app.quit()

            window.view.frameCompleted.connect(lambda: QTimer.singleShot(500, save))
            QTimer.singleShot(60_000, app.quit)
            app.exec()
            if window.plugins is not None:
                window.plugins.close()
            remote.close()
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=60)
    return 0 if out.exists() else 1


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]), Path(sys.argv[2])))
