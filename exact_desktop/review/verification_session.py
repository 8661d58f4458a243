"""EXACT's verification in the review queue: the annotations of one type on some images, each
verified (`j`), rejected (`k`: verified false) or relabelled (a number key: its type changed,
and verified), with the same keys, gallery, undo and resume as a review of plugin results.

A decision is the reviewer's EXACT Verification of the annotation (synced like a review's) and,
for a relabel, the annotation's new type; nothing is made or deleted. Each is one undoable edit,
written in one transaction with the review's place.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.model import entities as e
from exact_desktop.review.audit import Estimate
from exact_desktop.review.decision_edit import DecisionEdit
from exact_desktop.review.session import RATED_UP_TO, Candidate, ReviewSession
from exact_desktop.store.base import Store, StoreError
from exact_desktop.store.sqlite.review_book import Outcome, Verdict
from exact_desktop.store.sqlite.verification_book import VerificationBook


class VerificationEdit(DecisionEdit):
    """Verdicts on annotations before and after, each way one transaction."""

    def apply(self, store: Store, editor: int | None = None) -> None:
        VerificationBook(store, None).write(self.after, self.place_after)  # type: ignore[arg-type]

    def revert(self, store: Store, editor: int | None = None) -> None:
        VerificationBook(store, None).write(self.before, self.place_before)  # type: ignore[arg-type]


class VerificationSession(ReviewSession):
    scored = False
    default_order = "spatial"  # no scores: a walk across the slide, as a pathologist screens it

    def __init__(
        self, store: Store, history: EditHistory, annotation_type: int, images: Sequence[int],
        reviewer: int | None = None,
    ) -> None:  # fmt: skip
        kind = store.list(e.AnnotationType, id=annotation_type)
        if not kind:
            raise StoreError(f"annotation type {annotation_type} does not exist")
        reviewer = reviewer if reviewer is not None else history.editor
        book = VerificationBook(store, reviewer)  # type: ignore[arg-type]
        candidates = book.annotations_of(annotation_type, images)
        if not len(candidates):
            raise StoreError(f"no {kind[0].name} annotations to verify on these images")
        self.entries, self.origins = (), {}
        self.title = f"Verify {kind[0].name} annotations"
        scope = f"verify:{annotation_type}:" + ",".join(map(str, sorted(set(images))))
        self._open(store, history, reviewer, book, scope, candidates, 0.5)

    def source_name(self, c: Candidate) -> str:
        return "annotation"

    def decide(
        self, choices: dict[int, int | None], label: str | None = None, audit: Estimate | None = None,
        go_to: int | None = None,
    ) -> DecisionEdit | None:  # fmt: skip
        """Verdicts by annotation id in one undoable edit: a type verifies the annotation as that
        type (another than its own: relabelled), None says it is wrong (verified false)."""
        rows = {id: self._row_of(id) for id in choices}
        unknown = [id for id, row in rows.items() if row is None]
        if unknown:
            raise StoreError(f"annotation {unknown[0]} is not in this verification")
        for type_id in {t for t in choices.values() if t is not None}:
            if type_id not in self.types:
                raise StoreError(f"annotation type {type_id} does not exist")
        annotations = self.book.results(list(choices))
        verdicts = self.book.verdicts(list(choices))
        now = e.utcnow()
        before, after = [], []
        for id, kept in choices.items():
            annotation = replace(annotations[id], last_editor=self.reviewer)
            said = verdicts.get(id)
            if said is not None and said.annotation_type == kept and (kept is not None or said.decision == "reject"):
                continue  # that verdict is there already
            before.append(Outcome(id, said, annotation))
            decision = "reject" if kept is None else ("accept" if kept == annotation.annotation_type else "relabel")
            shown = annotation if kept is None else replace(annotation, annotation_type=kept)
            after.append(Outcome(id, Verdict(decision, kept, self.reviewer, now), shown))
        if not after:
            if go_to is not None:
                self.go(go_to)
            return None
        here = self._place(self.position)
        there = here if go_to is None else self._place(self._clamped(go_to))
        default = f"{'Reject' if after[0].verdict.decision == 'reject' else 'Verify'} annotation"  # type: ignore[union-attr]
        edit = VerificationEdit(
            label or (default if len(after) == 1 else "Verify"), annotations[after[0].result_annotation].image,
            tuple(before), tuple(after), here, there,
        )  # fmt: skip
        self.history.do(edit)
        if len(after) <= RATED_UP_TO:
            self._times.extend([time.monotonic()] * len(after))
        return edit
