"""`exact-desktop bench tools`: the wand, the brush and outline-from-box on the demo slide,
through the Qt-free annotator and tools the window uses, over a real project file.

- `wand_ms_p95`: one mouse move of a wand drag over a tumour region, at the zoom the region is
  outlined at (the pixels are read once, at the press).
- `brush_ms_p95`: one brush move along the edge of a selected polygon of 2,000 vertices.
- `outline_from_box_ms_p95`: one 512 x 512 px box outlined and stored.
- `events_ratio`: the mouse events a script needs to outline the demo's tumour regions and
  NUCLEI nuclei at IoU >= 0.9, assisted (outline-from-box, with one corrective brush stroke
  where the box missed part of the object, else the wand, else clicks) over
  clicking each polygon vertex by vertex (the fewest vertices that reach IoU 0.9, a click each,
  and one more to close). A click is two events (press, release), a drag its press, moves and
  release.

`--quick` generates a 6,000 x 4,000 demo slide (seconds) instead of using the full demo slide.
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.ops import polylabel

from exact_desktop.annotating.annotator import Annotator
from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.annotating.tools.brush import BrushTool
from exact_desktop.annotating.tools.outline import OutlineTool
from exact_desktop.annotating.tools.wand import WandTool
from exact_desktop.demo.synthetic_slide import DemoSlide, ensure_demo_slide, ensure_demo_slides
from exact_desktop.model import regions, shapes
from exact_desktop.model.entities import Annotation, AnnotationType, Image, ImageSet, Product, Team, stored_id
from exact_desktop.model.view_state import ViewState
from exact_desktop.slides.opener import open_slide
from exact_desktop.store.sqlite.store import SqliteStore

QUICK_SIZE = (6000, 4000)
NUCLEI = 50
VIEWPORT = (1000, 700)
# a drag over a region, in its radius: the centre, then round it about half way to the border
WAND_PATH = ((0, 0), (-0.35, 0), (-0.52, -0.26), (0, -0.52), (0.43, -0.26), (0.52, 0.26), (0, 0.52))
TARGET_IOU = 0.9
TOL = 6.0


def bench_tools(folder: Path | None, quick: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        made = ensure_demo_slide(Path(tmp), "tools", QUICK_SIZE, seed=7) if quick else _demo_slide(folder)
        truth = json.loads(made.ground_truth.read_text(encoding="utf-8"))
        store = SqliteStore(Path(tmp) / "bench.db")
        annotator = _annotator(store, made.slide)
        try:
            tumours = [Polygon(r["polygon"]) for r in truth["regions"] if r["class"] == "tumor"]
            nuclei = [_ellipse(n) for n in truth["nuclei"] if n[2] == "tumor"][: 10 if quick else NUCLEI]
            wand_ms = [ms for region in tumours for ms in _wand_moves(annotator, region)[1]]
            brush_ms = _brush_moves(annotator, 40 if quick else 200)
            box_ms = _boxes(annotator, nuclei[:5] if quick else nuclei[:20])
            events = _events(annotator, tumours, nuclei)
        finally:
            store.close()
            annotator.slide.close()  # type: ignore[union-attr]
    return {
        "benchmark": "tools",
        "slide": "quick 6,000 x 4,000" if quick else "demo",
        "wand_ms_p95": _p95(wand_ms),
        "wand_moves": len(wand_ms),
        "brush_ms_p95": _p95(brush_ms),
        "brush_polygon_vertices": 2000,
        "outline_from_box_ms_p95": _p95(box_ms),
        "outline_boxes": len(box_ms),
        **events,
    }


def _demo_slide(folder: Path | None) -> DemoSlide:
    from exact_desktop.paths import demo_dir

    return ensure_demo_slides(folder or demo_dir())[0]


def _annotator(store: SqliteStore, slide: Path) -> Annotator:
    source = open_slide(slide)
    width, height = source.dimensions
    team = store.create(Team("bench"))
    product = store.create(Product("bench", team=team.id))
    image_set = store.create(ImageSet("bench", team=stored_id(team), product_set=[stored_id(product)]))
    image = store.create(Image(slide.name, stored_id(image_set), local_path=str(slide), width=width, height=height))
    region = store.create(AnnotationType("Region", 5, stored_id(product)))
    annotator = Annotator(store, EditHistory(store), lambda x, y, t: None, lambda rect: [])
    annotator.set_image(image.id, [region])
    annotator.view = ViewState(width, height, *VIEWPORT)
    annotator.slide = source
    return annotator


def _look_at(annotator: Annotator, x: float, y: float, downsample: float) -> None:
    assert annotator.view is not None
    annotator.view.set_downsample(downsample)
    annotator.view.center_on(x, y)


def _timed(call: Any) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


# --- the tools, timed -----------------------------------------------------------------------
def _wand_moves(annotator: Annotator, region: Polygon) -> tuple[Polygon, list[float], int]:
    """One wand drag over `region` as a person makes it: the outline, each move's ms, the events."""
    cx, cy = region.centroid.x, region.centroid.y
    radius = math.sqrt(region.area / math.pi)
    _look_at(annotator, cx, cy, radius / 75)  # the region about 150 screen px across
    annotator.select([])
    annotator.use(WandTool)
    path = [(cx + dx * radius, cy + dy * radius) for dx, dy in WAND_PATH]
    annotator.press(*path[0], TOL)
    moves = [_timed(lambda p=p: annotator.move(*p)) for p in path[1:]]
    annotator.release(*path[-1], TOL)
    found = _last_outline(annotator)
    annotator.use(WandTool)  # off again
    return found, moves, 2 + len(moves)


def _brush_moves(annotator: Annotator, moves: int) -> list[float]:
    """Brush moves along the edge of a selected 2,000-vertex polygon, crossing in and out."""
    assert annotator.image is not None and annotator.active is not None
    cx, cy, r = 3000.0, 2000.0, 1000.0
    vector = shapes.circle_polygon(cx, cy, r, 2000)
    made = annotator.history.create([Annotation(stored_id(annotator.active), annotator.image, vector)])
    annotator.select(made)
    _look_at(annotator, cx + r, cy, 2.0)
    annotator.use(BrushTool)
    angles = np.linspace(-0.3, 0.3, moves)
    path = [(cx + (r + 30 * math.sin(9 * a)) * math.cos(a), cy + r * math.sin(a)) for a in angles]
    annotator.press(*path[0], TOL)
    times = [_timed(lambda p=p: annotator.move(*p)) for p in path[1:]]
    annotator.release(*path[-1], TOL)
    annotator.use(BrushTool)
    annotator.select([])
    return times


def _boxes(annotator: Annotator, nuclei: list[Polygon]) -> list[float]:
    """512 x 512 px boxes (around nuclei, in the tumour) outlined and stored."""
    annotator.use(OutlineTool)
    times = []
    for nucleus in nuclei:
        x, y = nucleus.centroid.x, nucleus.centroid.y
        _look_at(annotator, x, y, 1.0)
        annotator.press(x - 256, y - 256, TOL)
        times.append(_timed(lambda x=x, y=y: annotator.release(x + 256, y + 256, TOL)))
    annotator.use(OutlineTool)
    return times


def _events(annotator: Annotator, tumours: list[Polygon], nuclei: list[Polygon]) -> dict[str, Any]:
    clicked = assisted = 0
    reached = {"box": 0, "box_and_brush": 0, "wand": 0, "clicks": 0}
    for target in [*tumours, *nuclei]:
        clicks = 2 * (_fewest_vertices(target) + 1)
        clicked += clicks
        outline, events = _box_outline(annotator, target)
        if _iou(outline, target) >= TARGET_IOU:
            assisted, reached["box"] = assisted + events, reached["box"] + 1
            continue
        outline, stroke = _brush_missing(annotator, outline, target)
        if stroke and _iou(outline, target) >= TARGET_IOU:
            assisted, reached["box_and_brush"] = assisted + events + stroke, reached["box_and_brush"] + 1
            continue
        events += stroke
        outline, _, drag = _wand_moves(annotator, target)
        if _iou(outline, target) >= TARGET_IOU:
            assisted, reached["wand"] = assisted + events + drag, reached["wand"] + 1
            continue
        assisted, reached["clicks"] = assisted + events + drag + clicks, reached["clicks"] + 1
    return {
        "events_ratio": round(assisted / clicked, 3),
        "events_assisted": assisted,
        "events_clicked": clicked,
        "outlined_regions": len(tumours),
        "outlined_nuclei": len(nuclei),
        "reached_by_box": reached["box"],
        "reached_by_box_and_brush": reached["box_and_brush"],
        "reached_by_wand": reached["wand"],
        "left_to_clicks": reached["clicks"],
    }


def _box_outline(annotator: Annotator, target: Polygon) -> tuple[Polygon | None, int]:
    """A box drawn a little outside `target` (press, one move, release): its outline."""
    x0, y0, x1, y1 = target.bounds
    pad = 0.05 * max(x1 - x0, y1 - y0) + 4
    _look_at(annotator, (x0 + x1) / 2, (y0 + y1) / 2, max(1.0, (x1 - x0 + 2 * pad) / 300))
    annotator.select([])
    annotator.use(OutlineTool)
    annotator.press(x0 - pad, y0 - pad, TOL)
    annotator.move(x1 + pad, y1 + pad)
    annotator.release(x1 + pad, y1 + pad, TOL)
    found = _last_outline(annotator)
    annotator.use(OutlineTool)
    return found, 3


def _brush_missing(annotator: Annotator, outline: Polygon | None, target: Polygon) -> tuple[Polygon | None, int]:
    """One corrective brush stroke on the selected `outline`, as a person adds what the box
    missed (a nucleus partly hidden under a neighbour): the brush as wide as the largest missing
    piece (zoomed to make it so, the brush keeping its screen size) runs just inside `target`'s
    edge along that piece, so it adds up to the edge and never past it. The outline after it,
    and the stroke's events (none when nothing is missing)."""
    missing = regions.pieces_of(target.difference(outline)) if outline is not None else []
    if not missing:
        return outline, 0
    piece = missing[0]
    radius = max(1.0, shapely.distance(polylabel(piece, 0.25), piece.exterior))
    inside = target.buffer(-radius)
    if inside.is_empty or inside.geom_type != "Polygon":
        return outline, 0
    edge = inside.exterior
    along = [edge.interpolate(d) for d in np.arange(0.0, edge.length, radius / 2)]
    path = _longest_run([(p.x, p.y) for p in along], [p.distance(piece) < radius / 2 for p in along])
    if not path:
        return outline, 0
    _look_at(annotator, *piece.centroid.coords[0], radius / BrushTool.radius_px)
    annotator.use(BrushTool)
    annotator.press(*path[0], TOL)
    for point in path[1:]:
        annotator.move(*point)
    annotator.release(*path[-1], TOL)
    annotator.use(BrushTool)  # off again
    return _last_outline(annotator), 2 + len(path) - 1


def _longest_run(points: list[tuple[float, float]], near: list[bool]) -> list[tuple[float, float]]:
    """The longest run of consecutive `near` points round a closed ring."""
    if all(near):
        return [*points, points[0]]
    start = near.index(False)
    points, near = points[start:] + points[:start], near[start:] + near[:start]
    best: list[tuple[float, float]] = []
    run: list[tuple[float, float]] = []
    for point, close in zip(points, near, strict=True):
        run = [*run, point] if close else []
        best = run if len(run) > len(best) else best
    return best


def _last_outline(annotator: Annotator) -> Polygon | None:
    (made,) = annotator.selected or [None]
    return regions.polygon_of(made.vector, made.meta_data) if made is not None else None  # type: ignore[return-value]


def _fewest_vertices(target: Polygon) -> int:
    """The fewest vertices of a polygon on `target`'s outline with IoU >= TARGET_IOU."""
    ring = np.asarray(target.exterior.coords)[:-1]
    for count in range(3, len(ring) + 1):
        picked = ring[np.linspace(0, len(ring), count, endpoint=False).astype(int)]
        if _iou(Polygon(picked), target) >= TARGET_IOU:
            return count
    return len(ring)


def _iou(found: Polygon | None, target: Polygon) -> float:
    if found is None or found.is_empty:
        return 0.0
    return float(found.intersection(target).area / found.union(target).area)


def _ellipse(nucleus: list[Any]) -> Polygon:
    """The nucleus as the demo draws it: OpenCV puts a pixel's centre on whole coordinates, so
    its ellipse about (x, y) sits half a pixel on in level-0 corner coordinates; centre and axes
    are not rounded (the drawing keeps a sixteenth of a pixel), nor the angle."""
    x, y, _, rx, ry, angle = nucleus
    turn = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    along, across = rx * np.cos(turn), ry * np.sin(turn)
    return Polygon(np.c_[x + 0.5 + along * cos - across * sin, y + 0.5 + along * sin + across * cos])


def _p95(values: list[float]) -> float:
    return round(float(np.percentile(values, 95)), 2) if values else 0.0
