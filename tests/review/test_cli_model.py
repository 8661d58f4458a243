"""`exact-desktop model train|show` through the real command: a model learnt from the decisions
of an image set, saved with its card and shown back; bad input is one line, nothing written."""

from __future__ import annotations

import json
import re
import shutil

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.model import entities as e
from exact_desktop.review.session import ReviewSession
from exact_desktop.store.sqlite.store import SqliteStore
from tests.plugins.test_run_model import segmentation_network
from tests.review.test_cli_review import run_command
from tests.review.test_learnt_model import reviewed_copy


def model_command(*args):
    return run_command("model", *args)


def test_train_then_show(mitosis_demo, tmp_path):
    store, _loop = reviewed_copy(mitosis_demo[0], tmp_path)
    store.close()
    model = tmp_path / "models" / "mitoses.onnx"
    code, said, err = model_command("train", "--image-set", 1, model, "--db", tmp_path / "p.db")
    assert code == 0, err
    assert said["decisions"] == 100 and set(said["classes"]) == {"Mitotic figure", None}
    meant = dict(zip(said["classes"], said["classes_meant"], strict=True))  # the card's null said in words
    assert meant == {"Mitotic figure": "annotation type 'Mitotic figure'", None: "none: rejected or background (null)"}
    assert (
        said["balanced_accuracy_oob"] > 0.5
        and model.is_file()
        and (tmp_path / "models" / "mitoses.card.json").is_file()
    )
    code, shown, err = model_command("show", model)
    assert code == 0, err
    assert shown["card"]["kind"] == "candidates" and shown["card"]["decisions"] == 100
    assert shown["classes_meant"] == said["classes_meant"]
    assert shown["inputs"] == [{"name": "features", "shape": [None, 13]}]
    assert [o["name"] for o in shown["outputs"]] == ["label", "probabilities"]


def test_bad_input_is_one_line_and_writes_nothing(mitosis_demo, tmp_path):
    shutil.copy(mitosis_demo[0], tmp_path / "p.db")
    model = tmp_path / "m.onnx"
    code, _said, err = model_command("train", "--image-set", 1, model, "--db", tmp_path / "p.db")
    assert code == 2 and err.strip().splitlines() == [
        "exact-desktop: no decisions yet: accept and reject some candidates to learn from"
    ]
    assert list(tmp_path.glob("m.*")) == []
    store = SqliteStore(tmp_path / "p.db")  # three rejections: decisions of one kind teach no model
    session = ReviewSession.of_images(store, EditHistory(store), [store.list(e.Image)[0].id])
    session.decide({int(i): None for i in session.candidates.ids[:3]})
    store.close()
    code, _said, err = model_command("train", "--image-set", 1, model, "--db", tmp_path / "p.db")
    assert code == 2, err
    assert err.strip().splitlines()[-1] == (
        "exact-desktop: no model learnt: 3 decisions of one kind only: the candidates least like them come first; "
        "decide at least one the other way to learn"
    )
    assert list(tmp_path.glob("m.*")) == []
    code, _said, err = model_command("train", "--image-set", 99, model, "--db", tmp_path / "p.db")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "99" in err
    model.write_bytes(b"not onnx")
    code, _said, err = model_command("show", model)
    assert code == 2 and err.strip().splitlines() == [
        "exact-desktop: model m.onnx: no card beside it (expected m.card.json)"
    ]
    (tmp_path / "m.card.json").write_text(json.dumps({"kind": "candidates"}), encoding="utf-8")
    code, _said, err = model_command("show", model)
    assert code == 2 and err.strip().splitlines() == ["exact-desktop: card m.card.json: field 'classes' is missing"]


def test_show_names_a_card_field_of_the_wrong_kind_in_one_line(tmp_path):
    model = tmp_path / "segment.onnx"
    segmentation_network(model)
    card = json.loads(model.with_suffix(".card.json").read_text(encoding="utf-8"))
    model.with_suffix(".card.json").write_text(json.dumps({**card, "image_sets": 5}), encoding="utf-8")
    code, _said, err = model_command("show", model)
    assert code == 2 and err.strip().splitlines() == [
        "exact-desktop: card segment.card.json: image_sets must be a list of names"
    ]


def test_train_describes_the_decided_candidates_only_and_says_what_it_does(mitosis_demo, tmp_path):
    """A queue of thousands with a few dozen decisions trains in seconds: the pixels of the
    decided candidates are read, not every candidate's (it read all of them before it learnt)."""
    store, _loop = reviewed_copy(mitosis_demo[0], tmp_path)
    store.transaction(lambda conn: conn.exec_driver_sql("DELETE FROM candidate_features"))  # as before any review
    store.close()
    code, said, err = model_command("train", "--image-set", 1, tmp_path / "m.onnx", "--db", tmp_path / "p.db")
    assert code == 0, err
    assert said["decisions"] == 100
    lines = err.strip().splitlines()
    said_first = re.fullmatch(
        r"model train: learning from 100 decisions \(only they are described, not all ([\d,]+) candidates\)", lines[0]
    )
    assert said_first, lines
    candidates = int(said_first[1].replace(",", ""))
    assert lines[1].startswith("model train: learnt: ") and lines[1].endswith("saving m.onnx")
    store = SqliteStore(tmp_path / "p.db")
    described = store.engine.connect().exec_driver_sql("SELECT count(*) FROM candidate_features").scalar()
    store.close()
    assert described == 100 < candidates
