"""A plugin test records its process and the annotation types made for it

`plugin test` runs a script under a temporary plugin record that goes afterwards with its job,
results and types. Killed outright (SIGKILL, a power cut), it left them for good: a job running
for ever in every Jobs panel. Recorded with the process running it (host, pid and its start
time), whoever comes next removes a dead one's. Tests an earlier version left are taken in by
their name ("NAME (test 1a2b3c)", as it made them), their process the pid their job's worker
names (none: gone), their types not known (kept). Bands of the spatial index whose group is gone
(every removed result entry left its own) and that index nothing are removed.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_OLD_TEST = re.compile(r".+ \(test [0-9a-f]{6}\)")
_WORKER = re.compile(r"local-(\d+)-\d+-\d+")
_EMPTY_BANDS = """
    DELETE FROM spatial_band WHERE grp NOT IN (SELECT id FROM {groups}) AND tree = '{tree}'
    AND NOT EXISTS (SELECT 1 FROM {tree} g WHERE g.band = spatial_band.band)
    AND NOT EXISTS (SELECT 1 FROM spatial_density d WHERE d.band = spatial_band.band)
"""


def upgrade() -> None:
    op.create_table(
        "plugin_trial",
        sa.Column("plugin", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started", sa.Float(), nullable=True),
        sa.Column("made_types", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["plugin"], ["plugin.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("plugin"),
    )
    conn = op.get_bind()
    for plugin, name in conn.execute(sa.text("SELECT id, name FROM plugin")).fetchall():
        if _OLD_TEST.fullmatch(name):
            workers = conn.execute(sa.text("SELECT attached_worker FROM plugin_job WHERE plugin = :p"), {"p": plugin})
            pids = [int(m[1]) for (w,) in workers if (m := _WORKER.fullmatch(w or ""))]
            conn.execute(
                sa.text("INSERT INTO plugin_trial VALUES (:plugin, '', :pid, NULL, '[]')"),
                {"plugin": plugin, "pid": pids[0] if pids else 0},
            )
    op.execute(_EMPTY_BANDS.format(groups="plugin_result_entry", tree="plugin_result_annotation_grid"))
    op.execute(_EMPTY_BANDS.format(groups="annotation_type", tree="annotation_grid"))


def downgrade() -> None:
    op.drop_table("plugin_trial")
