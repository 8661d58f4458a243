"""Object counts per 64 px cell beside the R*Trees (store/sqlite/density.py), for far-out overlays

Filled from the trees as they are: annotations in bucket 0, result annotations by tenths of score.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import numpy as np
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# the migration keeps its own copy of the layout it creates: later code may change
CELL, CHUNK, BUCKETS = 64, 64, 10
SOURCES = (
    "SELECT min_band, min_x, max_x, min_y, max_y, 0 FROM annotation_rtree",
    "SELECT r.min_band, r.min_x, r.max_x, r.min_y, r.max_y, o.score FROM plugin_result_annotation_rtree r "
    "JOIN plugin_result_annotation o ON o.id = r.id",
)


def upgrade() -> None:
    cursor = op.get_bind().connection.driver_connection.cursor()
    cursor.execute(
        "CREATE TABLE spatial_density (band INTEGER NOT NULL, bucket INTEGER NOT NULL, cx INTEGER NOT NULL, "
        "cy INTEGER NOT NULL, counts BLOB NOT NULL, PRIMARY KEY (band, bucket, cx, cy)) WITHOUT ROWID"
    )
    chunks: dict[tuple[int, int, int, int], np.ndarray] = {}
    for sql in SOURCES:
        rows = np.array(cursor.execute(sql).fetchall(), np.float64).reshape(-1, 6)
        if not len(rows):
            continue
        bands = np.round(rows[:, 0] / 2).astype(np.int64)
        buckets = np.clip(np.floor(np.nan_to_num(rows[:, 5]) * BUCKETS), 0, BUCKETS - 1).astype(np.int64)
        cells_x = np.maximum(0, np.floor((rows[:, 1] + rows[:, 2]) / (2 * CELL))).astype(np.int64)
        cells_y = np.maximum(0, np.floor((rows[:, 3] + rows[:, 4]) / (2 * CELL))).astype(np.int64)
        for band, bucket, cx, cy in zip(bands, buckets, cells_x, cells_y, strict=True):
            key = (int(band), int(bucket), int(cx // CHUNK), int(cy // CHUNK))
            counts = chunks.setdefault(key, np.zeros(CHUNK * CHUNK, np.int32))
            counts[(cy % CHUNK) * CHUNK + cx % CHUNK] += 1
    cursor.executemany(
        "INSERT INTO spatial_density VALUES (?, ?, ?, ?, ?)",
        [(*key, counts.astype("<i4").tobytes()) for key, counts in chunks.items()],
    )


def downgrade() -> None:
    op.execute("DROP TABLE spatial_density")
