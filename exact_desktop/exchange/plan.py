"""What an import would do, before it does it: the annotations it would add, and the features
it cannot take, each by index and reason. Nothing is written until the plan is carried out."""

from __future__ import annotations

from dataclasses import dataclass, field

from exact_desktop.model.entities import Annotation
from exact_desktop.store.annotation_columns import AnnotationColumns


class ExchangeError(ValueError):
    """The file as a whole cannot be read (not JSON, not a FeatureCollection, ...)."""


@dataclass(frozen=True)
class Problem:
    index: int  # the feature's (or annotation's) position in the file, from 0
    reason: str

    def __str__(self) -> str:
        return f"#{self.index + 1}: {self.reason}"  # counted from 1, as a person counts


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
        found["bad"] = [{"feature": p.index + 1, "reason": p.reason} for p in self.problems]
        return found
