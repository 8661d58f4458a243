"""Jobs, as EXACT makes them: one per image of the image set, finished ones skipped unless asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exact_desktop.model import entities as e
from exact_desktop.model.entities import CANCELLED_MESSAGE, JobStatus
from exact_desktop.store.base import Store


class ParameterError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def check_parameters(schema: list[dict[str, Any]], given: dict[str, Any]) -> dict[str, Any]:
    """Defaults filled in, values converted and checked against type, range and choices."""
    by_name = {p["name"]: p for p in schema}
    errors = {name: "not a parameter of this plugin" for name in given if name not in by_name}
    values: dict[str, Any] = {}
    for name, spec in by_name.items():
        raw = given.get(name, spec.get("default"))
        try:
            value = _convert(raw, spec.get("type", "str"))
        except (TypeError, ValueError):
            errors[name] = f"expected {spec.get('type', 'str')}, got {raw!r}"
            continue
        if ("min" in spec and value < spec["min"]) or ("max" in spec and value > spec["max"]):
            errors[name] = f"must be between {spec.get('min')} and {spec.get('max')}, got {value}"
        elif "choices" in spec and value not in spec["choices"]:
            errors[name] = f"must be one of {spec['choices']}, got {value!r}"
        values[name] = value
    if errors:
        raise ParameterError(errors)
    return values


def _convert(raw: Any, kind: str) -> Any:
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    if kind == "bool":
        return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes", "on")
    return raw if raw is None else str(raw)


@dataclass
class Submitted:
    created: list[e.PluginJob] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # images with a finished or queued job


def create_jobs(
    store: Store, plugin: e.Plugin, image_set: int, params: dict[str, Any] | None = None,
    images: list[int] | None = None, run_again: bool = False, creator: int | None = None,
) -> Submitted:  # fmt: skip
    values = check_parameters(plugin.parameter_schema, params or {})
    targets = images or [i.id for i in store.list(e.Image, image_set=image_set)]
    submitted = Submitted()
    for image in targets:
        earlier = store.list(e.PluginJob, plugin=plugin.id, image=image)
        active = [j for j in earlier if j.status in (JobStatus.PENDING, JobStatus.RUNNING)]
        finished = [j for j in earlier if j.status == JobStatus.DONE]
        if active or (finished and not run_again):
            submitted.skipped.append(image)  # type: ignore[arg-type]
            continue
        for old in earlier:  # running again replaces the old results, as EXACT does
            for result in store.list(e.PluginResult, job=old.id):
                store.delete(e.PluginResult, result.id)  # type: ignore[arg-type]
            store.delete(e.PluginJob, old.id)  # type: ignore[arg-type]
        submitted.created.append(store.create(e.PluginJob(plugin.id, image, creator=creator, parameters=values)))  # type: ignore[arg-type]
    return submitted


def cancel_job(store: Store, job_id: int, who: str = "user") -> e.PluginJob:
    """The worker sees the message at its next progress report and stops."""
    return store.update(e.PluginJob, job_id, status=JobStatus.CANCELLED, error_message=f"{CANCELLED_MESSAGE} by {who}")


def fail_job(store: Store, job_id: int, message: str, detail: str = "") -> e.PluginJob:
    return store.update(
        e.PluginJob, job_id, status=JobStatus.FAILED, error_message=message[:500], error_detail=detail[-5000:]
    )


def mark_interrupted(store: Store) -> list[int]:
    """After a restart nothing of ours works on any job: the ones left running are interrupted.

    They keep their results; "retry" queues them again.
    """
    ids = []
    for job in store.list(e.PluginJob, status=JobStatus.RUNNING):
        store.update(e.PluginJob, job.id, status=JobStatus.INTERRUPTED,  # type: ignore[arg-type]
                     error_message="Interrupted: exact-desktop stopped while this job ran")  # fmt: skip
        ids.append(job.id)  # type: ignore[arg-type]
    return ids


def retry_job(store: Store, job_id: int) -> e.PluginJob:
    """Queue a failed, cancelled or interrupted job again (its old results are replaced)."""
    for result in store.list(e.PluginResult, job=job_id):
        store.delete(e.PluginResult, result.id)  # type: ignore[arg-type]
    return store.update(
        e.PluginJob, job_id, status=JobStatus.PENDING, error_message="", error_detail="", attached_worker="",
        processing_complete=0.0, eta_time=None,
    )  # fmt: skip
