"""Files that belong to a row (uploaded bitmaps, icons): on disk only if the row is stored."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def removed_unless_stored(path: Path) -> Iterator[Path]:
    """A file written for a row stays only if the block that stores the row succeeds: a refused
    upload, bitmap or icon leaves nothing on disk."""
    try:
        yield path
    except BaseException:
        path.unlink(missing_ok=True)
        raise
