"""`exact-desktop plugin test SCRIPT --image ID`: a plugin script tried on one image in seconds.

The script is described and checked as `plugin add` would, run on the image under the usual
supervisor, and what it stored is summed up per annotation type. Without `keep` it leaves
nothing behind: it runs under a record of its own (so a plugin of that name already in the
project is not touched), which goes afterwards with its job, its results and the annotation
types made for it. With `keep` the plugin is added as `plugin add` does and the job and its
results stay (an earlier job of the plugin on that image is replaced only if this one is done).
A test killed outright leaves its record to the next test, run or window (dead_tests.py), which
knows it by the process recorded with it (store/sqlite/trial_book.py).
"""

from __future__ import annotations

import secrets
from typing import Any

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.plugins.jobs import create_jobs
from exact_desktop.plugins.local_queue import Report
from exact_desktop.plugins.registry import describe, missing_types, register, script_as_stored
from exact_desktop.project.dead_tests import tidy_dead_tests
from exact_desktop.project.local_run import run_jobs
from exact_desktop.project.process_mark import ProcessMark
from exact_desktop.store.base import NotFoundError
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.trial_book import TrialBook


def try_plugin(
    store: SqliteStore, script: str, image_id: int, params: dict[str, Any] | None = None, keep: bool = False,
    report: Report | None = None,
) -> dict[str, Any]:  # fmt: skip
    script = script_as_stored(script)
    manifest = describe(script)
    tidied = tidy_dead_tests(store)
    try:
        image = store.get(e.Image, image_id)
    except NotFoundError:
        raise LookupError(f"no image {image_id} in {store.path}") from None
    product = _product(store, image)
    if keep:
        summary = _run(store, register(store, script, product), image, params, report)
    else:
        summary = _trial(store, script, manifest, product, image, params, report)
    summary["tidied"] = tidied
    return summary


def _trial(
    store: SqliteStore, script: str, manifest: dict[str, Any], product: int, image: e.Image,
    params: dict[str, Any] | None, report: Report | None,
) -> dict[str, Any]:  # fmt: skip
    """A run under a record of the test's own, which goes afterwards (see the module's docstring)."""
    name = f"{manifest['name']} (test {secrets.token_hex(3)})"
    produces = [spec["name"] for spec in manifest.get("products", [])]
    trial = e.Plugin(name, script=script, products=[product], produces=produces,
                     parameter_schema=list(manifest.get("parameters", [])))  # fmt: skip
    book, here = TrialBook(store), ProcessMark.here()
    plugin = book.begin(trial, missing_types(store, manifest, product), here.host, here.pid, here.started)
    try:
        summary = _run(store, plugin, image, params, report)
    finally:  # the record, its job and results and the types made for it: one write
        others = book.end(stored_id(plugin), stored_id(image))
    summary["plugin"], summary["kept"], summary["removed_jobs"] = manifest["name"], False, others
    return summary


def _product(store: SqliteStore, image: e.Image) -> int:
    """Where the plugin's annotation types live: the image set's product, else the first one."""
    image_set = store.get(e.ImageSet, image.image_set)
    products = image_set.product_set or [stored_id(p) for p in store.list(e.Product)]
    if not products:
        raise LookupError(f"image {image.id} has no product for the plugin's annotation types")
    return products[0]


def _run(
    store: SqliteStore, plugin: e.Plugin, image: e.Image, params: dict[str, Any] | None, report: Report | None
) -> dict[str, Any]:
    submitted = create_jobs(store, plugin, image.image_set, params, images=[stored_id(image)], run_again=True)
    summary = run_jobs(store, plugin, submitted, workers=1, report=report)
    summary["by_type"] = _by_type(store, [j["job"] for j in summary["jobs"]])
    summary["kept"] = True
    return summary


def _by_type(store: SqliteStore, job_ids: list[int]) -> dict[str, dict[str, Any]]:
    """Type name -> count and score range of the result annotations the jobs stored."""
    results = [r.id for r in store.list(e.PluginResult, job__in=job_ids)]
    entries = [x.id for x in store.list(e.PluginResultEntry, pluginresult__in=results)]
    names = {t.id: t.name for t in store.list(e.AnnotationType)}
    found: dict[str, dict[str, Any]] = {}
    for row in store.list(e.PluginResultAnnotation, pluginresultentry__in=entries):
        kind = found.setdefault(names.get(row.annotation_type, str(row.annotation_type)),
                                {"count": 0, "score_min": row.score, "score_max": row.score})  # fmt: skip
        kind["count"] += 1
        kind["score_min"], kind["score_max"] = min(kind["score_min"], row.score), max(kind["score_max"], row.score)
    return found
