"""A local project: slides from files, plugins run against the project served on loopback."""

from __future__ import annotations

from exact_desktop.model import entities as e
from exact_desktop.project.base import Project
from exact_desktop.project.local_plugins import LocalPlugins
from exact_desktop.slides.base import SlideSource
from exact_desktop.slides.opener import open_slide
from exact_desktop.store.local_user import local_user
from exact_desktop.store.sqlite.store import SqliteStore


class LocalProject(Project):
    kind = "local"

    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def editor(self) -> int:
        return local_user(self.store)  # the person at this computer

    def shows(self, image: e.Image) -> bool:
        return bool(image.local_path)

    def slide_for(self, image: e.Image) -> SlideSource:
        return open_slide(image.local_path)  # type: ignore[arg-type]

    def first_image_set(self) -> int | None:
        found = self.store.list(e.ImageSet, limit=1)
        return found[0].id if found else None

    def plugin_session(self) -> LocalPlugins:
        return LocalPlugins(self.store)
