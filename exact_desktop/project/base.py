"""What differs between a local project and a server's mirror, behind one interface."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

from exact_desktop.model import entities as e
from exact_desktop.project.plugin_session import PluginSession
from exact_desktop.slides.base import SlideSource
from exact_desktop.store.sqlite.review_book import ReviewBook
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.sync.exact_mirror import ExactMirror


class Project(ABC):
    kind: str  # "local" or "exact", as the project file says
    store: SqliteStore
    mirror: ExactMirror | None = None  # sync, its conflicts and remote slides: a server's mirror only

    @property
    def path(self) -> Path:
        return self.store.path

    @abstractmethod
    def editor(self) -> int | None:
        """The user the window's edits are stamped with (None: the server stamps its account)."""

    @abstractmethod
    def shows(self, image: e.Image) -> bool:
        """Whether the image can be shown: a local file, or a server to read its tiles from."""

    @abstractmethod
    def slide_for(self, image: e.Image) -> SlideSource: ...

    @abstractmethod
    def first_image_set(self) -> int | None:
        """The image set to show when none is asked for."""

    def review_marks(self) -> ReviewBook:
        """The review decisions the overlay draws results and accepted annotations by."""
        return ReviewBook(self.store)

    @abstractmethod
    def plugin_session(self) -> PluginSession:
        """Plugins, jobs and results as a window works with them (it may start a loopback server)."""

    def close(self) -> None:
        self.store.close()
