"""The shape ARCHITECTURE.md asks for, checked on the real import graph (grimp, as import-linter
reads it; `scripts/test.sh` also runs import-linter's layer contracts from pyproject.toml)."""

from __future__ import annotations

import grimp
import pytest

PACKAGES = (
    "model",
    "slides",
    "store",
    "server",
    "annotating",
    "review",
    "plugins",
    "viewer",
    "ui",
    "exchange",
    "bench",
    "demo",
    "learnt_model",
    "project",
)


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("exact_desktop")


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_inside_a_package(graph, package):
    """Type-only imports count too: a cycle is a cycle to whoever reads the code."""
    name = f"exact_desktop.{package}"
    modules = {m for m in graph.modules if m.startswith(name + ".")}
    cycles = sorted(
        (a, b) for a in modules for b in graph.find_modules_directly_imported_by(a)
        if b in modules and graph.chain_exists(importer=b, imported=a)
    )  # fmt: skip
    assert cycles == [], cycles


def test_model_imports_nothing_of_ours(graph):
    outside = {
        imported for module in graph.modules if module.startswith("exact_desktop.model")
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("exact_desktop.") and not imported.startswith("exact_desktop.model")
    }  # fmt: skip
    assert outside == set()
