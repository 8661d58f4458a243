"""A POST of JSON is handled with the cycle collector held off: a list create's thousands of
objects die with the request instead of being walked (and promoted) by collections on the way."""

from __future__ import annotations

import gc
import threading

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.processing import RESULT_ANNOTATIONS
from exact_desktop.server.server import serve_in_thread
from exact_desktop.store.sqlite.store import SqliteStore
from tests.store.conftest import seed

ITEMS = 3000  # several thousand objects parsed and made: many of the collector's rounds, left alone


def test_a_list_create_runs_no_collection_on_the_servers_threads_while_it_lasts(tmp_path, collector_on):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    plugin = store.create(e.Plugin("Detector", products=[s.product.id], produces=[s.box.name]))
    result = store.create(e.PluginResult(s.image.id, None, stored_id(plugin)))
    entry = store.create(e.PluginResultEntry(stored_id(result), "results"))
    server = serve_in_thread(store)
    connection = Connection(server.url, server.token)
    assert connection.count(RESULT_ANNOTATIONS, pluginresultentry=entry.id) == 0  # FastAPI builds its routes now
    items = [
        {"annotation_type": s.box.id, "pluginresultentry": entry.id, "image": s.image.id, "score": 0.5,
         "vector": {"x1": i, "y1": i, "x2": i + 5, "y2": i + 5}, "meta_data": None,
         "unique_identifier": str(e.new_uuid())}
        for i in range(ITEMS)
    ]  # fmt: skip
    collected: list[int] = []  # the generations collected on the server's threads

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and threading.current_thread() is not threading.main_thread():
            collected.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        answer = connection.post(RESULT_ANNOTATIONS, items, fields="id")
    finally:
        gc.callbacks.remove(seen)
        server.stop()
    assert len(answer) == ITEMS and store.count(e.PluginResultAnnotation, pluginresultentry=entry.id) == ITEMS
    # at most the round or two its counts were due for when the request ended, its objects gone by
    # then (without the pause: 28 rounds, generation 1 among them, over the items while they lived)
    assert len(collected) <= 2 and gc.isenabled()
    store.close()
