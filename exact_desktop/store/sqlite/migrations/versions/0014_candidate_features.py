"""Candidate features: what the review's learning computed from each candidate's pixels

One row per plugin result annotation that was described: the features (float32, in the order
of their version's list) and that version, so a review opened again, a retrain or a rescore of
a million candidates reads them instead of reading crops from the slide again. A new version of
the features makes the old rows stale (they are computed again and replaced).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "candidate_features",
        sa.Column("result_annotation", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("features", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["result_annotation"], ["plugin_result_annotation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("result_annotation"),
    )


def downgrade() -> None:
    op.drop_table("candidate_features")
