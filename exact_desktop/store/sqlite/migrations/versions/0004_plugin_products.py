"""A plugin's products are Products, as on EXACT; the types it produces are named in `produces`

Until now `plugin_product` linked plugins to annotation types. EXACT links a plugin to
administration products (a many-to-many), and a plugin finds its annotation types by name inside
them. Each existing link becomes a link to that type's product, and the type's name goes into
the plugin's `produces` list, so nothing a plugin made is lost.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plugin", sa.Column("produces", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "plugin_product_new",
        sa.Column("plugin", sa.Integer(), nullable=False),
        sa.Column("product", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plugin"], ["plugin.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product"], ["product.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("plugin", "product"),
    )
    cursor = op.get_bind().connection.driver_connection.cursor()
    links = cursor.execute(
        "SELECT l.plugin, t.product, t.name FROM plugin_product l "
        "JOIN annotation_type t ON t.id = l.annotation_type ORDER BY l.plugin, t.id"
    ).fetchall()
    names: dict[int, list[str]] = {}
    for plugin, product, name in links:
        cursor.execute("INSERT OR IGNORE INTO plugin_product_new (plugin, product) VALUES (?, ?)", (plugin, product))
        names.setdefault(plugin, []).append(name)
    for plugin, produced in names.items():
        cursor.execute("UPDATE plugin SET produces = ? WHERE id = ?", (json.dumps(produced), plugin))
    op.drop_table("plugin_product")
    op.rename_table("plugin_product_new", "plugin_product")


def downgrade() -> None:
    raise NotImplementedError("a plugin's products cannot be turned back into annotation types")
