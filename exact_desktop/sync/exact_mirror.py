"""Working on a server's image set: a local mirror kept in step with it, slides read remotely.

The window works on the mirror (a SqliteStore) exactly as on a local project, so every tool,
panel and the viewport index behave the same; what it changes goes to the outbox in the same
transaction and is pushed right after (and again whenever the network is back). A network
that is gone therefore never loses an edit, and the server's own changes arrive by pull with
`last_edit_time__gte`. Slides open through the server's DeepZoom tiles unless the original
file was downloaded.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from exact_desktop.model import entities as e
from exact_desktop.model.entities import remote_id_of
from exact_desktop.paths import data_home
from exact_desktop.rest.connection import BearerToken, Connection
from exact_desktop.rest.download import download_original
from exact_desktop.rest.errors import ExactApiError
from exact_desktop.rest.exact_api import ExactApi
from exact_desktop.slides.base import SlideSource
from exact_desktop.slides.opener import open_slide
from exact_desktop.slides.remote_source import RemoteSlideSource
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.sync_ledger import Conflict, SyncLedger
from exact_desktop.sync.engine import Progress, Synchroniser, SyncSummary, _quiet
from exact_desktop.sync.remote_tiles import RestTiles
from exact_desktop.sync.screening_sync import sync_screening

TOKEN_KEEPS_SCREENING = (
    "screening progress is kept on this computer only: EXACT does not say whose a token is; "
    "sign in with your user name and password to keep it on the server as well"
)


def mirror_path(url: str, folder: Path | None = None) -> Path:
    """One mirror file per server: DATA/servers/<host>_<port>.db."""
    parts = urlsplit(url)
    name = re.sub(r"[^A-Za-z0-9.-]+", "_", f"{parts.hostname}_{parts.port or parts.scheme}{parts.path}")
    return (folder or data_home() / "servers") / f"{name.strip('_')}.db"


class ExactMirror:
    def __init__(self, connection: Connection, remote_set: int, folder: Path | None = None,
                 store: SqliteStore | None = None) -> None:  # fmt: skip
        """The mirror in `store` (a mirror file reopened), else in this server's file in `folder`."""
        self.connection, self.remote_set = connection, remote_set
        self.api = ExactApi(connection)
        self.store = store if store is not None else SqliteStore(mirror_path(connection.url, folder))
        self._lock = threading.Lock()  # one sync at a time
        self.last: SyncSummary | None = None

    @property
    def url(self) -> str:
        return self.connection.url

    def sync(self, direction: str = "both", progress: Progress = _quiet) -> SyncSummary:
        with self._lock:
            self.last = Synchroniser(self.store, self.api, progress).run(direction, self.remote_set)
            self._sync_screening(self.last)
            return self.last

    def _sync_screening(self, summary: SyncSummary) -> None:
        """The signed-in account's screening progress (EXACT's screening_modes) and the
        mirror's. EXACT offers no request that says whose a token is (its users list holds every
        member of one's teams, a token's own listing no user), and progress stored for a guessed
        account would be someone else's: with a token the progress stays here, and a note says
        so once there is progress to keep."""
        auth = self.connection.session.auth
        try:
            if not isinstance(auth, tuple):
                if self._screened_here():
                    summary.notes.append(TOKEN_KEEPS_SCREENING)
                return
            user = self.api.user_id(auth[0])
            if user is not None:
                sync_screening(self.store, self.api, self.image_set(), None, user)
        except (ExactApiError, StoreError, LookupError) as err:
            summary.errors.append(f"screening progress: {err}")

    def _screened_here(self) -> bool:
        images = self.store.list(e.Image, image_set=self.image_set())
        return any(self.store.list(e.ScreeningMode, image=image.id, limit=1) for image in images)

    def image_set(self) -> int:
        """The local id of the mirrored set (after the first sync)."""
        mirror = SyncLedger(self.store).mirror_of(self.url, self.remote_set)
        if mirror is None:
            raise LookupError(f"image set {self.remote_set} of {self.url} was not pulled yet")
        return mirror.image_set

    def waiting(self) -> int:
        return SyncLedger(self.store).outbox_size()

    def conflicts(self) -> list[Conflict]:
        """The sync conflicts still open, for a person to resolve (both versions are kept)."""
        return SyncLedger(self.store).conflicts()

    def resolve_conflict(self, conflict_id: int, keep: str) -> Conflict:
        """`keep` "server", "local" or "both" (SyncLedger.resolve); the next push carries it out."""
        return SyncLedger(self.store).resolve(conflict_id, keep)

    def plugin_environment(self) -> dict[str, str]:
        """The connection as a plugin process gets it: in its environment, never in argv."""
        env = {"EXACT_URL": self.url}
        session = self.connection.session
        if isinstance(session.auth, BearerToken):
            env["EXACT_TOKEN"] = session.auth.token
        elif session.auth:
            env["EXACT_USER"], env["EXACT_PASSWORD"] = session.auth  # type: ignore[misc]
        if session.verify is False:
            env["EXACT_VERIFY_TLS"] = "0"
        return env

    @property
    def slides_folder(self) -> Path:
        """Original slide files downloaded from this server, beside its mirror."""
        return self.store.path.with_name(self.store.path.stem + ".slides")

    def download_original(self, image_id: int, progress: Callable[[int, int | None], None] = lambda d, t: None) -> Path:
        """The original file of mirrored image `image_id`, downloaded (continuing a cut `.part`)
        and recorded as the image's local file, so it opens from disk from now on."""
        image = self.store.get(e.Image, image_id)
        if image.remote_id is None:
            raise LookupError(f"image {image.name} is not on {self.url}")
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(image.filename or image.name).name) or "slide"
        path = download_original(self.connection, image.remote_id, self.slides_folder / f"{image.remote_id}-{name}",
                                 progress)  # fmt: skip
        self.store.update(e.Image, image_id, local_path=str(path))
        return path

    def slide_for(self, image: e.Image) -> SlideSource:
        if image.local_path and Path(image.local_path).is_file():
            return open_slide(image.local_path)
        tiles = RestTiles(self.connection)
        return RemoteSlideSource(tiles, remote_id_of(image), image.name, image.mpp, image.objectivePower)

    def close(self) -> None:
        self.store.close()
