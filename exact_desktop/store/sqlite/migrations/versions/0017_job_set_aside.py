"""A job records the results of its earlier run that a run again set aside

They were known only to the process running the job: one killed outright (SIGKILL, a power
cut) left them unlinked for good, and the next run added its own beside them. Recorded with
the job, whoever next takes the job up settles them. Existing jobs have none set aside.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plugin_job", sa.Column("set_aside", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    op.drop_column("plugin_job", "set_aside")
