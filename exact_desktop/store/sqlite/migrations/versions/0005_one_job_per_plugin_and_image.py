"""One job per (plugin, image) and one result per job, as EXACT keeps them, enforced by the file

Checking for a job and then making one were two steps, so concurrent requests could both pass
the check (eight at once made two jobs); results of a job likewise. Unique indexes make the second
insert fail instead. Older duplicate jobs keep the newest; the results of the others stay, no
longer tied to a job. Of several results of one job the newest keeps the link, the others stay
without a job.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM plugin_job WHERE id NOT IN (SELECT max(id) FROM plugin_job GROUP BY plugin, image)")
    op.drop_index("ix_plugin_job_plugin_image", table_name="plugin_job")
    op.create_index("ix_plugin_job_plugin_image", "plugin_job", ["plugin", "image"], unique=True)
    op.execute(
        "UPDATE plugin_result SET job = NULL WHERE job IS NOT NULL AND id NOT IN "
        "(SELECT max(id) FROM plugin_result WHERE job IS NOT NULL GROUP BY job)"
    )
    op.create_index(
        "ix_plugin_result_job", "plugin_result", ["job"], unique=True, sqlite_where=sa.text("job IS NOT NULL")
    )


def downgrade() -> None:
    op.drop_index("ix_plugin_result_job", table_name="plugin_result")
    op.drop_index("ix_plugin_job_plugin_image", table_name="plugin_job")
    op.create_index("ix_plugin_job_plugin_image", "plugin_job", ["plugin", "image"], unique=False)
