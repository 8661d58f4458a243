"""What `process()` reports through: progress and ETA, result annotations, bitmaps, cancel."""

from __future__ import annotations

import io
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from PIL import Image as PILImage

from exact_desktop.model.entities import CANCELLED_MESSAGE
from exact_desktop.model.vectors import validate_vector
from exact_desktop.plugins.sdk.errors import PluginError
from exact_desktop.plugins.sdk.identifiers import new_identifier
from exact_desktop.plugins.sdk.reporter import ProgressReporter
from exact_desktop.plugins.sdk.results import BATCH, ResultWriter
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.errors import UnknownOutcomeError
from exact_desktop.rest.processing import BITMAPS, ENTRIES, JOBS, RESULTS, Job, item

REPORT_EVERY_S = 0.5  # progress PATCHes and cancel checks at most this often
# results waiting are sent at a progress report once the last send is this old (and whenever
# BATCH of them wait): each request costs the server about as much as 600 results, so a job's
# results go in a few large lists rather than one small list every half second
SEND_EVERY_S = 2.0
SHOW_EVERY_S = 2.0  # progress lines on stderr, when asked for


class Cancelled(Exception):  # noqa: N818 - an outcome, not a failure
    """The job was cancelled (its error_message starts with "Cancelled"); stop now."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class JobContext:
    def __init__(
        self, connection: Connection, job: Job, plugin: dict[str, Any], types: dict[str, int],
        params: dict[str, Any] | None = None, lists: bool | None = None, vector_types: dict[int, int] | None = None,
    ) -> None:  # fmt: skip
        self.connection, self.job, self.plugin = connection, job, plugin
        self.params: dict[str, Any] = params if params is not None else job.get("parameters") or {}
        self._types = types  # annotation type name -> id, found in the plugin's products
        self._vector_types: dict[int, int] = dict(vector_types or {})  # annotation type id -> vector_type
        self._started = time.monotonic()
        self._last_report = 0.0
        self._last_sent = time.monotonic()
        self._result: dict[str, Any] | None = None
        self._entries: dict[str, int] = {}
        self._pending: list[dict[str, Any]] = []
        self.writer = ResultWriter(connection, lists, job=job)
        self.reporter = ProgressReporter(connection, self.job_path)
        self._show_progress = os.environ.get("EXACT_PROGRESS") == "stderr"  # `plugin work` asks for it
        self._last_shown = 0.0

    @property
    def job_path(self) -> str:
        return item(JOBS, self.job["id"])

    # --- progress and cancel ------------------------------------------------------------------
    def progress(self, fraction: float) -> None:
        """Report 0..1 done (shown as a percentage with an ETA); raises Cancelled when asked to stop.

        The report travels on a thread of its own (reporter.py); the cancel it finds is raised here
        at the next call after its answer."""
        self._stopped()
        now = time.monotonic()
        if now - self._last_report < REPORT_EVERY_S and fraction < 1:
            return
        self._last_report = now
        if fraction >= 1 or now - self._last_sent >= SEND_EVERY_S:
            self.flush()
        else:
            self.writer.raise_error()
        percent = max(0.0, min(99.9, 100.0 * fraction))  # 100 is said by the worker when all is stored
        fields: dict[str, Any] = {"processing_complete": round(percent, 1), "updated_time": now_iso()}
        if fraction > 0:  # EXACT refuses a null eta_time: leave it out until there is one
            remaining = (now - self._started) * (1 - fraction) / fraction
            fields["eta_time"] = (datetime.now(UTC) + timedelta(seconds=remaining)).isoformat()
        self.reporter.report(fields)
        if self._show_progress and (now - self._last_shown >= SHOW_EVERY_S or fraction >= 1):
            self._last_shown = now
            print(f"job {self.job['id']} (image {self.job['image']}): {percent:.0f} %", file=sys.stderr, flush=True)

    def _stopped(self) -> None:
        """Raises what the latest progress report found: a cancel, or the report's own failure."""
        self.reporter.raise_error()
        if self.reporter.answer is not None:
            self._check_cancel(self.reporter.answer)

    def reports_done(self) -> None:
        """Every progress report answered: called when process() has returned, before the job's end
        is written, so no late report lands after it."""
        self.reporter.close()

    def check_cancelled(self) -> None:
        """For long loops without progress: raises Cancelled if the job was cancelled."""
        now = time.monotonic()
        if now - self._last_report >= REPORT_EVERY_S:
            self._last_report = now
            self._check_cancel(self.connection.get(self.job_path))

    @staticmethod
    def _check_cancel(job: dict[str, Any]) -> None:
        if (job.get("error_message") or "").startswith(CANCELLED_MESSAGE):
            raise Cancelled(job["error_message"])

    # --- results ----------------------------------------------------------------------------------
    def add_annotation(
        self, annotation_type: str | int, vector: dict[str, float], score: float = 1.0,
        entry: str = "results", meta_data: dict[str, Any] | None = None,
    ) -> None:  # fmt: skip
        """Queue one result annotation; they are sent in lists of up to BATCH (2,000), and at a
        progress report once they have waited SEND_EVERY_S. The vector is checked here
        (InvalidVectorError: NaN, too few nodes, ...), so the error points at this call."""
        if isinstance(annotation_type, str):
            if annotation_type not in self._types:
                known = ", ".join(sorted(self._types)) or "none"
                raise PluginError(f"no annotation type {annotation_type!r} in the plugin's products (found: {known})")
            type_id = self._types[annotation_type]
        else:
            type_id = annotation_type
        validate_vector(vector, self._vector_type(type_id), who=f"add_annotation({annotation_type!r})")
        self._pending.append({
            "annotation_type": type_id, "pluginresultentry": self._entry(entry), "image": self.job["image"],
            "vector": vector, "score": float(score), "meta_data": meta_data, "unique_identifier": new_identifier(),
        })  # fmt: skip
        if len(self._pending) >= BATCH:
            self.flush()

    def _vector_type(self, type_id: int) -> int:
        """A type's vector_type, asked once (a plugin may name types of other products by id)."""
        if type_id not in self._vector_types:
            kind = self.connection.get(f"/api/v1/annotations/annotation_types/{type_id}/", fields="id,vector_type")
            self._vector_types[type_id] = kind["vector_type"]
        return self._vector_types[type_id]

    def add_bitmap(
        self, values: np.ndarray, location_rect: dict[str, float], name: str = "heatmap", entry: str = "results",
        scale_min: float = 0.0, scale_max: float = 1.0,
    ) -> None:  # fmt: skip
        """A heatmap (2-D, values in [scale_min, scale_max]) or RGB bitmap over `location_rect` (level-0 px)."""
        array = np.asarray(values)
        if array.ndim == 2:
            scaled = np.clip((array - scale_min) / max(1e-12, scale_max - scale_min), 0, 1)
            array, channels = (scaled * 255).astype(np.uint8), 1
        else:
            array, channels = array.astype(np.uint8), 3
        buffer = io.BytesIO()
        PILImage.fromarray(array).save(buffer, format="PNG")
        entry_id = self._entry(entry)
        fields = {
            "name": name, "channels": channels, "pluginresultentry": entry_id, "image": self.job["image"],
            "scale_min": scale_min, "scale_max": scale_max, "location_rect": json.dumps(location_rect),
        }  # fmt: skip
        files = {"bitmap": (f"{name}.png", buffer.getvalue(), "image/png")}
        try:
            self.connection.request("POST", BITMAPS, files=files, data=fields)
        except UnknownOutcomeError:
            if not self._bitmap_stored(entry_id, name):
                self.connection.request("POST", BITMAPS, files=files, data=fields)

    def _bitmap_stored(self, entry_id: int, name: str) -> bool:
        listed = self.connection.iterate(BITMAPS, image=self.job["image"], fields="id,name,pluginresultentry")
        return any(b["pluginresultentry"] == entry_id and b["name"] == name for b in listed)

    def flush(self) -> None:
        """Hand the queued annotations to the writer (returns at once unless it is far behind)."""
        if self._pending:
            batch, self._pending = self._pending, []
            self._last_sent = time.monotonic()
            self.writer.send(batch)
        self.writer.raise_error()

    def finish(self) -> int:
        """Every result stored, exactly once (raises otherwise); how many there are. A job that
        found nothing still gets its (empty) result: it ran, and that is worth showing."""
        self.reporter.raise_error()
        self.flush()
        stored = self.writer.finish()
        self._the_result()
        return stored

    @property
    def result_id(self) -> int | None:
        """The job's result, once one was made (the first result written makes it)."""
        return None if self._result is None else self._result["id"]

    # --- result and entries: found again rather than made twice when an answer was lost ---------
    def _entry(self, name: str) -> int:
        if name not in self._entries:
            result = self._the_result()
            body = {"pluginresult": result["id"], "name": name, "annotation_results": [], "bitmap_results": []}
            try:
                self._entries[name] = self.connection.post(ENTRIES, body)["id"]
            except UnknownOutcomeError:
                found = self._find_entry(result["id"], name)
                self._entries[name] = found or self.connection.post(ENTRIES, body)["id"]
        return self._entries[name]

    def _the_result(self) -> dict[str, Any]:
        if self._result is None:
            body = {"image": self.job["image"], "plugin": self.plugin["id"], "job": self.job["id"], "entries": []}
            try:
                self._result = self.connection.post(RESULTS, body)
            except UnknownOutcomeError:
                found = self.connection.pages(RESULTS, job_id=self.job["id"])
                self._result = found[0] if found else self.connection.post(RESULTS, body)
        return self._result  # type: ignore[return-value]

    def _find_entry(self, result_id: int, name: str) -> int | None:
        for entry_id in self.connection.get(item(RESULTS, result_id))["entries"]:
            if self.connection.get(item(ENTRIES, entry_id), fields="id,name")["name"] == name:
                return entry_id
        return None
