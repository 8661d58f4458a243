"""EXACT's processing resources: plugins, jobs, results and their entries.

Their paths are spelt here once, and their answers are read here into typed records, each
checked against the fields the caller asked for (`checked` names the server, the request and
the field when one is wrong). The plugin SDK, the runners, the job book, the server registry and
sync all read jobs, results and entries through this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NotRequired, TypedDict, cast

from exact_desktop.rest.answers import Shape, checked
from exact_desktop.rest.connection import Connection

PROCESSING = "/api/v1/processing"
PLUGINS = f"{PROCESSING}/plugins/"
JOBS = f"{PROCESSING}/pluginjobs/"
RESULTS = f"{PROCESSING}/pluginresults/"
ENTRIES = f"{PROCESSING}/pluginresultentrys/"
RESULT_ANNOTATIONS = f"{PROCESSING}/pluginresultannotations/"
BITMAPS = f"{PROCESSING}/pluginresultbitmaps/"

JOB_FIELDS = "id,plugin,image,attached_worker,processing_complete,error_message,updated_time"
NONE = type(None)


class Job(TypedDict):
    """A plugin job as EXACT sends it (only the fields asked for are there, `id` always)."""

    id: int
    plugin: NotRequired[int]
    image: NotRequired[int]
    creator: NotRequired[int | None]
    attached_worker: NotRequired[str | None]
    processing_complete: NotRequired[float | None]
    error_message: NotRequired[str | None]
    error_detail: NotRequired[str | None]
    created_time: NotRequired[str | None]
    updated_time: NotRequired[str | None]
    eta_time: NotRequired[str | None]
    parameters: NotRequired[Any]
    result: NotRequired[int | None]


class Result(TypedDict):
    """A plugin result: one per job, holding the entries (EXACT's `job` may be null)."""

    id: int
    image: NotRequired[int]
    job: NotRequired[int | None]
    plugin: NotRequired[int]
    default_alpha: NotRequired[float | None]
    created_time: NotRequired[str | None]
    completed_time: NotRequired[str | None]
    entries: NotRequired[list[int]]


class Entry(TypedDict):
    """A named group of a result's annotations and bitmaps (EXACT's PluginResultEntry)."""

    id: int
    pluginresult: NotRequired[int]
    name: NotRequired[str]
    visible: NotRequired[bool]
    default_threshold: NotRequired[float | None]
    created_time: NotRequired[str | None]
    bitmap_results: NotRequired[list[int]]


JOB_SHAPE: Shape = {
    "id": int, "plugin": int, "image": int, "attached_worker": (str, NONE), "error_message": (str, NONE),
    "processing_complete": (int, float, NONE),
}  # fmt: skip
RESULT_SHAPE: Shape = {"id": int, "image": int, "job": (int, NONE), "plugin": int, "entries": list}
ENTRY_SHAPE: Shape = {"id": int, "pluginresult": int, "name": str, "bitmap_results": list}


def item(collection: str, id: int) -> str:
    """The path of one record of a collection (`item(JOBS, 7)`: /api/v1/processing/pluginjobs/7/)."""
    return f"{collection}{id}/"


def job_of(answer: Any, server: str, request: str, fields: str | None = None) -> Job:
    return cast(Job, checked(answer, _asked(JOB_SHAPE, fields), server, request))


def result_of(answer: Any, server: str, request: str, fields: str | None = None) -> Result:
    return cast(Result, checked(answer, _asked(RESULT_SHAPE, fields), server, request))


def entry_of(answer: Any, server: str, request: str, fields: str | None = None) -> Entry:
    return cast(Entry, checked(answer, _asked(ENTRY_SHAPE, fields), server, request))


def jobs_listed(connection: Connection, **params: Any) -> Iterator[Job]:
    """Every job the server lists for `params`, page by page, each checked."""
    for body in connection.iterate(JOBS, **params):
        yield job_of(body, connection.url, f"the list of {JOBS}", params.get("fields"))


def job_read(connection: Connection, job_id: int, fields: str | None = None) -> Job:
    path = item(JOBS, job_id)
    answer = connection.get(path, fields=fields) if fields else connection.get(path)
    return job_of(answer, connection.url, path, fields)


def results_listed(connection: Connection, **params: Any) -> Iterator[Result]:
    for body in connection.iterate(RESULTS, **params):
        yield result_of(body, connection.url, f"the list of {RESULTS}", params.get("fields"))


def entry_read(connection: Connection, entry_id: int, fields: str | None = None) -> Entry:
    path = item(ENTRIES, entry_id)
    answer = connection.get(path, fields=fields) if fields else connection.get(path)
    return entry_of(answer, connection.url, path, fields)


def _asked(shape: Shape, fields: str | None) -> Shape:
    """The part of `shape` a request with `fields=` gets back (all of it without)."""
    if not fields:
        return shape
    wanted = set(fields.split(","))
    return {name: kinds for name, kinds in shape.items() if name in wanted}
