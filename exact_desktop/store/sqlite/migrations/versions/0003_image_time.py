"""Images remember when they were added (EXACT's Image.time)

Existing images get the time of the upgrade: the best that can be said of them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch rebuild would drop and re-create `image`, and every annotation
    # hangs off it. The constant default fills existing rows; new rows always bring a time.
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    op.add_column("image", sa.Column("time", sa.String(length=32), nullable=False, server_default=now))


def downgrade() -> None:
    op.drop_column("image", "time")
