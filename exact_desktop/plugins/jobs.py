"""Jobs, as EXACT makes them: one per image of the image set, finished ones skipped unless asked.

Running a job again never costs the results it has: they are set aside (kept, no longer the
job's) while it runs and deleted only when it is done; a new run that fails, is cancelled or
is interrupted gives them back and drops its own partial ones (`settle_job`). What was set
aside is recorded with the job in the same transaction, so a run killed outright leaves it to
whoever takes the job up next (a run, a retry, the window's start), never unlinked for good.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from exact_desktop.model import entities as e
from exact_desktop.model.entities import CANCELLED_MESSAGE, JobStatus, stored_id, utcnow
from exact_desktop.store.base import NotFoundError, Store


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
            value = convert(raw, spec.get("type", "str"))
        except (TypeError, ValueError) as err:
            errors[name] = str(err) if name in given else f"the plugin's default: {err}"
            continue
        if ("min" in spec and value < spec["min"]) or ("max" in spec and value > spec["max"]):
            errors[name] = f"must be between {spec.get('min')} and {spec.get('max')}, got {value}"
        elif "choices" in spec and value not in spec["choices"]:
            errors[name] = f"must be one of {spec['choices']}, got {value!r}"
        values[name] = value
    if errors:
        raise ParameterError(errors)
    return values


TRUE, FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def convert(raw: Any, kind: str) -> Any:
    """A parameter value as its type; ValueError saying what was expected. Strict: "maybe" is
    not a boolean, "nan" not a number, 2.5 not an int."""
    if raw is None:
        return None
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word not in TRUE + FALSE:
            raise ValueError(f"expected true or false (yes/no, on/off, 1/0), got {raw!r}")
        return word in TRUE
    if kind in ("int", "float"):
        if isinstance(raw, bool):
            raise ValueError(f"expected {kind}, got {raw!r}")
        try:
            number = float(raw) if kind == "float" else _integer(raw)
        except (TypeError, ValueError):
            raise ValueError(f"expected {'a whole number' if kind == 'int' else 'a number'}, got {raw!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"expected a finite number, got {raw!r}")
        return number
    return str(raw)


def _integer(raw: Any) -> int:
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(raw)
        return int(raw)
    return int(str(raw).strip())


@dataclass
class Submitted:
    created: list[e.PluginJob] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # images with a finished or queued job


def create_jobs(
    store: Store, plugin: e.Plugin, image_set: int, params: dict[str, Any] | None = None,
    images: list[int] | None = None, run_again: bool = False, creator: int | None = None,
) -> Submitted:  # fmt: skip
    """Jobs for the images (all of the set's by default); nothing is written unless the
    parameters are valid. A job that ran before is queued again with its results set aside."""
    values = check_parameters(plugin.parameter_schema, params or {})
    targets = images or [i.id for i in store.list(e.Image, image_set=image_set)]
    submitted = Submitted()
    for image in targets:
        earlier = store.list(e.PluginJob, plugin=plugin.id, image=image)  # one at most, as on EXACT
        if not earlier:
            submitted.created.append(
                store.create(e.PluginJob(stored_id(plugin), image, creator=creator, parameters=values))
            )
            continue
        old = earlier[0]
        if old.status in (JobStatus.PENDING, JobStatus.RUNNING) or (old.status == JobStatus.DONE and not run_again):
            submitted.skipped.append(image)  # type: ignore[arg-type]
            continue
        settle_job(store, stored_id(old))  # what a run killed outright left set aside
        again = {
            "status": JobStatus.PENDING, "parameters": values, "creator": creator, "created_time": utcnow(),
            "processing_complete": 0.0, "attached_worker": "", "error_message": "", "error_detail": "",
            "eta_time": None, "result": None,
        }  # fmt: skip
        submitted.created.append(store.move_job_results(stored_id(old), again, set_aside=True))
    return submitted


def settle_reruns(store: Store, job_ids: list[int]) -> None:
    """After a run: each of its jobs settled (`settle_job`)."""
    for job_id in job_ids:
        settle_job(store, job_id)


def settle_job(store: Store, job_id: int) -> None:
    """A job done replaces the results set aside for it, the review decisions on them kept for
    the new results that repeat them; any other outcome keeps them (they are the job's again)
    and drops the partial results of the run that did not end."""
    try:
        job = store.get(e.PluginJob, job_id)
    except NotFoundError:
        return  # removed meanwhile (with its plugin or image): what was set aside went with the image
    earlier = job.set_aside
    if not earlier:
        return
    if job.status == JobStatus.DONE:
        store.move_job_results(job_id, {"set_aside": []}, drop=earlier, carry=True)
        return
    partial = [r.id for r in store.list(e.PluginResult, job=job_id) if r.id not in earlier]
    note = "; the results of the earlier run are kept"
    store.move_job_results(
        job_id, {"set_aside": [], "error_message": (job.error_message + note)[:500]}, relink=earlier, drop=partial
    )


def settle_left_over(store: Store, pending_too: bool) -> None:
    """Jobs that ended with results still set aside (their run was killed outright): settled;
    also the queued ones when nothing of ours runs any job (a queue may yet take them up else)."""
    live = (JobStatus.RUNNING,) if pending_too else (JobStatus.PENDING, JobStatus.RUNNING)
    for job in store.list(e.PluginJob):
        if job.set_aside and job.status not in live:
            settle_job(store, stored_id(job))


def cancel_job(store: Store, job_id: int, who: str = "user") -> e.PluginJob:
    """The worker sees the message at its next progress report and stops."""
    return store.update(e.PluginJob, job_id, status=JobStatus.CANCELLED, error_message=f"{CANCELLED_MESSAGE} by {who}")


def fail_job(store: Store, job_id: int, message: str, detail: str = "") -> e.PluginJob:
    return store.update(
        e.PluginJob, job_id, status=JobStatus.FAILED, error_message=message[:500], error_detail=detail[-5000:]
    )


def mark_interrupted(
    store: Store, abandoned: Callable[[e.PluginJob], bool] | None = None, spared: Collection[int] = ()
) -> list[int]:
    """After a restart nothing of ours works on any job: the ones left running are interrupted
    (only those `abandoned` says nobody holds any more, when given; never those of the plugins
    `spared`, which another process runs: a plugin test's), and what their runs had set aside is
    settled.

    They keep their results; "retry" and the next run queue them again.
    """
    ids = []
    for job in store.list(e.PluginJob, status=JobStatus.RUNNING):
        if job.plugin in spared or (abandoned is not None and not abandoned(job)):
            continue
        store.update(e.PluginJob, stored_id(job), status=JobStatus.INTERRUPTED,
                     error_message="Interrupted: exact-desktop stopped while this job ran")  # fmt: skip
        ids.append(stored_id(job))
    settle_left_over(store, pending_too=abandoned is None)
    return ids


def retry_job(store: Store, job_id: int) -> e.PluginJob:
    """Queue a failed, cancelled or interrupted job again. Its results are set aside as a run
    again's are (settle_job): replaced when the new run is done, with the review decisions on
    the results it finds again; kept if it fails too (they were deleted at once, decisions and
    all, and a retry that failed as well left nothing)."""
    settle_job(store, job_id)
    again = {
        "status": JobStatus.PENDING, "error_message": "", "error_detail": "", "attached_worker": "",
        "processing_complete": 0.0, "eta_time": None,
    }  # fmt: skip
    return store.move_job_results(job_id, again, set_aside=True)  # type: ignore[no-any-return]
