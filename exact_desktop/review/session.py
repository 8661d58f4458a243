"""A review session: candidates of some result entries in a queue, and the decisions on them.

The window's review panel, `exact-desktop review` and the tests all drive this one object.
Every decision is stored at once as one undoable edit through the shared `EditHistory`; the
queue's order, filters and the candidate on screen are stored too, so a review resumes where
it stopped. The order is a plain function of arrays (queue.py), so a learnt score can order
it later as the plugin's score does now.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from blinker import Signal

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.model import entities as e
from exact_desktop.model.accepted_uuid import accepted_uuid
from exact_desktop.model.entities import stored_id
from exact_desktop.review.audit import DEFAULT_SAMPLE, Estimate, sample_rows, wilson
from exact_desktop.review.decision_edit import DecisionEdit
from exact_desktop.review.provenance import KEY, Origin, origins, provenance
from exact_desktop.review.queue import STATES, Filters, ScoreOrder, chosen, ordered, score_counts
from exact_desktop.store.base import Store, StoreError
from exact_desktop.store.sqlite.review_book import DECISIONS, Candidates, Outcome, Place, ReviewBook, Verdict

ENTRIES = "entries:"  # the scope of a review of result entries: this and their ids
RATE_WINDOW_S = 300.0  # decisions per minute are counted over the last five minutes
RATED_UP_TO = 20  # edits of at most this many decisions (a gallery page) count for the pace
PACE_AFTER = 3  # decisions before a pace is said


@dataclass(frozen=True)
class Candidate:
    id: int
    image: int
    entry: int
    annotation_type: int
    score: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 level-0 px (NaN: no geometry)
    state: str  # one of queue.STATES
    chosen_type: int | None  # the type a decision kept
    rank: int  # position in the queue, from 0

    @property
    def centre(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.box
        return (x0 + x1) / 2, (y0 + y1) / 2


@dataclass(frozen=True)
class Counts:
    decided: int  # of the candidates in the session's entries
    remaining: int  # undecided in the queue
    per_minute: float
    seconds_left: float | None


class ReviewSession:
    """`changed` is sent after the queue, the position or a decision changed (also by undo)."""

    scored = True  # the candidates have a model's score (a verification of annotations has none)
    default_order = "score_high"

    def __init__(self, store: Store, history: EditHistory, entries: Sequence[int], reviewer: int | None = None) -> None:
        if not entries:
            raise StoreError("nothing to review: no result entries were given")
        self.entries = tuple(sorted(set(entries)))
        self.origins: dict[int, Origin] = origins(store, list(self.entries))
        missing = [entry for entry in self.entries if entry not in self.origins]
        if missing:
            raise StoreError(f"result entry {missing[0]} does not exist")
        self.title = " · ".join(sorted({f"{o.plugin} · {o.entry_name}" for o in self.origins.values()}))
        book = ReviewBook(store)  # type: ignore[arg-type]
        thresholds = [x.default_threshold for x in store.get_many(e.PluginResultEntry, list(self.entries)).values()]
        scope = ENTRIES + ",".join(map(str, self.entries))
        self._open(store, history, reviewer, book, scope, book.candidates(self.entries), min(thresholds))

    def _open(
        self, store: Store, history: EditHistory, reviewer: int | None, book: ReviewBook, scope: str,
        candidates: Candidates, threshold: float,
    ) -> None:  # fmt: skip
        """The queue over `candidates`, resumed where a review of `scope` stopped."""
        self.store, self.history, self.book, self.scope = store, history, book, scope
        self.reviewer = reviewer if reviewer is not None else history.editor  # the person at this computer
        self.reviewer_name = store.get(e.User, self.reviewer).username if self.reviewer is not None else None
        self.types = {t.id: t for t in store.list(e.AnnotationType)}
        self.candidates = candidates
        self._by_score = ScoreOrder(self.candidates)
        self.changed = Signal()
        self._times: deque[float] = deque()  # when each decision of the pace was made
        self._opened = time.monotonic()  # the pace's clock starts with the review, not its first decision
        settings, current = self.book.place(self.scope) or self._earlier_place() or ({}, None)
        self.order: str = settings.get("order", self.default_order)
        self.threshold: float = settings.get("threshold", threshold)
        self.filters = Filters(
            **{k: tuple(v) if isinstance(v, list) else v for k, v in settings.get("filters", {}).items()}
        )
        self.queue = np.empty(0, np.int64)
        self.learned: np.ndarray | None = None  # a learnt score per candidate row (learning/loop.py)
        self.position = 0
        self._build_queue(keep=current)
        history.changed.connect(self._history_changed)

    def close(self) -> None:
        """The review's panel is gone: the window's edits are no longer followed and nothing is
        told of this session's changes (a closed panel's widgets are deleted, their Python side
        may live on until a collection, and a refresh of them ended the process)."""
        self.history.changed.disconnect(self._history_changed)
        self.changed = Signal()

    def _earlier_place(self) -> tuple[dict[str, Any], int | None] | None:
        """Where a review of results these share most entries with stopped (the latest of equals),
        else the latest review of results of the same title (a plugin run again replaces all its
        entries): new results of a plugin make a new scope, and the review goes on in its order and
        threshold (after a run again it went back to the defaults)."""
        if not self.scope.startswith(ENTRIES):
            return None
        mine, best, found, same_title = set(self.entries), (0, 0), None, (0, None)
        for scope, settings, current in self.book.places(ENTRIES):
            theirs = {int(x) for x in scope.removeprefix(ENTRIES).split(",") if x.isdigit()}
            if theirs and (len(mine & theirs), max(theirs)) > best:
                best, found = (len(mine & theirs), max(theirs)), (settings, current)
            if theirs and settings.get("title") == self.title and max(theirs) > same_title[0]:
                same_title = (max(theirs), (settings, None))  # its candidate is of the results replaced
        return found if best[0] else same_title[1]

    def source_name(self, c: Candidate) -> str:
        """Who said this candidate is one: its plugin."""
        return self.origins[c.entry].plugin

    @staticmethod
    def entries_by_plugin(store: Store, images: Sequence[int]) -> dict[str, list[int]]:
        """The result entries of some images by the plugin that made them, the latest run's
        plugin first: a review takes one plugin's results at a time, as EXACT's does (their
        scores are on different scales, and two plugins may find the same cells)."""
        results = store.list(e.PluginResult, image__in=list(images)) if images else []
        if not results:
            return {}
        entries = store.list(e.PluginResultEntry, pluginresult__in=[r.id for r in results])
        plugins = store.get_many(e.Plugin, sorted({r.plugin for r in results}))
        plugin_of = {r.id: plugins[r.plugin].name for r in results}
        found: dict[str, list[int]] = {}
        for entry in sorted(entries, key=lambda x: -x.id):  # the newest entry's plugin first
            found.setdefault(plugin_of[entry.pluginresult], []).append(entry.id)
        return found

    @staticmethod
    def decided_by_plugin(store: Store, images: Sequence[int], plugin: str) -> tuple[int, int]:
        """How many of a plugin's results on these images were decided in a review, and how many
        of those rejected: what running it again could forget (a result it finds again keeps its decision)."""
        entries = ReviewSession.entries_by_plugin(store, images).get(plugin, [])
        return ReviewBook(store).decided_in(entries) if entries else (0, 0)  # type: ignore[arg-type]

    @classmethod
    def of_images(
        cls, store: Store, history: EditHistory, images: Sequence[int], entry_names: Sequence[str] | None = None,
        reviewer: int | None = None,
    ) -> ReviewSession:  # fmt: skip
        """A session over the result entries of some images (an image set's), optionally by entry name."""
        results = store.list(e.PluginResult, image__in=list(images)) if images else []
        entries = store.list(e.PluginResultEntry, pluginresult__in=[r.id for r in results]) if results else []
        if entry_names:
            unknown = set(entry_names) - {x.name for x in entries}
            if unknown:
                raise StoreError(f"no result entry named {sorted(unknown)[0]!r} on these images")
            entries = [x for x in entries if x.name in entry_names]
        return cls(store, history, [x.id for x in entries], reviewer)

    # --- the queue -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.queue)

    def settings(self) -> dict[str, Any]:
        filters = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self.filters).items()}
        filters = {k: v for k, v in filters.items() if v not in (float("inf"), float("-inf"))}
        return {"order": self.order, "threshold": self.threshold, "filters": filters, "title": self.title}

    def arrange(self, order: str | None = None, filters: Filters | None = None, threshold: float | None = None) -> None:
        """A new order, filters or threshold: the queue starts again from its first candidate."""
        self.order = order if order is not None else self.order
        self.filters = filters if filters is not None else self.filters
        self.threshold = float(threshold) if threshold is not None else self.threshold
        self._build_queue(keep=None)
        self._save_place()
        self.changed.send(self)

    def _build_queue(self, keep: int | None) -> None:
        mask = chosen(self.candidates, self.filters)
        self.queue = ordered(self.candidates, mask, self.order, self.threshold, self.learned, self._by_score)
        self.position = 0
        if keep is not None:
            row = self._row_of(keep)
            if row is not None:
                found = np.flatnonzero(self.queue == row)
                self.position = int(found[0]) if len(found) else 0

    def relearned(self, learned: np.ndarray) -> None:
        """New learnt scores (one per candidate row): a learnt order is built again, the candidate
        on screen first, so the next one is the learnt order's best (not whatever came after the
        candidate on screen in the new order)."""
        self.learned = learned
        if self.order.startswith("learned"):
            current = self.current()
            self._build_queue(keep=None)
            row = self._row_of(current.id) if current else None
            if row is not None and row in self.queue:  # it stays on screen, and the learnt best come next
                self.queue = np.concatenate([[row], self.queue[self.queue != row]])
            self.changed.send(self)

    def current(self) -> Candidate | None:
        return self.at(self.position)

    def at(self, position: int) -> Candidate | None:
        """The candidate at a queue position (None past either end): what a view prefetches."""
        if not 0 <= position < len(self.queue):
            return None
        return self._candidate(int(self.queue[position]), position)

    def candidate(self, id: int) -> Candidate:
        """A candidate by id, in the queue or not (rank -1: not in the queue)."""
        row = self._row_of(id)
        if row is None:
            raise StoreError(f"candidate {id} is not in this review")
        found = np.flatnonzero(self.queue == row)
        return self._candidate(row, int(found[0]) if len(found) else -1)

    def _candidate(self, row: int, rank: int) -> Candidate:
        c = self.candidates
        chosen_type = int(c.chosen[row])
        return Candidate(
            int(c.ids[row]), int(c.images[row]), int(c.entries[row]), int(c.types[row]), float(c.scores[row]),
            tuple(float(v) for v in c.boxes[row]), STATES[c.decisions[row]],  # type: ignore[arg-type]
            chosen_type if chosen_type >= 0 else None, rank,
        )  # fmt: skip

    def go(self, position: int) -> Candidate | None:
        self.position = self._clamped(position)
        self._save_place()
        self.changed.send(self)
        return self.current()

    def next(self) -> Candidate | None:
        return self.go(self.position + 1)

    def previous(self) -> Candidate | None:
        return self.go(self.position - 1)

    skip = next  # Space: leave it undecided and go on

    def result(self, candidate: Candidate | int) -> e.PluginResultAnnotation:
        """The candidate's stored result annotation (its outline)."""
        id = candidate if isinstance(candidate, int) else candidate.id
        found = self.book.results([id]).get(id)
        if found is None:
            raise StoreError(f"result annotation {id} does not exist")
        return found

    # --- decisions -------------------------------------------------------------------------
    def accept(self, annotation_type: int | None = None) -> Candidate | None:
        """Accept the candidate on screen (as `annotation_type`: a relabel) and show the next."""
        current = self.current()
        if current is not None:
            self.decide({current.id: annotation_type or current.annotation_type}, go_to=self.position + 1)
            return self.current()
        return None

    def reject(self) -> Candidate | None:
        current = self.current()
        if current is not None:
            self.decide({current.id: None}, go_to=self.position + 1)
            return self.current()
        return None

    def decide(
        self, choices: dict[int, int | None], label: str | None = None, audit: Estimate | None = None,
        go_to: int | None = None,
    ) -> DecisionEdit | None:  # fmt: skip
        """Decide candidates by id in one undoable edit: a type keeps the candidate as an
        annotation of that type (its own type: accept; another: relabel), None rejects it.
        Choices that change nothing are left out; None when nothing changes. `go_to`: the queue
        position to show next, stored in the decision's own transaction."""
        rows = {id: self._row_of(id) for id in choices}
        unknown = [id for id, row in rows.items() if row is None]
        if unknown:
            raise StoreError(f"candidate {unknown[0]} is not in this review")
        for type_id in {t for t in choices.values() if t is not None}:
            if type_id not in self.types:
                raise StoreError(f"annotation type {type_id} does not exist")
        c = self.candidates
        changing = {
            id: t for id, t in choices.items()
            if STATES[c.decisions[rows[id]]] == "undecided" or self._verdict_type(rows[id]) != t  # type: ignore[index]
        }  # fmt: skip
        if not changing:
            if go_to is not None:
                self.go(go_to)
            return None
        ids = list(changing)
        results = self.book.results(ids)
        gone = [id for id in ids if id not in results or not self._same(rows[id], results[id])]  # type: ignore[arg-type]
        if gone:  # read before they went: a plugin run again replaces its results
            gone_said = "1 of these candidates is" if len(gone) == 1 else f"{len(gone):,} of these candidates are"
            raise StoreError(f"{gone_said} no longer in the project (a plugin run again replaces its results): "
                             "Ctrl+R reviews the results there are now")  # fmt: skip
        now = e.utcnow()
        extra = audit.as_dict() if audit is not None else None
        after = []
        for id in ids:
            result = results[id]
            kept = changing[id]
            decision = "reject" if kept is None else ("accept" if kept == result.annotation_type else "relabel")
            verdict = Verdict(decision, kept, self.reviewer, now)
            after.append(Outcome(id, verdict, self._annotation(result, verdict, extra), result.unique_identifier))
        before = self._outcomes_now(results, ids)
        default = f"{after[0].verdict.decision.capitalize()} candidate" if len(after) == 1 else "Review"  # type: ignore[union-attr]
        here = self._place(self.position)
        there = here if go_to is None else self._place(self._clamped(go_to))
        edit = DecisionEdit(label or default, results[ids[0]].image, tuple(before), tuple(after), here, there)
        rated = len(after) if len(after) <= RATED_UP_TO else 0  # a bulk accept is no pace a reviewer keeps
        self._times.extend([time.monotonic()] * rated)  # before the edit: the panel's redraw counts them
        try:
            self.history.do(edit)  # applied, stored, undoable; _history_changed updates the arrays and the position
        except BaseException:
            for _ in range(rated):
                self._times.pop()
            raise
        return edit

    def bulk_accept(self, ids: Sequence[int] | None = None, audit: Estimate | None = None) -> int:
        """Accept many candidates in one undoable edit: by default the undecided ones of the
        queue's band at or above the threshold. Returns how many were accepted."""
        if ids is None:
            ids = [int(self.candidates.ids[row]) for row in self.band_rows()]
        choices: dict[int, int | None] = {
            id: int(self.candidates.types[self._row_of(id)])
            for id in ids  # type: ignore[index]
        }
        edit = self.decide(choices, f"Accept {len(choices):,} candidates", audit)
        return len(edit.after) if edit else 0

    def band_rows(self) -> np.ndarray:
        """Undecided candidates passing the filters (but for the decision filter) at or above the threshold."""
        f = self.filters
        band = Filters(f.entries, f.types, max(f.low, self.threshold), f.high, ("undecided",))
        return np.flatnonzero(chosen(self.candidates, band))

    def audit_sample(self, size: int = DEFAULT_SAMPLE, seed: int | None = None) -> list[int]:
        """Ids of a random sample of the band, for the reviewer to decide before an audited accept."""
        return [int(self.candidates.ids[row]) for row in sample_rows(self.band_rows(), size, seed)]

    def audited_accept(self, sample: dict[int, bool]) -> tuple[Estimate, int]:
        """The sample's verdicts (True: correct) give a precision estimate; the band is then
        accepted but for the sample's wrong ones, which are rejected, all one edit, and the
        estimate goes into every accepted annotation's provenance."""
        estimate = wilson(sum(sample.values()), len(sample))
        band = [int(self.candidates.ids[row]) for row in self.band_rows()]
        choices: dict[int, int | None] = {id: int(self.candidates.types[self._row_of(id)]) for id in band}  # type: ignore[index]
        choices.update({id: None for id, right in sample.items() if not right})
        accepted = sum(t is not None for t in choices.values())
        self.decide(choices, f"Audited accept of {accepted:,} candidates", estimate)
        return estimate, accepted

    # --- counts ----------------------------------------------------------------------------
    def counts(self) -> Counts:
        decided = int(np.count_nonzero(self.candidates.decisions))
        remaining = int(np.count_nonzero(self.candidates.decisions[self.queue] == 0))
        now = time.monotonic()
        while self._times and self._times[0] < now - RATE_WINDOW_S:
            self._times.popleft()
        per_minute = 0.0
        if len(self._times) >= PACE_AFTER:  # over the time looked, not from the first decision on:
            looked = now - max(now - RATE_WINDOW_S, self._opened)  # a page after a single read thousands
            per_minute = len(self._times) / max(looked / 60.0, 1 / 60)
        left = remaining / per_minute * 60.0 if per_minute > 0 else None
        return Counts(decided, remaining, per_minute, left)

    def histogram(self, bins: int = 20) -> tuple[np.ndarray, np.ndarray, int]:
        """Score counts of the candidates passing the filters (but for the score band), their
        bin edges, and how many of the queue's candidates score at or above the threshold: of the
        same candidates as "#3 of 28,928" and "Candidates 1-20 of 28,928" (counted among the
        undecided now, it said 28,926 at or above 0.00 beside them: two were decided since)."""
        f = self.filters
        mask = chosen(self.candidates, Filters(f.entries, f.types, states=f.states))
        counts, edges = score_counts(self.candidates, mask, bins, self._by_score)
        return counts, edges, int(np.count_nonzero(self.candidates.scores[self.queue] >= self.threshold))

    def model_type(self, id: int) -> int:
        """The annotation type the plugin gave the candidate."""
        row = self._row_of(id)
        if row is None:
            raise StoreError(f"candidate {id} is not in this review")
        return int(self.candidates.types[row])

    def state_of(self, id: int) -> str:
        row = self._row_of(id)
        if row is None:
            raise StoreError(f"candidate {id} is not in this review")
        return STATES[self.candidates.decisions[row]]

    # --- helpers ---------------------------------------------------------------------------
    def _row_of(self, id: int) -> int | None:
        row = int(np.searchsorted(self.candidates.ids, id))
        return row if row < len(self.candidates.ids) and self.candidates.ids[row] == id else None

    def _verdict_type(self, row: int) -> int | None:
        """The type the stored decision kept (None for a reject)."""
        if STATES[self.candidates.decisions[row]] == "reject":
            return None
        return int(self.candidates.chosen[row])

    def _annotation(
        self, result: e.PluginResultAnnotation, verdict: Verdict, audit: dict[str, Any] | None
    ) -> e.Annotation:
        kept = verdict.annotation_type if verdict.annotation_type is not None else result.annotation_type
        model_type = self.types[result.annotation_type].name if result.annotation_type in self.types else ""
        meta = None
        if verdict.decision != "reject":
            origin = self.origins[result.pluginresultentry]
            said = provenance(origin, result, model_type, verdict.decision, self.reviewer_name, verdict.time, audit)
            meta = {KEY: said}
        return e.Annotation(
            kept, result.image, result.vector, unique_identifier=accepted_uuid(result.unique_identifier),
            meta_data=meta, user=self.reviewer, last_editor=self.reviewer, generated=True, time=verdict.time,
        )  # fmt: skip

    def _outcomes_now(self, results: dict[int, e.PluginResultAnnotation], ids: list[int]) -> list[Outcome]:
        """The stored state of these candidates: their verdicts and the annotations accepts made."""
        verdicts = self.book.verdicts(ids)
        uuids: dict[int, list[str]] = {}
        for id in ids:
            uuids.setdefault(results[id].image, []).append(accepted_uuid(results[id].unique_identifier))
        made: dict[str, e.Annotation] = {}
        for image, wanted in uuids.items() if verdicts else ():
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for a in self.store.list(e.Annotation, image=image, unique_identifier__in=chunk):
                    made[a.unique_identifier] = a
        outcomes = []
        for id in ids:
            result, verdict = results[id], verdicts.get(id)
            annotation = made.get(accepted_uuid(result.unique_identifier))
            if annotation is None or verdict is None or verdict.decision == "reject":
                annotation = self._annotation(result, Verdict("reject", None, self.reviewer, e.utcnow()), None)
            outcomes.append(Outcome(id, verdict, annotation, result.unique_identifier))
        return outcomes

    def _history_changed(self, _sender: object, edit: object = None) -> None:
        if not isinstance(edit, DecisionEdit):
            return
        ids = self._edited(edit)
        if not ids:
            return
        verdicts = self.book.verdicts(ids)
        c = self.candidates
        for id in ids:
            row, verdict = self._row_of(id), verdicts.get(id)
            c.decisions[row] = DECISIONS.index(verdict.decision) + 1 if verdict else 0
            c.chosen[row] = verdict.annotation_type if verdict and verdict.annotation_type is not None else -1
        if edit is self.history.last_undone:  # an undo: back to the candidate (the page's first) it undid
            if len(ids) <= RATED_UP_TO:  # and its decisions no longer count for the pace
                for _ in range(min(len(ids), len(self._times))):
                    self._times.pop()
            found = np.flatnonzero(np.isin(self.queue, [self._row_of(id) for id in ids]))
            if len(found) < len(ids):  # decided before this review opened, so left out of its queue
                self._build_queue(keep=ids[0])  # an earlier review's page: the queue takes them in again
            elif len(found):
                self.position = int(found.min())
        elif edit.place_after is not None and edit.place_after.scope == self.scope:  # a do or redo: on past it
            row = self._row_of(edit.place_after.current) if edit.place_after.current is not None else None
            found = np.flatnonzero(self.queue == row) if row is not None else []
            if len(found):
                self.position = int(found[0])
        self.changed.send(self)

    def _same(self, row: int, result: e.PluginResultAnnotation) -> bool:
        """The stored result under a candidate's id is still the candidate: SQLite gives the ids of
        results removed (a run cancelled) to the next ones made, and a review open across that
        wrote a decision onto another plugin's result (an outside attacker's finding)."""
        c = self.candidates
        return (result.image, result.pluginresultentry, result.annotation_type) == (
            int(c.images[row]),
            int(c.entries[row]),
            int(c.types[row]),
        ) and abs(float(c.scores[row]) - result.score) <= 1e-6 * max(1.0, abs(result.score))

    def _edited(self, edit: DecisionEdit) -> list[int]:
        """The candidates of this review an edit changed: by id, or, for an edit made before a
        plugin run again replaced its results, the results now holding their UUIDs."""
        ids = [id for id in edit.candidates if self._row_of(id) is not None]
        if len(ids) == len(edit.after):
            return ids
        followed: dict[int, list[str]] = {}
        for o in edit.after:
            if self._row_of(o.result_annotation) is None and o.result_uuid is not None:
                followed.setdefault(o.annotation.image, []).append(o.result_uuid)
        for image, uuids in followed.items():
            for start in range(0, len(uuids), 500):
                listed = self.store.list(
                    e.PluginResultAnnotation, image=image, unique_identifier__in=uuids[start : start + 500]
                )
                ids += [r.id for r in listed if self._row_of(stored_id(r)) is not None]  # type: ignore[misc]
        return ids

    def _clamped(self, position: int) -> int:
        return min(max(position, 0), max(len(self.queue) - 1, 0))

    def _place(self, position: int) -> Place:
        shown = self.at(position)
        return Place(self.scope, self.settings(), shown.id if shown else None)

    def _save_place(self) -> None:
        self.book.set_place(self._place(self.position))
