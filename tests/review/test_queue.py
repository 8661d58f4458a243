"""The score orders taken from rows sorted once are the orders a full sort gives."""

from __future__ import annotations

import numpy as np
import pytest

from exact_desktop.review.queue import STATES, Filters, ScoreOrder, chosen, ordered, score_counts
from exact_desktop.store.sqlite.review_book import Candidates


def candidates(n: int, seed: int) -> Candidates:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random(n), 2).astype(np.float32)  # many equal scores: ties go by id
    zeros = np.zeros(n, np.int64)
    return Candidates(np.arange(n) * 3, zeros, zeros, zeros + 1, scores, np.zeros((n, 4), np.float32),
                      rng.integers(0, 4, n).astype(np.int8), np.full(n, -1))  # fmt: skip


@pytest.mark.parametrize("order", ["score_high", "score_low", "uncertain"])
def test_orders_from_the_sorted_rows_are_the_full_sorts(order):
    c = candidates(3000, seed=4)
    by_score = ScoreOrder(c)
    for filters in (Filters(), Filters(states=None), Filters(low=0.2, high=0.7, states=("undecided", "reject"))):
        mask = chosen(c, filters)
        for threshold in (0.0, 0.333, 0.5, 0.9999, 1.0):
            plain = ordered(c, mask, order, threshold)
            fast = ordered(c, mask, order, threshold, by_score=by_score)
            assert sorted(plain) == sorted(fast)
            if order != "uncertain":
                assert np.array_equal(plain, fast)
                continue
            distance = np.abs(c.scores.astype(np.float64) - threshold)
            assert np.array_equal(distance[plain], distance[fast])  # the same order of distances
            same_side = c.scores[fast] >= threshold
            for side in (True, False):  # and on each side of the threshold, ties by id as before
                ours = fast[same_side == side]
                theirs = plain[(c.scores[plain] >= threshold) == side]
                assert np.array_equal(ours, theirs)


def test_the_learnt_order_gives_every_tenth_place_to_the_least_sure():
    """Likely first, but the tenth, twentieth, ... place is the least sure of those not placed
    yet: the reviewer also decides what the model does not know, so it learns the mimics and
    cells it has not seen (ordered by the likely alone, its export kept them)."""
    c = candidates(45, seed=1)
    learned = np.linspace(1.0, 0.5, 45)  # id order: likely first, the least sure last
    queue = ordered(c, np.ones(45, bool), "learned", learned=learned)
    assert sorted(queue) == list(range(45))
    assert list(queue[[9, 19, 29, 39]]) == [44, 43, 42, 41]  # the least sure, each once
    assert list(np.delete(queue, [9, 19, 29, 39])) == list(range(41))  # the others high first
    no_model = ordered(c, np.ones(45, bool), "learned", learned=np.full(45, np.nan))
    assert np.array_equal(no_model, np.argsort(-c.scores, kind="stable"))  # the plugin's score alone


def test_the_histogram_from_bins_placed_once_is_numpys():
    """Scores on the bins' edges (0, 0.1, ..., 1 itself), outside [0, 1] and NaN are counted
    where np.histogram counts them, for any mask and number of bins."""
    c = candidates(3000, seed=5)
    c.scores[:41] = np.float32([0.0, 1.0, -0.5, 1.5, np.nan, *np.linspace(0, 1, 21, dtype=np.float32), *[1.0] * 15])
    by_score = ScoreOrder(c)
    rng = np.random.default_rng(6)
    for bins in (10, 20, 7):
        for mask in (np.ones(3000, bool), rng.random(3000) < 0.3, chosen(c, Filters())):
            counts, edges = score_counts(c, mask, bins, by_score)
            expected, expected_edges = np.histogram(c.scores[mask], bins=bins, range=(0.0, 1.0))
            assert np.array_equal(counts, expected) and np.array_equal(edges, expected_edges)


def test_the_decision_filter_lets_through_the_states_it_names():
    c = candidates(500, seed=7)
    for states in (("undecided",), ("accept", "reject"), ("undecided", "undecided", "relabel"), STATES, ()):
        expected = np.isin(c.decisions, [STATES.index(s) for s in states])
        assert np.array_equal(chosen(c, Filters(states=states)), expected)
