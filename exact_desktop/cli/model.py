"""`exact-desktop model train|show`: the model learnt from an image set's review decisions,
saved as ONNX with its card, and what a model file and its card say (checked as Run model does)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_commands(commands: Any) -> None:
    model = commands.add_parser("model", help="models learnt from review decisions: train one, show one")
    actions = model.add_subparsers(dest="model_command", required=True)
    train = actions.add_parser("train", help="learn from an image set's review decisions, save as ONNX with a card")
    train.add_argument("--image-set", type=int, required=True, metavar="ID", help="the project's image set id")
    train.add_argument("--entry", action="append", metavar="NAME", help="only result entries of this name (repeat)")
    train.add_argument("file", type=Path, metavar="FILE.onnx", help="the model; its card is FILE.card.json")
    train.add_argument("--db", type=Path, metavar="FILE", help="project database (default: the local project)")
    show = actions.add_parser("show", help="a model's card and its inputs and outputs, checked")
    show.add_argument("file", type=Path, metavar="FILE.onnx")


def run(args: argparse.Namespace) -> int:
    from exact_desktop.cli.opening import fail
    from exact_desktop.learnt_model.card import CardError
    from exact_desktop.review.learning.learner import LearningError
    from exact_desktop.store.base import StoreError

    try:
        return _train(args) if args.model_command == "train" else _show(args.file)
    except (CardError, LearningError, StoreError, OSError) as err:
        return fail(str(err))


def _train(args: argparse.Namespace) -> int:
    from exact_desktop.annotating.edit_history import EditHistory
    from exact_desktop.cli.opening import opened_store
    from exact_desktop.model import entities as e
    from exact_desktop.review.learning.export import export_model
    from exact_desktop.review.learning.learner import LearningError
    from exact_desktop.review.learning.loop import LearningLoop
    from exact_desktop.review.session import ReviewSession

    if args.file.suffix != ".onnx":
        raise OSError(f"{args.file}: name the model FILE.onnx (its card is written beside it as FILE.card.json)")
    store = opened_store(args.db)
    try:
        image_set = store.get(e.ImageSet, args.image_set)
        images = [image.id for image in store.list(e.Image, image_set=image_set.id)]
        loop = LearningLoop(ReviewSession.of_images(store, EditHistory(store), images, args.entry))
        decided, labels = loop.labels()
        total = len(loop.session.candidates)
        if len(decided):  # none: the learner's one line says so
            _progress(
                f"learning from {len(decided):,} decisions (only they are described, not all {total:,} candidates)"
            )
        quality = loop.learn(decided, labels)
        if quality.one_kind:
            raise LearningError(f"no model learnt: {quality}")
        loop.keep_features()  # a review or a rescore reads them instead of the slide
        _progress(f"learnt: {quality}; saving {args.file.name}")
        card = export_model(loop, args.file)
    finally:
        store.close()
    said = {
        "model": str(args.file), "card": str(args.file.with_suffix(".card.json")), "decisions": card.decisions,
        "classes": list(card.classes), "classes_meant": meanings(card.classes),
        "balanced_accuracy_oob": card.metrics.get("balanced_accuracy_oob"),
    }  # fmt: skip
    print(json.dumps(said))
    return 0


def _progress(line: str) -> None:
    """A line on stderr while it works (stdout keeps the one JSON answer)."""
    print(f"model train: {line}", file=sys.stderr, flush=True)


def _show(path: Path) -> int:
    from exact_desktop.learnt_model.card import Model

    model = Model(path)
    tensors = {
        "inputs": [{"name": t.name, "shape": t.shape} for t in model.session.get_inputs()],
        "outputs": [{"name": t.name, "shape": t.shape} for t in model.session.get_outputs()],
    }
    said = {"model": str(path), "card": model.card.as_json(), "classes_meant": meanings(model.card.classes)}
    print(json.dumps({**said, **tensors}))
    return 0


def meanings(classes: tuple[str | None, ...]) -> list[str]:
    """What each output class means, said in words: a card's null is no annotation type."""
    return [f"annotation type {c!r}" if c else "none: rejected or background (null)" for c in classes]
