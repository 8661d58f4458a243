"""Verifying ordinary annotations in the review queue, as EXACT's verification view does:
j verifies, k says wrong, a number key relabels and verifies; one undoable edit each; resumed."""

from __future__ import annotations

import pytest

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.model import entities as e
from exact_desktop.review.verification_session import VerificationSession
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite.store import SqliteStore
from tests.store.conftest import box, seed


def verdicts(store, user) -> dict[int, bool]:
    return {v.annotation: v.verified for v in store.list(e.Verification, user=user)}


def test_annotations_of_a_type_verified_rejected_relabelled_undone_and_resumed(tmp_path):
    path = tmp_path / "p.db"
    store = SqliteStore(path)
    s = seed(store)
    mimic = store.create(e.AnnotationType("Mimic", 1, s.product.id))
    history = EditHistory(store, editor=s.user.id)
    ids = history.create([e.Annotation(s.box.id, s.image.id, box(100 + 40 * i, 200)) for i in range(6)])
    history.create([e.Annotation(s.point.id, s.image.id, {"x1": 5, "y1": 5})])  # another type
    deleted = history.create([e.Annotation(s.box.id, s.image.id, box(900, 900))])
    history.delete(deleted)
    session = VerificationSession(store, history, s.box.id, [s.image.id, s.other_image.id])
    assert len(session) == 6 and sorted(session.at(i).id for i in range(6)) == ids  # live ones of the type only
    ids = [session.at(i).id for i in range(6)]  # in the queue's order: a walk across the slide
    assert session.reviewer == s.user.id and session.title == "Verify Nucleus annotations"

    session.accept()  # j
    session.reject()  # k
    session.accept(mimic.id)  # a number key: relabel
    assert session.current().id == ids[3]
    assert verdicts(store, s.user.id) == {ids[0]: True, ids[1]: False, ids[2]: True}
    assert store.get(e.Annotation, ids[2]).annotation_type == mimic.id
    assert not store.get(e.Annotation, ids[1]).deleted  # a wrong one is said so, not deleted
    assert [session.state_of(id) for id in ids[:3]] == ["accept", "reject", "accept"]

    history.undo()  # the relabel taken back: its type and its verification
    assert store.get(e.Annotation, ids[2]).annotation_type == s.box.id
    assert verdicts(store, s.user.id) == {ids[0]: True, ids[1]: False}
    assert session.current().id == ids[2]
    session.decide({ids[1]: s.box.id})  # changed mind: right after all
    assert verdicts(store, s.user.id)[ids[1]] is True
    assert session.decide({ids[1]: s.box.id}) is None  # the same verdict again changes nothing
    on_screen = session.current().id
    store.close()

    store = SqliteStore(path)
    again = VerificationSession(store, EditHistory(store, editor=s.user.id), s.box.id, [s.image.id, s.other_image.id])
    assert again.current().id == on_screen and len(again) == 4  # the decided ones are not offered again
    assert again.counts().decided == 2
    store.close()


def test_a_type_without_annotations_is_refused_by_name(tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    with pytest.raises(StoreError, match="no Tissue annotations to verify"):
        VerificationSession(store, EditHistory(store), s.polygon.id, [s.image.id])
    with pytest.raises(StoreError, match="annotation type 999 does not exist"):
        VerificationSession(store, EditHistory(store), 999, [s.image.id])
    store.close()
