"""The learning benchmark's count of candidates looked at before 95 % of the mitoses are found."""

from __future__ import annotations

import numpy as np

from exact_desktop.bench.learn_bench import looked_at


def test_candidates_are_counted_up_to_the_one_that_reaches_95_percent():
    order = np.zeros(100, bool)
    order[[2, 10, 50]] = True  # three mitoses: 95 % of them is all three
    assert looked_at(order) == 51
    order = np.zeros(200, bool)
    order[np.arange(20) * 5] = True  # twenty: the nineteenth is enough
    assert looked_at(order) == 91
    assert looked_at(np.zeros(5, bool)) == 0
