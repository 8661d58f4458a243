"""Spatial index: R*Trees over the boxes of live annotations and result annotations

Rows are (id, min_band, max_band, min_x, max_x, min_y, max_y); band b, one per (image, group)
in `spatial_band`, spans [2b, 2b + 1] (see store/sqlite/spatial.py for why). The group is the
annotation type for annotations and the result entry for result annotations. Existing rows
are indexed from their vectors, and their `coords` filled.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import json
import struct

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TREES = (
    ("annotation_rtree", "annotation", "annotation_type", "deleted = 0"),
    ("plugin_result_annotation_rtree", "plugin_result_annotation", "pluginresultentry", "1 = 1"),
)


def upgrade() -> None:
    op.create_table(
        "spatial_band",
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("tree", sa.String(), nullable=False),
        sa.Column("image", sa.Integer(), nullable=False),
        sa.Column("grp", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["image"], ["image.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("band"),
        sa.UniqueConstraint("tree", "image", "grp"),
    )
    cursor = op.get_bind().connection.driver_connection.cursor()
    for tree, table, group, live in TREES:
        cursor.execute(f"CREATE VIRTUAL TABLE {tree} USING rtree(id, min_band, max_band, min_x, max_x, min_y, max_y)")
        rows = cursor.execute(f"SELECT id, image, {group}, vector FROM {table} WHERE {live}").fetchall()
        bands: dict[tuple[int, int], int] = {}
        entries, coords = [], []
        for row_id, image, grp, vector_json in rows:
            vector = json.loads(vector_json) if vector_json else None
            if not vector:
                continue
            if (image, grp) not in bands:
                cursor.execute("INSERT INTO spatial_band (tree, image, grp) VALUES (?, ?, ?)", (tree, image, grp))
                bands[(image, grp)] = cursor.lastrowid
            band = bands[(image, grp)]
            n = sum(1 for key in vector if key[0] == "x")
            nodes = [(float(vector[f"x{i}"]), float(vector[f"y{i}"])) for i in range(1, n + 1)]
            xs, ys = [x for x, _ in nodes], [y for _, y in nodes]
            entries.append((row_id, 2 * band, 2 * band + 1, min(xs), max(xs), min(ys), max(ys)))
            coords.append((struct.pack(f"<{2 * n}f", *[v for node in nodes for v in node]), row_id))
        cursor.executemany(f"INSERT INTO {tree} VALUES (?, ?, ?, ?, ?, ?, ?)", entries)
        cursor.executemany(f"UPDATE {table} SET coords = ? WHERE id = ?", coords)


def downgrade() -> None:
    for tree, *_rest in TREES:
        op.execute(f"DROP TABLE {tree}")
    op.drop_table("spatial_band")
