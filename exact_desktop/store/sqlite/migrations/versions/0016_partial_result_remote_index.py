"""Result annotations index only the rows that have a server id, as annotations do since 0015

A plugin run here writes its results with no server id, yet each had an entry in the
`remote_id` index (one of the three a result row pays for). Nothing looks results up by it
today; the index stays, partial, for `remote_id = ?` and `IN (...)`, which imply `IS NOT NULL`.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLE, INDEX = "plugin_result_annotation", "ix_plugin_result_annotation_remote_id"


def upgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, ["remote_id"], sqlite_where=sa.text("remote_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, ["remote_id"])
