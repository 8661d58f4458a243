"""The worker loop: find the plugin's pending jobs, claim one, process it, report, repeat."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from exact_desktop.plugins.sdk.connection import Connection, PluginError
from exact_desktop.plugins.sdk.context import Cancelled, JobContext
from exact_desktop.plugins.sdk.image import ImageHandle

Process = Callable[[ImageHandle, dict[str, Any], JobContext], None]
JOBS = "/api/v1/processing/pluginjobs/"


def worker_name() -> str:
    return os.environ.get("EXACT_WORKER") or f"{socket.gethostname()}:{os.getpid()}"


def _is_pending(job: dict[str, Any]) -> bool:
    return (
        not job.get("attached_worker") and not job.get("error_message") and (job.get("processing_complete") or 0) < 100
    )


def _claim(connection: Connection, job: dict[str, Any], me: str) -> bool:
    """EXACT has no atomic claim: write our name, read it back, and back off if another won."""
    connection.patch(f"{JOBS}{job['id']}/", attached_worker=me)
    time.sleep(0.05)  # let a concurrent claimer's write land before we read
    return connection.get(f"{JOBS}{job['id']}/").get("attached_worker") == me


def run_worker(process: Process, plugin_name: str | None = None, idle_exit_s: float = 0.0, poll_s: float = 1.0) -> int:
    """Process pending jobs of the plugin until none is left (then wait `idle_exit_s` for more)."""
    connection = Connection.from_environment()
    name = plugin_name or os.environ.get("EXACT_PLUGIN")
    found = connection.get("/api/v1/processing/plugins/", name=name)["results"]
    if not found:
        raise PluginError(f"no plugin named {name!r} is registered on {connection.url}")
    plugin = found[0]
    types = {connection.get(f"/api/v1/annotations/annotation_types/{t}/")["name"]: t for t in plugin["products"]}
    only = {int(i) for i in os.environ.get("EXACT_JOB_IDS", "").split(",") if i}
    me = worker_name()
    idle_since = time.monotonic()
    done = 0
    while True:
        jobs = [
            j
            for j in connection.pages(JOBS, filter_ids=plugin["id"])
            if _is_pending(j) and (not only or j["id"] in only)
        ]
        claimed = next((j for j in reversed(jobs) if _claim(connection, j, me)), None)  # oldest first
        if claimed is None:
            if time.monotonic() - idle_since >= idle_exit_s:
                return done
            time.sleep(poll_s)
            continue
        _run_one(connection, process, plugin, types, claimed)
        done += 1
        idle_since = time.monotonic()


def _run_one(
    connection: Connection, process: Process, plugin: dict[str, Any], types: dict[str, int], job: dict[str, Any]
) -> None:
    path = f"{JOBS}{job['id']}/"
    context = JobContext(connection, connection.get(path), plugin, types)
    image = ImageHandle(connection, connection.get(f"/api/v1/images/images/{job['image']}/", omit="annotations"))
    try:
        process(image, context.params, context)
        context.flush()
        connection.patch(path, processing_complete=100)
    except Cancelled:
        context.flush()  # what was found stays; the job keeps its "Cancelled" message
    except Exception as err:
        connection.patch(
            path, error_message=f"{type(err).__name__}: {err}"[:500], error_detail=traceback.format_exc()[-5000:]
        )
    finally:
        image.close()


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
        run_worker(process, os.environ.get("EXACT_PLUGIN") or describe.get("name"), idle_exit_s=args.idle_exit)
    except PluginError as err:
        print(f"plugin {describe.get('name')!r}: {err}", file=sys.stderr)
        sys.exit(2)
