"""An audited accept's evidence: a random sample of the band and its precision with a 95 % interval."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

DEFAULT_SAMPLE = 50
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    sample: int
    correct: int
    precision: float
    low: float
    high: float

    def as_dict(self) -> dict[str, Any]:
        return {"sample": self.sample, "correct": self.correct, "precision": self.precision,
                "low": self.low, "high": self.high, "confidence": CONFIDENCE, "method": "wilson"}  # fmt: skip


def wilson(correct: int, sample: int, confidence: float = CONFIDENCE) -> Estimate:
    """Wilson's score interval: honest near 0 and 1 and for small samples, where the plain
    normal interval leaves [0, 1] or shrinks to a point."""
    if sample <= 0:
        raise ValueError("an estimate needs a sample of at least one candidate")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = correct / sample
    centre = (p + z * z / (2 * sample)) / (1 + z * z / sample)
    half = z / (1 + z * z / sample) * math.sqrt(p * (1 - p) / sample + z * z / (4 * sample * sample))
    return Estimate(sample, correct, p, max(0.0, centre - half), min(1.0, centre + half))


def sample_rows(rows: np.ndarray, size: int = DEFAULT_SAMPLE, seed: int | None = None) -> np.ndarray:
    """A uniform random sample without replacement (all of them when there are fewer)."""
    if len(rows) <= size:
        return rows.copy()
    return np.sort(np.random.default_rng(seed).choice(rows, size, replace=False))
