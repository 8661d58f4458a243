"""The review panel in the window: 30 candidates reviewed with the keyboard and a gallery page,
some undone with Ctrl+Z, and the store holds what the reviewer said."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QInputDialog

from exact_desktop.demo.synthetic_slide import ensure_demo_slide
from exact_desktop.model import entities as e
from exact_desktop.model.accepted_uuid import accepted_uuid
from exact_desktop.model.layers import RESULTS
from exact_desktop.review.provenance import KEY
from exact_desktop.review.queue import Filters
from exact_desktop.store.sqlite.review_book import ReviewBook
from exact_desktop.store.sqlite.store import SqliteStore
from tests.plugins.conftest import open_window
from tests.review.conftest import add_results
from tests.store.conftest import box

SLIDE_SIZE = (1600, 1000)


@pytest.fixture(scope="module")
def slide(tmp_path_factory):
    return ensure_demo_slide(tmp_path_factory.mktemp("review-slide"), "review", SLIDE_SIZE, seed=3).slide


def reviewing_window(qtbot, tmp_path, slide):
    """A window over 30 results of one plugin on the generated slide (one image)."""
    store = SqliteStore(tmp_path / "p.db")
    r = add_results(store, count=30)
    store.update(e.Image, r.seed.image.id, local_path=str(slide), width=SLIDE_SIZE[0], height=SLIDE_SIZE[1])
    store.delete(e.Image, r.seed.other_image.id)
    return store, r, open_window(qtbot, store, r.seed.image_set.id)


def made_active(qtbot, window):
    """Focus and the shortcuts work in the active window only (on xcb without a window manager too)."""
    from PySide6.QtWidgets import QApplication

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)


def test_thirty_candidates_by_keyboard_and_a_gallery_page_then_undo(qtbot, tmp_path, slide):
    store, r, window = reviewing_window(qtbot, tmp_path, slide)
    panel = window.plugins.open_review()
    assert panel is not None and len(panel.session) == 30
    assert panel.keys.text().endswith("relabel: 1 Nucleus  2 Mimic")
    assert panel.single.pixmap().width() == 384  # the first candidate's crop is drawn

    seen = []
    for key in "jk2j jk2jj":  # accept, reject, relabel to Mimic, ..., Space skips one
        seen.append(panel.session.current().id)
        qtbot.keyClick(panel, Qt.Key.Key_Space if key == " " else key)
    assert panel.session.position == 10 and len(window.annotation.history) == 9
    assert panel.info.text().startswith("#11 of 30")
    qtbot.keyClick(panel, "s")  # back one, and forward again
    assert panel.session.current().id == seen[-1]
    qtbot.keyClick(panel, "d")

    qtbot.keyClick(panel, "g")  # the gallery: the 20 from here on
    assert panel.stack.currentWidget() is panel.gallery and len(panel.gallery.ids) == 20
    assert panel.keys.text().startswith("click the wrong ones · Enter") and "relabel" not in panel.keys.text()
    panel.grab().save(str(tmp_path / "review-gallery-keys.png"))
    page = list(panel.gallery.ids)
    qtbot.mouseClick(panel.gallery.tiles[0], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.gallery.tiles[3], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.gallery.tiles[3], Qt.MouseButton.LeftButton)  # a second click unmarks
    qtbot.mouseClick(panel.gallery.tiles[7], Qt.MouseButton.LeftButton)
    qtbot.keyClick(panel, Qt.Key.Key_Return)
    assert len(window.annotation.history) == 10  # the page is one edit
    book = ReviewBook(store)
    assert len(book.verdicts(page)) == 20 and panel.session.counts().decided == 29

    window.annotation.undo_action.trigger()  # the page goes
    window.annotation.undo_action.trigger()  # and the last single accept
    assert panel.session.counts().decided == 8 and "8 decided" in panel.counts.text()
    verdicts = book.verdicts([x.id for x in store.list(e.PluginResultAnnotation)])
    expected = dict(
        zip(
            seen, ["accept", "reject", "relabel", "accept", None, "accept", "reject", "relabel", "accept"], strict=False
        )
    )
    assert {id: v.decision for id, v in verdicts.items()} == {id: d for id, d in expected.items() if d}
    results = {x.id: x for x in store.list(e.PluginResultAnnotation)}
    made = {a.unique_identifier: a for a in store.list(e.Annotation, deleted=False)}
    assert len(made) == 6
    for id, decision in expected.items():
        uuid = accepted_uuid(results[id].unique_identifier)
        if decision in ("accept", "relabel"):
            assert made[uuid].annotation_type == (r.mimic.id if decision == "relabel" else r.seed.box.id)
            assert made[uuid].meta_data[KEY]["decision"] == decision and made[uuid].user == window.editor
        else:
            assert uuid not in made

    relabelled = made[accepted_uuid(results[seen[2]].unique_identifier)]
    window.annotation.annotator.select([relabelled.id])  # the properties panel says where it came from
    said = window.annotation.properties.fields["From"].text()
    assert (
        said
        == f"Nuclei nuclei-detector 1.2 · score {results[seen[2]].score:.3f} · said Nucleus · relabelled by {window.annotation.annotator.store.get(e.User, window.editor).username}"
    )

    window.annotation.redo_action.trigger()
    window.annotation.redo_action.trigger()  # the page again: 18 accepted, the 2 marked rejected
    verdicts = book.verdicts(page)
    assert [page[i] for i in range(20) if verdicts[page[i]].decision == "reject"] == [page[0], page[7]]
    assert store.count(e.Annotation, deleted=False) == 7 + 18
    window.close()


def test_gallery_marks_last_across_pages_and_redraws_until_the_page_is_decided(qtbot, tmp_path, slide):
    """Every redraw of the gallery (another page and back, a threshold, the model's new order)
    dropped the crops clicked as wrong (an outside tester's finding): Enter then accepted them."""
    store, _r, window = reviewing_window(qtbot, tmp_path, slide)
    panel = window.plugins.open_review()
    panel.session.arrange(threshold=0.0)
    qtbot.keyClick(panel, "g")
    page = list(panel.gallery.ids)
    qtbot.mouseClick(panel.gallery.tiles[2], Qt.MouseButton.LeftButton)
    qtbot.keyClick(panel, "d")  # the next page, then back
    assert panel.gallery.ids != page and not any(t.styleSheet().count("#e02020") for t in panel.gallery.tiles)
    qtbot.keyClick(panel, "s")
    assert panel.gallery.ids == page and "#e02020" in panel.gallery.tiles[2].styleSheet()
    panel.refresh()  # as the model's new order or a new result redraws it
    qtbot.keyClick(panel, Qt.Key.Key_Return)
    verdicts = ReviewBook(store).verdicts(page)
    assert [id for id in page if verdicts[id].decision == "reject"] == [page[2]]
    assert not panel.gallery.marked  # decided: the mark is spent
    window.close()


def test_an_audited_accept_records_the_samples_precision(qtbot, tmp_path, slide):
    store, r, window = reviewing_window(qtbot, tmp_path, slide)
    ui = window.plugins
    qtbot.waitUntil(lambda: len(ui.layers.for_image(r.seed.image.id, RESULTS)) == 1, timeout=10_000)
    dialog = ui.audit(r.entry.id, size=25, seed=3)  # the band: scores >= 0.5 (the entry's threshold), 15 of them
    assert dialog.band == 15 and len(dialog.sample) == 15 and dialog.pages == 1
    assert dialog.gallery.tiles[0].pixmap().width() == 128
    wrong = dialog.sample[2]
    qtbot.mouseClick(dialog.gallery.tiles[2], Qt.MouseButton.LeftButton)
    dialog.accept_button.click()
    assert dialog.outcome is not None
    estimate, made = dialog.outcome
    assert (estimate.sample, estimate.correct, made) == (15, 14, 14)
    assert "precision 0.93 (95 %: 0.70-0.99) from 15 reviewed" in window.statusBar().currentMessage()
    annotations = store.list(e.Annotation, deleted=False)
    assert len(annotations) == 14 and all(a.meta_data[KEY]["audit"]["correct"] == 14 for a in annotations)
    assert ReviewBook(store).verdicts([wrong])[wrong].decision == "reject"
    window.annotation.undo_action.trigger()  # the audited accept is one edit
    assert store.count(e.Annotation, deleted=False) == 0
    window.close()


def test_the_model_learns_in_the_background_and_reorders_the_queue(qtbot, tmp_path, slide):
    _store, _r, window = reviewing_window(qtbot, tmp_path, slide)
    panel = window.plugins.open_review()
    for i in range(10):  # every other candidate accepted: enough of both kinds to learn from
        qtbot.keyClick(panel, "j" if i % 2 == 0 else "k")
    # the keys were answered at once; the model and its scores arrive later, from its thread
    qtbot.waitUntil(lambda: panel.session.learned is not None, timeout=60_000)
    assert "from 10 decisions" in panel.model.text()
    assert panel.session.learned is not None and len(panel.session.learned) == 30
    panel.order.setCurrentIndex(panel.order.findData("learned"))
    learned = panel.session.learned
    queue_scores = [learned[panel.session._row_of(panel.session.at(i).id)] for i in range(len(panel.session))]
    likely = list(np.delete(queue_scores, [9, 19]))  # every tenth place: the least sure (review/queue.py)
    assert likely == sorted(likely, reverse=True)
    panel.grab().save(str(tmp_path / "review-panel-learning.png"))


def test_the_review_dock_and_its_gallery_fit_a_1280x800_window(qtbot, tmp_path, slide):
    """The crops take the room the dock gets: opening the review (and its gallery) never makes
    the window taller than the screen nor lays a crop over another dock."""
    _store, _r, window = reviewing_window(qtbot, tmp_path, slide)
    window.resize(1280, 800)
    panel = window.plugins.open_review()
    qtbot.keyClick(panel, "g")
    window.resize(1280, 800)
    qtbot.wait(50)
    window.grab().save(str(tmp_path / "review-1280x800.png"))
    assert window.minimumSizeHint().height() <= 800 and window.height() <= 800
    docks = [d for d in window.findChildren(QDockWidget) if not d.visibleRegion().isEmpty() and not d.isFloating()]
    assert len(docks) >= 5  # behind the review's tab: Layers, Annotations
    for dock in docks:
        inner = dock.widget().minimumSizeHint()
        assert inner.height() <= dock.height() and inner.width() <= dock.width(), dock.windowTitle()
    for a, b in itertools.combinations(docks, 2):
        assert not a.geometry().intersects(b.geometry()), (a.windowTitle(), b.windowTitle())


def test_the_dock_follows_the_first_candidate_and_an_undo_returns_to_its_candidate(qtbot, tmp_path, slide):
    """The slide view is on the first candidate as soon as the dock opens; Ctrl+Z of a decision
    brings the dock back to the undone candidate; the score slider shows its number."""
    _store, _r, window = reviewing_window(qtbot, tmp_path, slide)
    panel = window.plugins.open_review()
    first = panel.session.current()
    state = window.view.state
    assert (round(state.center_x), round(state.center_y)) == tuple(round(v) for v in first.centre)
    assert panel.threshold_value.text() == f"{panel.threshold.value() / 100:.2f}"
    panel.threshold.setValue(42)
    assert panel.threshold_value.text() == "0.42"
    first = panel.session.current()
    qtbot.keyClick(panel, "j")
    qtbot.keyClick(panel, "d")
    assert panel.session.current().id != first.id
    window.annotation.undo_action.trigger()
    assert panel.session.current().id == first.id and first.id not in ReviewBook(_store).verdicts([first.id])
    panel.grab().save(str(tmp_path / "review-undone.png"))


def test_the_slide_marks_the_candidate_the_crop_shows_until_the_review_closes(qtbot, tmp_path, slide):
    """The slide view was centred on the candidate with nothing to tell it from its neighbours of
    the same colour (an outside tester's finding): yellow brackets around it, moving with the queue."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from exact_desktop.viewer.candidate_marker import MARGIN_PX

    _store, _r, window = reviewing_window(qtbot, tmp_path, slide)
    panel = window.plugins.open_review()
    marker = window.candidate_marker
    first = panel.session.current()
    assert (marker.image, marker.box) == (first.image, first.box)
    qtbot.keyClick(panel, "j")
    second = panel.session.current()
    assert second.id != first.id and (marker.image, marker.box) == (second.image, second.box)
    x, y = window.view.state.l0_to_screen(second.box[0], second.box[1])

    def yellow_at_the_corner() -> bool:
        picture = window.view.grab().toImage()
        near = [
            picture.pixelColor(round(x - MARGIN_PX) + dx, round(y - MARGIN_PX) + dy)
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
        ]
        return any(c.red() > 200 and c.green() > 160 and c.blue() < 90 for c in near)

    assert yellow_at_the_corner()
    window.layers_dock.raise_()  # the review behind another tab: its keys are the tools', and no mark (it stayed)
    qtbot.waitUntil(lambda: not panel.shown())
    assert not yellow_at_the_corner()
    window.findChild(QDockWidget, "review-dock").raise_()
    qtbot.waitUntil(panel.shown)
    assert yellow_at_the_corner()
    window.findChild(QDockWidget, "review-dock").close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert marker.box is None
    window.close()


def test_a_decided_candidate_is_drawn_in_its_new_look_and_its_neighbours_are_read_ahead(qtbot, tmp_path, slide):
    """The crop cache keys a drawing by the candidate's decision (an accepted one goes back to
    solid from the same pixels), and the pixels next to the one on screen, both ways, are being
    read before a key asks for them."""
    _store, _r, window = reviewing_window(qtbot, tmp_path, slide)
    panel = window.plugins.open_review()
    first = panel.session.current()
    dashed = panel.single.pixmap().toImage()
    qtbot.keyClick(panel, "j")
    qtbot.keyClick(panel, "s")  # back to the accepted one
    assert panel.session.current().id == first.id and panel.session.current().state == "accept"
    solid = panel.single.pixmap().toImage()
    assert solid != dashed
    assert solid == panel.crops.crop(panel.session.current(), 384)  # drawn from the cache

    qtbot.keyClick(panel, "d")
    cached = set(panel.crops._pixels)
    ahead = [panel.session.at(p) for p in (0, 2, 3)]  # one back, two on
    assert all((c.id, panel.crops.magnification, 384) in cached for c in ahead)


def test_annotations_of_a_type_are_verified_with_the_review_keys(qtbot, tmp_path, slide, monkeypatch):
    """Plugins -> Verify annotations of a type: the review dock over the image's Nucleus boxes;
    j verifies, k says wrong, 2 relabels to Mimic, Ctrl+Z takes the relabel back."""
    store, r, window = reviewing_window(qtbot, tmp_path, slide)
    history = window.annotation.history
    ids = history.create([
        e.Annotation(r.seed.box.id, r.seed.image.id, {"x1": 200 + 90 * i, "y1": 300, "x2": 240 + 90 * i, "y2": 340})
        for i in range(8)
    ])  # fmt: skip
    offered = []

    def pick(_parent, _title, _label, items, *_args):
        offered.extend(items)
        return items[0], True

    monkeypatch.setattr(QInputDialog, "getItem", pick)
    panel = window.plugins.ask_verification()  # Plugins -> Verify annotations of a type
    assert offered == ["Nucleus (8)"]  # only types with annotations here, with their counts
    assert panel is not None and len(panel.session) == 8
    assert sorted(ids) == ids and panel.session.order == "spatial"
    ids = [panel.session.at(i).id for i in range(8)]  # a walk across the slide: this row right to left
    assert panel.title.text() == "Verify Nucleus annotations"
    assert panel.info.text() == "#1 of 8 · annotation · Nucleus"  # no score: an annotation has none
    assert panel.single.pixmap().width() == 384
    panel.resize(700, 900)
    panel.grab().save("/tmp/review-verify.png")
    for key in "jk2":
        qtbot.keyClick(panel, key)
    mine = {v.annotation: v.verified for v in store.list(e.Verification)}
    assert mine == {ids[0]: True, ids[1]: False, ids[2]: True}
    assert store.get(e.Annotation, ids[2]).annotation_type == r.mimic.id
    assert panel.session.current().id == ids[3]
    window.annotation.undo_action.trigger()
    assert store.get(e.Annotation, ids[2]).annotation_type == r.seed.box.id
    assert ids[2] not in {v.annotation for v in store.list(e.Verification)}
    assert panel.session.current().id == ids[2]
    assert panel.histogram.isHidden() and panel.threshold_row.isHidden()  # no scores to sort or cut by
    panel.resize(700, 900)
    panel.grab().save(str(tmp_path / "verify.png"))


def test_the_review_shows_a_tiny_candidate_zoomed_in_and_keeps_its_order_after_new_results(qtbot, tmp_path, slide):
    """A 20 px candidate on a slide seen whole is zoomed in to the crops' magnification (it was a
    speck of a few screen pixels); reopened after a plugin wrote new results, the review keeps its
    order and threshold (new entries made a new review, which started from the defaults)."""
    store, r, window = reviewing_window(qtbot, tmp_path, slide)
    state = window.view.state
    state.set_downsample(state.max_downsample())
    panel = window.plugins.open_review()
    first = panel.session.current()
    assert state.downsample == pytest.approx(40 / panel.crops.magnification)  # the slide is 40x: the crops' view
    assert (round(state.center_x), round(state.center_y)) == tuple(round(v) for v in first.centre)
    qtbot.wait(50)
    window.grab().save(str(tmp_path / "review-zoomed.png"))
    state.set_downsample(0.5)  # zoomed in further by the reviewer: left so
    qtbot.keyClick(panel, "j")
    assert state.downsample == 0.5
    panel.order.setCurrentIndex(panel.order.findData("uncertain"))
    panel.threshold.setValue(42)
    window.findChild(QDockWidget, "review-dock").close()
    result = store.create(e.PluginResult(r.seed.image.id, None, r.plugin.id))
    entry = store.create(e.PluginResultEntry(result.id, "more", default_threshold=0.5))
    store.create(e.PluginResultAnnotation(r.seed.box.id, entry.id, r.seed.image.id, box(900, 500), 0.9))
    again = window.plugins.open_review()
    assert entry.id in again.session.entries  # the new result is in the review
    assert (again.session.order, again.threshold.value()) == ("uncertain", 42)
    qtbot.wait(50)
    window.grab().save(str(tmp_path / "review-reopened.png"))


def test_the_model_says_its_quality_before_scoring_the_rest_and_a_reopened_panel_learns_at_once(qtbot, tmp_path, slide):
    """The quality comes from the decided candidates alone, then the others are scored with their
    progress shown; a review closed and opened again learns from the decisions stored at once
    (it said "learns after the first decisions" with 32 decisions stored)."""
    _store, _r, window = reviewing_window(qtbot, tmp_path, slide)
    panel = window.plugins.open_review()
    said: list[str] = []
    panel.learning.status.connect(said.append)
    for i in range(10):
        qtbot.keyClick(panel, "j" if i % 2 == 0 else "k")
    qtbot.waitUntil(lambda: panel.session.learned is not None, timeout=60_000)
    scoring = [s for s in said if "scoring the other candidates: 0 of 20" in s]
    assert scoring and "balanced accuracy" in scoring[0]
    assert said.index(scoring[0]) > 0 and "balanced accuracy" in said[said.index(scoring[0]) - 1]
    assert panel.model.text().endswith("from 10 decisions")
    window.findChild(QDockWidget, "review-dock").close()
    again = window.plugins.open_review()
    assert again.model.text() == "Model: learning from 10 decisions…"
    qtbot.waitUntil(lambda: again.session.learned is not None, timeout=60_000)
    assert again.model.text().endswith("from 10 decisions")
    window.annotation.history.undo()  # one of the ten it learnt from: the line said "from 10 decisions" on
    assert again.model.text() == "Model: the decisions it learnt from were undone; it learns again at 10"
    qtbot.keyClick(again, "j")  # the tenth again: it learns at ten, as it said (it waited for nineteen)
    assert again.model.text() == "Model: learning from 10 decisions…"
    qtbot.waitUntil(lambda: again.learning.worker is None, timeout=60_000)
    window.close()


def test_decisions_made_while_the_model_learns_are_learnt_from_when_it_is_done(qtbot, tmp_path, slide):
    """A model still scoring let ten more decisions pass; when it ended nothing looked again, and
    the line said "from 10 decisions" with 26 made (an outside tester's finding)."""
    _store, _r, window = reviewing_window(qtbot, tmp_path, slide)
    panel = window.plugins.open_review()
    for i in range(10):
        qtbot.keyClick(panel, "j" if i % 2 == 0 else "k")
    assert panel.learning.worker is not None and panel.learning.learnt_from == 10
    for i in range(10):  # while it learns
        qtbot.keyClick(panel, "k" if i % 2 == 0 else "j")
    qtbot.waitUntil(lambda: panel.learning.learnt_from == 20, timeout=60_000)
    qtbot.waitUntil(lambda: panel.learning.worker is None and panel.model.text().endswith("from 20 decisions"),
                    timeout=60_000)  # fmt: skip
    window.close()


def test_the_counts_agree_and_a_learnt_order_without_a_model_says_so(qtbot, tmp_path, slide):
    """The histogram counts the queue's candidates, as "#3 of 30" and the gallery's "of 30" do
    (it counted the undecided now: "28 at or above 0.00" beside "#3 of 30"); a learnt order
    chosen before any model says it is the plugin's score order meanwhile (nothing said so)."""
    _store, _r, window = reviewing_window(qtbot, tmp_path, slide)
    panel = window.plugins.open_review()
    panel.session.arrange(filters=Filters(states=("undecided",)), threshold=0.0)
    qtbot.keyClick(panel, "j")
    qtbot.keyClick(panel, "k")
    assert panel.info.text().startswith("#3 of 30 ")
    assert panel.histogram.above == len(panel.session) == 30
    assert panel.histogram.of == 30
    panel.threshold.setValue(58)
    qtbot.keyClick(panel, "g")
    shown = sum(panel.session.candidates.scores[panel.session.queue] >= 0.58)
    assert panel.info.text().startswith(f"Candidates 1-20 of {len(panel.session)}:")
    assert (panel.histogram.above, panel.histogram.of) == (shown, len(panel.session))
    assert not panel.no_model.isVisibleTo(panel)
    panel.order.setCurrentIndex(panel.order.findData("learned"))
    assert panel.no_model.isVisibleTo(panel) and "score order" in panel.no_model.text()
    panel.grab().save(str(tmp_path / "no-model.png"))
    window.close()


def test_the_review_takes_one_plugins_results_chosen_in_the_dock(qtbot, tmp_path, slide):
    """Two plugins' results on the slide: the review opens on the latest run's plugin alone (it
    mixed both in one queue and one histogram), the dock's Results list opens the other's or all,
    and a review opened again stays on the plugin chosen."""
    store, r, window = reviewing_window(qtbot, tmp_path, slide)
    mitosis = store.create(e.Plugin("Mitosis", package="mitosis 1.0"))
    result = store.create(e.PluginResult(r.seed.image.id, None, mitosis.id))
    entry = store.create(e.PluginResultEntry(result.id, "mitoses", default_threshold=0.5))
    store.bulk_create([
        e.PluginResultAnnotation(r.seed.box.id, entry.id, r.seed.image.id, box(300 + 40 * i, 600), 0.2 * i)
        for i in range(5)
    ])  # fmt: skip
    panel = window.plugins.open_review()
    assert len(panel.session) == 5 and panel.session.entries == (entry.id,)
    assert panel.results_row.isVisibleTo(panel)
    assert [panel.results.itemText(i) for i in range(panel.results.count())] == ["Mitosis", "Nuclei", "All plugins"]
    panel.grab().save(str(tmp_path / "results-of.png"))
    panel.results.setCurrentText("Nuclei")
    nuclei = window.findChild(QDockWidget, "review-dock").widget().widget()
    assert len(nuclei.session) == 30 and nuclei.results.currentText() == "Nuclei"
    window.findChild(QDockWidget, "review-dock").close()
    again = window.plugins.open_review()
    assert len(again.session) == 30 and again.results.currentText() == "Nuclei"
    again.results.setCurrentText("All plugins")
    everything = window.findChild(QDockWidget, "review-dock").widget().widget()
    assert len(everything.session) == 35
    window.close()


def test_a_model_still_scoring_says_so_and_a_quit_while_it_scores_waits_for_it(qtbot, tmp_path, slide):
    """A learnt order whose model has learnt but not yet scored the other candidates says so (it
    said "No model yet" for minutes on a big queue); quitting meanwhile stops the worker and waits
    (the process aborted: a running QThread deleted)."""
    from PySide6.QtWidgets import QApplication

    from exact_desktop.review.learning.learner import Quality

    _store, _r, window = reviewing_window(qtbot, tmp_path, slide)
    panel = window.plugins.open_review()
    panel.order.setCurrentIndex(panel.order.findData("learned"))
    assert "No model yet" in panel.no_model.text()
    panel.learning._learnt(Quality(12, (-1, 3), 0.8, 5.0))  # as the worker says it, before its scores
    assert panel.no_model.isVisibleTo(panel)
    assert "until the model has scored the other candidates" in panel.no_model.text()
    assert "from 12 decisions" in panel.no_model.text()
    for i in range(10):
        qtbot.keyClick(panel, "j" if i % 2 == 0 else "k")
    qtbot.waitUntil(lambda: panel.learning.worker is not None, timeout=10_000)
    worker = panel.learning.worker
    QApplication.instance().aboutToQuit.emit()
    assert worker.isFinished()
    window.close()


def test_the_review_opens_with_room_for_its_crop_and_controls_at_1600x1000(qtbot, tmp_path, slide):
    """Finding 4: the review was stacked under Layers and Properties in the right column, about
    190 px tall (crop about 40 px) and wider than its column (Gallery cut off, a scrollbar). It
    opens over the right column's top tabs now, with the room to judge a candidate; a review the
    person moved elsewhere opens there again in the next window (the saved layout)."""
    store, r, window = reviewing_window(qtbot, tmp_path, slide)
    window.resize(1600, 1000)
    window.plugins.jobs_dock.show()
    panel = window.plugins.open_review()
    scroll = window.findChild(QDockWidget, "review-dock").widget()
    bars = (scroll.horizontalScrollBar(), scroll.verticalScrollBar())
    qtbot.waitUntil(lambda: not any(bar.isVisible() for bar in bars))  # shown or hidden once laid out
    window.grab().save(str(tmp_path / "review-1600x1000.png"))
    assert panel.single.height() >= 256, panel.single.height()
    assert panel.gallery_button.geometry().right() <= scroll.viewport().width()
    dock = window.findChild(QDockWidget, "review-dock")
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)  # the person moves it
    window.close()
    again = open_window(qtbot, SqliteStore(store.path), r.seed.image_set.id, size=(1600, 1000))
    again.plugins.open_review()
    moved = again.findChild(QDockWidget, "review-dock")
    assert again.dockWidgetArea(moved) == Qt.DockWidgetArea.LeftDockWidgetArea


def test_results_arriving_after_the_review_opened_are_said(qtbot, tmp_path, slide):
    """A review opened while its plugin still ran kept its first counts after the run ended,
    with nothing to say more had come (found by an outside tester); new results are now said,
    with the key that takes them in. The store says so from its writing thread."""
    import threading

    store, r, window = reviewing_window(qtbot, tmp_path, slide)
    panel = window.plugins.open_review()
    assert not panel.new_results.isVisibleTo(panel)
    qtbot.keyClick(panel, "j")  # the review's own decisions are no new results
    assert not panel.new_results.isVisibleTo(panel)
    late = [e.PluginResultAnnotation(r.seed.box.id, r.entry.id, r.seed.image.id, box(900, 700), 0.9)]
    writer = threading.Thread(target=store.bulk_create, args=(late,))
    writer.start()
    writer.join()
    qtbot.waitUntil(lambda: panel.new_results.isVisibleTo(panel), timeout=5_000)
    assert "Ctrl+R" in panel.new_results.text()
    window.close()


def test_the_review_keys_over_the_slide_decide_instead_of_picking_a_tool(qtbot, tmp_path, slide):
    """A middle-button pan gives the slide view the focus; the review's keys pressed there are the
    review's (EXACT's d, s, g would pick the knife, scissors and glue, a number a drawing type),
    and are the tools' and types' again once the review's dock is closed."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    from exact_desktop.annotating.tools.polygon_edit import KnifeTool

    _store, _r, window = reviewing_window(qtbot, tmp_path, slide)
    made_active(qtbot, window)
    panel = window.plugins.open_review()
    view, annotator = window.view, window.annotation.annotator
    middle = QPoint(view.width() // 2, view.height() // 2)
    QTest.mousePress(view, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, middle)
    QTest.mouseRelease(view, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, middle + QPoint(40, 0))
    assert view.hasFocus()
    tool = type(annotator.tool)
    first = panel.session.current().id
    QTest.keyClick(view, Qt.Key.Key_J)
    QTest.keyClick(view, Qt.Key.Key_2)  # relabel to Mimic, not the second drawing type
    QTest.keyClick(view, Qt.Key.Key_D)
    QTest.keyClick(view, Qt.Key.Key_S)
    assert type(annotator.tool) is tool and panel.session.position == 2
    assert window.statusBar().currentMessage() != KnifeTool.refusal(annotator)
    verdicts = ReviewBook(_store).verdicts([first])
    assert verdicts[first].decision == "accept" and len(window.annotation.history) == 2
    QTest.keyClick(view, Qt.Key.Key_G)
    assert panel.stack.currentWidget() is panel.gallery

    window.findChild(QDockWidget, "review-dock").close()
    qtbot.waitUntil(lambda: window.findChild(QDockWidget, "review-dock") is None)
    QTest.keyClick(view, Qt.Key.Key_D)  # with no outline selected, the knife says what it needs
    assert window.statusBar().currentMessage() == KnifeTool.refusal(annotator)
    window.close()


def test_a_review_closed_and_opened_again_twice_keeps_deciding(qtbot, tmp_path, slide):
    """A closed review's panel, whose widgets are gone while its Python side lives on until a
    collection (kept here), is told nothing more: a decision in the next review refreshed it and
    ended the process (an outside tester's finding). The crops' magnification chosen in the first
    is the next ones' (it went back to 20x)."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtTest import QTest

    store, _r, window = reviewing_window(qtbot, tmp_path, slide)
    closed = []
    for round in range(3):
        panel = window.plugins.open_review()
        if round == 0:
            panel.zoom.setCurrentIndex(panel.zoom.findData(40.0))
        assert panel.zoom.currentData() == panel.crops.magnification == 40.0
        QTest.keyClick(window.view, Qt.Key.Key_J)
        assert panel.session.counts().decided == round + 1 and f"{round + 1} decided" in panel.counts.text()
        window.findChild(QDockWidget, "review-dock").close()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        closed.append(panel)
    assert all(p.closed for p in closed)
    assert len(ReviewBook(store).verdicts([x.id for x in store.list(e.PluginResultAnnotation)])) == 3
    window.annotation.undo_action.trigger()  # an edit of a closed review's, undone with none open: said
    assert len(ReviewBook(store).verdicts([x.id for x in store.list(e.PluginResultAnnotation)])) == 2
    assert window.statusBar().currentMessage().startswith("Undone: ")
    window.close()


def test_the_review_keys_are_the_tools_again_behind_another_tab_and_the_reviews_in_its_lists(qtbot, tmp_path, slide):
    """Behind the Layers tab the review keeps no keys (d is the knife's again, a number picks a
    drawing type); in the dock's magnification list, j and 1 are the review's, not the list's."""
    from PySide6.QtTest import QTest

    from exact_desktop.annotating.tools.polygon_edit import KnifeTool

    _store, _r, window = reviewing_window(qtbot, tmp_path, slide)
    made_active(qtbot, window)
    panel = window.plugins.open_review()
    annotator = window.annotation.annotator
    panel.zoom.setFocus()
    qtbot.waitUntil(panel.zoom.hasFocus)
    zoom = panel.zoom.currentIndex()
    QTest.keyClick(panel.zoom, Qt.Key.Key_J)
    QTest.keyClick(panel.zoom, Qt.Key.Key_1)  # relabel to the first type, not the list's "10x"
    assert panel.session.position == 2 and panel.zoom.currentIndex() == zoom

    window.layers_dock.raise_()  # the Review tab behind Layers
    qtbot.waitUntil(lambda: not panel.shown())
    window.view.setFocus()
    active = annotator.active
    QTest.keyClick(window.view, Qt.Key.Key_D)
    assert window.statusBar().currentMessage() == KnifeTool.refusal(annotator)
    QTest.keyClick(window.view, Qt.Key.Key_J)
    QTest.keyClick(window.view, Qt.Key.Key_2)
    assert panel.session.position == 2 and annotator.active != active
    window.close()


def test_running_a_plugin_again_says_which_review_decisions_it_may_forget_and_asks_first(
    qtbot, tmp_path, slide, monkeypatch
):
    """Run again replaces the plugin's results; decisions stay only on the results it finds again:
    the window says how many there are (and how many rejections) and runs nothing unless told to
    (an outside tester lost 128)."""
    from PySide6.QtWidgets import QMessageBox

    store, r, window = reviewing_window(qtbot, tmp_path, slide)
    plugin = store.get(e.Plugin, store.get(e.PluginResult, r.entry.pluginresult).plugin)
    asked = []

    def answer(_parent, _title, text, _buttons, default):
        asked.append(text)
        assert default == QMessageBox.StandardButton.No  # Enter keeps the decisions
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", answer)
    assert window.plugins._forgetting_decisions_confirmed(plugin, None) and not asked  # nothing decided yet
    panel = window.plugins.open_review()
    for key in "jjk":
        qtbot.keyClick(panel, key)
    jobs_before = store.count(e.PluginJob)
    assert window.plugins.run(plugin, {}, None, run_again=True) == []
    assert (
        len(asked) == 1
        and "3 of the old results have review decisions (1 of them rejections): a new result that repeats one"
        in asked[0]
    )
    assert store.count(e.PluginJob) == jobs_before and panel.session.counts().decided == 3
    window.close()


def test_a_candidate_gone_from_the_project_is_not_decided_and_the_panel_says_why(qtbot, tmp_path, slide):
    """A review left open while its plugin runs again holds results that are gone: a key on one
    says so above the crops instead of a KeyError traceback each press (an outside tester's
    finding), and nothing is stored."""
    store, _r, window = reviewing_window(qtbot, tmp_path, slide)
    panel = window.plugins.open_review()
    gone = panel.session.current().id
    store.delete(e.PluginResultAnnotation, gone)
    qtbot.keyClick(panel, "j")
    assert panel.new_results.isVisibleTo(panel) and panel.new_results.text().startswith(
        "Not decided: 1 of these candidates is no longer in the project"
    )
    assert panel.session.counts().decided == 0 and len(window.annotation.history) == 0
    window.close()
