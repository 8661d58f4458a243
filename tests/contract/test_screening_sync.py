"""Screening progress through EXACT's `screening_modes`, on the real EXACT and on `serve`:
screened with the keys here, pushed, read back by another mirror that continues where the first
stopped, and EXACT's own marking PATCH (what its viewer sends) comes back without loss."""

from __future__ import annotations

import json

from exact_desktop.annotating.screening import Screening
from exact_desktop.model import entities as e
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.exact_api import SCREENING_MODES, ExactApi
from exact_desktop.rest.login import sign_in
from exact_desktop.slides.opener import open_slide
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.sync.exact_mirror import TOKEN_KEEPS_SCREENING, ExactMirror
from exact_desktop.sync.screening_sync import sync_screening
from tests.contract.conftest import Target

VIEWPORT = (400, 300)


def mirror(path, target: Target, slide) -> tuple[SqliteStore, e.Image, e.User]:
    """A project holding the server's contract.svs (as a mirror has it: with its remote id)."""
    store = SqliteStore(path)
    user = store.create(e.User("screener"))
    team = store.create(e.Team("lab"))
    image_set = store.create(e.ImageSet("Demo", team=team.id, remote_id=target.image_set))
    image = store.create(e.Image("contract.svs", image_set.id, local_path=str(slide), width=3000, height=2000,
                                 mpp=0.25, remote_id=target.images["contract.svs"]))  # fmt: skip
    return store, image, user


def test_screening_progress_goes_to_the_server_and_another_mirror_continues(server: Target, contract_slide, tmp_path):
    api = ExactApi(server.connection())
    remote_user = api.user_id(server.user)
    assert remote_user is not None
    source = open_slide(contract_slide)
    store, image, user = mirror(tmp_path / "a.db", server, contract_slide)
    screening = Screening.open(store, image, user.id, source, VIEWPORT)
    for key in "dsj":  # mark and move right, mark and move down, move left unmarked
        screening.key(key)
    screened = screening.progress()
    assert screened.screened == 3
    assert sync_screening(store, api, image.image_set, user.id, remote_user) == 1
    remote = api.screening_mode(server.images["contract.svs"], remote_user)
    assert remote["screening_tiles"] == screening.tiles and remote["current_index"] == screening.mode.current_index
    assert (remote["x_steps"], remote["y_steps"]) == (screening.mode.x_steps, screening.mode.y_steps)

    other, other_image, other_user = mirror(tmp_path / "b.db", server, contract_slide)
    assert sync_screening(other, api, other_image.image_set, other_user.id, remote_user) == 0
    continued = Screening.open(other, other_image, other_user.id, source, VIEWPORT)
    assert continued.mode.current_index == screening.mode.current_index and continued.progress() == screened

    # EXACT's viewer moves by PATCHing current_index, which marks that field on the server
    unscreened = next(i for i, t in screening.tiles.items() if not t["Screened"] and not t.get("Glass"))
    api.connection.patch(f"{SCREENING_MODES}{remote['id']}/", current_index=int(unscreened))
    assert api.screening_mode(server.images["contract.svs"], remote_user)["screening_tiles"][unscreened]["Screened"]
    assert sync_screening(store, api, image.image_set, user.id, remote_user) == 1
    (mine,) = store.list(e.ScreeningMode, image=image.id)
    assert mine.screening_tiles[unscreened]["Screened"] and mine.current_index == screening.mode.current_index
    assert api.screening_mode(server.images["contract.svs"], remote_user)["current_index"] == mine.current_index
    source.close()
    store.close()
    other.close()


def test_a_server_projects_sync_carries_the_screening_of_the_signed_in_account(server: Target, tmp_path):
    """The window's path: a mirror signed in by name screens (user None here, as the window's
    server projects stamp nothing themselves) and its sync stores the progress for that account."""
    project = ExactMirror(Connection(server.url, None, server.user, server.password), server.image_set, tmp_path)
    project.sync("pull")
    store = project.store
    (image,) = store.list(e.Image, image_set=project.image_set(), name="boxes.tiff")
    source = project.slide_for(image)
    screening = Screening.open(store, image, None, source, VIEWPORT)
    screening.key("d")
    assert not project.sync("both").errors
    api = ExactApi(server.connection())
    remote = api.screening_mode(image.remote_id, api.user_id(server.user))
    assert remote is not None and remote["screening_tiles"] == screening.tiles
    source.close()
    project.close()


def test_a_token_sync_keeps_the_screening_here_and_says_so(server: Target, tmp_path):
    """EXACT does not say whose a token is: a mirror signed in with one keeps its screening
    progress, stores none on the server for a guessed account, and its sync says so (only once
    there is progress to keep)."""
    project = ExactMirror(sign_in(server.url, token=server.token), server.image_set, tmp_path)
    first = project.sync("pull")
    assert TOKEN_KEEPS_SCREENING not in first.notes and not first.errors
    store = project.store
    (image,) = store.list(e.Image, image_set=project.image_set(), name="small.svs")
    source = project.slide_for(image)
    screening = Screening.open(store, image, None, source, VIEWPORT)
    screening.key("d")
    kept = json.loads(json.dumps(screening.tiles))
    synced = project.sync("both")
    assert not synced.errors and TOKEN_KEEPS_SCREENING in synced.notes
    (mine,) = store.list(e.ScreeningMode, image=image.id)
    assert mine.screening_tiles == kept and mine.remote_id is None
    assert (
        ExactApi(server.connection()).screening_mode(
            image.remote_id, ExactApi(server.connection()).user_id(server.user)
        )
        is None
    )
    source.close()
    project.close()
