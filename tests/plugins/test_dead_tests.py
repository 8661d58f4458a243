"""A window opened on a project tidies what a `plugin test` killed outright left, and lists no
test: neither in its plugins (it could be run, and go under the run) nor in its Jobs panel.
Tests an earlier version left are tidied as well."""

from __future__ import annotations

import sqlite3

from exact_desktop.model import entities as e
from exact_desktop.plugins.registry import PLUGIN_SORT_ORDER
from exact_desktop.project.dead_tests import tidy_dead_tests
from exact_desktop.project.local_plugins import LocalPlugins
from exact_desktop.project.opening import project_of
from exact_desktop.project.process_mark import ProcessMark
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.main_window import MainWindow
from tests.plugins.conftest import ended_mark, plant_test
from tests.store.conftest import older_file


def test_a_window_tidies_a_dead_test_and_lists_no_test(project):
    store, s, behaviours, _third = project
    gone = ended_mark()
    dead = plant_test(store, s.image.id, s.product.id, gone)  # its process has ended
    alive = plant_test(store, s.image.id, s.product.id, ProcessMark.here())  # a test this process runs
    plugins = LocalPlugins(store)
    try:
        assert not store.list(e.Plugin, name=dead.name) and not store.list(e.PluginJob, plugin=dead.id)
        assert not store.list(e.AnnotationType, name=f"Spot of {gone.pid}")
        assert [p.name for p in store.list(e.Plugin)] == [behaviours.name, alive.name]  # left to its process
        assert [j.status for j in store.list(e.PluginJob, plugin=alive.id)] == ["running"]  # not interrupted
        assert [p.name for p in plugins.plugins()] == [behaviours.name] and plugins.jobs() == []
    finally:
        plugins.close()


def test_tests_an_earlier_version_left_are_taken_in_by_their_name(tmp_path):
    """Files written before tests were recorded: a test's record is known by the name it was made
    with, its process by its job's worker; bands that index nothing for a group gone are removed."""
    gone, here = ended_mark().pid, ProcessMark.here().pid
    plugin = "INSERT INTO plugin (id, name, author, package, contact, abouturl, icon, script, queue, " \
             "parameter_schema, produces) VALUES ({}, '{}', '', '', '', '', '', 'x.py', 'local', '[]', '[]');"  # fmt: skip
    job = "INSERT INTO plugin_job (plugin, image, created_time, updated_time, processing_complete, " \
          "attached_worker, error_message, error_detail, parameters, status) " \
          "VALUES ({}, 1, '2026-12-01', '2026-12-01', 60, 'local-{}-1-1', '', '', '{{}}', 'running');"  # fmt: skip
    path = older_file(tmp_path, "0017", 1000, "\n".join([
        plugin.format(1, "Nuclei"), plugin.format(2, "HostileT (test 8640d5)"), plugin.format(3, "Own (test 1a2b3c)"),
        plugin.format(4, "Never ran (test ffffff)"), job.format(2, gone), job.format(3, here),
        "INSERT INTO spatial_band (band, tree, image, grp) VALUES (7, 'plugin_result_annotation_grid', 1, 99);",
    ]))  # fmt: skip
    store = SqliteStore(path)
    try:
        made_for_it = adopted_tests_types(store)
        assert tidy_dead_tests(store) == ["HostileT (test 8640d5)", "Never ran (test ffffff)"]
        assert [p.name for p in store.list(e.Plugin)] == ["Nuclei", "Own (test 1a2b3c)"]  # its process runs
        assert [j.plugin for j in store.list(e.PluginJob)] == [3]
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT count(*) FROM spatial_band WHERE band = 7").fetchone()[0] == 0
        assert made_for_it not in store.list(e.AnnotationType)
        assert [t.name for t in store.list(e.AnnotationType)] == ["Nucleus", "TPoly", "TUsed"]  # in use, or own
    finally:
        store.close()


def adopted_tests_types(store: SqliteStore) -> e.AnnotationType:
    """What the test an earlier version left (plugin 2) produces, as its version made it: types made
    for it (from PLUGIN_SORT_ORDER on) and one of the product's own; its record named none of them.
    One alone is used by nothing else: the one returned."""
    store.update(e.Plugin, 2, products=[1], produces=["Nucleus", "TBox", "TPoly", "TUsed"])
    store.update(e.Plugin, 1, products=[1], produces=["TPoly"])
    own = store.create(e.AnnotationType("Nucleus", 1, 1, sort_order=1))
    unused, _poly, used = (store.create(e.AnnotationType(name, 1, 1, sort_order=PLUGIN_SORT_ORDER + i))
                           for i, name in enumerate(["TBox", "TPoly", "TUsed"]))  # fmt: skip
    store.create(e.Annotation(used.id, 1, {"x1": 1, "y1": 1, "x2": 5, "y2": 5}))
    assert own.id and unused.id
    return unused


def test_the_plugin_manager_lists_no_test(qtbot, project):
    """A test running in another process while the window is open: its record is not the project's plugin."""
    store, s, _plugin, _third = project
    window = MainWindow(project=project_of(store), interactive_errors=False)
    qtbot.addWidget(window)
    plant_test(store, s.image.id, s.product.id, ProcessMark.here())
    manager = window.plugins.show_manager()
    assert [manager.listing.item(i).text() for i in range(manager.listing.count())] == ["Behaviours  [local]"]
    window.close()
