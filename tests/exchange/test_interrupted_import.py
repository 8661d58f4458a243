"""Ctrl+C during an import's write: the write is whole or not there, and the command says which
before it ends with 130 (an outside tester's finding: 500,000 rows were stored and nothing said so)."""

from __future__ import annotations

import pytest

from exact_desktop.cli.main import main
from exact_desktop.exchange import files
from exact_desktop.model import entities as e
from tests.exchange.test_hostile_geojson import feature
from tests.exchange.test_typed_geojson import RING, collection, polygon


@pytest.mark.parametrize("stored_first", [True, False], ids=["after-the-commit", "before-it"])
def test_an_interrupted_import_says_how_much_of_it_is_stored(project, tmp_path, monkeypatch, capsys, stored_first):
    store, s = project
    path = tmp_path / "cells.geojson"
    path.write_bytes(collection([feature(polygon([[x + 50 * i, y] for x, y in RING])) for i in range(30)]))
    real = files.carry_out

    def interrupted(*args, **kwargs):
        if stored_first:
            real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(files, "carry_out", interrupted)
    code = main(["import", "--image", str(s.image.id), str(path), "--db", str(store.path)])
    err = capsys.readouterr().err
    assert code == 130
    stored = 30 if stored_first else 0
    assert f"interrupted; {stored:,} of its 30 annotations are stored on the image" in err, err
    assert store.count(e.Annotation, image=s.image.id) == stored
