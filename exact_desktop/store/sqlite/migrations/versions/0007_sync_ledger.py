"""The sync ledger: which image sets mirror a server, what changed here since, what conflicted

- `sync_image_set`: a local image set that mirrors one on a server (its URL and id), with the
  pull cursor (the newest server `last_edit_time` pulled, in the server's own clock, as text).
- `sync_outbox`: one row per annotation of a mirrored image set changed here since the last
  sync. Triggers write it, so it is in the same transaction as the edit, whoever made it.
- `sync_base`: per synced annotation, the server's `last_edit_time` when the two sides last
  agreed: a newer one on the server while the outbox holds the annotation is a conflict.
- `sync_conflict`: both sides changed an annotation; both versions are kept until resolved.
- `sync_applying`: holds a row only inside a transaction that writes what came from the server
  (never committed), so the triggers leave such writes out of the outbox.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MIRRORED = (
    "NOT EXISTS (SELECT 1 FROM sync_applying) AND EXISTS (SELECT 1 FROM image i "
    "JOIN sync_image_set s ON s.image_set = i.image_set WHERE i.id = NEW.image)"
)


def upgrade() -> None:
    op.create_table(
        "sync_image_set",
        sa.Column("image_set", sa.Integer(), nullable=False),
        sa.Column("server", sa.String(), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.String(), nullable=True),
        sa.Column("last_sync", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["image_set"], ["image_set.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("image_set"),
        sa.UniqueConstraint("server", "remote_id"),
    )
    op.create_table(
        "sync_outbox",
        sa.Column("annotation", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["annotation"], ["annotation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("annotation"),
    )
    op.create_table(
        "sync_base",
        sa.Column("annotation", sa.Integer(), nullable=False),
        sa.Column("remote_time", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["annotation"], ["annotation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("annotation"),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("annotation", sa.Integer(), nullable=False),
        sa.Column("copy", sa.Integer(), nullable=True),
        sa.Column("unique_identifier", sa.String(), nullable=False),
        sa.Column("local_change", sa.String(), nullable=False),
        sa.Column("server_change", sa.String(), nullable=False),
        sa.Column("found", sa.String(), nullable=False),
        sa.Column("resolved", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["annotation"], ["annotation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["copy"], ["annotation.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table("sync_applying", sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("id"))
    op.create_index(op.f("ix_sync_conflict_resolved"), "sync_conflict", ["resolved"], unique=False)
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER sync_outbox_{event.lower()} AFTER {event} ON annotation WHEN {MIRRORED} "
            "BEGIN INSERT OR IGNORE INTO sync_outbox (annotation) VALUES (NEW.id); END"
        )


def downgrade() -> None:
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER sync_outbox_{event}")
    op.drop_index(op.f("ix_sync_conflict_resolved"), table_name="sync_conflict")
    for table in ("sync_applying", "sync_conflict", "sync_base", "sync_outbox", "sync_image_set"):
        op.drop_table(table)
