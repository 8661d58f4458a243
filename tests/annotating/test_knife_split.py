"""The knife's geometry: a line across a polygon whose end wobbles over the outline cut a sliver
off as a piece of its own (the new user's "Split polygon: 3 pieces", the third a 3-vertex
sliver); a sliver goes back to its neighbour, and no area is lost. A real small piece stays."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, box

from exact_desktop.annotating.reshape import split

SQUARE = box(0, 0, 100, 100)


def test_a_wobble_over_the_outline_leaves_no_sliver_piece():
    line = LineString([(-10, 50), (102, 50), (98, 46), (102, 42)])  # across, then back over the edge
    pieces = split(SQUARE, line)
    assert pieces is not None and len(pieces) == 2
    assert sum(p.area for p in pieces) == pytest.approx(SQUARE.area)
    assert [round(p.area) for p in pieces] == [5000, 5000]


def test_a_piece_cut_on_purpose_stays_its_own_even_when_small():
    pieces = split(SQUARE, LineString([(-10, 5), (110, 5)]))  # a twentieth
    assert pieces is not None and [round(p.area) for p in pieces] == [9500, 500]
