"""A separate process that writes annotations into a project file (for the concurrency tests).

    python -m tests.store.writer_process DB IMAGE TYPE COUNT BATCH TAG
Prints "started" before its first write and "done" after its last.
"""

from __future__ import annotations

import sys
from pathlib import Path

from exact_desktop.model.entities import Annotation
from exact_desktop.store.sqlite.store import SqliteStore


def main(db: str, image: str, kind: str, count: str, batch: str, tag: str) -> None:
    store = SqliteStore(Path(db))
    total, size = int(count), int(batch)
    print("started", flush=True)
    for start in range(0, total, size):
        items = [
            Annotation(int(kind), int(image), {"x1": i, "y1": i, "x2": i + 10, "y2": i + 10}, description=tag)
            for i in range(start, min(total, start + size))
        ]
        if size == 1:
            store.create(items[0])
        else:
            store.bulk_create(items)
    print("done", flush=True)
    store.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
