"""Undo and redo for annotation edits, kept as diffs of the edited annotations only.

Every edit is one store transaction, written at once: nothing waits in memory to be saved.
An entry holds, per annotation it touched, the fields before and after, so its size is that
of the edit, never that of the image: 1,000 levels cost the same on 10 or 10 million objects.
A creation is undone by the soft delete EXACT uses and redone by restoring the same row, so
its id, UUID and version history stay one annotation's.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from blinker import Signal

from exact_desktop.model.entities import Annotation, stored_id
from exact_desktop.store.base import NotFoundError, Store

DEFAULT_LEVELS = 1000


@dataclass(frozen=True)
class Edit:
    """One edit as a command over the store: the fields it changed, per annotation, both ways."""

    label: str
    image: int
    before: dict[int, dict[str, Any]]
    after: dict[int, dict[str, Any]]

    def apply(self, store: Store, editor: int | None = None) -> None:
        store.update_many(Annotation, _stamped(self.after, editor))

    def revert(self, store: Store, editor: int | None = None) -> None:
        store.update_many(Annotation, _stamped(self.before, editor))


class Command(Protocol):
    """Any undoable edit: `Edit` here, a review decision (review/), each its own diff."""

    @property
    def label(self) -> str: ...

    @property
    def image(self) -> int: ...

    def apply(self, store: Store, editor: int | None = None) -> None: ...

    def revert(self, store: Store, editor: int | None = None) -> None: ...


class EditHistory:
    """`changed` is sent (with `edit=`) after each edit, undo and redo."""

    def __init__(self, store: Store, levels: int = DEFAULT_LEVELS, editor: int | None = None) -> None:
        self.store, self.editor = store, editor
        self._undo: deque[Command] = deque(maxlen=levels)
        self._redo: list[Command] = []
        self.changed = Signal()

    # --- edits ------------------------------------------------------------------------------
    def create(self, annotations: Sequence[Annotation], label: str = "Create") -> list[int]:
        """Store new annotations (one transaction) and remember how to take them back."""
        if not annotations:
            return []
        self._author(annotations)
        if len(annotations) == 1:
            ids = [stored_id(self.store.create(annotations[0]))]
        else:
            ids = self.store.bulk_create(list(annotations))
        edit = Edit(
            label, annotations[0].image, {i: {"deleted": True} for i in ids}, {i: {"deleted": False} for i in ids}
        )
        self._push(edit)
        return ids

    def change(self, label: str, changes: dict[int, dict[str, Any]]) -> list[Annotation]:
        """Apply field changes per annotation id in one transaction; undo puts the old values back."""
        image, before = self._before(changes)
        if image is None or not before:  # an image whenever something is to change
            return []
        after = {id: changes[id] for id in before}
        new = self.store.update_many(Annotation, _stamped(after, self.editor))
        self._push(Edit(label, image, before, after))
        return new

    def change_and_create(
        self, label: str, changes: dict[int, dict[str, Any]], created: Sequence[Annotation]
    ) -> list[int]:
        """Change some annotations and create others in one transaction and one undo step (a cut
        that leaves several pieces: the largest stays the annotation, the rest are new ones)."""
        if not created:
            self.change(label, changes)
            return []
        self._author(created)
        _image, before = self._before(changes)
        after = {id: changes[id] for id in before}
        ids = self.store.change_and_create(_stamped(after, self.editor), created)
        before.update({i: {"deleted": True} for i in ids})
        after.update({i: {"deleted": False} for i in ids})
        self._push(Edit(label, created[0].image, before, after))
        return ids

    def delete(self, ids: Sequence[int], label: str = "Delete") -> None:
        self.change(label, {id: {"deleted": True} for id in ids})

    def do(self, command: Command) -> None:
        """Apply a command made elsewhere (one transaction, its own) and remember it for undo."""
        command.apply(self.store, self.editor)
        self._push(command)

    # --- undo -------------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def last_undone(self) -> Command | None:
        """The edit redo would apply: in a `changed` handler, tells an undo from a do or redo."""
        return self._redo[-1] if self._redo else None

    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    def undo(self) -> Command | None:
        if not self._undo:
            return None
        edit = self._undo[-1]
        edit.revert(self.store, self.editor)  # raises, and keeps the entry, on failure
        self._redo.append(self._undo.pop())
        self.changed.send(self, edit=edit)
        return edit

    def redo(self) -> Command | None:
        if not self._redo:
            return None
        edit = self._redo[-1]
        edit.apply(self.store, self.editor)
        self._undo.append(self._redo.pop())
        self.changed.send(self, edit=edit)
        return edit

    def __len__(self) -> int:
        return len(self._undo)

    # --- helpers ----------------------------------------------------------------------------
    def _author(self, annotations: Sequence[Annotation]) -> None:
        for annotation in annotations:
            annotation.user = annotation.user or self.editor
            annotation.last_editor = annotation.last_editor or self.editor

    def _before(self, changes: dict[int, dict[str, Any]]) -> tuple[int | None, dict[int, dict[str, Any]]]:
        """The image and the stored values of the fields `changes` would change (unchanged ones left out)."""
        changes = {id: fields for id, fields in changes.items() if fields}
        if not changes:
            return None, {}
        olds = self.store.get_many(Annotation, list(changes))
        missing = [id for id in changes if id not in olds]
        if missing:
            raise NotFoundError(f"Annotation {missing[0]} does not exist")
        before = {id: {name: getattr(olds[id], name) for name in fields} for id, fields in changes.items()}
        image = next(iter(olds.values())).image
        return image, {id: fields for id, fields in before.items() if fields != changes[id]}

    def _push(self, edit: Command) -> None:
        self._undo.append(edit)
        self._redo.clear()
        self.changed.send(self, edit=edit)


def _stamped(changes: dict[int, dict[str, Any]], editor: int | None) -> dict[int, dict[str, Any]]:
    if editor is None:
        return changes
    return {id: {**fields, "last_editor": editor} for id, fields in changes.items()}
