"""Where things are on the synthetic slide, in level-0 pixels: the ground truth.

Tissue pieces are smooth closed curves; inside each lie a tumour region (dense, large pale
nuclei) and a stroma region (fibrous, few lymphocytes); the rest of the tissue holds
scattered lymphocytes. Among the tumour cells are rare mitotic figures and their mimics
(apoptotic bodies, dark lymphocytes, pyknotic nuclei): all dark, told apart by shape, size and
the pink of an apoptotic body's cytoplasm, as in a mitotic count. Everything derives from one
seed, so the same size makes the same slide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

POPULATIONS = ("lymphocyte", "tumor", "mitosis", "apoptotic_body", "dark_lymphocyte", "pyknotic")
MITOSIS = POPULATIONS.index("mitosis")
FIGURES = POPULATIONS[MITOSIS:]  # the dark figures a mitosis detector proposes; the rest are mimics
# share of tumour cells turned into each figure, radius range (µm) and aspect range
FIGURE_RECIPES = {
    "mitosis": (0.04, (4.5, 6.0), (0.25, 0.4)),  # a metaphase plate: a long dark bar
    "apoptotic_body": (0.06, (2.2, 3.2), (0.85, 1.0)),  # round, very dark, in pink cytoplasm
    "dark_lymphocyte": (0.06, (3.0, 3.8), (0.85, 1.0)),
    "pyknotic": (0.06, (1.8, 2.6), (0.8, 1.0)),  # small, shrunken, darkest
}
REGION_CLASSES = ("tumor", "stroma")
LABEL_MAP_DOWNSAMPLE = 16


@dataclass
class Nuclei:
    """One row per nucleus: centre, radii, angle; population index into POPULATIONS."""

    x: np.ndarray
    y: np.ndarray
    rx: np.ndarray
    ry: np.ndarray
    angle: np.ndarray
    population: np.ndarray

    def __len__(self) -> int:
        return len(self.x)


@dataclass
class SlideLayout:
    width: int
    height: int
    mpp: float
    tissue: list[np.ndarray]
    regions: list[tuple[str, np.ndarray]]
    nuclei: Nuclei
    buckets: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)

    bucket_size: int = 2048

    def index_nuclei(self) -> None:
        """Group nuclei by coarse grid cell, so a tile finds its nuclei without a full scan."""
        cells = (self.nuclei.x // self.bucket_size).astype(np.int64) * 1_000_003 + (
            self.nuclei.y // self.bucket_size
        ).astype(np.int64)
        order = np.argsort(cells, kind="stable")
        unique, starts = np.unique(cells[order], return_index=True)
        ends = [*starts[1:], len(order)]
        self.buckets = {
            (int(u // 1_000_003), int(u % 1_000_003)): order[s:e] for u, s, e in zip(unique, starts, ends, strict=True)
        }

    def nuclei_in(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Indices of nuclei whose centre lies in the rectangle grown by the largest radius."""
        margin = 64
        b = self.bucket_size
        parts = [
            self.buckets[(cx, cy)]
            for cx in range(int((x0 - margin) // b), int((x1 + margin) // b) + 1)
            for cy in range(int((y0 - margin) // b), int((y1 + margin) // b) + 1)
            if (cx, cy) in self.buckets
        ]
        if not parts:
            return np.empty(0, dtype=np.int64)
        idx = np.concatenate(parts)
        nx, ny = self.nuclei.x[idx], self.nuclei.y[idx]
        keep = (nx >= x0 - margin) & (nx < x1 + margin) & (ny >= y0 - margin) & (ny < y1 + margin)
        return idx[keep]

    def ground_truth(self, slide_path: str) -> dict[str, object]:
        n = self.nuclei
        return {
            "slide": slide_path,
            "mpp": self.mpp,
            # centre, population, then the ellipse as drawn: semi-axes (level-0 px) and angle
            # (degrees, OpenCV's: the rx axis turned clockwise on screen from +x)
            "nuclei": [
                [
                    round(float(x), 1),
                    round(float(y), 1),
                    POPULATIONS[int(p)],
                    round(float(a), 2),
                    round(float(b), 2),
                    round(float(t), 1),
                ]
                for x, y, p, a, b, t in zip(n.x, n.y, n.population, n.rx, n.ry, n.angle, strict=True)
            ],
            "tissue": [_points(poly) for poly in self.tissue],
            "regions": [{"class": name, "polygon": _points(poly)} for name, poly in self.regions],
        }


def _points(poly: np.ndarray) -> list[list[float]]:
    return [[round(float(x), 1), round(float(y), 1)] for x, y in poly]


def blob(rng: np.random.Generator, cx: float, cy: float, radius: float, wobble: float, nodes: int = 160) -> np.ndarray:
    """A smooth closed curve: a circle whose radius varies by a few low harmonics."""
    theta = np.linspace(0, 2 * math.pi, nodes, endpoint=False)
    r = np.ones_like(theta)
    for k in range(2, 6):
        r += rng.uniform(-wobble, wobble) / k * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
    return np.stack([cx + radius * r * np.cos(theta), cy + radius * r * np.sin(theta)], axis=1)


def make_layout(width: int, height: int, mpp: float = 0.25, seed: int = 7) -> SlideLayout:
    rng = np.random.default_rng(seed)
    pieces = 3 if width >= height else 2
    radius = 0.8 * min(width / (2 * pieces), height / 2)
    tissue: list[np.ndarray] = []
    regions: list[tuple[str, np.ndarray]] = []
    for i in range(pieces):
        cx = width * (i + 0.5) / pieces + rng.uniform(-0.05, 0.05) * radius
        cy = height / 2 + rng.uniform(-0.08, 0.08) * radius
        tissue.append(blob(rng, cx, cy, radius, wobble=0.25))
        direction = rng.uniform(0, 2 * math.pi)
        dx, dy = math.cos(direction), math.sin(direction)
        regions.append(("tumor", blob(rng, cx + 0.30 * radius * dx, cy + 0.30 * radius * dy, 0.28 * radius, 0.3)))
        regions.append(("stroma", blob(rng, cx - 0.33 * radius * dx, cy - 0.33 * radius * dy, 0.22 * radius, 0.3)))
    layout = SlideLayout(width, height, mpp, tissue, regions, _place_nuclei(rng, width, height, mpp, tissue, regions))
    layout.index_nuclei()
    return layout


def label_map(
    width: int, height: int, tissue: list[np.ndarray], regions: list[tuple[str, np.ndarray]], ds: float
) -> np.ndarray:
    """0 glass, 1 tissue, 2 tumour, 3 stroma, at downsample `ds`."""
    labels = np.zeros((math.ceil(height / ds), math.ceil(width / ds)), np.uint8)
    for poly in tissue:
        cv2.fillPoly(labels, [np.round(poly / ds * 16).astype(np.int32)], 1, shift=4)
    for name, poly in regions:
        cv2.fillPoly(labels, [np.round(poly / ds * 16).astype(np.int32)], 2 if name == "tumor" else 3, shift=4)
    return labels


def _place_nuclei(
    rng: np.random.Generator,
    width: int,
    height: int,
    mpp: float,
    tissue: list[np.ndarray],
    regions: list[tuple[str, np.ndarray]],
) -> Nuclei:
    """Jittered grids: dense tumour nuclei in tumour regions, sparse lymphocytes elsewhere."""
    ds = LABEL_MAP_DOWNSAMPLE
    labels = label_map(width, height, tissue, regions, ds)
    px_per_um = 1 / mpp
    columns: list[tuple[np.ndarray, ...]] = []
    # (label, population, spacing µm, radius range µm, aspect range)
    recipes = [
        (2, 1, 16.0, (4.5, 7.0), (0.65, 0.9)),  # tumour cells: large, oval
        (1, 0, 38.0, (2.8, 3.6), (0.85, 1.0)),  # lymphocytes scattered in tissue
        (3, 0, 55.0, (2.8, 3.6), (0.85, 1.0)),  # and fewer in stroma
    ]
    for label, population, spacing_um, (r0, r1), (a0, a1) in recipes:
        spacing = spacing_um * px_per_um
        gx, gy = np.meshgrid(np.arange(spacing / 2, width, spacing), np.arange(spacing / 2, height, spacing))
        x = gx.ravel() + rng.uniform(-0.3, 0.3, gx.size) * spacing
        y = gy.ravel() + rng.uniform(-0.3, 0.3, gy.size) * spacing
        inside = (x >= 0) & (x < width) & (y >= 0) & (y < height)
        x, y = x[inside], y[inside]
        hit = labels[(y // ds).astype(int), (x // ds).astype(int)] == label
        x, y = x[hit], y[hit]
        if label != 2:  # lymphocytes are not on a grid in real tissue: thin them at random
            keep = rng.random(x.size) < 0.6
            x, y = x[keep], y[keep]
        rx = rng.uniform(r0, r1, x.size) * px_per_um
        ry = rx * rng.uniform(a0, a1, x.size)
        columns.append((x, y, rx, ry, rng.uniform(0, 180, x.size), np.full(x.size, population, np.int8)))
    merged = [np.concatenate(parts) for parts in zip(*columns, strict=True)]
    return _add_figures(rng, Nuclei(*merged), px_per_um)


def _add_figures(rng: np.random.Generator, nuclei: Nuclei, px_per_um: float) -> Nuclei:
    """Turn a few tumour cells, chosen at random, into mitotic figures and mimics."""
    tumour = np.flatnonzero(nuclei.population == POPULATIONS.index("tumor"))
    rng.shuffle(tumour)
    start = 0
    for name, (share, (r0, r1), (a0, a1)) in FIGURE_RECIPES.items():
        chosen = tumour[start : start + round(share * tumour.size)]
        start += chosen.size
        nuclei.population[chosen] = POPULATIONS.index(name)
        nuclei.rx[chosen] = rng.uniform(r0, r1, chosen.size) * px_per_um
        nuclei.ry[chosen] = nuclei.rx[chosen] * rng.uniform(a0, a1, chosen.size)
    return nuclei
