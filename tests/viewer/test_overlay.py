"""What the overlay draws matches the store at every level of detail, and edits redraw only their tiles."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPainter
from shapely.geometry import Polygon

from exact_desktop.model import entities as e
from exact_desktop.model import regions
from exact_desktop.model.layers import ANNOTATIONS, RESULTS, Layer, LayerList
from exact_desktop.model.view_state import ViewState
from exact_desktop.store.sqlite.review_book import ReviewBook
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.viewer.hit_test import hit_test
from exact_desktop.viewer.overlay_painter import OverlayPainter
from exact_desktop.viewer.overlay_tiles import overlay_z
from tests.store.conftest import box

SIZE = 20_000
W, H = 800, 600
BLUE = "#0000FF"


@pytest.fixture
def project(tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    team = store.create(e.Team("lab"))
    product = store.create(e.Product("p", team=team.id))
    image_set = store.create(e.ImageSet("s", team=team.id, product_set=[product.id]))
    image = store.create(e.Image("a.svs", image_set=image_set.id, width=SIZE, height=SIZE))
    nucleus = store.create(e.AnnotationType("Nucleus", 1, product.id, color_code=BLUE))
    region = store.create(e.AnnotationType("Region", 5, product.id, color_code="#FF0000"))
    rng = np.random.default_rng(2)
    cluster = [e.Annotation(nucleus.id, image.id, box(x, y, 10)) for x, y in rng.uniform(2000, 4000, (3000, 2))]
    store.bulk_create(cluster)
    big = store.create(e.Annotation(nucleus.id, image.id, {"x1": 12000, "y1": 12000, "x2": 12400, "y2": 12400}))
    triangle = store.create(e.Annotation(region.id, image.id, {"x1": 15000, "y1": 15000, "x2": 16000, "y2": 15000,
                                                               "x3": 15500, "y3": 16000}))  # fmt: skip
    layers = LayerList()
    layers.sync(image.id, ANNOTATIONS, [Layer(ANNOTATIONS, t.id, t.name, image.id, t.color_code, opacity=1.0)
                                        for t in (nucleus, region)])  # fmt: skip
    yield store, image, nucleus, region, big, triangle, layers
    store.close()


def frame(overlay: OverlayPainter, state: ViewState) -> QImage:
    """Paint until every tile is ready (they are made on worker threads)."""
    deadline = time.monotonic() + 20
    while True:
        picture = QImage(W, H, QImage.Format.Format_ARGB32_Premultiplied)
        picture.fill(0)
        painter = QPainter(picture)
        overlay.paint(painter, state)
        painter.end()
        if overlay.complete:
            return picture
        assert time.monotonic() < deadline, "the overlay never completed"
        while not overlay.tiles.idle():
            time.sleep(0.005)


def view(centre: tuple[float, float], downsample: float) -> ViewState:
    state = ViewState(SIZE, SIZE, W, H)
    state.set_downsample(downsample)
    state.center_on(*centre)
    return state


def colour_at(picture: QImage, state: ViewState, x: float, y: float) -> QColor:
    sx, sy = state.l0_to_screen(x, y)
    return picture.pixelColor(int(sx), int(sy))


def test_outlines_at_close_zoom_are_where_the_objects_are(qapp, project):
    store, image, _nucleus, _region, _big, _triangle, layers = project
    overlay = OverlayPainter(store, ReviewBook(store), layers, lambda: image.id)
    for downsample in (0.5, 1.0):  # tile levels where the layer's typical box (10 px) is at least MIN_OUTLINE_PX
        state = view((12000, 12200), downsample)
        picture = frame(overlay, state)
        edge = colour_at(picture, state, 12000, 12200)  # on the left edge of the big box
        assert edge.alpha() > 100 and edge.blue() > 150 and edge.red() < 60, (downsample, edge.getRgb())
        assert colour_at(picture, state, 12100, 12200).alpha() == 0  # inside: outlines only
        assert colour_at(picture, state, 11900, 12200).alpha() == 0  # beside it: nothing
        assert overlay.drawn == 1
    overlay.close()


def test_far_out_the_aggregate_shows_the_cluster_and_nothing_elsewhere(qapp, project):
    store, image, *_rest, layers = project
    overlay = OverlayPainter(store, ReviewBook(store), layers, lambda: image.id)
    for downsample in (16.0, 32.0, 64.0):  # 10 px boxes: 0.6 to 0.16 screen pixels, no outlines
        state = view((SIZE / 2, SIZE / 2), downsample)
        picture = frame(overlay, state)
        pixels = np.array([[colour_at(picture, state, x, y).getRgb() for x in range(2200, 3900, 200)]
                           for y in range(2200, 3900, 200)])  # fmt: skip
        assert (pixels[..., 3] > 0).mean() > 0.9 and (pixels[..., 2] >= pixels[..., 0]).all()  # blue, almost all
        empty = [colour_at(picture, state, x, y).alpha() for x in range(6000, 11000, 500) for y in (6000, 9000)]
        assert max(empty) == 0
        tiles = {overlay.tiles.get_any(k).detail for k in _visible_keys(overlay, state, layers, image.id)}
        assert tiles & {"dots", "counts"}
    overlay.close()


def _visible_keys(overlay, state, layers, image):
    from exact_desktop.viewer.overlay_tiles import tiles_for_region

    z = overlay_z(state.downsample)
    keys = []
    for layer in layers.for_image(image):
        keys += tiles_for_region(image, layer.key, z, state.visible_region(), SIZE, SIZE)
    return keys


def test_an_edit_invalidates_only_the_tiles_it_touches(qapp, project):
    store, image, nucleus, _region, _big, _triangle, layers = project
    overlay = OverlayPainter(store, ReviewBook(store), layers, lambda: image.id)
    state = view((12200, 12200), 1.0)
    frame(overlay, state)
    keys = _visible_keys(overlay, state, layers, image.id)
    before = {k: overlay.tiles.get_any(k) for k in keys}
    assert all(before.values())
    made = store.create(e.Annotation(nucleus.id, image.id, box(12100, 12100, 20)))  # inside tile (23, 23)
    after = {k: overlay.tiles.get_any(k) for k in keys}
    gone = [k for k in keys if after[k] is None]
    assert gone and all(k.layer == ("annotations", nucleus.id) for k in gone)
    assert all(k.col == 12100 // 512 and k.row == 12100 // 512 for k in gone)
    assert all(after[k] is before[k] for k in keys if k not in gone)  # the others are the same pictures
    picture = frame(overlay, state)
    assert colour_at(picture, state, 12100, 12110).alpha() > 100  # the new box is drawn
    store.delete(e.Annotation, made.id)
    picture = frame(overlay, state)
    assert colour_at(picture, state, 12100, 12110).alpha() == 0  # and gone again
    overlay.close()


def test_a_threshold_change_redraws_from_what_was_read(qapp, project):
    store, image, nucleus, *_rest = project
    plugin = store.create(e.Plugin("Detector", script="x.py"))
    result = store.create(e.PluginResult(image.id, None, plugin.id))
    entry = store.create(e.PluginResultEntry(result.id, "nuclei"))
    store.bulk_create([e.PluginResultAnnotation(nucleus.id, entry.id, image.id, box(5000 + 60 * i, 5000, 40),
                                                score=i / 20) for i in range(20)])  # fmt: skip
    layers = LayerList()
    layers.sync(image.id, RESULTS, [Layer(RESULTS, entry.id, "nuclei", image.id, BLUE)])
    overlay = OverlayPainter(store, ReviewBook(store), layers, lambda: image.id)
    state = view((5600, 5000), 2.0)
    frame(overlay, state)
    assert overlay.drawn == 20
    queried = overlay.tiles.queried_count
    layers.set((RESULTS, entry.id), threshold=0.5)
    picture = frame(overlay, state)
    assert overlay.drawn == 10 and overlay.tiles.queried_count == queried
    assert colour_at(picture, state, 5000, 5020).alpha() == 0  # score 0: under the threshold
    assert colour_at(picture, state, 5000 + 60 * 19, 5020).alpha() > 0
    keys = _visible_keys(overlay, state, layers, image.id)
    before = {k: overlay.tiles.get_any(k) for k in keys}
    store.bulk_create([e.PluginResultAnnotation(nucleus.id, entry.id, image.id, box(5300, 5300, 30), score=0.9)])
    gone = [k for k in keys if overlay.tiles.get_any(k) is None]  # a job wrote one more result
    span = 512 * 2 ** overlay_z(state.downsample)
    assert [(k.col, k.row) for k in gone] == [(5300 // span, 5300 // span)]
    assert all(overlay.tiles.get_any(k) is before[k] for k in keys if k not in gone)
    frame(overlay, state)
    assert overlay.drawn == 11
    overlay.close()


def test_a_click_hits_the_smallest_object_under_it(qapp, project):
    store, image, nucleus, region, big, triangle, layers = project
    shapes = {nucleus.id: nucleus.vector_type, region.id: region.vector_type}.get
    shown = layers.for_image(image.id)
    assert hit_test(store, image.id, shown, 12200, 12200, 2, shapes).id == big.id  # inside the box
    assert hit_test(store, image.id, shown, 15500, 15300, 2, shapes).id == triangle.id  # inside the triangle
    assert hit_test(store, image.id, shown, 15100, 15900, 2, shapes) is None  # in its box, outside its shape
    assert hit_test(store, image.id, shown, 8000, 8000, 2, shapes) is None
    inner = store.create(e.Annotation(nucleus.id, image.id, box(12190, 12190, 30)))
    assert hit_test(store, image.id, shown, 12200, 12200, 2, shapes).id == inner.id  # the smaller one
    layers.set((ANNOTATIONS, nucleus.id), visible=False)
    assert hit_test(store, image.id, layers.for_image(image.id), 12200, 12200, 2, shapes) is None


def test_a_large_object_among_small_ones_is_outlined_on_a_tile_of_dots(qapp, project):
    """The layer's median box (10 px) is a dot at this zoom; the 400 px box beside them is 100 px
    on screen: outlined, not a dot."""
    store, image, _nucleus, _region, _big, _triangle, layers = project
    overlay = OverlayPainter(store, ReviewBook(store), layers, lambda: image.id)
    state = view((12000, 12200), 4.0)
    picture = frame(overlay, state)
    picture.save(str(store.path.parent / "large-among-dots.png"))
    tiles = {overlay.tiles.get_any(k).detail for k in _visible_keys(overlay, state, layers, image.id)}
    assert "dots" in tiles
    edge = colour_at(picture, state, 12000, 12200)  # on the left edge of the big box
    assert edge.alpha() > 100 and edge.blue() > 150, edge.getRgb()
    assert colour_at(picture, state, 12200, 12200).alpha() == 0  # its centre: no dot
    overlay.close()


def test_a_polygons_hole_is_outlined_and_left_empty_at_every_zoom(qapp, tmp_path):
    """A 2,000 px square region with a 800 px hole (a scissor cut inside it), among 3,000 small
    pieces of its layer: outlined with its hole on tiles of outlines and, where the pieces are
    dots, outlined anyway, hole and all; inside the hole nothing is drawn."""
    store = SqliteStore(tmp_path / "holes.db")
    team = store.create(e.Team("lab"))
    product = store.create(e.Product("p", team=team.id))
    image_set = store.create(e.ImageSet("s", team=team.id, product_set=[product.id]))
    image = store.create(e.Image("a.svs", image_set=image_set.id, width=SIZE, height=SIZE))
    region = store.create(e.AnnotationType("Region", 5, product.id, color_code="#FF0000"))
    rng = np.random.default_rng(5)
    store.bulk_create([e.Annotation(region.id, image.id, {"x1": x, "y1": y, "x2": x + 10, "y2": y, "x3": x, "y3": y + 10})
                       for x, y in rng.uniform(14000, 16000, (3000, 2)).tolist()])  # fmt: skip
    square = Polygon([(4000, 4000), (6000, 4000), (6000, 6000), (4000, 6000)], [[(4600, 4600), (5400, 4600),
                                                                                 (5400, 5400), (4600, 5400)]])  # fmt: skip
    store.create(e.Annotation(region.id, image.id, **regions.fields_of(square)))
    layers = LayerList()
    layers.sync(image.id, ANNOTATIONS, [Layer(ANNOTATIONS, region.id, "Region", image.id, "#FF0000", opacity=1.0)])
    overlay = OverlayPainter(store, ReviewBook(store), layers, lambda: image.id)
    for downsample in (1.0, 4.0, 16.0):
        state = view((5000, 5000) if downsample > 1 else (4350, 5000), downsample)
        picture = frame(overlay, state)
        picture.save(str(tmp_path / f"hole-{downsample:g}.png"))
        for x, y in ((4600, 5000), (4000, 5000)):  # the hole's left edge, the square's (within a screen pixel)
            edge = max((colour_at(picture, state, x + dx * downsample, y) for dx in (-1, 0, 1)), key=QColor.alpha)
            assert edge.alpha() > 100 and edge.red() > 150, (downsample, x, edge.getRgb())
        assert colour_at(picture, state, 4700, 5000).alpha() == 0, downsample  # inside the hole
        assert colour_at(picture, state, 4300, 5000).alpha() == 0, downsample  # inside the region: outlines only
    details = {overlay.tiles.get_any(k).detail for k in _visible_keys(overlay, state, layers, image.id)}
    assert "dots" in details or "counts" in details  # the small pieces are not outlined this far out
    overlay.close()
    store.close()
