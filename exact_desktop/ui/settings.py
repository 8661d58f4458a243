"""What the window remembers between runs: its layout, the last project, image set and image,
the projects opened lately and the review's magnification.

Kept in `window.ini` in the data folder (EXACT_DESKTOP_HOME in tests), never credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings

from exact_desktop.paths import data_home


def settings() -> QSettings:
    return QSettings(str(data_home() / "window.ini"), QSettings.Format.IniFormat)


def last_project() -> tuple[Path, int | None] | None:
    """The project file and image set shown last, if the file is still there: the newest of the
    recent list (written when a project opens, so a window that crashed still left it), else the
    one a window wrote on closing."""
    for recent in recent_projects():
        if recent.path.is_file():
            return recent.path, recent.image_set
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


RECENT_PROJECTS = 10


@dataclass(frozen=True)
class RecentProject:
    """A project file opened lately, the image set it showed, and the server it mirrors (its
    address alone: the credentials stay in the keyring)."""

    path: Path
    image_set: int | None
    server: str | None


def recent_projects() -> list[RecentProject]:
    """The projects opened lately, newest first (missing files too: the menu shows them disabled)."""
    s = settings()
    recent = []
    for i in range(s.beginReadArray("recent")):
        s.setArrayIndex(i)
        image_set, server = s.value("image_set", ""), s.value("server", "")
        recent.append(
            RecentProject(
                Path(str(s.value("path"))),
                int(image_set) if image_set not in (None, "") else None,  # type: ignore[call-overload]
                str(server) if server else None,
            )
        )
    s.endArray()
    return recent


def remember_recent(project: RecentProject) -> None:
    """`project` first in the recent list, once, the oldest beyond RECENT_PROJECTS let go."""
    kept = [p for p in recent_projects() if p.path.resolve() != project.path.resolve()]
    s = settings()
    s.remove("recent")
    s.beginWriteArray("recent")
    for i, p in enumerate([project, *kept][:RECENT_PROJECTS]):
        s.setArrayIndex(i)
        s.setValue("path", str(p.path))
        s.setValue("image_set", "" if p.image_set is None else p.image_set)
        s.setValue("server", p.server or "")
    s.endArray()
    s.sync()


def review_magnification(offered: tuple[float, ...]) -> float | None:
    """The crops' magnification the review was left at, if it is one of those `offered`."""
    try:
        value = float(settings().value("review/magnification", "") or "nan")  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if value in offered else None


def remember_review_magnification(value: float) -> None:
    s = settings()
    s.setValue("review/magnification", value)
    s.sync()
