"""Two of the annotation table's indexes cost every insert and answered nothing

Measured with 1,000,000 boxes inserted in batches of 100,000 (plain sqlite3, the store's schema):
- `last_edit_time` (47 MB, about 1.5 s of the million's SQLite time): no query uses it. The
  one filter on that column (a pull's `last_edit_time__gte`) always comes with the images, and
  SQLite answers it from the `image` index, which gives the pages in id order.
- `remote_id` (10 MB, about 0.8 s): annotations made here have none, yet each had an entry.
  It becomes partial: only rows with a server id; `remote_id = ?` and `remote_id IN (...)`
  imply `IS NOT NULL`, so SQLite still uses it for them.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_annotation_last_edit_time", table_name="annotation")
    op.drop_index("ix_annotation_remote_id", table_name="annotation")
    op.create_index(
        "ix_annotation_remote_id", "annotation", ["remote_id"], sqlite_where=sa.text("remote_id IS NOT NULL")
    )


def downgrade() -> None:
    op.drop_index("ix_annotation_remote_id", table_name="annotation")
    op.create_index("ix_annotation_remote_id", "annotation", ["remote_id"])
    op.create_index("ix_annotation_last_edit_time", "annotation", ["last_edit_time"])
