"""The three plugins that build on what is already there (annotation map, cluster cells, patch
classifier) on both servers: after the nuclei detector, on its results; the patch classifier on
region annotations made here through the API. Counted from what each server holds."""

from __future__ import annotations

import uuid

from exact_desktop.plugins.exact_runner import stored_results
from tests.contract.conftest import Target, run_on_server

TYPES = "/api/v1/annotations/annotation_types/"
ANNOTATIONS = "/api/v1/annotations/annotations/"


def run(target: Target, name: str, *params: str) -> dict[str, dict]:
    connection = target.connection()
    return {image: dict(zip(("annotations", "bitmaps"), stored_results(connection, job), strict=True))
            for image, job in run_on_server(target, name, *params).items()}  # fmt: skip


def regions(target: Target) -> None:
    """A tumour and a stroma rectangle on the contract slide, of polygon types made in the product."""
    connection = target.connection()
    have = {t["name"]: t["id"] for t in connection.iterate(TYPES, product=target.product, fields="id,name,product")
            if t["product"] == target.product}  # fmt: skip
    for name, colour in (("Tumor region", "#D62728"), ("Stroma region", "#17BECF")):
        if name not in have:
            have[name] = connection.post(TYPES, {"name": name, "vector_type": 5, "product": target.product,
                                                 "color_code": colour, "closed": True, "area_hit_test": True})["id"]  # fmt: skip
    image = target.images["contract.svs"]
    record = connection.get(f"/api/v1/images/images/{image}/")
    w, h = record["width"], record["height"]
    for name, (x0, x1) in (("Tumor region", (0.05, 0.45)), ("Stroma region", (0.55, 0.95))):
        vector = {
            "x1": x0 * w,
            "y1": 0.1 * h,
            "x2": x1 * w,
            "y2": 0.1 * h,
            "x3": x1 * w,
            "y3": 0.9 * h,
            "x4": x0 * w,
            "y4": 0.9 * h,
        }
        # the real server answers 500 to an annotation without a UUID (NOTES.md)
        connection.post(ANNOTATIONS, {"annotation_type": have[name], "image": image, "vector": vector,
                                      "unique_identifier": str(uuid.uuid4())})  # fmt: skip


def test_map_clusters_and_patches_give_the_same_results_on_both_servers(exact_target: Target, embedded_target: Target):
    found: dict[str, dict[str, dict]] = {}
    for target in (exact_target, embedded_target):
        detected = run(target, "Nuclei detector")
        heatmaps = run(target, "Annotation map", "types=Nucleus", "source=results")
        clusters = run(target, "Cluster cells", "types=Nucleus", "source=results", "k=2")
        regions(target)
        tiles = run(target, "Patch classifier", "tile_um=64", "other=false")
        assert all(v["bitmaps"] == 1 for v in heatmaps.values())  # one density map per image
        assert {i: v["annotations"] for i, v in clusters.items()} == {i: v["annotations"] for i, v in detected.items()}
        assert tiles["contract.svs"]["annotations"] > 0 and tiles["contract.svs"]["bitmaps"] == 1
        found[target.name] = {"clusters": clusters, "tiles": tiles}
    assert found["exact"] == found["embedded"]
