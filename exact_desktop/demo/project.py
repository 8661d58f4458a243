"""The demo project: team, local user, product "Demo", its annotation types, image set "Demo".

Idempotent: every piece is found by name before it is made, so a run cut short is completed by
the next one instead of leaving duplicates.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TypeVar

from exact_desktop.demo.layout import REGION_CLASSES
from exact_desktop.demo.synthetic_slide import DemoSlide
from exact_desktop.model import entities as e
from exact_desktop.model.entities import VectorType, stored_id
from exact_desktop.plugins.registry import PluginRegistryError, discovered_scripts, register
from exact_desktop.slides.opener import open_slide
from exact_desktop.store.base import Store
from exact_desktop.store.local_user import local_user

T = TypeVar("T")
DEMO_NAME = "Demo"
SMALL_NAME = "demo-small-slide.svs"
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


def _ensure_regions(store: Store, image_set: e.ImageSet, slides: list[DemoSlide], product: int) -> None:
    """The small slide's tumour and stroma regions, from its ground truth, as annotations: what
    the patch classifier learns from (the large slide is left for it to classify)."""
    small = [s for s in slides if s.slide.name == SMALL_NAME]
    images = store.list(e.Image, image_set=image_set.id, name=SMALL_NAME)
    if not small or not images:
        return
    types = {t.name: t for t in store.list(e.AnnotationType, product=product)}
    region_types = [types[f"{name.capitalize()} region"].id for name in REGION_CLASSES]
    if store.count(e.Annotation, image=images[0].id, annotation_type__in=region_types):
        return
    truth = json.loads(small[0].ground_truth.read_text(encoding="utf-8"))
    regions = []
    for region in truth["regions"]:
        vector = {}
        for i, (x, y) in enumerate(region["polygon"], start=1):
            vector[f"x{i}"], vector[f"y{i}"] = x, y
        kind = types[f"{region['class'].capitalize()} region"]
        regions.append(
            e.Annotation(stored_id(kind), stored_id(images[0]), vector, description="from the demo's ground truth")
        )
    store.bulk_create(regions)


def ensure_demo_project(store: Store, slides: list[DemoSlide]) -> e.ImageSet:
    user = local_user(store)
    team = find_or_create(store, e.Team("Local team"), name="Local team")
    find_or_create(store, e.TeamMembership(stored_id(team), user, is_admin=True), team=stored_id(team), user=user)
    product = find_or_create(store, e.Product(DEMO_NAME, team=team.id), name=DEMO_NAME)
    product_id = stored_id(product)
    for sort_order, (name, vector_type, colour) in enumerate(ANNOTATION_TYPES):
        closed = vector_type == VectorType.POLYGON
        find_or_create(
            store,
            e.AnnotationType(name, vector_type, product_id, color_code=colour, closed=closed, sort_order=sort_order),
            name=name, product=product.id,
        )  # fmt: skip
    image_set = find_or_create(
        store, e.ImageSet(DEMO_NAME, team=stored_id(team), product_set=[stored_id(product)]), name=DEMO_NAME
    )
    for demo in slides:
        name = demo.slide.name
        if store.count(e.Image, image_set=image_set.id, name=name):
            continue
        with open_slide(demo.slide) as source:
            width, height = source.dimensions
            store.create(e.Image(
                name, image_set=stored_id(image_set), filename=name, local_path=str(demo.slide), width=width,
                height=height, mpp=source.mpp or 0.0, objectivePower=source.objective_power or 0.0,
            ))  # fmt: skip
    _ensure_regions(store, image_set, slides, stored_id(product))
    for script in discovered_scripts():  # the built-ins and the `exact_desktop.plugins` entry points
        if not store.count(e.Plugin, script=script):
            try:
                register(store, script, product.id)
            except PluginRegistryError as err:  # someone else's broken plugin must not stop the demo
                print(f"exact-desktop: plugin not registered: {err}", file=sys.stderr)
    return image_set
