"""What `process()` reports through: progress and ETA, result annotations, bitmaps, cancel."""

from __future__ import annotations

import io
import json
import queue
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from PIL import Image as PILImage

from exact_desktop.plugins.sdk.connection import Connection

BATCH = 500  # result annotations per request
REPORT_EVERY_S = 0.5  # progress PATCHes and cancel checks at most this often
CANCELLED_PREFIX = "Cancelled"


class Cancelled(Exception):  # noqa: N818 - an outcome, not a failure
    """The job was cancelled (its error_message starts with "Cancelled"); stop now."""


class JobContext:
    def __init__(
        self, connection: Connection, job: dict[str, Any], plugin: dict[str, Any], types: dict[str, int]
    ) -> None:
        self.connection, self.job, self.plugin = connection, job, plugin
        self.params: dict[str, Any] = job.get("parameters") or {}
        self._types = types  # annotation type name -> id, from the plugin's products
        self._started = time.monotonic()
        self._last_report = 0.0
        self._result: dict[str, Any] | None = None
        self._entries: dict[str, int] = {}
        self._pending: list[dict[str, Any]] = []
        self.written = 0
        # batches go out on a sender thread while process() goes on computing; its error, if
        # any, is raised in process() at the next call, and drain() waits for the last batch
        self._outbox: queue.Queue[list[dict[str, Any]] | None] = queue.Queue(maxsize=4)
        self._sender: threading.Thread | None = None
        self._send_error: BaseException | None = None

    @property
    def job_path(self) -> str:
        return f"/api/v1/processing/pluginjobs/{self.job['id']}/"

    # --- progress and cancel ------------------------------------------------------------------
    def progress(self, fraction: float) -> None:
        """Report 0..1 done (shown as a percentage with an ETA); raises Cancelled when asked to stop."""
        now = time.monotonic()
        if now - self._last_report < REPORT_EVERY_S and fraction < 1:
            return
        self._last_report = now
        self.flush()
        percent = max(0.0, min(99.9, 100.0 * fraction))  # 100 is said by the worker when all is written
        eta = None
        if fraction > 0:
            remaining = (now - self._started) * (1 - fraction) / fraction
            eta = (datetime.now(UTC) + timedelta(seconds=remaining)).isoformat()
        job = self.connection.patch(self.job_path, processing_complete=round(percent, 1), eta_time=eta)
        self._check_cancel(job)

    def check_cancelled(self) -> None:
        """For long loops without progress: raises Cancelled if the job was cancelled."""
        now = time.monotonic()
        if now - self._last_report >= REPORT_EVERY_S:
            self._last_report = now
            self._check_cancel(self.connection.get(self.job_path))

    @staticmethod
    def _check_cancel(job: dict[str, Any]) -> None:
        if (job.get("error_message") or "").startswith(CANCELLED_PREFIX):
            raise Cancelled(job["error_message"])

    # --- results ----------------------------------------------------------------------------------
    def add_annotation(
        self, annotation_type: str | int, vector: dict[str, float], score: float = 1.0,
        entry: str = "results", meta_data: dict[str, Any] | None = None,
    ) -> None:  # fmt: skip
        """Queue one result annotation; they are sent in batches of 500."""
        type_id = self._types[annotation_type] if isinstance(annotation_type, str) else annotation_type
        self._pending.append({
            "annotation_type": type_id, "pluginresultentry": self._entry(entry), "image": self.job["image"],
            "vector": vector, "score": float(score), "meta_data": meta_data, "unique_identifier": str(uuid.uuid4()),
        })  # fmt: skip
        if len(self._pending) >= BATCH:
            self.flush()

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
        fields = {
            "name": name, "channels": channels, "pluginresultentry": self._entry(entry), "image": self.job["image"],
            "scale_min": scale_min, "scale_max": scale_max, "location_rect": json.dumps(location_rect),
        }  # fmt: skip
        files = {"bitmap": (f"{name}.png", buffer.getvalue(), "image/png")}
        self.connection.request("POST", "/api/v1/processing/pluginresultbitmaps/", files=files, data=fields)

    def flush(self) -> None:
        """Hand the queued annotations to the sender (returns at once unless it is 4 batches behind)."""
        self._raise_send_error()
        if self._pending:
            batch, self._pending = self._pending, []
            if self._sender is None:
                self._sender = threading.Thread(target=self._send_loop, name="result-sender", daemon=True)
                self._sender.start()
            self._outbox.put(batch)

    def drain(self) -> None:
        """Wait until every batch is written; raises what a write failed with."""
        self.flush()
        if self._sender is not None:
            self._outbox.put(None)
            self._sender.join()
            self._sender = None
        self._raise_send_error()

    def _send_loop(self) -> None:
        while (batch := self._outbox.get()) is not None:
            if self._send_error is not None:
                continue  # after a failure, drop the rest: the job fails anyway
            try:
                self.connection.post("/api/v1/processing/pluginresultannotations/", batch)
                self.written += len(batch)
            except BaseException as err:
                self._send_error = err

    def _raise_send_error(self) -> None:
        if self._send_error is not None:
            raise self._send_error

    def _entry(self, name: str) -> int:
        if name not in self._entries:
            if self._result is None:
                self._result = self.connection.post("/api/v1/processing/pluginresults/", {
                    "image": self.job["image"], "plugin": self.plugin["id"], "job": self.job["id"], "entries": [],
                })  # fmt: skip
            entry = self.connection.post("/api/v1/processing/pluginresultentrys/", {
                "pluginresult": self._result["id"], "name": name, "annotation_results": [], "bitmap_results": [],
            })  # fmt: skip
            self._entries[name] = entry["id"]
        return self._entries[name]
