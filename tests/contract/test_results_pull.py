"""Plugin results of a server image in the mirror: result annotations and heatmap bitmaps with
their files, pulled once, on both servers; a file the server fails to give is named and comes
at the next pull."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from exact_desktop.model import entities as e
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.login import sign_in
from exact_desktop.sync.exact_mirror import ExactMirror
from exact_desktop.sync.results_pull import pull_results
from tests.contract.conftest import Target, cli
from tests.contract.test_sync import SyncSet
from tests.faults.proxy import FaultProxy

P = "/api/v1/processing"


def test_a_heatmap_on_the_server_is_pulled_with_its_file(server: Target, contract_slide: Path, tmp_path: Path) -> None:
    fresh = SyncSet(server, contract_slide)
    fresh.create(60)  # boxes for the map to count
    code, _record, err = cli(server, "plugin", "register", "Annotation map", "--server", server.url,
                             "--product", str(server.product))  # fmt: skip
    assert code == 0, err
    code, summary, err = cli(server, "plugin", "run", "Annotation map", "--image-set", str(fresh.id),
                             "--server", server.url, "--workers", "1")  # fmt: skip
    assert code == 0 and summary["errors"] == [], (err, summary)
    session = server.session()
    listed = session.get(f"{server.url}{P}/pluginresultbitmaps/", params={"image": fresh.image, "limit": 100},
                         timeout=60).json()["results"]  # fmt: skip
    (there,) = [b for b in listed if b["image"] == fresh.image]
    file_there = session.get(there["bitmap"], timeout=60)
    assert file_there.status_code == 200 and len(file_there.content) > 100

    project = ExactMirror(sign_in(server.url, token=server.token), fresh.id, folder=tmp_path)
    project.sync("pull")
    (image,) = project.store.list(e.Image, remote_id=fresh.image)
    pulled = pull_results(project.store, project.connection, image)
    assert (pulled.results, pulled.bitmaps, pulled.problems) == (1, 1, [])
    (here,) = project.store.list(e.PluginResultBitmap, image=image.id)
    assert (project.store.bitmap_folder / here.bitmap).read_bytes() == file_there.content
    assert here.remote_id == there["id"] and here.channels == there["channels"] == 1
    assert here.location_rect == {k: float(v) for k, v in there["location_rect"].items()}
    (entry,) = project.store.list(e.PluginResultEntry)
    assert here.pluginresultentry == entry.id and entry.remote_id == there["pluginresultentry"]
    again = pull_results(project.store, project.connection, image)
    assert (again.results, again.bitmaps, again.annotations) == (0, 0, 0)
    assert project.store.count(e.PluginResultBitmap, image=image.id) == 1

    # the file refused once: named, nothing half stored, and the next pull brings it
    project.store.delete(e.PluginResultBitmap, here.id)
    assert not (project.store.bitmap_folder / here.bitmap).exists()
    with FaultProxy(server.url) as proxy:
        through = Connection(proxy.url, token=server.token)
        file_path = urlsplit(there["bitmap"]).path
        proxy.answer_next(500, f"GET {file_path}")
        failed = pull_results(project.store, through, image)
        assert proxy.answered == 1 and failed.bitmaps == 0
        assert len(failed.problems) == 1 and f"bitmap {there['id']}" in failed.problems[0], failed.problems
        assert "500" in failed.problems[0]
        assert project.store.count(e.PluginResultBitmap, image=image.id) == 0
        assert sorted(p.name for p in project.store.bitmap_folder.iterdir() if p.is_file()) == []
        healed = pull_results(project.store, through, image)
    assert (healed.bitmaps, healed.problems) == (1, [])
    (back,) = project.store.list(e.PluginResultBitmap, image=image.id)
    assert (project.store.bitmap_folder / back.bitmap).read_bytes() == file_there.content
    project.close()
