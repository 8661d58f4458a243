"""Per-candidate features from its pixels at the candidate's scale: stain densities by colour
deconvolution (skimage's rgb2hed), the shape of its dark figure and the texture around it, and
the plugin's score. A figure is described the way a pathologist looks at it: how dark, how big,
how elongated and ragged, and what the cytoplasm around it looks like."""

from __future__ import annotations

import math

import numpy as np
from skimage.color import rgb2hed
from skimage.filters import threshold_otsu
from skimage.measure import label, regionprops

from exact_desktop.slides.base import SlideSource
from exact_desktop.slides.crop import crop_around

FEATURES = (
    "score", "h_core", "h_max", "e_core", "e_ring", "h_ring", "area_um2", "eccentricity", "solidity",
    "extent", "perimeter_ratio", "h_std", "lightness_ring",
)  # fmt: skip
VERSION = "1:" + ",".join(FEATURES)  # stored features of another version are computed again: bump on any change here
SIDE = 48  # crop pixels
MIN_SPAN_UM = 16.0  # the crop spans at least this, and twice the candidate's box


def candidate_features(source: SlideSource, boxes: np.ndarray, scores: np.ndarray, mpp: float | None) -> np.ndarray:
    """One row of FEATURES per box (x0, y0, x1, y1 level-0 px); NaN boxes give NaN rows."""
    mpp = mpp or 0.25
    out = np.full((len(boxes), len(FEATURES)), np.nan, np.float32)
    for i, (box, score) in enumerate(zip(boxes, scores, strict=True)):
        if np.isnan(box).any():
            continue
        span = max(MIN_SPAN_UM / mpp, 2 * float(max(box[2] - box[0], box[3] - box[1])))
        crop = crop_around(source, ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), SIDE, span / SIDE)
        out[i] = describe(crop.pixels[..., :3], mpp * crop.downsample, float(score))
    return out


def describe(rgb: np.ndarray, um_per_px: float, score: float) -> np.ndarray:
    """FEATURES of the figure nearest the centre of a crop centred on it."""
    hed = rgb2hed(rgb)
    h, e = hed[..., 0], hed[..., 1]
    try:
        cut = threshold_otsu(h)
    except ValueError:  # a flat crop
        cut = float(h.max()) + 1
    labels = label(h > cut)
    centre = np.array(h.shape) / 2
    regions = regionprops(labels)
    if regions:
        figure = min(regions, key=lambda r: float(np.hypot(*(np.array(r.centroid) - centre))) - math.sqrt(r.area))
        core = labels == figure.label
    else:
        figure, core = None, np.zeros(h.shape, bool)
    rows, cols = np.indices(h.shape)
    near = np.hypot(rows - centre[0], cols - centre[1]) < h.shape[0] / 3
    ring = near & ~core
    lightness = rgb.astype(np.float32).mean(axis=2) / 255

    def mean(values: np.ndarray, where: np.ndarray) -> float:
        return float(values[where].mean()) if where.any() else 0.0

    if figure is None:
        shape = [0.0, 0.0, 0.0, 0.0, 0.0]
    else:
        area = float(figure.area)
        perimeter_ratio = float(figure.perimeter) / (2 * math.sqrt(math.pi * area)) if area else 0.0
        shape = [
            area * um_per_px**2,
            float(figure.eccentricity),
            float(figure.solidity),
            float(figure.extent),
            perimeter_ratio,
        ]
    return np.array(
        [score, mean(h, core), float(h.max()), mean(e, core), mean(e, ring), mean(h, ring), *shape,
         float(h[core].std()) if core.any() else 0.0, mean(lightness, ring)],
        np.float32,
    )  # fmt: skip
