"""The spatial index becomes a hierarchical grid in ordinary tables, instead of R*Trees

An R*Tree insert rewrites whole nodes: 18-26 us per object against 2 us for a B-tree row, the
largest single cost of a sync and of any import. Each tree's entries move to its grid table
(band, cell, id, min_x, max_x, min_y, max_y), with their cells computed as store/sqlite/
spatial.py does; `spatial_band` keeps its bands under the new table names.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

import numpy as np
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# the migration keeps its own copy of the layout it creates: later code may change
CELL, TOP, HALF = 256, 19, 1 << 22
TREES = (("annotation_rtree", "annotation_grid"), ("plugin_result_annotation_rtree", "plugin_result_annotation_grid"))


def _cell_keys(boxes: np.ndarray) -> np.ndarray:
    size = np.maximum(np.maximum(boxes[:, 1] - boxes[:, 0], boxes[:, 3] - boxes[:, 2]), 1.0)
    level = np.clip(np.ceil(np.log2(size / CELL)), 0, TOP).astype(np.int64)
    level += (CELL * np.exp2(level) < size) & (level < TOP)
    side = CELL * np.exp2(level)
    cx = np.clip(np.floor(boxes[:, 0] / side), -HALF, HALF - 1).astype(np.int64) + HALF
    cy = np.clip(np.floor(boxes[:, 2] / side), -HALF, HALF - 1).astype(np.int64) + HALF
    cx[level == TOP] = cy[level == TOP] = HALF
    return (level << 46) | (cy << 23) | cx


def upgrade() -> None:
    cursor = op.get_bind().connection.driver_connection.cursor()
    for tree, grid in TREES:
        cursor.execute(
            f"CREATE TABLE {grid} (band INTEGER NOT NULL, cell INTEGER NOT NULL, id INTEGER NOT NULL, "
            "min_x REAL NOT NULL, max_x REAL NOT NULL, min_y REAL NOT NULL, max_y REAL NOT NULL, "
            "PRIMARY KEY (band, cell, id)) WITHOUT ROWID"
        )
        cursor.execute(f"CREATE UNIQUE INDEX {grid}_id ON {grid} (id)")
        rows = cursor.execute(f"SELECT id, min_band, min_x, max_x, min_y, max_y FROM {tree}").fetchall()
        if rows:
            table = np.array(rows, np.float64)
            keys = _cell_keys(table[:, 2:6]).tolist()
            bands = np.round(table[:, 1] / 2).astype(np.int64).tolist()
            cursor.executemany(
                f"INSERT INTO {grid} VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(band, key, *row[:1], *row[2:]) for band, key, row in zip(bands, keys, rows, strict=True)],
            )
        cursor.execute(f"DROP TABLE {tree}")
        cursor.execute("UPDATE spatial_band SET tree = ? WHERE tree = ?", (grid, tree))


def downgrade() -> None:
    cursor = op.get_bind().connection.driver_connection.cursor()
    for tree, grid in TREES:
        cursor.execute(f"CREATE VIRTUAL TABLE {tree} USING rtree(id, min_band, max_band, min_x, max_x, min_y, max_y)")
        cursor.execute(f"INSERT INTO {tree} SELECT id, 2 * band, 2 * band + 1, min_x, max_x, min_y, max_y FROM {grid}")
        cursor.execute(f"DROP TABLE {grid}")
        cursor.execute("UPDATE spatial_band SET tree = ? WHERE tree = ?", (tree, grid))
