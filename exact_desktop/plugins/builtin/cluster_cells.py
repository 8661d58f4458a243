"""Cluster cells (EXACT's "ClusterCells" workflow): group the image's existing annotations by
what the tissue under them looks like.

For each annotation of the chosen types, the patch under its box (at about 0.5 µm per pixel)
gives colour (mean optical density of haematoxylin and eosin in the nucleus, around it),
texture (the nucleus's haematoxylin spread) and shape (area, elongation, of the darkest blob).
Features are scaled, reduced by PCA and grouped by k-means (scikit-learn). Each annotation gets
a result of type "Cluster i" over its box; `meta_data` holds its features and its cluster's
mean features, so a person can see what a cluster stands for.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from exact_desktop.plugins.builtin.annotation_map import _type_ids
from exact_desktop.plugins.builtin.pixels import haematoxylin, work_level
from exact_desktop.plugins.sdk import ImageHandle, JobContext, main
from exact_desktop.rest.processing import RESULT_ANNOTATIONS

MAX_K = 8
DESCRIBE: dict[str, Any] = {
    "name": "Cluster cells",
    "author": "exact-desktop",
    "package": "exact_desktop.plugins.builtin.cluster_cells",
    "products": [
        {"name": f"Cluster {i}", "vector_type": 1, "color_code": colour}
        for i, colour in enumerate(
            ("#E377C2", "#BCBD22", "#8C564B", "#9467BD", "#FF7F0E", "#7F7F7F", "#17BECF", "#D62728"), start=1
        )
    ],
    "parameters": [
        {"name": "k", "type": "int", "default": 2, "min": 2, "max": MAX_K, "help": "how many clusters"},
        {
            "name": "types",
            "type": "str",
            "default": "Nucleus",
            "help": "annotation type names to cluster, comma-separated",
        },
        {
            "name": "source",
            "type": "str",
            "default": "annotations",
            "choices": ["annotations", "results"],
            "help": "the image's annotations, or plugin result annotations of those types",
        },
    ],
}
FEATURES = ("h_mean", "h_std", "e_mean", "h_around", "area_um2", "elongation")
WORK_MPP = 0.5
MARGIN_UM = 3.0
_EOSIN = np.array([0.07, 0.99, 0.11]) / np.linalg.norm([0.07, 0.99, 0.11])


def process(image: ImageHandle, params: dict[str, Any], context: JobContext) -> None:
    k = int(params.get("k", 2))
    wanted = _type_ids(context, str(params.get("types", "Nucleus")))
    path = RESULT_ANNOTATIONS if params.get("source") == "results" else "/api/v1/annotations/annotations/"
    fields = "id,image,annotation_type,vector,deleted,unique_identifier"
    rows = [
        r for r in context.connection.iterate(path, image=image.id, fields=fields)
        if r.get("image") == image.id and not r.get("deleted") and r["annotation_type"] in wanted
        and _box(r.get("vector"))
    ]  # fmt: skip
    if not rows:  # nothing to cluster on this image: done, with an empty result
        context.progress(1.0)
        return
    k = min(k, len(rows))  # an image with fewer annotations than clusters gets one cluster each
    level, ds, level_mpp = work_level(image, WORK_MPP)
    features = np.empty((len(rows), len(FEATURES)))
    for i, row in enumerate(rows):
        features[i] = patch_features(image, _box(row["vector"]), level, ds, level_mpp)  # type: ignore[arg-type]
        if i % 200 == 0:
            context.progress(0.9 * i / len(rows))
    clusters, means = cluster(features, k)
    for row, label, values in zip(rows, clusters, features, strict=True):
        x0, y0, x1, y1 = _box(row["vector"])  # type: ignore[misc]
        meta = {
            "annotation": row.get("unique_identifier"),
            "features": dict(zip(FEATURES, np.round(values, 3).tolist(), strict=True)),
            "cluster_mean": means[label],
        }
        vector = {"x1": x0, "y1": y0, "x2": x1, "y2": y1}
        context.add_annotation(f"Cluster {label + 1}", vector, score=1.0, entry="clusters", meta_data=meta)
    context.progress(1.0)


def cluster(features: np.ndarray, k: int) -> tuple[np.ndarray, list[dict[str, float]]]:
    """k-means labels (0..k-1, cluster 0 the largest) and each cluster's mean features."""
    if k == 1:
        return np.zeros(len(features), np.int64), [
            dict(zip(FEATURES, np.round(features.mean(axis=0), 3).tolist(), strict=True))
        ]
    scaled = StandardScaler().fit_transform(np.nan_to_num(features))
    reduced = PCA(n_components=min(3, scaled.shape[1], len(scaled))).fit_transform(scaled)
    labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(reduced)
    order = np.argsort(-np.bincount(labels, minlength=k))
    renumber = np.empty(k, np.int64)
    renumber[order] = np.arange(k)
    labels = renumber[labels]
    means = [
        dict(zip(FEATURES, np.round(features[labels == c].mean(axis=0), 3).tolist(), strict=True)) for c in range(k)
    ]
    return labels, means


def patch_features(
    image: ImageHandle, box: tuple[float, float, float, float], level: int, ds: float, level_mpp: float
) -> np.ndarray:
    x0, y0, x1, y1 = box
    margin = MARGIN_UM / (image.mpp or 0.25)
    left, top = max(0, math.floor(x0 - margin)), max(0, math.floor(y0 - margin))
    w = max(4, math.ceil((min(image.width, x1 + margin) - left) / ds))
    h = max(4, math.ceil((min(image.height, y1 + margin) - top) / ds))
    rgb = image.read_region(left, top, w, h, level)
    h_od = haematoxylin(rgb)
    od = -np.log((rgb.astype(np.float32) + 1) / 256)
    e_od = od @ _EOSIN.astype(np.float32)
    _t, blob = cv2.threshold(np.clip(h_od * 100, 0, 255).astype(np.uint8), 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    inside = blob.astype(bool)
    if not inside.any() or inside.all():
        inside = np.zeros_like(inside)
        inside[h // 4 : 3 * h // 4 + 1, w // 4 : 3 * w // 4 + 1] = True
    moments = cv2.moments(inside.astype(np.uint8), binaryImage=True)
    mu20, mu02, mu11 = moments["mu20"], moments["mu02"], moments["mu11"]
    spread = math.sqrt(max(0.0, (mu20 - mu02) ** 2 + 4 * mu11**2))
    major, minor = mu20 + mu02 + spread, max(1e-9, mu20 + mu02 - spread)
    return np.array([
        h_od[inside].mean(), h_od[inside].std(), e_od[inside].mean(),
        h_od[~inside].mean() if (~inside).any() else 0.0,
        inside.sum() * level_mpp**2, math.sqrt(major / minor),
    ])  # fmt: skip


def _box(vector: Any) -> tuple[float, float, float, float] | None:
    if not isinstance(vector, dict):
        return None
    xs = [float(v) for key, v in vector.items() if key.startswith("x")]
    ys = [float(v) for key, v in vector.items() if key.startswith("y")]
    if not xs or len(xs) != len(ys):
        return None
    return min(xs), min(ys), max(xs), max(ys)


if __name__ == "__main__":
    main(process, DESCRIBE)
