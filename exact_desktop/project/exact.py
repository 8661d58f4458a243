"""A project that mirrors an EXACT server's image set: synchronised, slides read remotely until
downloaded, plugins run on the server's jobs."""

from __future__ import annotations

from exact_desktop.model import entities as e
from exact_desktop.project.base import Project
from exact_desktop.project.exact_plugins import ExactPlugins
from exact_desktop.slides.base import SlideSource
from exact_desktop.sync.exact_mirror import ExactMirror


class ExactProject(Project):
    kind = "exact"
    mirror: ExactMirror

    def __init__(self, mirror: ExactMirror) -> None:
        self.mirror, self.store = mirror, mirror.store

    @property
    def url(self) -> str:
        return self.mirror.url

    def editor(self) -> None:
        return None  # the server stamps the signed-in account when the edit arrives there

    def shows(self, image: e.Image) -> bool:
        return bool(image.local_path or image.remote_id)

    def slide_for(self, image: e.Image) -> SlideSource:
        return self.mirror.slide_for(image)

    def first_image_set(self) -> int | None:
        """The mirrored set (None before its first pull)."""
        try:
            return self.mirror.image_set()
        except LookupError:
            return None

    def plugin_session(self) -> ExactPlugins:
        return ExactPlugins(self.mirror)
