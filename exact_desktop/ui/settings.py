"""What the window remembers between runs: its layout, the last project, image set and image.

Kept in `window.ini` in the data folder (EXACT_DESKTOP_HOME in tests), never credentials.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from exact_desktop.paths import data_home


def settings() -> QSettings:
    return QSettings(str(data_home() / "window.ini"), QSettings.Format.IniFormat)


def last_project() -> tuple[Path, int | None] | None:
    """The project file and image set shown last, if the file is still there."""
    s = settings()
    project = s.value("project/path", "")
    if not project or not Path(str(project)).is_file():
        return None
    image_set = s.value("project/image_set", None)
    return Path(str(project)), int(image_set) if image_set not in (None, "") else None  # type: ignore[call-overload]


def remember_project(path: Path, image_set: int | None, image: int | None) -> None:
    s = settings()
    s.setValue("project/path", str(path))
    s.setValue("project/image_set", "" if image_set is None else image_set)
    s.setValue("project/image", "" if image is None else image)
    s.sync()


def last_image(project: Path) -> int | None:
    """The image shown last in `project`, if that was the last project."""
    s = settings()
    if str(s.value("project/path", "")) != str(project):
        return None
    value = s.value("project/image", "")
    return int(value) if value not in (None, "") else None  # type: ignore[call-overload]
