"""The review session over a real project file: decisions, undo, provenance, resume."""

from __future__ import annotations

import numpy as np
import pytest

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.exchange.geojson import export_features
from exact_desktop.model import entities as e
from exact_desktop.model.accepted_uuid import accepted_uuid
from exact_desktop.review.audit import wilson
from exact_desktop.review.provenance import KEY
from exact_desktop.review.queue import Filters
from exact_desktop.review.session import ReviewSession
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite.review_book import ReviewBook
from exact_desktop.store.sqlite.store import SqliteStore
from tests.review.conftest import add_results
from tests.store.conftest import box


def live(store, image):
    return {a.unique_identifier: a for a in store.list(e.Annotation, image=image, deleted=False)}


def test_thirty_candidates_decided_undone_and_stored_with_provenance(results):
    store, r, history = results
    s = r.seed
    session = ReviewSession(store, history, [r.entry.id], reviewer=s.user.id)
    assert len(session) == 30
    scores = [session.at(i).score for i in range(30)]
    assert scores == sorted(scores, reverse=True)  # high first by default
    plan = ["accept", "reject", "relabel", "skip"] * 7 + ["accept", "accept"]
    seen, kept = [], {}
    for step in plan:
        current = session.current()
        seen.append(current.id)
        if step == "accept":
            session.accept()
            kept[current.id] = s.box.id
        elif step == "reject":
            session.reject()
            kept[current.id] = None
        elif step == "relabel":
            session.accept(r.mimic.id)
            kept[current.id] = r.mimic.id
        else:
            session.skip()
    assert len(set(seen)) == 30  # each candidate shown once, in order
    assert len(history) == 23  # one edit per decision, none for a skip
    for _ in range(3):  # the last two accepts, and the relabel before the last skip
        history.undo()
    for id in (seen[-1], seen[-2], seen[-4]):
        kept.pop(id)
    results_by_id = {x.id: x for x in store.list(e.PluginResultAnnotation)}
    made = live(store, s.image.id)
    verdicts = ReviewBook(store).verdicts(list(results_by_id))
    assert set(verdicts) == set(kept)
    for id, type_id in kept.items():
        result = results_by_id[id]
        uuid = accepted_uuid(result.unique_identifier)
        assert session.state_of(id) == ("reject" if type_id is None else "accept" if type_id == s.box.id else "relabel")
        if type_id is None:
            assert uuid not in made and verdicts[id].decision == "reject"
            continue
        a = made[uuid]
        assert a.annotation_type == type_id and a.vector == result.vector and a.user == s.user.id
        said = a.meta_data[KEY]
        assert said["plugin"] == "Nuclei" and said["package"] == "nuclei-detector 1.2"
        assert said["parameters"] == {"sensitivity": 0.7} and said["job"] == r.job.id
        assert said["result_entry"] == r.entry.id and said["result_annotation"] == result.unique_identifier
        assert said["score"] == pytest.approx(result.score) and said["reviewer"] == "pathologist"
        assert said["model_type"] == "Nucleus"
        assert said["decision"] == ("accept" if type_id == s.box.id else "relabel")
    assert len(made) == sum(t is not None for t in kept.values())
    history.redo()
    assert session.state_of(seen[-4]) == "relabel" and len(live(store, s.image.id)) == len(made) + 1


def test_accepting_twice_makes_one_annotation(results):
    store, r, history = results
    session = ReviewSession(store, history, [r.entry.id])
    first = session.current()
    session.decide({first.id: first.annotation_type})
    assert session.decide({first.id: first.annotation_type}) is None  # nothing changes, no edit
    other = ReviewSession(store, EditHistory(store), [r.entry.id])  # another window, another history
    other.arrange(filters=Filters(states=None))
    other.decide({first.id: r.mimic.id})  # relabel: the same annotation changes type
    history.undo()  # the first accept's undo, after the relabel: its annotation goes
    other.decide({first.id: first.annotation_type})
    uuid = accepted_uuid(session.result(first).unique_identifier)
    rows = store.list(e.Annotation, unique_identifier=uuid, image=first.image)
    assert len(rows) == 1 and not rows[0].deleted and rows[0].annotation_type == first.annotation_type


def test_bulk_accept_of_twenty_thousand_is_one_edit(tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    r = add_results(store, count=20_000)
    history = EditHistory(store)
    session = ReviewSession(store, history, [r.entry.id])
    session.arrange(threshold=0.0)
    assert session.bulk_accept() == 20_000
    assert store.count(e.Annotation, deleted=False) == 20_000 and len(history) == 1
    history.undo()
    assert store.count(e.Annotation, deleted=False) == 0 and session.counts().decided == 0
    history.redo()
    assert store.count(e.Annotation, deleted=False) == 20_000 and session.counts().decided == 20_000
    store.close()


def test_the_review_resumes_where_it_stopped(tmp_path):
    path = tmp_path / "p.db"
    store = SqliteStore(path)
    r = add_results(store)
    session = ReviewSession(store, EditHistory(store), [r.entry.id])
    session.arrange(order="uncertain", threshold=0.4)
    for _ in range(4):
        session.accept()
    session.skip()
    session.reject()
    on_screen = session.current().id
    store.close()
    store = SqliteStore(path)
    again = ReviewSession(store, EditHistory(store), [r.entry.id])
    assert again.order == "uncertain" and again.threshold == 0.4
    assert again.current().id == on_screen
    assert len(again) == 25  # the five decided are never shown again; the skipped one is
    assert again.counts().decided == 5
    store.close()


def test_a_decision_and_the_step_past_it_are_one_transaction_and_undo_stores_the_place(results, monkeypatch):
    store, r, history = results
    session = ReviewSession(store, history, [r.entry.id])
    book = ReviewBook(store)
    first, second, third = (session.at(i).id for i in range(3))
    commits = []
    real = store.transaction
    monkeypatch.setattr(store, "transaction", lambda work: commits.append(1) or real(work))
    changes = []
    session.changed.connect(lambda _s: changes.append(session.current().id), weak=False)
    session.accept()
    assert (len(commits), changes) == (1, [second])  # the accept, its verification and the place: one commit
    session.reject()
    assert (len(commits), changes[-1]) == (2, third)
    assert book.place(session.scope)[1] == third
    history.undo()  # the reject taken back: the place goes back to its candidate, in the same commit
    assert (len(commits), session.current().id, book.place(session.scope)[1]) == (3, second, second)
    history.redo()
    assert (len(commits), session.current().id, book.place(session.scope)[1]) == (4, third, third)
    assert session.state_of(first) == "accept" and session.state_of(second) == "reject"


def test_orders_filters_and_the_band(results):
    store, r, history = results
    session = ReviewSession(store, history, [r.entry.id])
    session.arrange(order="score_low")
    assert [session.at(i).score for i in range(3)] == sorted(session.at(i).score for i in range(3))
    session.arrange(order="uncertain", threshold=0.5)
    distances = [abs(session.at(i).score - 0.5) for i in range(30)]
    assert distances == sorted(distances)
    session.arrange(order="spatial")
    xs = [session.at(i).centre for i in range(30)]
    assert len(set(xs)) == 30
    session.arrange(order="score_high", filters=Filters(low=0.2, high=0.6))
    assert all(0.2 <= session.at(i).score <= 0.6 for i in range(len(session)))
    counts, _edges, above = session.histogram(10)
    assert counts.sum() == 30 and above == sum((session.candidates.scores >= 0.5) & (session.candidates.scores <= 0.6))
    with pytest.raises(ValueError, match="unknown order"):
        session.arrange(order="random")
    with pytest.raises(StoreError, match="not in this review"):
        session.decide({10**9: None})


def test_audited_accept_records_its_estimate(results):
    store, r, history = results
    session = ReviewSession(store, history, [r.entry.id])
    session.arrange(threshold=0.3)
    band = len(session.band_rows())
    sample = session.audit_sample(size=10, seed=1)
    assert len(sample) == 10
    verdicts = {id: i % 5 != 0 for i, id in enumerate(sample)}  # two of ten wrong
    estimate, accepted = session.audited_accept(verdicts)
    assert estimate == wilson(8, 10) and accepted == band - 2 and len(history) == 1
    assert 0.49 < estimate.low < 0.5 and 0.94 < estimate.high < 0.95  # Wilson's interval for 8 of 10
    made = store.list(e.Annotation, deleted=False)
    assert len(made) == accepted and all(a.meta_data[KEY]["audit"]["correct"] == 8 for a in made)
    assert sum(session.state_of(id) == "reject" for id in sample) == 2


def test_decisions_are_the_reviewers_verifications(results):
    store, r, history = results
    session = ReviewSession(store, history, [r.entry.id], reviewer=r.seed.user.id)
    session.arrange(filters=Filters(states=None))
    first, second, third = (session.at(i) for i in range(3))
    session.decide({first.id: first.annotation_type})
    session.decide({second.id: None})  # never an annotation: nothing to verify
    session.decide({third.id: third.annotation_type})
    session.decide({third.id: None})  # taken back: the annotation goes, its verification says wrong

    def verdicts():
        return {(v.annotation, v.user): v.verified for v in store.list(e.Verification)}

    made = {a.unique_identifier: a.id for a in store.list(e.Annotation)}
    one, three = (made[accepted_uuid(session.result(c).unique_identifier)] for c in (first, third))
    assert verdicts() == {(one, r.seed.user.id): True, (three, r.seed.user.id): False}
    history.undo()
    assert verdicts() == {(one, r.seed.user.id): True, (three, r.seed.user.id): True}
    history.undo()
    history.undo()
    history.undo()
    assert verdicts() == {}


def test_accepted_annotations_export_to_geojson_with_their_provenance(results):
    store, r, history = results
    session = ReviewSession(store, history, [r.entry.id], reviewer=r.seed.user.id)
    session.accept()
    session.reject()
    types = {t.id: t for t in store.list(e.AnnotationType)}
    features = export_features(store.list(e.Annotation, deleted=False), types)["features"]
    assert len(features) == 1
    said = features[0]["properties"]["review"]
    assert said["plugin"] == "Nuclei" and said["decision"] == "accept" and said["reviewer"] == "pathologist"


def test_new_learnt_scores_keep_the_candidate_on_screen_and_the_best_come_next(results):
    store, r, history = results
    session = ReviewSession(store, history, [r.entry.id])
    session.arrange(order="learned")
    for _ in range(5):
        session.reject()
    session.go(session.position + 10)  # the reviewer looks further down
    shown = session.current()
    learned = np.linspace(1.0, 0.0, len(session.candidates))  # a new model: id order, best first
    session.relearned(learned)
    assert session.current().id == shown.id
    next_up = session.at(session.position + 1)
    undecided = np.flatnonzero(session.candidates.decisions == 0)
    best = [int(session.candidates.ids[row]) for row in undecided[np.argsort(-learned[undecided])]]
    assert next_up.id == next(id for id in best if id != shown.id)


def test_the_pace_is_decisions_over_the_time_looked_not_since_the_first_decision(results, monkeypatch):
    """A gallery page one second after a single decision is no pace of 1,260 a minute: the pace
    counts the time from the review's opening (at most the last five minutes), and is said from
    the third decision on."""
    import exact_desktop.review.session as session_module

    store, r, history = results
    clock = [1000.0]
    monkeypatch.setattr(session_module.time, "monotonic", lambda: clock[0])
    session = ReviewSession(store, history, [r.entry.id])
    told = []  # what a panel redrawing at each change reads
    session.changed.connect(lambda _s: told.append(session.counts().per_minute), weak=False)
    clock[0] += 30
    session.accept()
    clock[0] += 1
    session.accept()
    assert session.counts().per_minute == 0  # two decisions say no pace yet
    page = [session.at(i).id for i in range(2, 22)]
    session.decide({id: None for id in page}, "Review a page of 20")
    assert session.counts().per_minute == pytest.approx(22 / 31 * 60) == told[-1]  # the page's redraw counts it
    history.undo()  # the page undone: its 20 no longer count, two decisions say no pace
    assert session.counts().per_minute == 0
    history.redo()
    clock[0] += 600  # ten minutes away: the five minutes counted hold no decision
    assert session.counts().per_minute == 0 and session.counts().seconds_left is None
    clock[0] += 10
    for _ in range(3):
        session.accept()
    assert session.counts().per_minute == pytest.approx(3 / 5)  # three in the last five minutes


def test_undoing_an_earlier_reviews_decision_brings_its_candidate_into_this_queue(results):
    """A review opened after decisions were made leaves them out of its queue (undecided only);
    their undo makes them undecided again, so the queue takes them in and shows the first (they
    were out of reach, and the counts short, until the review was opened again)."""
    store, r, history = results
    earlier = ReviewSession(store, history, [r.entry.id])
    decided = []
    for _ in range(3):
        decided.append(earlier.current().id)
        earlier.accept()
    earlier.close()  # its dock closed
    session = ReviewSession(store, history, [r.entry.id])
    assert session.counts().remaining == 27 and decided[-1] not in [session.at(i).id for i in range(27)]
    history.undo()
    assert session.counts().remaining == 28 and session.current().id == decided[-1]


def test_a_candidate_whose_id_another_result_took_is_not_decided(results):
    """SQLite gives a removed result's id to the next result made: a review open across a run
    that was cancelled, then another plugin's run, decided that plugin's result as a relabel
    (an outside attacker's finding). It is said to be gone instead, and nothing is written."""
    store, r, history = results
    session = ReviewSession(store, history, [r.entry.id])
    last = max(session.candidates.ids.tolist())
    store.delete(e.PluginResultAnnotation, last)
    other = store.create(e.PluginResultAnnotation(r.mimic.id, r.entry.id, r.seed.image.id, box(5, 5), 0.123))
    assert other.id == last  # the id taken again
    with pytest.raises(StoreError, match="1 of these candidates is no longer in the project"):
        session.decide({last: r.seed.box.id})
    assert ReviewBook(store).verdicts([last]) == {} and len(history) == 0


def test_a_redo_does_not_write_a_decision_onto_a_result_that_took_the_candidates_id(results):
    """Undo and redo followed a candidate by its id alone: after its result was removed and the
    id given to a new result, a redo wrote the accept onto that one (an outside attacker's finding)."""
    store, r, history = results
    session = ReviewSession(store, history, [r.entry.id])
    last = max(session.candidates.ids.tolist())
    session.decide({last: r.seed.box.id})
    store.delete(e.PluginResultAnnotation, last)
    other = store.create(e.PluginResultAnnotation(r.seed.box.id, r.entry.id, r.seed.image.id, box(5, 5), 0.5))
    assert other.id == last
    history.undo()
    history.redo()
    assert ReviewBook(store).verdicts([last]) == {}  # the new result is undecided
    assert store.count(e.Annotation, image=r.seed.image.id, deleted=False) == 1  # the accept's annotation is back
