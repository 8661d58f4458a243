"""Accept: result annotations above the threshold become ordinary annotations, linked back."""

from __future__ import annotations

from exact_desktop.model import entities as e
from exact_desktop.store.base import Store


def accept_results(store: Store, entry_id: int, threshold: float, user: int | None = None) -> list[int]:
    entry = store.get(e.PluginResultEntry, entry_id)
    result = store.get(e.PluginResult, entry.pluginresult)
    plugin = store.get(e.Plugin, result.plugin)
    chosen = [r for r in store.list(e.PluginResultAnnotation, pluginresultentry=entry_id) if r.score >= threshold]
    annotations = [
        e.Annotation(
            r.annotation_type, r.image, r.vector, user=user, last_editor=user, generated=True,
            meta_data={"accepted_from": {"plugin": plugin.name, "job": result.job, "entry": entry.name,
                                          "result_annotation": r.id, "score": r.score}},
        )
        for r in chosen
    ]  # fmt: skip
    return store.bulk_create(annotations)
