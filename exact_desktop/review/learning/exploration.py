"""Before the decisions are of two kinds there is no boundary to learn, and the plugin's score goes
on showing more of the kind decided: on the demo slide its 1,400 darkest candidates are all mimics,
so the first mitosis came after every one of them. Until then the candidates least like every
decided one come first (a cold start by diversity: farthest first in standardised feature space),
which finds the other kind in tens of decisions."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree
from scipy.stats import rankdata


def unlike_decided(features: np.ndarray, decided: np.ndarray, kept: bool) -> np.ndarray:
    """A stand-in for the learnt probability of keeping, per row of `features` (no NaN), from
    decisions of one kind (`decided`: their features): after rejections 0 for a twin of a rejected
    candidate up to 0.5 (not known) for the one least like any, after acceptances 1 down to 0.5.
    So the learnt order and the uncertain one both put the least like the decided first."""
    if not len(features):
        return np.zeros(0, np.float32)
    centre, spread = features.mean(axis=0), features.std(axis=0)
    spread[spread == 0] = 1  # a feature that does not vary tells nothing either way
    distance, _ = cKDTree((decided - centre) / spread).query((features - centre) / spread)
    unknown = 0.5 * (rankdata(distance) - 1) / max(1, len(distance) - 1)
    return (unknown if not kept else 1 - unknown).astype(np.float32)
