"""The frame around annotations: team, products, annotation types, the image set and its images.

Pulled first, so every server id an annotation carries has a local row; each local row keeps
the server's id in `remote_id`, found again by it at the next sync.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from exact_desktop.model.entities import remote_id_of, stored_id
from exact_desktop.rest.errors import ExactApiError, RefusedError
from exact_desktop.rest.exact_api import ExactApi
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.sync_ledger import SyncLedger


@dataclass
class FrameMap:
    """Server id -> local id, for what annotations refer to."""

    image_set: int
    images: dict[int, int] = field(default_factory=dict)
    types: dict[int, int] = field(default_factory=dict)

    def remote_images(self) -> dict[int, int]:
        return {local: remote for remote, local in self.images.items()}

    def remote_types(self) -> dict[int, int]:
        return {local: remote for remote, local in self.types.items()}


SETS_NAMED = 20  # image sets a message about a missing one lists


class MissingImageSetError(ExactApiError):
    """The server has no image set of that id the user can see; the message lists those it has."""


def pull_frame(store: SqliteStore, api: ExactApi, remote_set: int) -> FrameMap:
    remote = _image_set(api, remote_set)
    team = None
    if remote.team is not None:
        try:
            team = _upsert(store, api.team(remote.team), {})
        except RefusedError:  # a set can be visible without its team being readable
            team = None
    products = [_upsert(store, api.product(p), {"team": team}) for p in remote.product_set]
    frame_types: dict[int, int] = {}
    for product, local_product in zip(remote.product_set, products, strict=True):
        for kind in api.annotation_types(product):
            frame_types[remote_id_of(kind)] = _upsert(store, kind, {"product": local_product})
    main = frame_types.get(remote.main_annotation_type) if remote.main_annotation_type else None
    local_set = _upsert(store, remote, {"team": team, "product_set": products, "main_annotation_type": main})
    SyncLedger(store).mirror(local_set, api.server, remote_set)
    frame = FrameMap(local_set, types=frame_types)
    for image in api.images(remote_set):
        frame.images[remote_id_of(image)] = _upsert(store, image, {"image_set": local_set})
    return frame


def _image_set(api: ExactApi, remote_set: int) -> Any:
    try:
        return api.image_set(remote_set)
    except RefusedError as err:
        if err.status != 404:
            raise
    there = sorted(api.image_sets(), key=lambda found: found[0].remote_id or 0)
    listed = ", ".join(f"{s.remote_id} ({s.name})" for s, _ in there[:SETS_NAMED]) or "none"
    more = f" and {len(there) - SETS_NAMED:,} more" if len(there) > SETS_NAMED else ""
    raise MissingImageSetError(
        f"image set {remote_set} does not exist on {api.server}, or you cannot see it; the sets you can see: "
        f"{listed}{more}"
    )


def _upsert(store: SqliteStore, remote: Any, local_keys: dict[str, Any]) -> int:
    """The local row with the remote's `remote_id`, made or brought up to date; its local id.
    Only the server's own fields are copied (a local image's path stays)."""
    kind = type(remote)
    wanted = replace(remote, id=None, **local_keys)
    found = store.list(kind, remote_id=remote.remote_id, limit=1)
    if not found:
        return stored_id(store.create(wanted))
    current = found[0]
    keep = {"id", "remote_id", "local_path", "time"}
    changes = {
        f.name: getattr(wanted, f.name)
        for f in fields(kind)
        if f.name not in keep and getattr(wanted, f.name) != getattr(current, f.name)
    }
    if changes:
        store.update(kind, current.id, **changes)
    return stored_id(current)
