"""EXACT's verifications: a user's verdict on an annotation, one per (annotation, user)

A review decision is also its reviewer's verification of the annotation an accept made (or of
one a reject took back), kept here as EXACT keeps it, so the embedded API serves them and
sync can send them to a server; `sync_verification` holds the server's id of each one sent and
the verdict it holds.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("annotation", sa.Integer(), nullable=False),
        sa.Column("user", sa.Integer(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("time", sa.String(32), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["annotation"], ["annotation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("annotation", "user", name="uq_verification_annotation_user"),
    )
    op.create_index(op.f("ix_verification_remote_id"), "verification", ["remote_id"], unique=False)
    op.create_table(  # the sync ledger's part: what the server holds of each verification
        "sync_verification",
        sa.Column("verification", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["verification"], ["verification.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("verification"),
    )


def downgrade() -> None:
    op.drop_table("sync_verification")
    op.drop_index(op.f("ix_verification_remote_id"), table_name="verification")
    op.drop_table("verification")
