"""Review decisions: what a reviewer said about each plugin result annotation, and where a review stopped

- `review_decision`: one row per decided result annotation (accept, relabel or reject), with
  the type chosen, the reviewer and the time. An accept's annotation is an ordinary annotation
  (its UUID derived from the result annotation's), so it needs no column here; a reject has
  nothing else to hold it, and is kept so a candidate is never shown twice.
- `review_place`: per review scope (which result entries), its order and filters and the
  candidate on screen, so a review resumes where it stopped.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_decision",
        sa.Column("result_annotation", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("annotation_type", sa.Integer(), nullable=True),
        sa.Column("reviewer", sa.Integer(), nullable=True),
        sa.Column("time", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["result_annotation"], ["plugin_result_annotation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["annotation_type"], ["annotation_type.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reviewer"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("result_annotation"),
    )
    op.create_table(
        "review_place",
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("current", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("scope"),
    )


def downgrade() -> None:
    op.drop_table("review_place")
    op.drop_table("review_decision")
