"""Annotations are indexed by image alone, which keeps each image's annotations in id order

A list page of an image's annotations (every sync pull reads whole image sets, 1,000 at a
time) sorted all of that image's ids for each page: 15-45 ms a page at 100,000 annotations,
about 3 s of the server's time for one pull. With the image's ids in order in an index, a page
is a range of it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_annotation_image", "annotation", ["image"])


def downgrade() -> None:
    op.drop_index("ix_annotation_image", "annotation")
