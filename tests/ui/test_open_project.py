"""File -> Open project... and File -> Recent projects (finding 3: the window could not open
another project; `grep -ri recent` found nothing): the list records the projects opened, newest
first, a missing file shown disabled, and each opens in a window of its own."""

from __future__ import annotations

from pathlib import Path

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.project.opening import open_project
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.main_window import MainWindow
from exact_desktop.ui.settings import RECENT_PROJECTS, RecentProject, recent_projects, remember_recent
from tests.conftest import BOXES_TIFF
from tests.store.conftest import seed


def project_file(path: Path) -> tuple[Path, int]:
    store = SqliteStore(path)
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(BOXES_TIFF), width=300, height=250)
    store.close()
    return path, stored_id(s.image_set)


def test_the_recent_list_records_and_orders_the_projects_opened(qtbot, tmp_path):
    (a, set_a), (b, _), (c, _) = (project_file(tmp_path / f"{name}.db") for name in "abc")
    first = MainWindow(interactive_errors=False, project=open_project(a))
    qtbot.addWidget(first)
    first.show()
    first.open_image_set(set_a)
    assert recent_projects() == [RecentProject(a, set_a, None)]
    menu = first.project_menu
    assert [x.text() for x in first.file_menu.actions()[:3]] == [
        "&Open slide\u2026",
        "Open &project\u2026",
        "&Recent projects",
    ]
    second = menu.open_project_file(b)
    third = menu.open_project_file(c)
    assert second is not None and third is not None and second.store.path == b and second.view.source is not None
    assert [p.path for p in recent_projects()] == [c, b, a]
    assert menu.open_project_file(b) is second  # open already: shown, not opened twice
    second.close()
    third.close()
    gone = tmp_path / "gone.db"  # a file no longer where the list says
    remember_recent(RecentProject(gone, None, None))
    menu.list_recent()
    items = menu.recent_menu.actions()
    assert [x.toolTip() for x in items] == [str(gone), str(c), str(b), str(a)]
    assert [x.isEnabled() for x in items] == [False, True, True, True] and items[0].text().endswith("(missing)")
    with qtbot.waitSignal(menu.opened) as opened:
        items[2].trigger()  # b again, from the list
    assert opened.args[0].store.path == b and [p.path for p in recent_projects()] == [b, gone, c, a]
    opened.args[0].close()
    for i in range(RECENT_PROJECTS + 2):
        remember_recent(RecentProject(tmp_path / f"{i}.db", None, None))
    assert (
        len(recent_projects()) == RECENT_PROJECTS
        and recent_projects()[0].path == tmp_path / f"{RECENT_PROJECTS + 1}.db"
    )
    first.close()


def test_a_file_that_is_no_project_is_named_and_nothing_opens(qtbot, tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("not a database\n")
    window = MainWindow(interactive_errors=False)
    qtbot.addWidget(window)
    assert window.project_menu.open_project_file(text) is None
    assert len(window.errors) == 1 and "notes.db" in window.errors[0] and "not an SQLite" in window.errors[0]
    assert text.read_text() == "not a database\n"


def test_the_last_project_is_known_from_its_opening_even_when_the_window_never_closed(qtbot, tmp_path):
    """A window that crashed (or was killed) never wrote the last project on closing, and `open`
    with no argument said "no project was open before" (found by an outside tester)."""
    from exact_desktop.ui.settings import last_project

    (a, set_a), (b, set_b) = (project_file(tmp_path / f"{name}.db") for name in "ab")
    assert last_project() is None
    window = MainWindow(interactive_errors=False, project=open_project(a))
    qtbot.addWidget(window)
    window.open_image_set(set_a)
    assert last_project() == (a, set_a)  # while the window is still open: no close was needed
    remember_recent(RecentProject(b, set_b, None))
    assert last_project() == (b, set_b)
    b.unlink()
    assert last_project() == (a, set_a)  # the newest whose file is still there
