"""Which candidates a review shows, and in what order: plain numpy over `Candidates` arrays,
so 100,000 are filtered and sorted again in milliseconds when the threshold moves."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from exact_desktop.store.sqlite.review_book import DECISIONS, Candidates

ORDERS = ("score_high", "score_low", "uncertain", "spatial", "learned", "learned_uncertain")
STATES = ("undecided", *DECISIONS)  # a decision filter names these; index = code in Candidates.decisions
WALK_ROW_SIZES = 8  # a spatial walk's rows are this many typical candidates high
MIN_WALK_ROW = 256.0  # px
EXPLORE_EVERY = 10  # the learnt order's every tenth place goes to the least sure candidate


@dataclass(frozen=True)
class Filters:
    """None means any. The score band is [low, high]; `states` are names from STATES."""

    entries: tuple[int, ...] | None = None
    types: tuple[int, ...] | None = None
    low: float = float("-inf")
    high: float = float("inf")
    states: tuple[str, ...] | None = ("undecided",)

    def __post_init__(self) -> None:
        unknown = set(self.states or ()) - set(STATES)
        if unknown:
            raise ValueError(f"unknown decision filter {sorted(unknown)[0]!r}; one of {', '.join(STATES)}")


class ScoreOrder:
    """The candidates' rows sorted by score once (ties by id), both ways: a new threshold or
    filter then orders a queue by taking rows from these in one pass, not by sorting 100,000
    again (30 ms a sort on a loaded machine, the larger part of a threshold change). Likewise
    each candidate's histogram bin, so the histogram is a count of bins, not a binning of scores."""

    def __init__(self, c: Candidates) -> None:
        self.scores = c.scores
        self._bins: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    @cached_property
    def high(self) -> np.ndarray:
        return np.argsort(-self.scores, kind="stable")

    @cached_property
    def low(self) -> np.ndarray:
        return np.argsort(self.scores, kind="stable")

    @cached_property
    def rising(self) -> np.ndarray:
        """The scores in the `low` order (as float64, as a threshold is): where a threshold falls."""
        return self.scores.astype(np.float64)[self.low]

    def bins(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Each candidate's bin of `count` equal ones over [0, 1] (-1: outside them, or no score)
        and their edges, as np.histogram bins the scores (a score on an edge goes to the bin
        above it, 1 to the last): 0.2 ms a count of 100,000 against 1-2.5 ms a binning."""
        if count not in self._bins:
            _, edges = np.histogram(self.scores[:0], bins=count, range=(0.0, 1.0))
            which = np.searchsorted(edges, self.scores, side="right") - 1
            which[self.scores == edges[-1]] = count - 1
            which[(which < 0) | (which >= count)] = -1  # NaN sorts past the last edge
            self._bins[count] = which, edges
        return self._bins[count]


def score_counts(c: Candidates, mask: np.ndarray, bins: int, by: ScoreOrder) -> tuple[np.ndarray, np.ndarray]:
    """np.histogram(scores[mask], bins, range=(0, 1)) from the bins placed once."""
    which, edges = by.bins(bins)
    picked = which[mask]
    return np.bincount(picked[picked >= 0], minlength=bins), edges


def chosen(c: Candidates, f: Filters) -> np.ndarray:
    """A mask of the candidates the filters let through."""
    mask = (c.scores >= f.low) & (c.scores <= f.high)
    if f.entries is not None:
        mask &= np.isin(c.entries, f.entries)
    if f.types is not None:
        mask &= np.isin(c.types, f.types)
    if f.states is not None:  # a compare a state: np.isin costs ten times more (a threshold change does two)
        allowed = np.zeros(len(c.decisions), bool)
        for state in set(f.states):
            allowed |= c.decisions == STATES.index(state)
        mask &= allowed
    return mask


def ordered(
    c: Candidates, mask: np.ndarray, order: str, threshold: float = 0.5, learned: np.ndarray | None = None,
    by_score: ScoreOrder | None = None,
) -> np.ndarray:  # fmt: skip
    """Row numbers of the masked candidates in `order` (ties by id: the same order every time).
    The learnt orders use `learned` (a learnt score per row, NaN: none yet, last); without one
    they fall back to the plugin's score. `by_score`: the candidates' score order made before."""
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}; one of {', '.join(ORDERS)}")
    if by_score is not None and order in ("score_high", "score_low", "uncertain"):
        return _from_score_order(c, mask, order, threshold, by_score)
    rows = np.flatnonzero(mask)  # in id order: a stable sort keeps it among equal keys
    if order.startswith("learned"):
        known = learned[rows] if learned is not None else np.full(len(rows), np.nan)
        fallback = c.scores[rows].astype(np.float64)
        unsure = np.where(np.isnan(known), 2 + np.abs(fallback - threshold), np.abs(known - 0.5))
        if order == "learned_uncertain":
            return rows[np.argsort(unsure, kind="stable")]
        by_score = np.argsort(-np.where(np.isnan(known), fallback - 2, known), kind="stable")
        if np.isnan(known).all():  # no model yet: the plugin's score
            return rows[by_score]
        return rows[_one_in(EXPLORE_EVERY, by_score, np.argsort(unsure, kind="stable"))]
    scores = c.scores[rows]
    if order == "score_high":
        return rows[np.argsort(-scores, kind="stable")]
    if order == "score_low":
        return rows[np.argsort(scores, kind="stable")]
    if order == "uncertain":
        return rows[np.argsort(np.abs(scores.astype(np.float64) - threshold), kind="stable")]
    return rows[np.lexsort(tuple(reversed(_walk_keys(c, rows))))]


def _one_in(every: int, first: np.ndarray, then: np.ndarray) -> np.ndarray:
    """Two orders of the same items merged: `every`-th place from `then`, the others from
    `first`, each item at the earlier of its two places (so the next one of the other order
    moves up). The learnt order gives every tenth place to the least sure candidate: ordered
    only by the likely mitoses, a reviewer decides almost none of the mimics and cells it has
    never seen, and the model exported from those decisions keeps them (F1 0.15 on the second
    demo slide, against 1.0 with one in ten least sure, for 5 % more decisions)."""
    slot = np.empty(len(first), np.float64)
    slot[first] = np.arange(len(first)) * every / (every - 1)
    np.minimum(slot, np.argsort(then, kind="stable") * every + every - 1, out=slot)
    return np.argsort(slot, kind="stable")


def _from_score_order(c: Candidates, mask: np.ndarray, order: str, threshold: float, by: ScoreOrder) -> np.ndarray:
    """The score orders taken from the sorted rows; closest to the threshold first merges the
    rows at or above it (rising) with those below it (falling), two runs already sorted by
    distance: those above placed by a binary search among those below (an exact tie of
    distances across the threshold: the one above first), those below in the places left."""
    if order == "score_high":
        return by.high[mask[by.high]]
    if order == "score_low":
        return by.low[mask[by.low]]
    split = int(np.searchsorted(by.rising, threshold, side="left"))  # `low` from here on: at or above it
    rising, falling = by.low[split:], by.high[len(by.high) - split :]  # each side's rows, nearest first
    above, below = rising[mask[rising]], falling[mask[falling]]
    scores = c.scores.astype(np.float64)
    up, down = scores[above] - threshold, threshold - scores[below]
    merged = np.empty(len(above) + len(below), np.int64)
    placed = np.zeros(len(merged), bool)
    places = np.arange(len(above)) + np.searchsorted(down, up, side="left")
    merged[places], placed[places] = above, True
    merged[~placed] = below
    return merged


def _walk_keys(c: Candidates, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """Image by image, rows of the slide top to bottom, left to right and back (a serpentine)."""
    boxes = c.boxes[rows].astype(np.float64)
    cx, cy = np.nan_to_num((boxes[:, 0] + boxes[:, 2]) / 2), np.nan_to_num((boxes[:, 1] + boxes[:, 3]) / 2)
    sizes = np.nan_to_num(np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]))
    height = max(MIN_WALK_ROW, float(np.median(sizes)) * WALK_ROW_SIZES if len(sizes) else 0.0)
    band = np.floor(cy / height)
    along = np.where(band % 2 == 0, cx, -cx)
    return c.images[rows], band, along
