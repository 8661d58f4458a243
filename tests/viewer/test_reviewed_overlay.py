"""A result layer shows each candidate's review decision: undecided dashed, accepted solid,
rejected struck through, and a decision redraws its tile at once."""

from __future__ import annotations

import numpy as np

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.model import entities as e
from exact_desktop.model.layers import RESULTS, Layer, LayerList
from exact_desktop.review.session import ReviewSession
from exact_desktop.store.sqlite.review_book import ReviewBook
from exact_desktop.viewer.overlay_painter import OverlayPainter
from tests.viewer.test_overlay import colour_at, frame, project, view  # noqa: F401 - the fixture

SIDE = 200
XS = (5000, 6000, 7000)  # undecided, accepted, rejected


def _inked(picture, state, x: int, y: int) -> float:
    """How much of the top edge of the box at (x, y) is drawn."""
    return float(np.mean([colour_at(picture, state, x + d, y).alpha() > 0 for d in range(20, SIDE - 20, 2)]))


def test_decisions_show_in_the_result_layer(qapp, project):  # noqa: F811 - the fixture
    store, image, nucleus, *_rest = project
    plugin = store.create(e.Plugin("Finder"))
    result = store.create(e.PluginResult(image.id, None, plugin.id))
    entry = store.create(e.PluginResultEntry(result.id, "found"))
    boxes = {"x1": 0, "y1": 5000, "x2": SIDE, "y2": 5000 + SIDE}
    made = [
        store.create(e.PluginResultAnnotation(nucleus.id, entry.id, image.id, {**boxes, "x1": x, "x2": x + SIDE}, 0.9))
        for x in XS
    ]
    layers = LayerList()
    layers.sync(image.id, RESULTS, [Layer(RESULTS, entry.id, "found", image.id, "#0000FF", opacity=1.0)])
    overlay = OverlayPainter(store, ReviewBook(store), layers, lambda: image.id)
    state = view((6100, 5100), 4.0)
    before = frame(overlay, state)
    assert all(0.2 < _inked(before, state, x, 5000) < 0.8 for x in XS)  # all dashed
    session = ReviewSession(store, EditHistory(store), [entry.id])
    session.decide({made[1].id: nucleus.id})
    session.decide({made[2].id: None})
    after = frame(overlay, state)
    undecided, accepted, rejected = (_inked(after, state, x, 5000) for x in XS)
    assert 0.2 < undecided < 0.8 and accepted > 0.9 and rejected > 0.9
    centre = [colour_at(after, state, x + SIDE / 2, 5000 + SIDE / 2).alpha() for x in XS]
    assert centre[0] == 0 and centre[1] == 0 and centre[2] > 0  # struck through corner to corner
    session.history.undo()  # the reject taken back: dashed again
    assert 0.2 < _inked(frame(overlay, state), state, XS[2], 5000) < 0.8
    overlay.close()


def test_an_accepted_annotation_carries_a_mark(qapp, project):  # noqa: F811 - the fixture
    store, image, _nucleus, region, *_rest = project  # regions: large enough for outlines at 4x
    plugin = store.create(e.Plugin("Finder"))
    entry = store.create(e.PluginResultEntry(store.create(e.PluginResult(image.id, None, plugin.id)).id, "found"))
    candidate = store.create(e.PluginResultAnnotation(
        region.id, entry.id, image.id, _triangle(6000), 0.9
    ))  # fmt: skip
    store.create(e.Annotation(region.id, image.id, _triangle(5000)))
    ReviewSession(store, EditHistory(store), [entry.id]).decide({candidate.id: region.id})
    layers = LayerList()
    layers.sync(image.id, "annotations", [Layer("annotations", region.id, "Region", image.id, "#0000FF", opacity=1.0)])
    overlay = OverlayPainter(store, ReviewBook(store), layers, lambda: image.id)
    state = view((6100, 5100), 4.0)
    picture = frame(overlay, state)
    beside_corner = [colour_at(picture, state, x + SIDE + 8, 5000 - 8).alpha() for x in (5000, 6000)]
    assert beside_corner[0] == 0 and beside_corner[1] > 0  # the hand-drawn one has none
    overlay.close()


def _triangle(x: int) -> dict[str, float]:
    return {"x1": x, "y1": 5000, "x2": x + SIDE, "y2": 5000, "x3": x + SIDE / 2, "y3": 5000 + SIDE}
