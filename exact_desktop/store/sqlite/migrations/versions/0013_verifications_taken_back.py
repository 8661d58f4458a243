"""Verifications taken back after they were sent: the server's copy is deleted on the next push

A verification row goes when its decision is undone (or its annotation goes for good). If it
had been sent, `sync_verification_gone` keeps the server's id (a trigger copies it from
`sync_verification` before the row and its ledger row go), with the image set it belonged to,
so the next push of that set deletes it there too.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TRIGGER = (
    "CREATE TRIGGER sync_verification_taken_back BEFORE DELETE ON verification BEGIN "
    "INSERT OR REPLACE INTO sync_verification_gone (remote_id, image_set) "
    "SELECT s.remote_id, (SELECT i.image_set FROM annotation a JOIN image i ON i.id = a.image "
    "WHERE a.id = OLD.annotation) FROM sync_verification s WHERE s.verification = OLD.id; END"
)


def upgrade() -> None:
    op.create_table(
        "sync_verification_gone",
        sa.Column("remote_id", sa.Integer(), nullable=False),
        sa.Column("image_set", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("remote_id"),
    )
    op.execute(TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER sync_verification_taken_back")
    op.drop_table("sync_verification_gone")
