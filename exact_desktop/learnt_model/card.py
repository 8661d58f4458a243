"""A model card: the JSON beside an ONNX model that says what the model is for and how to feed it
(kind, classes, input and output, scale), and where it came from (decisions, image sets, quality,
date). Run model trusts nothing it is handed: the card is read and checked field by field, and
the model's own inputs and outputs must be the ones the card names, else it is refused with one
line naming both."""

from __future__ import annotations

import json
import math
import os
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "exact-desktop model card 1"
KINDS = ("candidates", "patches", "segmentation")
CARD_SUFFIX = ".card.json"
MAX_SIDE = 4096  # px a side of a tile a card may fix: a 40000 px tile would take gigabytes a tile


class CardError(Exception):
    """A model or its card cannot be used; the message is one line naming the problem."""


@dataclass(frozen=True)
class Tensor:
    name: str
    shape: tuple[int | None, ...]  # None: any size


@dataclass(frozen=True)
class ModelCard:
    kind: str  # one of KINDS
    classes: tuple[str | None, ...]  # per output class: the annotation type it means (None: rejected, background)
    input: Tensor
    output: Tensor  # probabilities per class (candidates, patches) or a probability map (segmentation)
    scale_um_per_px: float  # the pixels the model looks at
    features: tuple[str, ...] = ()  # candidates: the input's columns, in order
    candidate_types: tuple[str, ...] = ()  # candidates: the types of the objects it rescores
    decisions: int | None = None  # learnt from this many review decisions
    image_sets: tuple[str, ...] = ()
    metrics: dict[str, float | None] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)  # e.g. the plugin whose candidates it learnt, its estimator
    date: str = ""

    @property
    def type_names(self) -> list[str]:
        """The annotation types its results are of."""
        return sorted({c for c in self.classes if c})

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["input"]["shape"] = list(self.input.shape)
        out["output"]["shape"] = list(self.output.shape)
        return {"format": FORMAT, **out}


def card_path(model: Path) -> Path:
    """model.onnx -> model.card.json"""
    return model.with_suffix(CARD_SUFFIX)


def write_model(model_bytes: bytes, card: ModelCard, path: Path) -> None:
    """The model and its card, both or neither: each is written whole to a temporary file first,
    then both are moved into place; when the card cannot be, the model that was there is put back
    (a new model beside an old card would be run the old card's way). Temporary files never stay."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(card.as_json(), indent=2).encode()
    targets = (path, card_path(path))
    for target in targets:
        if target.exists() and not target.is_file():
            raise OSError(f"{target} is not a file: the model and its card were not written")
    temporaries: list[str] = []
    try:
        for target, data in zip(targets, (model_bytes, text), strict=True):
            temporaries.append(_written(target, data))
        kept = _written(path, path.read_bytes()) if path.is_file() else None  # put back if the card fails
        temporaries.append(kept or "")
        os.replace(temporaries[0], path)
        try:
            os.replace(temporaries[1], targets[1])
        except OSError:
            if kept:
                os.replace(kept, path)
            else:
                path.unlink(missing_ok=True)
            raise
    finally:
        for temporary in temporaries:
            if temporary:
                Path(temporary).unlink(missing_ok=True)


def _written(target: Path, data: bytes) -> str:
    """A new temporary file beside `target` holding `data`, with an ordinary file's mode (the
    umask's, where mkstemp's is 0600)."""
    temporary = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}"
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return str(temporary)


def read_card(model: Path) -> ModelCard:
    """The card beside `model`, checked (CardError: missing, not JSON, a field missing or wrong)."""
    path = card_path(model)
    if not model.is_file():
        raise CardError(f"model {model}: no such file")
    if not path.is_file():
        raise CardError(f"model {model.name}: no card beside it (expected {path.name})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as err:  # ValueError: also a number of too many digits
        raise CardError(f"card {path.name} is not JSON: {err}") from None
    except RecursionError:
        raise CardError(f"card {path.name} is not a model card: nested too deep") from None
    if not isinstance(data, dict):
        raise CardError(f"card {path.name} is not a JSON object")
    return _card(data, path.name)


def _card(data: dict[str, Any], name: str) -> ModelCard:
    def need(key: str, kind: type | tuple[type, ...]) -> Any:
        if key not in data:
            raise CardError(f"card {name}: field {key!r} is missing")
        value = data[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise CardError(f"card {name}: field {key!r} is {_shown(value)}, not {_kind_name(kind)}")
        return value

    kind = need("kind", str)
    if kind not in KINDS:
        raise CardError(f"card {name}: kind {_shown(kind)} is none of {', '.join(KINDS)}")
    classes = need("classes", list)
    if not classes or not all(c is None or (isinstance(c, str) and c.strip()) for c in classes):
        raise CardError(f"card {name}: classes must be a list of annotation type names (null: none)")
    if not any(classes):
        raise CardError(f"card {name}: no class names an annotation type")
    given = need("scale_um_per_px", (int, float))
    scale = _finite(given)
    if scale is None or scale <= 0:
        raise CardError(f"card {name}: scale_um_per_px must be a positive number, not {_shown(given)}")
    card = ModelCard(
        kind=kind, classes=tuple(classes), input=_tensor(need("input", dict), "input", name),
        output=_tensor(need("output", dict), "output", name), scale_um_per_px=float(scale),
        features=tuple(_names(data, "features", name)), candidate_types=tuple(_names(data, "candidate_types", name)),
        decisions=_decisions(data, name), image_sets=tuple(_names(data, "image_sets", name)),
        metrics=_metrics(data, name), source=_source(data, name), date=_date(data, name),
    )  # fmt: skip
    if kind == "candidates":
        if not card.features or not card.candidate_types:
            raise CardError(f"card {name}: a candidates model needs features and candidate_types")
        if card.input.shape[1:] != (len(card.features),):
            raise CardError(
                f"card {name}: input shape {_dims(card.input.shape)} does not fit {len(card.features)} features"
            )
    elif len(card.input.shape) != 4 or card.input.shape[0] not in (1, None) or card.input.shape[1] != 3:
        raise CardError(f"card {name}: a {kind} model's input must be 1x3xHxW RGB, not {_dims(card.input.shape)}")
    elif any(side is not None and side > MAX_SIDE for side in card.input.shape[2:]):
        raise CardError(
            f"card {name}: input shape {_dims(card.input.shape)} is larger than {MAX_SIDE} px a side:"
            " give a smaller tile"
        )
    return card


def _tensor(value: dict[str, Any], key: str, name: str) -> Tensor:
    tensor_name, shape = value.get("name"), value.get("shape")
    if not isinstance(tensor_name, str) or not isinstance(shape, list) or not shape:
        raise CardError(f"card {name}: {key} must give a name and a shape (a list of sizes, null: any)")
    if not all(d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0) for d in shape):
        raise CardError(f"card {name}: {key} shape {_shown(shape)} holds something other than sizes and null")
    return Tensor(tensor_name, tuple(shape))


def _names(data: dict[str, Any], key: str, name: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CardError(f"card {name}: {key} must be a list of names")
    return value


def _decisions(data: dict[str, Any], name: str) -> int | None:
    value = data.get("decisions")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise CardError(f"card {name}: decisions must be a count, not {_shown(value)}")
    return value


def _metrics(data: dict[str, Any], name: str) -> dict[str, float | None]:
    value = data.get("metrics") or {}
    if not isinstance(value, dict):
        raise CardError(f"card {name}: metrics must be an object of names and numbers, not {_shown(value)}")
    metrics: dict[str, float | None] = {}
    for key, number in value.items():
        if number is not None and (not isinstance(number, int | float) or isinstance(number, bool)):
            raise CardError(f"card {name}: metric {key!r} is {_shown(number)}, not a number")
        metrics[key] = None if number is None else _finite(number)
    return metrics


def _source(data: dict[str, Any], name: str) -> dict[str, str]:
    value = data.get("source") or {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise CardError(f"card {name}: source must be an object of names and texts, not {_shown(value)}")
    return value


def _date(data: dict[str, Any], name: str) -> str:
    value = data.get("date") or ""
    if not isinstance(value, str):
        raise CardError(f"card {name}: date must be a text, not {_shown(value)}")
    return value


def _finite(value: int | float) -> float | None:
    """The number as a float, None when it is not finite or beyond a float (an integer of 400 digits)."""
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


class Model:
    """An ONNX model with its checked card, ready to run (onnxruntime, one thread: jobs run side by side)."""

    def __init__(self, path: Path) -> None:
        import onnxruntime  # a second or two to import: only where a model runs

        self.path = Path(path)
        self.card = read_card(self.path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        try:
            self.session = onnxruntime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as err:  # onnxruntime raises its own classes for a file it cannot parse
            detail = str(err).strip().splitlines()[-1][:160] if str(err).strip() else type(err).__name__
            raise CardError(f"model {self.path.name} cannot be read as ONNX: {detail}") from None
        self._check("input", self.session.get_inputs(), self.card.input)
        self._check("output", self.session.get_outputs(), self.card.output)

    def _check(self, what: str, found: list[Any], said: Tensor) -> None:
        named = {t.name: t for t in found}
        listed = ", ".join(f"{t.name} {_dims(t.shape)}" for t in found) or "none"
        if said.name not in named:
            raise CardError(
                f"model {self.path.name} has {what}s {listed}, but its card says {said.name} {_dims(said.shape)}"
            )
        shape = [d if isinstance(d, int) and d > 0 else None for d in named[said.name].shape]
        fits = len(shape) == len(said.shape) and all(
            m is None or m == c for m, c in zip(shape, said.shape, strict=True)
        )  # a card may fix what the model leaves open, not open what the model fixes
        if not fits:
            raise CardError(
                f"model {self.path.name} has {what} {said.name} {_dims(shape)}, but its card says {_dims(said.shape)}"
            )

    def run(self, array: np.ndarray, shape: tuple[int | None, ...]) -> np.ndarray:
        """The model's output for `array` in `shape` (a leading None: any count), checked: CardError
        when the model fails on it, or gives another shape or probabilities that are not finite."""
        try:
            found = np.asarray(self.session.run([self.card.output.name], {self.card.input.name: array})[0])
        except Exception as err:  # onnxruntime raises its own classes for an input the model cannot take
            detail = str(err).strip().splitlines()[-1][:160] if str(err).strip() else type(err).__name__
            raise CardError(f"model {self.path.name} failed on input {_dims(array.shape)}: {detail}") from None
        fixed = tuple(d for d in shape if d is not None)
        fits = found.shape[found.ndim - len(fixed) :] == fixed and (shape[0] is None or found.size == math.prod(fixed))
        if found.ndim < len(fixed) or not fits or (shape[0] is None and found.size == 0):
            raise CardError(
                f"model {self.path.name} gave output of shape {_dims(found.shape)} for input {_dims(array.shape)},"
                f" not {_dims(shape)}"
            )
        if not np.isfinite(found).all():
            raise CardError(
                f"model {self.path.name} gave non-finite probabilities (inf or NaN) for input {_dims(array.shape)}"
            )
        return found.reshape(tuple(-1 if d is None else d for d in shape))


def _dims(shape: Any) -> str:
    return "[" + ", ".join("?" if d is None or not isinstance(d, int) else str(d) for d in shape) + "]"


def _shown(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind_name(kind: type | tuple[type, ...]) -> str:
    return "a number" if isinstance(kind, tuple) else {str: "text", list: "a list", dict: "an object"}[kind]
