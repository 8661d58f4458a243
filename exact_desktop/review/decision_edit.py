"""A review decision (one candidate, or a bulk accept of thousands) as one undoable command."""

from __future__ import annotations

from dataclasses import dataclass

from exact_desktop.store.base import Store
from exact_desktop.store.sqlite.review_book import Outcome, Place, ReviewBook


@dataclass(frozen=True)
class DecisionEdit:
    """The candidates' outcomes before and after, each way written in one transaction with the
    review's place (the candidate on screen before the decision, and the one after it)."""

    label: str
    image: int
    before: tuple[Outcome, ...]
    after: tuple[Outcome, ...]
    place_before: Place | None = None
    place_after: Place | None = None

    @property
    def candidates(self) -> list[int]:
        return [o.result_annotation for o in self.after]

    def apply(self, store: Store, editor: int | None = None) -> None:
        ReviewBook(store).write(self.after, self.place_after)  # type: ignore[arg-type]

    def revert(self, store: Store, editor: int | None = None) -> None:
        ReviewBook(store).write(self.before, self.place_before)  # type: ignore[arg-type]
