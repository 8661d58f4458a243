"""The demo's ground truth read back: which boxes are true mitoses. The simulated reviewer of the
learning benchmark and tests decides from it, as a pathologist would from the glass."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

WITHIN_UM = 6.0  # a box's centre this close to a figure's is that figure


def read_truth(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def mitoses_at(boxes: np.ndarray, truth: dict) -> np.ndarray:
    """Per box (x0, y0, x1, y1 level-0 px): is the nearest nucleus within WITHIN_UM of its centre a mitosis."""
    return which_mitosis(boxes, truth) >= 0


def which_mitosis(boxes: np.ndarray, truth: dict) -> np.ndarray:
    """Per box: the index (in the truth's nuclei) of the mitosis it is on, or -1."""
    nuclei = truth["nuclei"]
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    if not nuclei or not len(boxes):
        return np.full(len(boxes), -1, np.int64)
    tree = cKDTree(np.array([(n[0], n[1]) for n in nuclei], np.float64))
    mitosis = np.array([n[2] == "mitosis" for n in nuclei])
    distance, nearest = tree.query(np.column_stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2]))
    return np.where((distance <= WITHIN_UM / truth["mpp"]) & mitosis[nearest], nearest, -1)
