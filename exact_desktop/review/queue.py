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
    again (30 ms a sort on a loaded machine, the larger part of a threshold change)."""

    def __init__(self, c: Candidates) -> None:
        self.scores = c.scores

    @cached_property
    def high(self) -> np.ndarray:
        return np.argsort(-self.scores, kind="stable")

    @cached_property
    def low(self) -> np.ndarray:
        return np.argsort(self.scores, kind="stable")


def chosen(c: Candidates, f: Filters) -> np.ndarray:
    """A mask of the candidates the filters let through."""
    mask = (c.scores >= f.low) & (c.scores <= f.high)
    if f.entries is not None:
        mask &= np.isin(c.entries, f.entries)
    if f.types is not None:
        mask &= np.isin(c.types, f.types)
    if f.states is not None:
        mask &= np.isin(c.decisions, [STATES.index(s) for s in f.states])
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
    distance, each placed by a binary search in the other (an exact tie of distances across the
    threshold: the one above first)."""
    if order == "score_high":
        return by.high[mask[by.high]]
    if order == "score_low":
        return by.low[mask[by.low]]
    high, low = by.high[mask[by.high]], by.low[mask[by.low]]
    scores = c.scores.astype(np.float64)
    above = low[np.searchsorted(scores[low], threshold, side="left") :]
    below = high[len(above) :]
    up, down = scores[above] - threshold, threshold - scores[below]
    merged = np.empty(len(above) + len(below), np.int64)
    merged[np.arange(len(above)) + np.searchsorted(down, up, side="left")] = above
    merged[np.arange(len(below)) + np.searchsorted(up, down, side="right")] = below
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
