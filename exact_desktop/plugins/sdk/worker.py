"""The worker loop: find the plugin's pending jobs, claim one, process it, report, repeat.

Everything is matched on the client side, because EXACT's list filters do not do it: a plugin
is found by its exact name (the server ignores `plugins/?name=`), its jobs are kept from the job
list by plugin id (`filter_ids` are job ids; there is no plugin filter), and its annotation types
are found by name inside its products (a plugin's `products` are Product ids).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import socket
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exact_desktop.plugins.sdk.context import Cancelled, JobContext, now_iso
from exact_desktop.plugins.sdk.errors import PluginError
from exact_desktop.plugins.sdk.image import ImageHandle
from exact_desktop.plugins.sdk.lease import Heartbeat, LeaseWatch, claim, is_open
from exact_desktop.plugins.sdk.wake import WAKE_ENV, Wake
from exact_desktop.rest.answers import Shape, checked
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.errors import ExactApiError, RefusedError
from exact_desktop.rest.processing import JOB_FIELDS, JOBS, PLUGINS, RESULTS, Job, item, job_read, jobs_listed

Process = Callable[[ImageHandle, dict[str, Any], JobContext], None]
DEFAULT_LEASE_S = 120.0


def worker_name() -> str:
    return os.environ.get("EXACT_WORKER") or f"{socket.gethostname()}:{os.getpid()}"


def find_plugin(connection: Connection, name: str | None) -> dict[str, Any]:
    shape: Shape = {"id": int, "name": str, "products": (list, type(None))}
    plugins = [
        checked(p, shape, connection.url, f"the list of {PLUGINS}")
        for p in connection.pages(PLUGINS, fields="id,name,products")
    ]
    found = [p for p in plugins if p["name"] == name]
    if not found:
        names = ", ".join(sorted(p["name"] for p in plugins)) or "none"
        hint = f"exact-desktop plugin register {shlex.quote(str(name))} --server {connection.url} --product ID"
        raise PluginError(
            f"no plugin named {name!r} is registered on {connection.url} (registered: {names}); register it: {hint}"
        )
    return found[0]


def plugin_types(connection: Connection, plugin: dict[str, Any]) -> tuple[dict[str, int], dict[int, int]]:
    """(annotation type name -> id, id -> vector_type), from the types of the plugin's products."""
    types: dict[str, int] = {}
    vector_types: dict[int, int] = {}
    for product in plugin["products"]:
        for kind in connection.iterate(
            "/api/v1/annotations/annotation_types/", product=product, fields="id,name,product,vector_type"
        ):
            if kind["product"] == product:  # a server that ignored the filter still gives the right answer
                types.setdefault(kind["name"], kind["id"])
                vector_types[kind["id"]] = kind["vector_type"]
    return types, vector_types


@dataclass
class WorkSummary:
    plugin: str
    worker: str
    jobs: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        failed = [j for j in self.jobs if j["status"] == "failed"]
        stored = sum(j["result_annotations"] for j in self.jobs)
        return {"plugin": self.plugin, "worker": self.worker, "jobs": self.jobs, "result_annotations": stored,
                "errors": failed}  # fmt: skip


def run_worker(
    process: Process, plugin_name: str | None = None, idle_exit_s: float = 0.0, poll_s: float = 1.0,
    lease_s: float | None = None, connection: Connection | None = None,
) -> WorkSummary:  # fmt: skip
    """Process pending jobs of the plugin until none is left (then wait `idle_exit_s` for more).

    A job claimed by another worker whose `updated_time` has not moved for `lease_s` (as this
    worker's own clock measures it: server times are only compared with server times) is taken
    over. Started by the local queue (`EXACT_WAKE=stdin`, see wake.py), it waits for the queue
    to hand it jobs instead, until the queue closes its stdin.
    """
    connection = connection or Connection.from_environment()
    name = plugin_name or os.environ.get("EXACT_PLUGIN")
    lease_s = lease_s if lease_s is not None else float(os.environ.get("EXACT_LEASE_S", DEFAULT_LEASE_S))
    wake = Wake.from_environment()
    plugin = find_plugin(connection, name)
    types = plugin_types(connection, plugin)
    only = [int(i) for i in os.environ.get("EXACT_JOB_IDS", "").split(",") if i]
    params = json.loads(os.environ.get("EXACT_PLUGIN_PARAMS") or "null")
    me = worker_name()
    watch = LeaseWatch(lease_s)
    summary = WorkSummary(str(name), me)
    lists: bool | None = None
    idle_since = time.monotonic()
    if wake is not None:
        wake.say(ready=True)
        if not only:  # started ahead of any job: nothing is ours until the queue says so
            only = wake.next_jobs() or []
            if not only:
                return summary
    while True:
        listed = jobs_listed(
            connection, fields=JOB_FIELDS, **({"filter_ids": ",".join(map(str, only))} if only else {})
        )
        jobs = [j for j in listed if j["plugin"] == plugin["id"] and (not only or j["id"] in only) and is_open(j)]
        claimed = next((j for j in reversed(jobs) if watch.claimable(j, me) and claim(connection, j, me)), None)
        if claimed is None:
            if wake is not None:
                wake.say(idle=True)
                more = wake.next_jobs()
                if more is None:
                    return summary
                only = more  # what earlier wakes gave has ended, or is another worker's
                continue
            if time.monotonic() - idle_since >= idle_exit_s and not watch.waiting_for(jobs, me, idle_exit_s):
                return summary
            time.sleep(poll_s)
            continue
        outcome, lists = _run_one(connection, process, plugin, types, claimed, params, lease_s, lists)
        summary.jobs.append(outcome)
        ended = {"job": outcome["job"], "status": outcome["status"]}
        print(json.dumps(ended), file=sys.stderr, flush=True)
        if wake is not None:
            wake.say(**ended)
        idle_since = time.monotonic()


def _set_aside(connection: Connection, job_id: int) -> list[int]:
    """A job taken over, or run again, starts clean, but its earlier results are only set aside
    (kept, unlinked from the job: EXACT's result.job may be null) until the new run is done."""
    earlier = [r["id"] for r in connection.pages(RESULTS, job_id=job_id, fields="id,job")
               if r.get("job") == job_id]  # fmt: skip
    kept = []
    for result in earlier:
        try:
            connection.patch(item(RESULTS, result), job=None)
            kept.append(result)
        except RefusedError:  # a server that will not unlink it: it goes, as it always did on EXACT
            connection.delete(item(RESULTS, result))
    return kept


def _settle(connection: Connection, job_id: int, earlier: list[int], done: bool, context: JobContext) -> None:
    """Done: the earlier results go. Otherwise, if there were any, they are the job's again and
    the partial results of this run go (a first run keeps what it found)."""
    if done:
        for result in earlier:
            connection.delete(item(RESULTS, result))
        return
    if not earlier:
        return
    if context.result_id is not None:
        connection.delete(item(RESULTS, context.result_id))
    connection.patch(item(RESULTS, earlier[0]), job=job_id)  # one result per job


def _run_one(
    connection: Connection, process: Process, plugin: dict[str, Any], types: tuple[dict[str, int], dict[int, int]],
    job: Job, params: dict[str, Any] | None, lease_s: float, lists: bool | None,
) -> tuple[dict[str, Any], bool | None]:  # fmt: skip
    path = item(JOBS, job["id"])
    earlier = _set_aside(connection, job["id"])
    names, vector_types = types
    context = JobContext(connection, job_read(connection, job["id"]), plugin, names, params, lists, vector_types)
    outcome = {"job": job["id"], "image": job["image"], "status": "done", "result_annotations": 0, "error": None}
    image = ImageHandle(connection, connection.get(f"/api/v1/images/images/{job['image']}/", omit="annotations"))
    try:
        with Heartbeat(connection, path, max(1.0, lease_s / 4)):
            try:
                process(image, context.params, context)
            finally:
                context.reports_done()
            outcome["result_annotations"] = context.finish()
        connection.patch(
            path, processing_complete=100, eta_time=now_iso(), updated_time=now_iso()
        )  # EXACT refuses a null ETA
    except Cancelled as why:
        outcome.update(status="cancelled", error=str(why))
        outcome["result_annotations"] = _finish_quietly(context)  # what was found stays
    except Exception as err:
        message = f"{type(err).__name__}: {err}"[:480] + plugin_line(err)
        outcome.update(status="failed", error=message)
        connection.patch(path, error_message=message, error_detail=traceback.format_exc()[-5000:])
    finally:
        context.reports_done()
        context.writer.close()
        image.close()
    with contextlib.suppress(ExactApiError):  # the server unreachable now: what was set aside stays, unlinked
        _settle(connection, job["id"], earlier, outcome["status"] == "done", context)
    return outcome, context.writer.lists


PACKAGE = Path(__file__).resolve().parents[2]  # exact_desktop/
NOT_THE_PLUGINS = tuple(PACKAGE / part for part in ("plugins/sdk", "model", "rest", "slides"))


def plugin_line(err: BaseException) -> str:
    """ " (at detector.py:42)": the plugin's own line the error came through, the last frame outside
    the SDK and what it calls, so a message points at the author's call, not at our checks."""
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if not any(Path(f.filename).resolve().is_relative_to(ours) for ours in NOT_THE_PLUGINS)]  # fmt: skip
    return f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""


def _finish_quietly(context: JobContext) -> int:
    try:
        return context.finish()
    except Exception:
        return 0


def main(process: Process, describe: dict[str, Any]) -> None:
    """Entry point for a plugin script: `--describe` prints its manifest, otherwise it works."""
    parser = argparse.ArgumentParser(description=describe.get("name", "exact-desktop plugin"))
    parser.add_argument(
        "--describe", action="store_true", help="print the plugin's name, products and parameters as JSON"
    )
    parser.add_argument("--idle-exit", type=float, default=0.0, help="seconds to wait for new jobs before exiting")
    args = parser.parse_args()
    if args.describe:
        print(json.dumps(describe))
        return
    try:  # the name the desktop registered it under wins over the manifest's (it may be renamed)
        summary = run_worker(
            process, os.environ.get("EXACT_PLUGIN") or describe.get("name"), idle_exit_s=args.idle_exit
        )
    except ExactApiError as err:
        print(f"plugin {describe.get('name')!r}: {err}", file=sys.stderr)
        sys.exit(2)
    if os.environ.get(WAKE_ENV) != "stdin":  # the local queue counts what the server holds instead
        print(json.dumps(summary.as_json()))
