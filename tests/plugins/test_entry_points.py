"""Plugins installed by other packages are found through the `exact_desktop.plugins` entry points."""

from __future__ import annotations

import sys

from exact_desktop.demo.project import ensure_demo_project
from exact_desktop.model import entities as e
from exact_desktop.plugins.registry import discovered_scripts
from exact_desktop.store.sqlite.store import SqliteStore


def install_fake_distribution(site, monkeypatch) -> None:
    """What `pip install` of a plugin package leaves behind: dist-info metadata with entry points."""
    info = site / "lab_plugins-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lab-plugins\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[exact_desktop.plugins]\nbehaviours = tests.plugins.scripts.behaviours:process\n"
    )
    monkeypatch.syspath_prepend(str(site))


def test_entry_point_plugins_are_discovered_and_registered(tmp_path, monkeypatch):
    install_fake_distribution(tmp_path / "site", monkeypatch)
    scripts = discovered_scripts()
    assert "tests.plugins.scripts.behaviours:process" in scripts
    assert scripts[0] == "exact_desktop.plugins.builtin.nuclei:process"
    store = SqliteStore(tmp_path / "p.db")
    ensure_demo_project(store, [])
    assert {p.name for p in store.list(e.Plugin)} == {
        "Nuclei detector", "Segmentation", "Annotation map", "Cluster cells", "Patch classifier", "Mitosis candidates",
        "Run model", "Tissue finder (exact-sync)", "Behaviours",
    }  # fmt: skip
    store.close()
    assert sys.path[0] == str(tmp_path / "site")
