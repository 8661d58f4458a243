"""Opens the review panel in a dock of the window, over the shown image set's plugin results or
its annotations of one type (EXACT's verification)."""

from __future__ import annotations

import math
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QDockWidget

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.review.crops import downsample_for
from exact_desktop.review.session import ReviewSession
from exact_desktop.review.verification_session import VerificationSession
from exact_desktop.slides.base import SlideSource
from exact_desktop.store.base import StoreError
from exact_desktop.ui.project_window import ProjectWindow
from exact_desktop.ui.review_keys import ReviewKeys
from exact_desktop.ui.review_panel import ReviewPanel
from exact_desktop.ui.scrolled import scrolled

VISIBLE_PX = 24  # a candidate smaller than this on screen is zoomed in to


def slides_of(window: ProjectWindow) -> Callable[[int], SlideSource | None]:
    """The window's open slide of a project image (None when it is not open)."""

    def source_of(image: int) -> SlideSource | None:
        return window.sources[window.image_ids.index(image)] if image in window.image_ids else None

    return source_of


ALL_PLUGINS = "All plugins"


def open_review(window: ProjectWindow, history: EditHistory, plugin: str | None = None) -> ReviewPanel | None:
    """A review of one plugin's results on the window's images (the image set), resumed where
    it stopped; its decisions go through the window's edit history (Ctrl+Z). `plugin`: a plugin's
    name or ALL_PLUGINS; None: the one reviewed last in this window, else the latest run's. The
    dock's Results list opens another."""
    assert window.store is not None, "reviewing needs a project"
    images = [id for id in window.image_ids if id is not None]
    by_plugin = ReviewSession.entries_by_plugin(window.store, images)
    if not by_plugin:
        window.statusBar().showMessage("Nothing to review: no plugin results on these images", 10000)
        return None
    plugin = plugin or getattr(window, "reviewed_plugin", None)
    if plugin not in by_plugin and plugin != ALL_PLUGINS:
        plugin = next(iter(by_plugin))
    entries = [x for ids in by_plugin.values() for x in ids] if plugin == ALL_PLUGINS else by_plugin[plugin]
    try:
        session = ReviewSession(window.store, history, entries, reviewer=window.editor)
    except StoreError as err:
        window.statusBar().showMessage(f"Nothing to review: {err}", 10000)
        return None
    window.reviewed_plugin = plugin  # type: ignore[attr-defined]
    panel = _docked(window, session)
    if len(by_plugin) > 1:
        panel.offer_results([*by_plugin, ALL_PLUGINS], plugin, lambda name: open_review(window, history, name))
    return panel


def open_verification(window: ProjectWindow, history: EditHistory, annotation_type: int) -> ReviewPanel | None:
    """The image set's annotations of one type in the review panel, to verify or reject one by
    one with the review's keys (EXACT's verification), resumed where it stopped."""
    assert window.store is not None, "verifying needs a project"
    images = [id for id in window.image_ids if id is not None]
    try:
        session = VerificationSession(window.store, history, annotation_type, images, reviewer=window.editor)
    except StoreError as err:
        window.statusBar().showMessage(f"Nothing to verify: {err}", 10000)
        return None
    return _docked(window, session)


def _docked(window: ProjectWindow, session: ReviewSession) -> ReviewPanel:
    panel = ReviewPanel(session, slides_of(window))

    def follow(_session: object) -> None:
        """The slide view keeps the candidate on screen in its place on the slide, zoomed in to
        the crops' magnification where it would be too small to see (never zoomed out)."""
        current = session.current()
        if current is None or not (current.image == window.current_image_id() or window.show_image(current.image)):
            window.candidate_marker.mark(None, None)
            return
        window.candidate_marker.mark(current.image, current.box)  # which of the many objects the crop shows
        state, source = window.view.state, window.view.source
        x0, y0, x1, y1 = current.box
        side = max(x1 - x0, y1 - y0)
        if source is not None and not math.isnan(side) and side / state.downsample < VISIBLE_PX:
            state.set_downsample(min(state.downsample, downsample_for(source, panel.crops.magnification)))
        state.center_on(*current.centre)

    panel.follow = follow  # type: ignore[attr-defined]  # held as long as the panel: blinker keeps weak references
    session.changed.connect(follow)
    follow(session)  # the first candidate shown on the slide at once, not after the first decision
    _review_keys(window).panel = panel
    dock = QDockWidget("Review", window)
    dock.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dock.setWidget(scrolled(panel))
    dock.destroyed.connect(lambda _dock: _closed(window, panel))
    # marked only while the review is on screen: behind another tab its keys are the tools' again
    window.candidate_marker.wanted = lambda: shiboken6.isValid(panel) and panel.shown()
    dock.visibilityChanged.connect(lambda _visible: window.view.update())
    old = window.findChild(QDockWidget, "review-dock")
    if old is not None:  # the new review takes the old one's place
        old.setObjectName("")  # the new one is the review dock from now on, before the old one is deleted
        _placed_as(window, dock, old)
        old.close()
        old.deleteLater()
    dock.setObjectName("review-dock")
    if old is None and not window.restoreDockWidget(dock):  # where a saved layout put it, else given room
        _given_room(window, dock, panel)
    dock.show()
    dock.raise_()
    panel.setFocus()
    return panel


def _closed(window: ProjectWindow, panel: ReviewPanel) -> None:
    """The dock is gone: nothing tells its deleted widgets anything, and its candidate is no
    longer marked on the slide (unless a review opened since has marked its own, or the window
    itself is going, its view deleted before the dock)."""
    panel.close_review()
    if shiboken6.isValid(window.view) and _review_keys(window).panel is panel:
        window.candidate_marker.mark(None, None)


def _review_keys(window: ProjectWindow) -> ReviewKeys:
    """The window's one watcher of the review's keys (made with its first review)."""
    keys: ReviewKeys | None = getattr(window, "review_keys", None)
    if keys is None:
        view = window.view
        keys = ReviewKeys(window, lambda: view.annotator is not None and view.annotator.drawing)
        window.review_keys = keys  # type: ignore[attr-defined]
    return keys


def _placed_as(window: ProjectWindow, dock: QDockWidget, old: QDockWidget) -> None:
    if old.isFloating():
        dock.setFloating(True)
        dock.setGeometry(old.geometry())
    else:
        window.addDockWidget(window.dockWidgetArea(old), dock)
        window.tabifyDockWidget(old, dock)


def _given_room(window: ProjectWindow, dock: QDockWidget, panel: ReviewPanel) -> None:
    """Over the right column's top tabs (Layers, Annotations), that column made as wide as the
    review's controls and the tabs as tall as the column allows (the docks below keep their
    least): a crop to judge a candidate by, not a strip under the other docks."""
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    if not window.layers_dock.isHidden():  # a layout that closed the layers: the review alone there
        window.tabifyDockWidget(window.layers_dock, dock)
    dock.show()
    dock.raise_()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # laid out: a resize before is undone
    width = panel.minimumSizeHint().width() + dock.widget().verticalScrollBar().sizeHint().width()
    if dock.width() < width:
        window.resizeDocks([dock], [width], Qt.Orientation.Horizontal)
    tabs = window.tabifiedDockWidgets(dock)
    below = [
        d
        for d in window.findChildren(QDockWidget)
        if d is not dock and d not in tabs and d.isVisible() and not d.isFloating()
        and window.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea
    ]  # fmt: skip
    window.resizeDocks([dock, *below], [window.height(), *[1] * len(below)], Qt.Orientation.Vertical)
