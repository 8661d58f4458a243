"""Screening progress between the mirror and the server (EXACT's `screening_modes`): for each
image of the mirrored set, the person's screening here and the server account's there end up
the same, nothing screened on either side lost (screening is never undone, so a field screened
on either side is screened on both); where both hold a place, the desktop's (the person's
latest) wins. When the two cut the image into different fields, the side that has them here is
kept. One request to read and at most one to write per screened image."""

from __future__ import annotations

from typing import Any

from exact_desktop.model.entities import Image, ScreeningMode, stored_id
from exact_desktop.rest.exact_api import ExactApi
from exact_desktop.store.base import Store

_GRID = ("x_steps", "y_steps", "x_resolution", "y_resolution")
FIELDS = ("screening_tiles", *_GRID, "current_index")


def sync_screening(store: Store, api: ExactApi, image_set: int, user: int | None, remote_user: int) -> int:
    """Agree on every screening of `user` (here) and `remote_user` (there) in the image set;
    returns how many the server stored."""
    stored = 0
    for image in store.list(Image, image_set=image_set):
        if image.remote_id is None:
            continue
        local = next(iter(store.list(ScreeningMode, image=image.id, user=user)), None)
        remote = api.screening_mode(image.remote_id, remote_user)
        if local is None and remote is None:
            continue
        merged = _merged(local, remote)
        if remote is None or any(remote.get(name) != merged[name] for name in FIELDS):
            body = merged if remote else {**merged, "image": image.remote_id, "user": remote_user}
            remote = api.save_screening_mode(body, remote["id"] if remote else None)
            stored += 1
        values = {**merged, "remote_id": int(remote["id"])}
        if local is None:
            store.create(ScreeningMode(stored_id(image), user, **values))
        else:
            store.update(ScreeningMode, stored_id(local), **values)
    return stored


def _merged(local: ScreeningMode | None, remote: dict[str, Any] | None) -> dict[str, Any]:
    if local is None:
        assert remote is not None
        return {name: remote.get(name) for name in FIELDS}
    ours = {name: getattr(local, name) for name in FIELDS}
    if remote is None or any(remote.get(name) != ours[name] for name in _GRID):
        return ours
    theirs = remote.get("screening_tiles") or {}
    tiles = {
        index: {**tile, "Screened": bool(tile.get("Screened") or (theirs.get(index) or {}).get("Screened"))}
        for index, tile in (local.screening_tiles or {}).items()
    }
    return {**ours, "screening_tiles": tiles}
