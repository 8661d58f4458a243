"""Screening without Qt: EXACT's fields and keys, glass skipped, and the unscreened fields that
still hold candidates."""

from __future__ import annotations

import numpy as np
import pytest

from exact_desktop.annotating.screening import Screening, field_size, make_tiles
from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore
from tests.store.conftest import seed


@pytest.fixture
def screening(tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    tissue = np.ones((40, 40), np.uint8)
    tissue[:, :10] = 0  # the first column of fields is glass
    tiles, x_steps, y_steps = make_tiles(4000, 4000, 1000, 1000, tissue)
    mode = store.create(e.ScreeningMode(s.image.id, s.user.id, tiles, x_steps, y_steps, 1000, 1000, 1))
    yield Screening(store, mode)
    store.close()


def test_fields_follow_exact_and_glass_is_skipped(screening):
    assert (screening.mode.x_steps, screening.mode.y_steps) == (4, 4)
    assert [i for i, t in screening.tiles.items() if t.get("Glass")] == ["0", "4", "8", "12"]
    assert screening.key("a").center == screening.shown(1).center  # nothing but glass to the left: stays
    screening.key("s")  # marks 1 and 5
    assert screening.mode.current_index == 5 and screening.progress().screened == 2
    screening.key("j")  # left of 5 is glass (4): on, in EXACT's reading order, to the row above's end
    assert screening.mode.current_index == 3 and screening.progress().screened == 2
    assert screening.progress().fields == 12 and str(screening.progress()) == "Screened 17 % (2 of 12 fields)"
    assert field_size((1000, 600), 0.25, 10) == (3333, 2000)  # 1 µm per screen px at 10x, less the overlap


def test_unscreened_fields_holding_candidates_are_listed(screening):
    screening.key("d")  # marks 1 and 2
    points = np.array([[1500, 500], [2500, 400], [500, 500], [3500, 3500], [3600, 3900], [9000, 9000]])
    assert screening.unscreened_holding(points) == [15]  # 1 and 2 screened, 0 glass, the last outside
    screening.go(15)
    assert screening.mode.current_index == 15 and screening.progress().screened == 2
