"""Learning from the reviewer on a generated slide: a simulated reviewer decides 100 candidates
from the ground truth through the review session, the classifier learns from them, and the
learnt order puts the mitoses left before the mimics far better than the plugin's score."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.model import entities as e
from exact_desktop.review.learning.loop import LearningLoop
from exact_desktop.review.session import ReviewSession
from exact_desktop.store.sqlite.store import SqliteStore
from tests.review.test_cli_review import review as review_cli


@pytest.fixture
def review(mitosis_demo, tmp_path):
    project, ground_truth = mitosis_demo
    shutil.copy(project, tmp_path / "p.db")
    store = SqliteStore(tmp_path / "p.db")
    image, *others = store.list(e.Image)
    for other in others:  # the main slide alone: its ground truth is the reviewer's answer
        store.delete(e.Image, other.id)
    session = ReviewSession.of_images(store, EditHistory(store), [image.id])
    truth = json.loads(ground_truth.read_text(encoding="utf-8"))
    yield store, session, truth
    store.close()


def is_mitosis(session: ReviewSession, truth: dict) -> np.ndarray:
    """Per candidate row: is a true mitosis within 6 µm of its centre (the simulated reviewer)."""
    nuclei = truth["nuclei"]
    centres = np.array([(n[0], n[1]) for n in nuclei])
    kinds = np.array([n[2] for n in nuclei])
    boxes = session.candidates.boxes.astype(np.float64)
    found = np.column_stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2])
    out = np.zeros(len(found), bool)
    for i, (x, y) in enumerate(found):
        d = np.hypot(centres[:, 0] - x, centres[:, 1] - y)
        out[i] = d.min() <= 6 / truth["mpp"] and kinds[d.argmin()] == "mitosis"
    return out


def test_a_hundred_decisions_teach_it_what_the_score_does_not_know(review, tmp_path):
    store, session, truth = review
    truth_rows = is_mitosis(session, truth)
    assert truth_rows.sum() >= 8
    loop = LearningLoop(session)
    session.arrange(order="learned")
    # the reviewer goes through 100 candidates of a random sample, as a first look would
    rng = np.random.default_rng(3)
    picked = rng.choice(len(session.candidates), 100, replace=False)
    picked = np.union1d(picked, rng.choice(np.flatnonzero(truth_rows), 4, replace=False))  # a few mitoses among them
    kind = session.candidates.types
    session.decide({int(session.candidates.ids[r]): int(kind[r]) if truth_rows[r] else None for r in picked})
    quality = loop.step()
    assert quality.decisions >= 100 and len(quality.classes) == 2
    undecided = session.candidates.decisions == 0
    learned_ap = average_precision_score(truth_rows[undecided], session.learned[undecided])
    score_ap = average_precision_score(truth_rows[undecided], session.candidates.scores[undecided])
    print(f"AP learned {learned_ap:.2f}, score {score_ap:.2f}, quality {quality}")
    assert learned_ap > max(0.6, 2 * score_ap)
    # the queue is in learnt order now: the first candidates are mostly mitoses
    first = [session.at(i) for i in range(8)]
    assert np.mean([truth_rows[session._row_of(c.id)] for c in first]) >= 0.5

    # a script runs the same loop: the next ten undecided in learnt order, mostly mitoses
    image_set = store.list(e.ImageSet)[0].id
    sheet = tmp_path / "next.csv"
    code, said, err = review_cli(
        "export",
        "--image-set",
        image_set,
        "--order",
        "learned",
        "--undecided",
        "--limit",
        10,
        sheet,
        "--db",
        tmp_path / "p.db",
    )
    assert code == 0 and said["exported"] == 10, err
    rows = sheet.read_text(encoding="utf-8").splitlines()[1:]
    assert len(rows) == 10 and all(row.split(",")[6] == "" for row in rows)
    by_uuid = {r.unique_identifier: r.id for r in store.list(e.PluginResultAnnotation)}
    exported = [session._row_of(by_uuid[row.split(",")[0]]) for row in rows]
    assert np.mean(truth_rows[exported]) >= 0.5


def test_decisions_of_one_kind_put_the_candidates_least_like_them_first(review):
    """The plugin's darkest candidates are mimics: rejecting them teaches no boundary yet, and in
    the score's order the first mitosis comes after every darker mimic. The learnt order puts
    the candidates least like the rejected ones first, and a mitosis is among the first few."""
    _store, session, truth = review
    truth_rows = is_mitosis(session, truth)
    by_score = np.argsort(-session.candidates.scores, kind="stable")
    first_by_score = int(np.argmax(truth_rows[by_score]))
    assert first_by_score > 20  # the score alone keeps the reviewer among mimics for long
    loop = LearningLoop(session)
    session.arrange(order="learned")  # no model yet: the plugin's score
    rejected = [session.at(i) for i in range(10)]
    assert not any(truth_rows[session._row_of(c.id)] for c in rejected)
    session.decide({c.id: None for c in rejected})
    quality = loop.step()
    assert quality.one_kind and quality.balanced_accuracy is None
    assert str(quality).startswith("10 decisions of one kind only: the candidates least like them come first")
    looked_at = [truth_rows[session._row_of(session.at(i).id)] for i in range(10)]
    print(f"first mitosis: {first_by_score + 1} in score order, {looked_at.index(True) + 11} in the learnt order")
    assert any(looked_at)


def test_a_learnt_order_without_decisions_is_refused_with_one_line(mitosis_demo, tmp_path):
    project, _truth = mitosis_demo
    shutil.copy(project, tmp_path / "p.db")
    sheet = tmp_path / "next.csv"
    code, _said, err = review_cli("export", "--image-set", 1, "--order", "uncertain", sheet, "--db", tmp_path / "p.db")
    assert code != 0 and not sheet.exists()
    assert err.strip().splitlines() == [
        "exact-desktop: --order uncertain: no decisions yet: accept and reject some candidates to learn from"
    ]


def test_decisions_whose_candidates_could_not_be_described_are_said_as_such():
    """40 decisions whose features are all missing (their pixels unreadable) said "no decisions
    yet" (found by an attacker); none at all still says so."""
    from exact_desktop.review.learning.learner import REJECTED, Learner, LearningError

    labels = np.array([REJECTED, 3] * 20)
    with pytest.raises(LearningError, match=r"^40 decisions, but none of their candidates could be described"):
        Learner().fit(np.full((40, 5), np.nan, np.float32), labels)
    with pytest.raises(LearningError, match=r"^no decisions yet"):
        Learner().fit(np.zeros((0, 5), np.float32), labels[:0])


def test_a_model_no_better_than_chance_says_so():
    """An outside tester read "40% balanced accuracy" as a model at work: below chance it says so."""
    from exact_desktop.review.learning.learner import REJECTED, Quality

    kinds = (1, REJECTED)
    assert str(Quality(10, kinds, 0.4, 5.0)) == (
        "no better than chance (50%) yet, its order a guess: 40% balanced accuracy (out-of-bag) from 10 decisions"
    )
    assert str(Quality(10, kinds, 0.8, 5.0)) == "80% balanced accuracy (out-of-bag) from 10 decisions"
    assert str(Quality(12, (1, 2, REJECTED), 0.3, 5.0)).startswith("no better than chance (33%) yet")


def test_features_of_candidates_gone_meanwhile_are_not_kept_and_raise_nothing(tmp_path):
    """A review's learning kept features of candidates a plugin run again had removed under it:
    a FOREIGN KEY IntegrityError traceback at each progress report (an outside tester's finding)."""
    from exact_desktop.store.sqlite.review_book import ReviewBook
    from exact_desktop.store.sqlite.store import SqliteStore
    from tests.review.conftest import add_results

    store = SqliteStore(tmp_path / "p.db")
    r = add_results(store, count=3)
    ids = [x.id for x in store.list(e.PluginResultAnnotation, pluginresultentry=r.entry.id)]
    store.delete(e.PluginResultAnnotation, ids[0])
    book = ReviewBook(store)
    book.keep_features(np.array(ids), np.ones((3, 4), np.float32), "v1")
    with store.engine.connect() as conn:
        kept = sorted(row[0] for row in conn.exec_driver_sql("SELECT result_annotation FROM candidate_features"))
    assert kept == ids[1:]
    store.close()
