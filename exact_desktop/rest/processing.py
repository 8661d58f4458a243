"""EXACT's processing resources: plugins, jobs, results and their entries.

Their paths are spelt here once, and their answers are read here into typed records, each
checked against the fields the caller asked for (`checked` names the server, the request and
the field when one is wrong). The plugin SDK, the runners, the job book, the server registry and
sync all read jobs, results and entries through this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, NotRequired, TypedDict, TypeVar, cast

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
R = TypeVar("R")


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


@dataclass(frozen=True)
class Resource(Generic[R]):
    """One kind of processing record: its collection and the shape its answers are checked against."""

    collection: str
    shape: Shape

    def of(self, answer: Any, server: str, request: str, fields: str | None = None) -> R:
        return cast(R, checked(answer, _asked(self.shape, fields), server, request))

    def listed(self, connection: Connection, **params: Any) -> Iterator[R]:
        """Every record the server lists for `params`, page by page, each checked."""
        for body in connection.iterate(self.collection, **params):
            yield self.of(body, connection.url, f"the list of {self.collection}", params.get("fields"))

    def read(self, connection: Connection, id: int, fields: str | None = None) -> R:
        path = item(self.collection, id)
        answer = connection.get(path, fields=fields) if fields else connection.get(path)
        return self.of(answer, connection.url, path, fields)


JOB: Resource[Job] = Resource(JOBS, JOB_SHAPE)
RESULT: Resource[Result] = Resource(RESULTS, RESULT_SHAPE)
ENTRY: Resource[Entry] = Resource(ENTRIES, ENTRY_SHAPE)
job_of, jobs_listed, job_read = JOB.of, JOB.listed, JOB.read
results_listed, entry_read = RESULT.listed, ENTRY.read


def _asked(shape: Shape, fields: str | None) -> Shape:
    """The part of `shape` a request with `fields=` gets back (all of it without)."""
    if not fields:
        return shape
    wanted = set(fields.split(","))
    return {name: kinds for name, kinds in shape.items() if name in wanted}
