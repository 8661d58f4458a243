"""A plugin run again keeps the review decisions on the results it finds again (an outside tester
lost 128 to a rerun, and accepting a result whose twin was accepted made a second annotation)."""

from __future__ import annotations

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.model import entities as e
from exact_desktop.model.accepted_uuid import accepted_uuid
from exact_desktop.model.entities import stored_id
from exact_desktop.project.local_run import run_plugin
from exact_desktop.review.session import ReviewSession
from exact_desktop.store.sqlite.review_book import ReviewBook


def spots(store, image: int) -> dict[float, e.PluginResultAnnotation]:
    """The image's Behaviours results by their x1 (the plugin puts result i at (i, i, i+4, i+4))."""
    return {r.vector["x1"]: r for r in store.list(e.PluginResultAnnotation, image=image)}


def decided_in_a_first_run(store, s, choices) -> EditHistory:
    """The Behaviours plugin's five results on the first image, `choices(results by x1)` decided in
    a review that is closed again; the edit history."""
    run_plugin(store, "Behaviours", s.image_set.id, {"count": "5"}, workers=1)
    history = EditHistory(store)
    session = ReviewSession.of_images(store, history, [s.image.id])
    first = spots(store, s.image.id)
    session.decide(choices(first))
    session.close()
    return history


def test_a_rerun_keeps_the_decisions_on_the_results_it_repeats_and_the_accepted_annotation_is_theirs(project):
    store, s, _plugin, _third = project
    assert run_plugin(store, "Behaviours", s.image_set.id, {"count": "5"}, workers=1)["errors"] == []
    history = EditHistory(store)
    session = ReviewSession.of_images(store, history, [s.image.id])
    first = spots(store, s.image.id)
    spot = first[0].annotation_type
    session.decide({first[0].id: spot, first[1].id: None, first[4].id: None})
    assert store.count(e.Annotation, image=s.image.id, deleted=False) == 1
    session.arrange(order="score_low", threshold=0.2)
    session.close()

    # results 0, 1 and 2 come again; 3 and 4 do not
    rerun = run_plugin(store, "Behaviours", s.image_set.id, {"count": "3"}, run_again=True, workers=1)
    assert rerun["errors"] == [] and rerun["review_decisions"] == {"before": 3, "kept": 2}
    again = spots(store, s.image.id)
    assert sorted(again) == [0, 1, 2] and not {r.id for r in again.values()} & {r.id for r in first.values()}
    session = ReviewSession.of_images(store, history, [s.image.id])
    assert session.counts().decided == 2  # the accept and the reject of results found again; 4's went with it
    assert (session.order, session.threshold) == ("score_low", 0.2)  # the review goes on as it was left
    states = session.book.candidates(session.entries)
    decided = dict(zip(states.ids.tolist(), states.decisions.tolist(), strict=True))
    assert decided[again[0].id] != 0 and decided[again[1].id] != 0 and decided[again[2].id] == 0

    accepted = store.list(e.Annotation, image=s.image.id, deleted=False)
    assert len(accepted) == 1 and accepted[0].unique_identifier == accepted_uuid(again[0].unique_identifier)
    assert session.decide({again[0].id: spot}) is None  # accepted already: nothing to change
    session.decide({again[1].id: spot})  # the rejection taken back: its one annotation made
    assert store.count(e.Annotation, image=s.image.id, deleted=False) == 2
    session.close()


def test_a_result_found_again_after_a_run_that_lost_it_keeps_the_accept_its_annotation_holds(project):
    """Accepted at one setting, not found at a second, found again at the first: the review
    offered it as new, and an accept made an exact copy of the annotation (an outside tester's
    finding). It is the accepted annotation's candidate again; a rejection has nothing to keep."""
    store, s, _plugin, _third = project
    history = decided_in_a_first_run(store, s, lambda first: {first[4].id: first[4].annotation_type, first[3].id: None})
    run_plugin(store, "Behaviours", s.image_set.id, {"count": "3"}, run_again=True, workers=1)  # 3 and 4 not found
    rerun = run_plugin(store, "Behaviours", s.image_set.id, {"count": "5"}, run_again=True, workers=1)
    assert rerun["review_decisions"] == {"before": 0, "kept": 1}
    again = spots(store, s.image.id)
    session = ReviewSession.of_images(store, history, [s.image.id])
    assert session.state_of(again[4].id) == "accept" and session.state_of(again[3].id) == "undecided"
    accepted = store.list(e.Annotation, image=s.image.id, deleted=False)
    assert [a.unique_identifier for a in accepted] == [accepted_uuid(again[4].unique_identifier)]
    assert session.decide({again[4].id: again[4].annotation_type}) is None
    assert store.count(e.Annotation, image=s.image.id, deleted=False) == 1
    session.close()


def test_a_decision_made_before_a_rerun_is_undone_and_redone_on_the_results_that_repeat_it(project):
    """Undo of an accept made before a run again soft-deleted its annotation and left the carried
    "accept"; redo failed on the foreign key to the old result (an outside attacker's finding)."""
    store, s, _plugin, _third = project
    history = decided_in_a_first_run(store, s, lambda first: {first[0].id: first[0].annotation_type, first[1].id: None})
    run_plugin(store, "Behaviours", s.image_set.id, {"count": "5"}, run_again=True, workers=1)
    again = spots(store, s.image.id)
    session = ReviewSession.of_images(store, history, [s.image.id])
    assert session.counts().decided == 2
    history.undo()
    assert session.state_of(again[0].id) == session.state_of(again[1].id) == "undecided"
    assert session.counts().decided == 0 and store.count(e.Annotation, image=s.image.id, deleted=False) == 0
    history.redo()
    assert (session.state_of(again[0].id), session.state_of(again[1].id)) == ("accept", "reject")
    accepted = store.list(e.Annotation, image=s.image.id, deleted=False)
    assert [a.unique_identifier for a in accepted] == [accepted_uuid(again[0].unique_identifier)]
    session.close()


def test_a_retry_of_a_failed_rerun_that_fails_too_keeps_the_results_and_their_decisions(project):
    """Retry deleted the job's results, decisions and all, before its run: one that failed as
    well left nothing (an outside attacker's finding). Now they are set aside as a run again's."""
    from exact_desktop.plugins.jobs import Submitted, retry_job
    from exact_desktop.project.local_run import queue_jobs

    store, s, plugin, _third = project
    history = decided_in_a_first_run(store, s, lambda first: {first[0].id: first[0].annotation_type})
    failed = run_plugin(store, "Behaviours", s.image_set.id, {"mode": "raise"}, run_again=True, workers=1)
    job = next(j["job"] for j in failed["jobs"] if j["image"] == s.image.id)
    assert failed["review_decisions"] == {"before": 1, "kept": 1}
    queue_jobs(
        store, plugin, Submitted(created=[retry_job(store, job)]), workers=1
    )  # the job's parameters: fails again
    assert store.get(e.PluginJob, job).status == "failed"
    assert sorted(spots(store, s.image.id)) == [0, 1, 2, 3, 4]
    session = ReviewSession.of_images(store, history, [s.image.id])
    assert session.counts().decided == 1
    session.close()


def test_a_decision_goes_to_the_new_result_holding_its_uuid_and_no_uuid_is_given_twice():
    """A plugin that keeps its UUIDs: the carry gave an old result's UUID to a new one of the same
    place while another new result held that UUID already, two results of one image with one
    UUID (an outside attacker's finding: one accept's annotation then served both)."""
    from exact_desktop.store.sqlite.carried_decisions import _twins

    here, there = '{"x1": 0, "y1": 0, "x2": 4, "y2": 4}', '{"x1": 9, "y1": 9, "x2": 13, "y2": 13}'
    decided = [(1, 7, "results", 3, here, "u-1"), (2, 7, "results", 3, there, "u-9")]
    fresh = [
        (10, 7, "results", 3, here, "u-2"),
        (11, 7, "results", 3, there, "u-1"),
        (12, 7, "results", 3, there, "u-3"),
    ]
    moves = _twins(decided, fresh)
    assert moves[0] == (1, 11, "u-1")  # the plugin's own word: the new result with its UUID
    assert moves[1:] == [(2, 12, "u-9")]  # then by place, among those not taken
    uuids = {id: uuid for id, *_rest, uuid in fresh} | {new: uuid for _old, new, uuid in moves}
    assert len(set(uuids.values())) == len(uuids)


def test_an_accept_is_given_back_only_from_an_annotation_made_by_it_to_a_result_of_the_type_reviewed(tmp_path):
    """The giving back of lost accepts (carried_decisions._adopt), attacked: a relabel went to a
    result of another type at the same box and took the accept of that one; an annotation with
    copied provenance but its own UUID invented an accept; a provenance time past what a UTC
    datetime holds raised OverflowError in every later run (an outside attacker's findings)."""
    from exact_desktop.store.sqlite.store import SqliteStore
    from tests.store.conftest import box, seed

    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    kind_b = store.create(e.AnnotationType("B kind", 1, s.product.id))
    kind_c = store.create(e.AnnotationType("C kind", 1, s.product.id))
    plugin = store.create(e.Plugin("Nuclei", package="nuclei 1"))
    job = store.create(e.PluginJob(plugin.id, s.image.id))
    earlier = store.create(e.PluginResult(s.image.id, None, plugin.id))
    result = store.create(e.PluginResult(s.image.id, job.id, plugin.id))
    entry = store.create(e.PluginResultEntry(result.id, "nuclei"))
    here, there = box(100, 100), box(300, 300)
    ids = store.bulk_create([
        e.PluginResultAnnotation(s.box.id, entry.id, s.image.id, here, 0.9),
        e.PluginResultAnnotation(kind_b.id, entry.id, s.image.id, here, 0.8),
        e.PluginResultAnnotation(s.box.id, entry.id, s.image.id, there, 0.7),
    ])  # fmt: skip
    said_a, said_b, said_c = (
        "11111111-1111-4111-8111-111111111111",
        "22222222-2222-4222-8222-222222222222",
        "33333333-3333-4333-8333-333333333333",
    )

    def accepted(kind: int, vector: dict, said: str, decision: str, shown: str, own: str | None = None) -> e.Annotation:
        review = {"plugin": "Nuclei", "result_annotation": said, "decision": decision, "model_type": shown,
                  "reviewer": s.user.username, "time": "9999-12-31T23:59:59-12:00"}  # fmt: skip
        return e.Annotation(kind, s.image.id, vector, unique_identifier=own or accepted_uuid(said),
                            meta_data={"review": review})  # fmt: skip

    store.bulk_create([
        accepted(kind_c.id, here, said_b, "relabel", "B kind"),  # first: the relabel of the B result
        accepted(s.box.id, here, said_a, "accept", s.box.name),
        accepted(s.box.id, there, said_c, "accept", s.box.name, own="44444444-4444-4444-8444-444444444444"),
    ])  # fmt: skip
    store.move_job_results(stored_id(job), {"set_aside": []}, drop=[stored_id(earlier)], carry=True)
    verdicts = ReviewBook(store).verdicts(ids)
    assert {id: (v.decision, v.annotation_type) for id, v in verdicts.items()} == {
        ids[0]: ("accept", s.box.id),
        ids[1]: ("relabel", kind_c.id),
    }  # the copied provenance (its own UUID) gave nothing to the third
    held = {r.id: r.unique_identifier for r in store.list(e.PluginResultAnnotation, image=s.image.id)}
    assert (held[ids[0]], held[ids[1]]) == (said_a, said_b)
    store.close()
