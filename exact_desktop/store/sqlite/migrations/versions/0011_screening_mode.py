"""EXACT's screening modes: per image and user, the fields of the image and which were screened

- `screening_mode`: EXACT's `images/screening_modes` fields (screening_tiles as JSON, x/y steps
  and resolution, current_index), one per (image, user), with the server's id once synced.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screening_mode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("image", sa.Integer(), nullable=False),
        sa.Column("user", sa.Integer(), nullable=True),
        sa.Column("screening_tiles", sa.JSON(), nullable=True),
        sa.Column("x_steps", sa.Integer(), nullable=False),
        sa.Column("y_steps", sa.Integer(), nullable=False),
        sa.Column("x_resolution", sa.Integer(), nullable=False),
        sa.Column("y_resolution", sa.Integer(), nullable=False),
        sa.Column("current_index", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["image"], ["image.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("image", "user"),
    )
    op.create_index("ix_screening_mode_remote_id", "screening_mode", ["remote_id"])


def downgrade() -> None:
    op.drop_index("ix_screening_mode_remote_id", "screening_mode")
    op.drop_table("screening_mode")
