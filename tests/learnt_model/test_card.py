"""A model card: read and checked field by field (each wrong one named in one line), and written
with its model or not at all."""

from __future__ import annotations

import os
import re

import pytest

from exact_desktop.learnt_model.card import CardError, read_card, write_model
from tests.plugins.test_run_model import edit_card, patch_network, segmentation_network


def test_a_card_is_read_with_its_fields(tmp_path):
    model = tmp_path / "segment.onnx"
    segmentation_network(model)
    card = read_card(model)
    assert card.kind == "segmentation" and card.classes == ("Tissue",) and card.input.shape == (1, 3, None, None)
    edit_card(model, classes=[None])
    with pytest.raises(CardError, match="no class names an annotation type"):
        read_card(model)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"metrics": [1, 2, 3]}, "metrics must be an object of names and numbers, not [1, 2, 3]"),
        ({"metrics": "good"}, "metrics must be an object of names and numbers, not 'good'"),
        ({"metrics": {"f1": "high"}}, "metric 'f1' is 'high', not a number"),
        ({"source": ["a"]}, "source must be an object of names and texts"),
        ({"image_sets": 5}, "image_sets must be a list of names"),
        ({"decisions": "many"}, "decisions must be a count, not 'many'"),
        ({"date": 2026}, "date must be a text, not 2026"),
        ({"scale_um_per_px": 10**400}, "scale_um_per_px must be a positive number"),
    ],
)  # fmt: skip
def test_a_card_field_of_the_wrong_kind_is_named_in_one_line(tmp_path, fields, message):
    model = tmp_path / "segment.onnx"
    segmentation_network(model)
    edit_card(model, **fields)
    with pytest.raises(CardError, match=re.escape(f"card segment.card.json: {message}")):
        read_card(model)


def test_a_card_nested_too_deep_is_refused_in_one_line(tmp_path):
    model = tmp_path / "segment.onnx"
    segmentation_network(model)
    model.with_suffix(".card.json").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    with pytest.raises(CardError, match=r"card segment\.card\.json is not a model card: nested too deep"):
        read_card(model)


def test_a_card_may_not_fix_a_tile_of_gigabytes(tmp_path):
    model = tmp_path / "patches.onnx"
    patch_network(model, 128)
    edit_card(model, input={"name": "rgb", "shape": [1, 3, 40000, 40000]})
    with pytest.raises(CardError, match=r"input shape \[1, 3, 40000, 40000\] is larger than 4096 px a side"):
        read_card(model)


def test_a_model_is_written_with_its_card_or_not_at_all(tmp_path, monkeypatch):
    made = tmp_path / "made.onnx"
    segmentation_network(made)
    card = read_card(made)
    model = tmp_path / "out" / "m.onnx"
    model.parent.mkdir()
    model.with_suffix(".card.json").mkdir()  # the card cannot go there
    with pytest.raises(OSError, match=r"m\.card\.json is not a file: the model and its card were not written"):
        write_model(b"new model", card, model)
    assert sorted(p.name for p in model.parent.iterdir()) == ["m.card.json"]
    model.with_suffix(".card.json").rmdir()
    write_model(b"old model", card, model)
    umask = os.umask(0o022)
    os.umask(umask)
    assert {p.stat().st_mode & 0o777 for p in model.parent.iterdir()} == {0o666 & ~umask}  # not mkstemp's 0600
    old_card = model.with_suffix(".card.json").read_bytes()
    replace = os.replace

    def card_fails(source, target) -> None:  # the model moved into place, then the card cannot be
        if str(target).endswith(".card.json"):
            raise OSError("disk full")
        replace(source, target)

    monkeypatch.setattr(os, "replace", card_fails)
    with pytest.raises(OSError, match="disk full"):
        write_model(b"new model", card, model)
    assert model.read_bytes() == b"old model" and model.with_suffix(".card.json").read_bytes() == old_card
    assert sorted(p.name for p in model.parent.iterdir()) == ["m.card.json", "m.onnx"]  # no temporary file left
