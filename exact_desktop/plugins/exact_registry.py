"""Plugin records on an EXACT server: what `exact-desktop plugin register --server` does.

EXACT keeps a plugin as {name, author, package, contact, abouturl, icon, products} (multipart,
an image file as icon, a valid e-mail address as contact, a URL as abouturl) and links it to
Products. The annotation types the plugin's manifest names are found by name inside the product
or made there. Found by exact name on the client side: the server ignores `?name=`.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from PIL import Image as PILImage

from exact_desktop.plugins.sdk.worker import find_plugin
from exact_desktop.rest.answers import Shape, checked
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.errors import ExactApiError, UnknownOutcomeError
from exact_desktop.rest.processing import PLUGINS, item

TYPES = "/api/v1/annotations/annotation_types/"
DEFAULT_CONTACT = "plugins@exact-desktop.localhost"
DEFAULT_ABOUT = "http://localhost/exact-desktop/plugins"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def icon_png(manifest: dict[str, Any]) -> bytes:
    """The manifest's icon file, or a plain square in the colour of its first type."""
    path = manifest.get("icon")
    if path and Path(path).is_file():
        return Path(path).read_bytes()
    colour = (manifest.get("products") or [{}])[0].get("color_code", "#1F77B4")
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 64), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def ensure_server_types(connection: Connection, manifest: dict[str, Any], product: int) -> dict[str, int]:
    """Name -> id of each type the manifest names, inside `product`; missing ones are made."""
    listed = connection.iterate(TYPES, product=product, fields="id,name,product")
    shape: Shape = {"id": int, "name": str, "product": int}
    have = {
        t["name"]: t["id"]
        for t in listed
        if checked(t, shape, connection.url, f"the list of {TYPES}")["product"] == product
    }
    for spec in manifest.get("products", []):
        if spec["name"] not in have:
            vector_type = int(spec.get("vector_type", 1))
            made = connection.post(TYPES, {
                "name": spec["name"], "vector_type": vector_type, "product": product,
                "color_code": spec.get("color_code", "#CC4444"), "closed": vector_type == 5, "area_hit_test": True,
            })  # fmt: skip
            have[spec["name"]] = checked(made, {"id": int}, connection.url, f"the POST to {TYPES}")["id"]
    return {spec["name"]: have[spec["name"]] for spec in manifest.get("products", [])}


def register_on_server(
    connection: Connection, manifest: dict[str, Any], product: int, name: str | None = None
) -> dict[str, Any]:
    """Create or update the plugin record (its products gain `product`); the record as stored."""
    name = name or manifest["name"]
    types = ensure_server_types(connection, manifest, product)
    contact = str(manifest.get("contact") or "")
    fields = {
        "name": name, "author": str(manifest.get("author") or "unknown"),
        "package": str(manifest.get("package") or ""),
        "contact": contact if _EMAIL.match(contact) else DEFAULT_CONTACT,
        "abouturl": str(manifest.get("abouturl") or DEFAULT_ABOUT),
    }  # fmt: skip
    try:
        existing = find_plugin(connection, name)
    except ExactApiError:
        existing = None
    products = sorted({*(existing["products"] if existing else []), product})
    form = [*fields.items(), *(("products", str(p)) for p in products)]
    icon_name = re.sub(r"\W+", "_", name) + ".png"
    files = {"icon": (icon_name, icon_png(manifest), "image/png")}
    if existing:
        record = connection.json("PATCH", item(PLUGINS, existing["id"]), data=form, files=files)
    else:
        try:
            record = connection.json("POST", PLUGINS, data=form, files=files)
        except UnknownOutcomeError:  # made after all? find it rather than make a second one
            record = find_plugin(connection, name)
    record = checked(
        record, {"id": int, "name": str}, connection.url, f"the plugin record {name!r} written to {PLUGINS}"
    )
    record["annotation_types"] = types
    return record
