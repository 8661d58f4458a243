"""The demo fills a local project once; the window opens on its image set."""

from __future__ import annotations

import json
import sqlite3

import pytest
import requests

from exact_desktop.demo.project import ANNOTATION_TYPES, ensure_demo_project
from exact_desktop.demo.synthetic_slide import ensure_demo_slides
from exact_desktop.model import entities as e
from exact_desktop.project.opening import project_of
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.main_window import MainWindow
from tests.ui.test_main_window import run_cli


@pytest.fixture(scope="module")
def slides(tmp_path_factory):
    return ensure_demo_slides(tmp_path_factory.mktemp("demo"), size=(3000, 2000))


def test_demo_project_is_made_once_with_everything_named(tmp_path, slides):
    store = SqliteStore(tmp_path / "p.db")
    first = ensure_demo_project(store, slides)
    second = ensure_demo_project(store, slides)
    assert first == second and first.name == "Demo"
    assert store.count(e.ImageSet) == 1 and store.count(e.Team) == 1 and store.count(e.Product) == 1
    images = store.list(e.Image, image_set=first.id)
    assert [i.local_path for i in images] == [str(s.slide) for s in slides]
    assert images[0].width == 3000 and images[0].mpp == pytest.approx(0.25) and images[1].width < 3000
    types = {t.name: t for t in store.list(e.AnnotationType)}
    assert {name for name, _, _ in ANNOTATION_TYPES} <= set(types)  # and the types the plugins produce
    assert {"Nucleus outline", "Cluster 1", "Other tissue"} <= set(types)
    small = images[1]
    regions = store.list(e.Annotation, image=small.id)
    truth = json.loads(slides[1].ground_truth.read_text(encoding="utf-8"))
    assert len(regions) == len(truth["regions"])  # made once, though the project was ensured twice
    assert {types_by_id.name for types_by_id in (store.get(e.AnnotationType, r.annotation_type) for r in regions)} == {
        "Tumor region",
        "Stroma region",
    }
    assert store.count(e.Annotation, image=images[0].id) == 0  # the large slide is left to classify
    assert types["Nucleus"].vector_type == 1 and types["Tissue"].vector_type == 5
    assert {"Tumor region", "Stroma region"} <= set(types)
    product = store.get(e.Product, types["Nucleus"].product)
    assert first.product_set == [product.id]
    assert store.count(e.TeamMembership, team=first.team) == 1
    store.close()


def test_window_opens_on_the_image_set(qtbot, tmp_path, slides):
    store = SqliteStore(tmp_path / "p.db")
    image_set = ensure_demo_project(store, slides)
    window = MainWindow(project=project_of(store))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.view.frameCompleted, timeout=10_000):
        assert window.open_image_set(image_set.id) == []
    assert window.images.count() == 2
    assert window.images_dock.windowTitle() == "Image set: Demo"
    assert window.view.source.path == slides[0].slide
    # the local project is served for plugin processes, with its token, on loopback only
    assert window.api is not None and window.api.url.startswith("http://127.0.0.1:")
    answer = requests.get(
        f"{window.api.url}/api/v1/images/image_sets/",
        headers={"Authorization": f"Bearer {window.api.token}"},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["results"][0]["name"] == "Demo"
    assert requests.get(f"{window.api.url}/api/v1/images/image_sets/", timeout=10).status_code == 403
    url = window.api.url
    window.close()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/api/v1/images/image_sets/", timeout=2)


def test_cli_demo_uses_the_chosen_database(tmp_path, data_home, slides):
    db = tmp_path / "my project.db"
    folder = slides[0].slide.parent
    result = run_cli("demo", "--dir", str(folder), "--size", "3000x2000", "--db", str(db), "--no-gui", home=data_home)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["project"] == str(db) and db.exists()
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT name FROM image_set WHERE id = ?", (summary["image_set"],)).fetchone() == ("Demo",)
    default = run_cli("demo", "--dir", str(folder), "--size", "3000x2000", "--no-gui", home=data_home)
    assert json.loads(default.stdout)["project"] == str(data_home / "projects" / "local-project.db")


def test_cli_refuses_a_project_from_a_newer_release(tmp_path, data_home, slides):
    db = tmp_path / "future.db"
    SqliteStore(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE alembic_version SET version_num = 'zz99'")
    folder = slides[0].slide.parent
    result = run_cli("demo", "--dir", str(folder), "--size", "3000x2000", "--db", str(db), "--no-gui", home=data_home)
    assert result.returncode == 2
    assert "future.db" in result.stderr and "newer exact-desktop" in result.stderr
    assert "Traceback" not in result.stderr
