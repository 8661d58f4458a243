"""Pull, push, both: the local mirror of one server image set and the server agree, losing nothing.

- Pull: the frame, then the annotations edited since the cursor (the newest server time of the
  last complete pull, less a minute for transactions that committed late), page by page, each
  page one local transaction. The cursor moves only after a complete pull, and only over what
  was stored: an annotation the mirror refused holds it back, so the next pull asks for it
  again. A pull cut at any point is simply run again: what arrived already is recognised (its
  server time is the base). Times go through the server's clock (rest/server_clock), so the
  cursor neither skips nor repeats the hour a DST change moves.
- Push: the outbox. New annotations go in list POSTs with their UUIDs; when an answer is lost,
  the UUIDs are looked up before anything is sent again, so nothing is created twice. Edits and
  deletions go as PATCHes, after checking the server's row has not changed since the last
  sync; if it has, both versions are kept (see the ledger) and the conflict is listed.
- Counts are what the server answered it stored, never what was sent.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from orjson import Fragment

from exact_desktop.model import entities as e
from exact_desktop.model.entities import remote_id_of, stored_id
from exact_desktop.rest.errors import AnswerError, ExactApiError, RefusedError, UnknownOutcomeError
from exact_desktop.rest.exact_api import CREATE_CHUNK, Created, ExactApi, RemoteAnnotation
from exact_desktop.rest.server_clock import date_instant
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.sync_ledger import SYNCED_FIELDS, Incoming, Outgoing, Pending, Pushed, SyncLedger
from exact_desktop.store.sqlite.tables import to_iso
from exact_desktop.sync.conflict_rule import arrival
from exact_desktop.sync.frame import FrameMap, pull_frame
from exact_desktop.sync.verification_push import push_verifications

LATE_COMMIT = timedelta(minutes=1)
ATTEMPTS = 3
PATCHES_IN_FLIGHT = 4
CREATES_IN_FLIGHT = 3  # list POSTs at once: paired runs against serve, 6-20 % faster than 2
PENDING_PAGE = 2_000  # outbox rows read at a time for creating
APPLY_AT_LEAST = 4_000  # pulled annotations a local transaction (they come in pages of 1,000)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class SyncSummary:
    pulled: int = 0
    pushed: int = 0
    conflicts: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    outbox: int = 0  # rows still waiting after this run
    notes: list[str] = field(default_factory=list)  # worth knowing, nothing lost (the server's clock)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _quiet(stage: str, done: int, total: int) -> None:
    pass


class Synchroniser:
    def __init__(self, store: SqliteStore, api: ExactApi, progress: Progress = _quiet) -> None:
        self.store, self.api, self.progress = store, api, progress
        self.ledger = SyncLedger(store)
        self._lock = threading.Lock()  # creates run on two threads; the summary is shared

    def run(self, direction: str, remote_set: int) -> SyncSummary:
        summary = SyncSummary()
        self.api.check_clock()
        frame = pull_frame(self.store, self.api, remote_set)
        if direction in ("pull", "both"):
            self._pull(frame, remote_set, summary)
        if direction in ("push", "both"):
            self._push(frame, summary)
            summary.errors += push_verifications(self.store, self.api.connection, frame.image_set)[1]
        summary.outbox = self.ledger.outbox_size(frame.image_set)
        summary.notes += self.api.clock_notes
        return summary

    # --- pull ---------------------------------------------------------------------------------
    def _pull(self, frame: FrameMap, remote_set: int, summary: SyncSummary) -> None:
        mirror = self.ledger.mirror_of(self.api.server, remote_set)
        clock = self.api.clock
        since = clock.text(clock.instant(mirror.cursor) - LATE_COMMIT) if mirror and mirror.cursor else None
        reach = Reach(date_instant(self.api.connection.server_date))  # the frame was just read
        seen = 0
        waiting: list[Incoming] = []
        # pages are fetched and decoded ahead by the API's own pool; several go into one local
        # transaction (each costs a few ms whatever its size)
        for page in self.api.annotation_pages(remote_set, since):
            waiting += self._incoming(frame, page, summary, reach)
            seen += len(page)
            if len(waiting) >= APPLY_AT_LEAST:
                self._apply(waiting, summary, reach)
                waiting = []
                self.progress("pull", seen, max(seen, self.api.counted))
        self._apply(waiting, summary, reach)
        self.progress("pull", seen, max(seen, self.api.counted))
        cursor = reach.cursor()
        self.ledger.set_cursor(frame.image_set, clock.text(cursor) if cursor else None, to_iso(e.utcnow()))

    def _incoming(self, frame: FrameMap, page: list[RemoteAnnotation], summary: SyncSummary,
                  reach: Reach | None = None) -> list[Incoming]:  # fmt: skip
        found = []
        for item in page:
            a = item.annotation
            image, kind = frame.images.get(a.image), frame.types.get(a.annotation_type)
            if image is None or kind is None:
                summary.errors.append(
                    f"annotation {a.unique_identifier} (server id {a.remote_id}) refers to "
                    f"{'image' if image is None else 'annotation type'} "
                    f"{a.image if image is None else a.annotation_type}, which is not in the image set"
                )
                if reach and item.server_time:
                    reach.refused(a)
                continue
            a.id, a.image, a.annotation_type = None, image, kind  # the page's own object: no copy
            found.append(Incoming(a, item.server_time))
        return found

    def _apply(self, incoming: list[Incoming], summary: SyncSummary, reach: Reach | None = None) -> None:
        if not incoming:
            return
        applied = self.ledger.apply(incoming, arrival)
        if reach:
            refused = {r.annotation.remote_id for r in applied.refused}
            for item in incoming:  # an annotation without a server time (now, for want of one) moves nothing
                if item.server_time:
                    (reach.refused if item.annotation.remote_id in refused else reach.stored)(item.annotation)
        summary.pulled += applied.created + applied.updated
        summary.unchanged += applied.unchanged
        summary.conflicts += applied.conflicts
        summary.errors += applied.errors

    # --- push ---------------------------------------------------------------------------------
    def _push(self, frame: FrameMap, summary: SyncSummary) -> None:
        """Edits first: a conflict makes a copy of this side's version, a new annotation that the
        creates then take along. The creates are read a page at a time, so the server works on
        the first chunks while the rest are read."""
        linked = self.ledger.pending(frame.image_set, linked=True)
        if linked:
            self._push_edits(frame, linked, summary)
        total, done = self.ledger.outbox_size(frame.image_set), 0
        sent: deque[tuple[Future[None], int]] = deque()
        with ThreadPoolExecutor(CREATES_IN_FLIGHT) as pool:  # the server works while this side prepares
            for page in self._unlinked_pages(frame):
                deleted = [o.id for o in page if o.deleted]
                self.ledger.drop_pending(deleted)
                done += len(deleted)
                fresh = [o for o in page if not o.deleted]
                for start in range(0, len(fresh), CREATE_CHUNK):
                    chunk = fresh[start : start + CREATE_CHUNK]
                    sent.append((pool.submit(self._create, chunk, summary), len(chunk)))
                while len(sent) > 2 * CREATES_IN_FLIGHT:
                    done += _finished(sent.popleft())
                    self.progress("push", done, total)
            while sent:
                done += _finished(sent.popleft())
                self.progress("push", done, total)

    def _unlinked_pages(self, frame: FrameMap) -> Iterator[list[Outgoing]]:
        images, types = frame.remote_images(), frame.remote_types()
        after = 0
        while page := self.ledger.outgoing(frame.image_set, images, types, after=after, limit=PENDING_PAGE):
            yield page
            after = page[-1].id

    def _bodies(self, items: list[Outgoing], summary: SyncSummary) -> dict[str, tuple[Outgoing, Fragment]]:
        bodies: dict[str, tuple[Outgoing, Fragment]] = {}
        for o in items:
            if o.body is None:
                with self._lock:
                    summary.errors.append(
                        f"annotation {o.unique_identifier}: its annotation type or image is not on the server; "
                        "it stays in the outbox"
                    )
                continue
            bodies[o.unique_identifier] = (o, Fragment(o.body))
        return bodies

    def _create(self, items: list[Outgoing], summary: SyncSummary) -> None:
        """One list POST; if its outcome is unknown, the UUIDs are looked up and the missing ones
        sent one by one, as single creates, which the server upserts on (image, UUID)."""
        waiting = self._bodies(items, summary)
        if not waiting:
            return
        try:
            self._pushed(waiting, self.api.create_annotations([body for _, body in waiting.values()]), summary)
            return
        except (UnknownOutcomeError, AnswerError):  # stored or not, it cannot tell: what did the server store?
            self._pushed(waiting, [Created.of(r) for r in self.api.annotations_by_uuid(list(waiting))], summary)
        except RefusedError:
            pass  # one of them is bad: one at a time names it and lets the others through
        with ThreadPoolExecutor(PATCHES_IN_FLIGHT) as pool:
            results = list(pool.map(self._create_one, list(waiting.items())))
        for uuid, result in zip(list(waiting), results, strict=True):
            if isinstance(result, str):
                with self._lock:
                    summary.errors.append(result)
            else:
                self._pushed({uuid: waiting[uuid]}, [Created.of(result)], summary)

    def _create_one(self, entry: tuple[str, tuple[Outgoing, Fragment]]) -> RemoteAnnotation | str:
        uuid, (_, body) = entry
        return _sent_again_if_unknown(lambda: self.api.create_annotation(body), uuid)

    def _pushed(self, waiting: dict[str, tuple[Outgoing, Fragment]], made: list[Created], summary: SyncSummary) -> None:
        done = []
        for item in made:
            entry = waiting.pop(item.unique_identifier, None)
            if entry is not None:
                done.append(Pushed(entry[0].id, item.remote_id, item.server_time, entry[0].stamp))
        self.ledger.mark_pushed(done)
        with self._lock:
            summary.pushed += len(done)

    def _push_edits(self, frame: FrameMap, linked: list[Pending], summary: SyncSummary) -> None:
        """PATCHes of what changed here only; what changed there too becomes a conflict."""
        current = {
            r.annotation.remote_id: r for r in self.api.annotations_by_id([remote_id_of(p.annotation) for p in linked])
        }
        clean, changed_there = [], []
        for p in linked:
            there = current.get(p.annotation.remote_id)
            if there is None:
                summary.errors.append(
                    f"annotation {p.annotation.unique_identifier} is gone from the server (deleted for good "
                    "there); it is kept here and stays in the outbox"
                )
            elif there.server_time != p.base_time:
                changed_there.append(there)
            else:
                clean.append(p)
        if changed_there:
            self._apply(self._incoming(frame, changed_there, summary), summary)
        types = frame.remote_types()
        with ThreadPoolExecutor(PATCHES_IN_FLIGHT) as pool:
            results = list(pool.map(lambda p: self._patch(p, types), clean))
        done = [r for r in results if isinstance(r, Pushed)]
        summary.errors += [r for r in results if isinstance(r, str)]
        self.ledger.mark_pushed(done)
        summary.pushed += len(done)

    def _patch(self, p: Pending, types: dict[int, int]) -> Pushed | str:
        a = p.annotation
        fields = {f: getattr(a, f) for f in SYNCED_FIELDS}
        fields["annotation_type"] = types.get(a.annotation_type)
        if fields["annotation_type"] is None:
            return f"annotation {a.unique_identifier}: its annotation type is not on the server; it stays in the outbox"
        remote_id = remote_id_of(a)
        there = _sent_again_if_unknown(lambda: self.api.update_annotation(remote_id, **fields), a.unique_identifier)
        return there if isinstance(there, str) else Pushed(stored_id(a), remote_id, there.server_time, p.stamp)


class Reach:
    """How far a pull's cursor may move: to the newest edit stored, but never past the oldest
    edit refused (so the next pull, which asks from the cursor on, brings that one again), nor
    past the server's time when the pull began: what was made meanwhile may lie beyond the
    count the pull went by, older than an edit it did see."""

    def __init__(self, began: datetime | None = None) -> None:
        self.began = began
        self.newest: datetime | None = None
        self.oldest_refused: datetime | None = None

    def stored(self, a: e.Annotation) -> None:
        if self.newest is None or a.last_edit_time > self.newest:
            self.newest = a.last_edit_time

    def refused(self, a: e.Annotation) -> None:
        if self.oldest_refused is None or a.last_edit_time < self.oldest_refused:
            self.oldest_refused = a.last_edit_time

    def cursor(self) -> datetime | None:
        """None when the pull met nothing (the cursor stays)."""
        if self.newest is None and self.oldest_refused is None:
            return None
        return min(t for t in (self.newest, self.oldest_refused, self.began) if t is not None)


def _finished(sent: tuple[Future[None], int]) -> int:
    """How many the sent chunk held, once it is done (its error, if any, raised here)."""
    sent[0].result()
    return sent[1]


def _sent_again_if_unknown(send: Callable[[], RemoteAnnotation], uuid: str) -> RemoteAnnotation | str:
    """`send()` (a request the server takes twice without harm: an upsert, a PATCH of fields),
    repeated while its outcome is unknown; the server's answer, or why it stays in the outbox."""
    for attempt in range(ATTEMPTS):
        try:
            return send()
        except UnknownOutcomeError as err:
            if attempt == ATTEMPTS - 1:
                return f"annotation {uuid} not pushed, it stays in the outbox: {err}"
        except ExactApiError as err:
            return f"annotation {uuid} refused by the server, it stays in the outbox: {err}"
    raise AssertionError("unreachable")
