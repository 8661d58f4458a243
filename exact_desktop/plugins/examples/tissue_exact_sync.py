"""A plugin written with plain exact-sync, the way EXACT's documentation shows: no SDK.

It finds the pieces of tissue on each image and outlines them as polygons ("Tissue"), with the
share of the slide each covers as score. It runs unchanged against an EXACT server or
`exact-desktop serve`: the connection comes from EXACT_URL and EXACT_TOKEN (or EXACT_USER and
EXACT_PASSWORD). `--describe` prints what exact-desktop needs to register it.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import uuid
from datetime import UTC, datetime

import cv2
import numpy as np
from exact_sync.v1.api.annotation_types_api import AnnotationTypesApi
from exact_sync.v1.api.images_api import ImagesApi
from exact_sync.v1.api.processing_api import ProcessingApi
from exact_sync.v1.api_client import ApiClient
from exact_sync.v1.configuration import Configuration

DESCRIBE = {
    "name": "Tissue finder (exact-sync)",
    "author": "exact-desktop examples",
    "package": "exact_desktop.plugins.examples.tissue_exact_sync",
    "products": [{"name": "Tissue", "vector_type": 5, "color_code": "#2CA02C"}],
    "parameters": [],
}


def connect() -> ApiClient:
    configuration = Configuration()
    configuration.host = os.environ["EXACT_URL"]
    if os.environ.get("EXACT_TOKEN"):
        configuration.token = os.environ["EXACT_TOKEN"]
    else:
        configuration.username = os.environ.get("EXACT_USER", "")
        configuration.password = os.environ.get("EXACT_PASSWORD", "")
    return ApiClient(configuration)


def outline_tissue(rgb: np.ndarray, scale: float) -> list[tuple[dict[str, float], float]]:
    """Polygons (level-0 px) around non-glass areas, each with its share of the slide."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    mask = (grey < 225).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < 0.005 * mask.size:
            continue
        points = cv2.approxPolyDP(contour, 1.5, True).reshape(-1, 2)
        if len(points) < 3:
            continue
        vector = {}
        for i, (x, y) in enumerate(points, start=1):
            vector[f"x{i}"], vector[f"y{i}"] = float(x * scale), float(y * scale)
        found.append((vector, float(area / mask.size)))
    return found


def tissue_type_id(client: ApiClient, plugin_products: list[int]) -> int:
    """On EXACT a plugin's products are Products: its "Tissue" type is found by name inside them."""
    types = AnnotationTypesApi(client)
    for product in plugin_products:
        for kind in types.list_annotation_types(product=product, name="Tissue", limit=1000).results:
            if kind.product == product and kind.name == "Tissue":
                return kind.id
    raise LookupError(f"no annotation type 'Tissue' in the plugin's products {plugin_products}")


def process_job(client: ApiClient, plugin_id: int, tissue_type: int, job_id: int, image_id: int) -> None:
    processing, images = ProcessingApi(client), ImagesApi(client)
    image = images.retrieve_image(image_id)
    info = images.get_slide_information(image_id)
    level = len(info.level_dimensions) - 1
    width, height = (min(2048, v) for v in info.level_dimensions[level])
    patch = images.get_patch(image_id, x=0, y=0, level=level, width=width, height=height)
    scale = image.width / info.level_dimensions[level][0]
    result = processing.create_plugin_result(
        body={"image": image_id, "plugin": plugin_id, "job": job_id, "entries": []}
    )
    entry = processing.create_plugin_result_entry(
        body={"pluginresult": result.id, "name": "tissue", "annotation_results": [], "bitmap_results": []}
    )
    found = outline_tissue(np.asarray(patch.convert("RGB")), scale)
    for vector, share in found:
        processing.create_plugin_result_annotation(body={
            "annotation_type": tissue_type, "pluginresultentry": entry.id, "image": image_id,
            "vector": vector, "score": share, "unique_identifier": str(uuid.uuid4()),
        })  # fmt: skip
    stored = len(processing.retrieve_plugin_result_entry(entry.id).annotation_results)
    if stored != len(found):  # count what was stored, not what was sent
        raise RuntimeError(f"the server holds {stored} of the {len(found)} tissue outlines sent")
    processing.partial_update_plugin_job(job_id, processing_complete=100, updated_time=datetime.now(UTC).isoformat())


def main() -> None:
    if "--describe" in sys.argv:
        print(json.dumps(DESCRIBE))
        return
    client = connect()
    processing = ProcessingApi(client)
    name = os.environ.get("EXACT_PLUGIN") or DESCRIBE["name"]  # the registered name, if renamed
    plugins = [p for p in processing.list_plugins(limit=1000).results if p.name == name]  # ?name= is ignored
    if not plugins:
        sys.exit(f"no plugin named {name!r} on {client.configuration.host}")
    plugin = plugins[0]
    tissue_type = tissue_type_id(client, plugin.products)
    me = os.environ.get("EXACT_WORKER") or f"{socket.gethostname()}:{os.getpid()}"
    wanted = {int(i) for i in os.environ.get("EXACT_JOB_IDS", "").split(",") if i}
    for job in processing.list_plugin_jobs(limit=1000).results:  # no plugin filter on EXACT: match here
        if job.plugin != plugin.id or job.attached_worker or job.processing_complete >= 100 or job.error_message:
            continue
        if wanted and job.id not in wanted:
            continue
        processing.partial_update_plugin_job(job.id, attached_worker=me)
        if processing.retrieve_plugin_job(job.id).attached_worker != me:
            continue  # another worker took it
        try:
            process_job(client, plugin.id, tissue_type, job.id, job.image)
        except Exception as err:  # the job says why; the next job still runs
            processing.partial_update_plugin_job(job.id, error_message=f"{type(err).__name__}: {err}"[:500])


if __name__ == "__main__":
    main()
