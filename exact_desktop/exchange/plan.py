"""What an import would do, before it does it: the annotations it would add, and the features
it cannot take, each by index and reason. Nothing is written until the plan is carried out."""

from __future__ import annotations

from dataclasses import dataclass, field

from exact_desktop.model.entities import Annotation


class ExchangeError(ValueError):
    """The file as a whole cannot be read (not JSON, not a FeatureCollection, ...)."""


@dataclass(frozen=True)
class Problem:
    index: int  # the feature's (or annotation's) position in the file, from 0
    reason: str

    def __str__(self) -> str:
        return f"#{self.index}: {self.reason}"


@dataclass
class ImportPlan:
    annotations: list[Annotation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    features: int = 0  # how many the file holds

    def summary(self) -> dict[str, object]:
        return {
            "features": self.features,
            "valid": len(self.annotations),
            "bad": [{"index": p.index, "reason": p.reason} for p in self.problems],
        }
