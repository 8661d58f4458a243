"""One job per (plugin, image), as EXACT keeps it, enforced by the file itself

Checking for a job and then making one were two steps, so concurrent requests could both pass
the check (eight at once made two jobs). A unique index makes the second insert fail instead.
Older duplicates keep the newest job; the results of the others stay, no longer tied to a job.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM plugin_job WHERE id NOT IN (SELECT max(id) FROM plugin_job GROUP BY plugin, image)")
    op.drop_index("ix_plugin_job_plugin_image", table_name="plugin_job")
    op.create_index("ix_plugin_job_plugin_image", "plugin_job", ["plugin", "image"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_plugin_job_plugin_image", table_name="plugin_job")
    op.create_index("ix_plugin_job_plugin_image", "plugin_job", ["plugin", "image"], unique=False)
