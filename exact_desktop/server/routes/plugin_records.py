"""Creating and changing plugin records, as EXACT's `processing/plugins/` takes them.

Multipart forms: name, author, package, contact (an e-mail address), abouturl (a URL), icon (an
image file, required on create) and products (Product ids, repeated). EXACT's field rules are
kept so that a client that works here works there.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile

from exact_desktop.model import entities as e
from exact_desktop.server.context import CallerDep, OrjsonRoute, StoreDep
from exact_desktop.server.listing import BadRequest, select_fields
from exact_desktop.server.routes.processing import V1, _plugins, changeable_plugin
from exact_desktop.store.files import removed_unless_stored
from exact_desktop.store.sqlite.store import SqliteStore

router = APIRouter(dependencies=[CallerDep], route_class=OrjsonRoute)
TEXT_FIELDS = ("name", "author", "package", "contact", "abouturl")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.?[^@\s]*$")
_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")
ICON_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8")


async def _read_form(request: Request, store: SqliteStore, creating: bool) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = {k: str(form[k]).strip() for k in TEXT_FIELDS if k in form}
    errors: dict[str, list[str]] = {}
    if creating:
        for name in ("name", "author", "contact", "abouturl"):
            if not values.get(name):
                errors[name] = ["This field is required."]
    if values.get("contact") and not _EMAIL.match(values["contact"]):
        errors["contact"] = ["Enter a valid email address."]
    if values.get("abouturl") and not _URL.match(values["abouturl"]):
        errors["abouturl"] = ["Enter a valid URL."]
    if "products" in form:
        try:
            values["products"] = sorted({int(str(p)) for p in form.getlist("products")})
        except ValueError:
            errors["products"] = ["Incorrect type. Expected pk value."]
        else:
            known = {p.id for p in store.list(e.Product, id__in=values["products"])}
            missing = [p for p in values["products"] if p not in known]
            if missing:
                errors["products"] = [f'Invalid pk "{missing[0]}" - object does not exist.']
    icon = form.get("icon")
    if isinstance(icon, UploadFile):
        data = await icon.read()
        if not data.startswith(ICON_SIGNATURES):
            errors["icon"] = [
                "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
            ]
        values["icon_bytes"] = data
    elif creating:
        errors["icon"] = ["No file was submitted."]
    if errors:
        raise BadRequest(errors)
    return values


def _new_icon(store: SqliteStore) -> tuple[str, Path]:
    """A fresh icon file name (relative to the bitmap folder, as the row keeps it) and its path."""
    (store.bitmap_folder / "icons").mkdir(parents=True, exist_ok=True)
    name = f"icons/{secrets.token_hex(8)}.png"
    return name, store.bitmap_folder / name


@router.post(f"{V1}/plugins/", status_code=201)
async def create_plugin(request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    values = await _read_form(request, store, creating=True)
    if store.list(e.Plugin, name=values["name"]):  # the desktop keeps names unique; EXACT does not
        raise BadRequest({"name": ["A plugin with this name exists already."]})
    values["icon"], icon_path = _new_icon(store)
    with removed_unless_stored(icon_path) as path:
        path.write_bytes(values.pop("icon_bytes"))
        made = store.create(e.Plugin(**values))
    return select_fields(request, _plugins(store, [made])[0])


@router.patch(f"{V1}/plugins/{{id}}/")
async def update_plugin(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    old_icon = changeable_plugin(store, id).icon
    values = await _read_form(request, store, creating=False)
    if "icon_bytes" not in values:
        return select_fields(request, _plugins(store, [store.update(e.Plugin, id, **values)])[0])
    values["icon"], icon_path = _new_icon(store)
    with removed_unless_stored(icon_path) as path:
        path.write_bytes(values.pop("icon_bytes"))
        updated = store.update(e.Plugin, id, **values)
    if old_icon:  # the icon it replaced
        (store.bitmap_folder / old_icon).unlink(missing_ok=True)
    return select_fields(request, _plugins(store, [updated])[0])
