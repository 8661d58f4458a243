"""The demo project: team, local user, product "Demo", its annotation types, image set "Demo".

Idempotent: every piece is found by name before it is made, so a run cut short is completed by
the next one instead of leaving duplicates.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any, TypeVar

from exact_desktop.demo.layout import REGION_CLASSES
from exact_desktop.demo.synthetic_slide import DemoSlide
from exact_desktop.model import entities as e
from exact_desktop.model.entities import VectorType
from exact_desktop.plugins.registry import PluginRegistryError, discovered_scripts, register
from exact_desktop.slides.base import open_slide
from exact_desktop.store.base import Store

T = TypeVar("T")
DEMO_NAME = "Demo"
# name, vector type, colour
REGION_COLOURS = ("#D62728", "#17BECF")
ANNOTATION_TYPES: tuple[tuple[str, int, str], ...] = (
    ("Nucleus", VectorType.BOUNDING_BOX, "#1F77B4"),
    ("Tissue", VectorType.POLYGON, "#2CA02C"),
    *(
        (f"{name.capitalize()} region", VectorType.POLYGON, colour)
        for name, colour in zip(REGION_CLASSES, REGION_COLOURS, strict=True)
    ),
)


def find_or_create(store: Store, entity: T, **match: Any) -> T:
    found = store.list(type(entity), limit=1, **match)
    return found[0] if found else store.create(entity)


def ensure_demo_project(store: Store, slides: list[DemoSlide]) -> e.ImageSet:
    user = find_or_create(store, e.User(getpass.getuser()), username=getpass.getuser())
    team = find_or_create(store, e.Team("Local team"), name="Local team")
    find_or_create(store, e.TeamMembership(team.id, user.id, is_admin=True), team=team.id, user=user.id)  # type: ignore[arg-type]
    product = find_or_create(store, e.Product(DEMO_NAME, team=team.id), name=DEMO_NAME)
    for sort_order, (name, vector_type, colour) in enumerate(ANNOTATION_TYPES):
        closed = vector_type == VectorType.POLYGON
        find_or_create(
            store,
            e.AnnotationType(name, vector_type, product.id, color_code=colour, closed=closed, sort_order=sort_order),  # type: ignore[arg-type]
            name=name, product=product.id,
        )  # fmt: skip
    image_set = find_or_create(store, e.ImageSet(DEMO_NAME, team=team.id, product_set=[product.id]), name=DEMO_NAME)  # type: ignore[list-item]
    for demo in slides:
        name = demo.slide.name
        if store.count(e.Image, image_set=image_set.id, name=name):
            continue
        with open_slide(demo.slide) as source:
            width, height = source.dimensions
            store.create(e.Image(
                name, image_set=image_set.id, filename=name, local_path=str(demo.slide), width=width,  # type: ignore[arg-type]
                height=height, mpp=source.mpp or 0.0, objectivePower=source.objective_power or 0.0,
            ))  # fmt: skip
    for script in discovered_scripts():  # the built-ins and the `exact_desktop.plugins` entry points
        if not store.count(e.Plugin, script=script):
            try:
                register(store, script, product.id)
            except PluginRegistryError as err:  # someone else's broken plugin must not stop the demo
                print(f"exact-desktop: plugin not registered: {err}", file=sys.stderr)
    return image_set
