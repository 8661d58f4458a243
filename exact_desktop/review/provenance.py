"""Where an accepted annotation came from (its UUID: model/accepted_uuid.py).

The provenance goes into the annotation's `meta_data`, which EXACT stores and syncs as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.store.base import Store

KEY = "review"  # the meta_data key holding the provenance
_DONE = {"accept": "accepted", "relabel": "relabelled"}


@dataclass(frozen=True)
class Origin:
    """What one result entry came from: the same for all its candidates."""

    plugin: str
    package: str
    parameters: dict[str, Any]
    job: int | None
    entry: int
    entry_name: str


def origins(store: Store, entries: list[int]) -> dict[int, Origin]:
    found = {}
    for entry in store.get_many(e.PluginResultEntry, entries).values():
        result = store.get(e.PluginResult, entry.pluginresult)
        plugin = store.get(e.Plugin, result.plugin)
        job = store.get_many(e.PluginJob, [result.job]).get(result.job) if result.job is not None else None  # type: ignore[arg-type]
        parameters = job.parameters if job is not None else {}
        found[stored_id(entry)] = Origin(
            plugin.name, plugin.package, parameters, result.job, stored_id(entry), entry.name
        )
    return found


def provenance(
    origin: Origin, result: e.PluginResultAnnotation, model_type: str, decision: str, reviewer: str | None,
    time: datetime, audit: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    said = {
        "plugin": origin.plugin, "package": origin.package, "parameters": origin.parameters, "job": origin.job,
        "result_entry": origin.entry, "result_entry_name": origin.entry_name,
        "result_annotation": result.unique_identifier, "score": result.score, "model_type": model_type,
        "decision": decision, "reviewer": reviewer, "time": time.isoformat(),
    }  # fmt: skip
    if audit is not None:
        said["audit"] = audit
    return said


def described(meta_data: dict[str, Any] | None) -> str:
    """One line saying where an accepted annotation came from ("" for one drawn by hand)."""
    said = (meta_data or {}).get(KEY)
    if not isinstance(said, dict):
        return ""
    plugin = " ".join(str(said[k]) for k in ("plugin", "package") if said.get(k))
    score = said.get("score")
    parts = [
        plugin or "a plugin",
        f"score {score:.3f}" if isinstance(score, int | float) else "",
        f"said {said['model_type']}" if said.get("decision") == "relabel" and said.get("model_type") else "",
        f"{_DONE.get(said.get('decision'), 'accepted')} by {said.get('reviewer') or 'someone'}",
        f"audited: precision {said['audit']['precision']:.2f}" if isinstance(said.get("audit"), dict) else "",
    ]
    return " · ".join(p for p in parts if p)


def described_origin(origin: Origin, created: datetime) -> str:
    """One line saying what made a result layer: plugin, package, parameters, job and date."""
    parameters = ", ".join(f"{k}={v}" for k, v in sorted(origin.parameters.items()))
    parts = [
        origin.plugin,
        origin.package,
        f"job {origin.job}" if origin.job is not None else "",
        f"{created:%Y-%m-%d %H:%M}",
        parameters or "default parameters",
    ]
    return " · ".join(p for p in parts if p)
