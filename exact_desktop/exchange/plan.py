"""What an import would do, before it does it: the annotations it would add, and the features
it cannot take, each by index and reason. Nothing is written until the plan is carried out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from exact_desktop.model.entities import Annotation
from exact_desktop.store.annotation_columns import AnnotationColumns

_NAME_SHOWN = 60  # characters of a feature's name in a message: a message stays one line


class ExchangeError(ValueError):
    """The file as a whole cannot be read (not JSON, not a FeatureCollection, ...)."""


@dataclass(frozen=True)
class Problem:
    index: int  # the feature's (or annotation's) position in the file, from 0
    reason: str
    name: str = ""  # the feature's name or else its id, as a person finds it in QuPath
    repairable: bool = False  # an outline `--make-valid` repairs

    def __str__(self) -> str:
        shown = self.name if len(self.name) <= _NAME_SHOWN else f"{self.name[:_NAME_SHOWN]}..."
        named = f" ({json.dumps(shown, ensure_ascii=False)})" if self.name else ""
        return f"{self.index + 1}{named}: {self.reason}"  # counted from 1, as a person counts


@dataclass
class ImportPlan:
    """The annotations an import would add: GeoJSON's as `columns` (as the store takes them),
    EXACT JSON's as objects (`listed`)."""

    listed: list[Annotation] = field(default_factory=list)
    columns: AnnotationColumns | None = None
    problems: list[Problem] = field(default_factory=list)
    features: int = 0  # how many the file holds
    valid_features: int | None = None  # the good ones, when one can make several annotations
    split: list[dict[str, object]] = field(default_factory=list)  # features that made more than one
    notes: list[str] = field(default_factory=list)  # what was left out of good features, and why
    conflicts: int = 0  # features with another feature's id (each is among the problems too)

    @property
    def repairable(self) -> bool:
        """Some problems are outlines that shapely's make_valid repairs."""
        return any(p.repairable for p in self.problems)

    def hint(self) -> str:
        """What a person can do about the problems: the options that repair or leave them out."""
        repair = "--make-valid repairs invalid outlines, " if self.repairable else ""
        return f"{repair}--skip-bad leaves the bad features out"

    @property
    def annotations(self) -> list[Annotation]:
        """Every annotation the import would add, as objects."""
        return self.columns.annotations() if self.columns is not None else self.listed

    @property
    def annotation_count(self) -> int:
        return len(self.columns) if self.columns is not None else len(self.listed)

    def summary(self) -> dict[str, object]:
        """Features are numbered from 1. Why there are more annotations than good features is
        in `split` (a MultiPolygon of 2 makes 2 annotations)."""
        valid = self.annotation_count if self.valid_features is None else self.valid_features
        found: dict[str, object] = {"features": self.features, "valid_features": valid,
                                    "annotations": self.annotation_count}  # fmt: skip
        if self.split:
            found["split"] = self.split
        if self.notes:
            found["notes"] = self.notes
        if self.conflicts:
            found["conflicts"] = self.conflicts
        found["bad"] = [
            {"feature": p.index + 1, **({"name": p.name} if p.name else {}), "reason": p.reason} for p in self.problems
        ]
        return found
