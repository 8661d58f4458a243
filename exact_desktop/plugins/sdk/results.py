"""Result annotations to the server, each stored exactly once, and proven stored before "done".

Each result carries its own `unique_identifier`. The writer sends lists where the server takes
them (the embedded API does; EXACT refuses them, which it finds out from the first batch) and
otherwise one result per request with several requests in flight. A request whose outcome is
unknown (connection cut, timeout, 5xx) is not simply sent again: at the end the writer reads
back the identifiers the server holds for each entry, sends what is missing and deletes what a
late request stored twice. `finish()` returns only when the stored count equals what the plugin
added; anything else raises, and the job fails with the reason. A create asks for the ids
alone in its answer (`fields=id`, which EXACT's serializers and the embedded API both honour):
the writer reads nothing of it, and 500 whole rows echoed back cost the server as much as
storing them.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from exact_desktop.plugins.sdk.errors import PluginError
from exact_desktop.rest.connection import IN_FLIGHT, Connection
from exact_desktop.rest.errors import RefusedError, UnknownOutcomeError
from exact_desktop.rest.processing import RESULT_ANNOTATIONS, Job

BATCH = 2000  # result annotations per list request at most: a request's own cost is about 10 ms
# of the server's time (loaded machine), a result's 15 µs; 25,764 results in lists of 250 took
# 1.45 s of its CPU, in lists of 2,000 0.53 s
ANSWERED = "id"  # the fields a create answers with: nothing else of the answer is read
RECONCILE_ROUNDS = 5
SETTLE_S = 1.0  # before reading back: a request cut on our side may still be landing on the server


class ResultsLostError(PluginError):
    """After every retry the server still does not hold exactly what the plugin produced."""


def _lists_refused(err: RefusedError) -> bool:
    return err.status == 400 and "expected a dictionary" in err.body.lower()


class ResultWriter:
    def __init__(
        self, connection: Connection, lists: bool | None = None, in_flight: int = IN_FLIGHT,
        job: Job | None = None,
    ) -> None:  # fmt: skip
        self.connection = connection
        self.job = job  # {"id", "image"}: results for another image are refused here (EXACT would keep them)
        self.lists = lists  # None until the server has shown whether it takes lists
        self._sent: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)  # entry -> uuid -> body
        self._uncertain = False
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(in_flight, thread_name_prefix="result-writer")
        self._inflight: set[Future[None]] = set()
        self._slots = threading.BoundedSemaphore(2 * in_flight)  # back-pressure on the plugin

    # --- the plugin's side --------------------------------------------------------------------
    def send(self, batch: list[dict[str, Any]]) -> None:
        """Hand a batch over; returns at once unless many requests are already waiting."""
        self.raise_error()
        for item in batch:
            if self.job is not None and item["image"] != self.job["image"]:
                raise PluginError(f"job {self.job['id']} is for image {self.job['image']}: "
                                  f"a result for image {item['image']} does not belong to it")  # fmt: skip
            self._sent[item["pluginresultentry"]][item["unique_identifier"]] = item
        if self.lists is None:  # the first batch decides, on this thread, how the rest travel
            self._probe(batch)
            return
        chunks = [batch] if self.lists else [[item] for item in batch]
        for chunk in chunks:
            self._slots.acquire()
            future = self._pool.submit(self._post, chunk)
            with self._lock:
                self._inflight.add(future)
            future.add_done_callback(self._done)

    def finish(self) -> int:
        """Wait for every request, make the server hold exactly what was sent; the stored count."""
        self._wait()
        self._pool.shutdown(wait=True)
        self.raise_error()
        return self._reconcile()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    # --- sending --------------------------------------------------------------------------------
    def _probe(self, batch: list[dict[str, Any]]) -> None:
        try:
            self.connection.post(RESULT_ANNOTATIONS, batch, fields=ANSWERED)
            self.lists = True
        except RefusedError as err:
            if not _lists_refused(err):
                raise
            self.lists = False
            self.send(batch)
        except UnknownOutcomeError:
            self._uncertain = True  # the read-back at the end settles this batch; the next one asks again

    def _post(self, chunk: list[dict[str, Any]]) -> None:
        try:
            self.connection.post(
                RESULT_ANNOTATIONS, chunk if len(chunk) > 1 or self.lists else chunk[0], fields=ANSWERED
            )
        except UnknownOutcomeError:
            self._uncertain = True
        except BaseException as err:
            self._error = self._error or err

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._inflight.discard(future)
        self._slots.release()

    def _wait(self) -> None:
        while True:
            with self._lock:
                pending = list(self._inflight)
            if not pending:
                return
            for future in pending:
                future.result()

    # --- proving it stored ----------------------------------------------------------------------
    def _reconcile(self) -> int:
        stored = 0
        for entry, items in self._sent.items():
            if not self._uncertain and self.connection.count(RESULT_ANNOTATIONS, pluginresultentry=entry) == len(items):
                stored += len(items)
                continue
            stored += self._repair(entry, items)
        return stored

    def _repair(self, entry: int, items: dict[str, dict[str, Any]]) -> int:
        for _ in range(RECONCILE_ROUNDS):
            time.sleep(SETTLE_S)
            held: dict[str, list[int]] = defaultdict(list)
            for row in self.connection.iterate(
                RESULT_ANNOTATIONS, pluginresultentry=entry, fields="id,unique_identifier"
            ):
                held[str(row["unique_identifier"])].append(row["id"])
            foreign = set(held) - set(items)
            if foreign:
                raise ResultsLostError(f"result entry {entry} holds {len(foreign)} results this job did not send")
            for ids in held.values():  # a cut request that landed after all: keep one of each
                for extra in sorted(ids)[1:]:
                    self.connection.delete(f"{RESULT_ANNOTATIONS}{extra}/")
            missing = [body for uuid, body in items.items() if uuid not in held]
            if not missing:
                return len(items)
            chunks = [missing[i : i + BATCH] for i in range(0, len(missing), BATCH)] if self.lists else missing
            for chunk in chunks:
                with contextlib.suppress(UnknownOutcomeError):  # read back again in the next round
                    self.connection.post(RESULT_ANNOTATIONS, chunk, fields=ANSWERED)
        raise ResultsLostError(
            f"result entry {entry}: the server still does not hold all {len(items)} results after "
            f"{RECONCILE_ROUNDS} rounds of sending the missing ones"
        )
