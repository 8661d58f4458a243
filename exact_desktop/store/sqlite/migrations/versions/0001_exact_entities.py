"""EXACT entities

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "plugin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("package", sa.String(), nullable=False),
        sa.Column("contact", sa.String(), nullable=False),
        sa.Column("abouturl", sa.String(), nullable=False),
        sa.Column("icon", sa.String(), nullable=False),
        sa.Column("script", sa.Text(), nullable=False),
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("parameter_schema", sa.JSON(), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_index(op.f("ix_plugin_remote_id"), "plugin", ["remote_id"], unique=False)
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_team_remote_id"), "team", ["remote_id"], unique=False)
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("is_local", sa.Boolean(), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_index(op.f("ix_user_remote_id"), "user", ["remote_id"], unique=False)
    op.create_table(
        "image_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("team", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("main_annotation_type", sa.Integer(), nullable=True),
        sa.Column("collaboration_type", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["team"], ["team.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_image_set_remote_id"), "image_set", ["remote_id"], unique=False)
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("team", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["team"], ["team.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_product_remote_id"), "product", ["remote_id"], unique=False)
    op.create_table(
        "team_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team", sa.Integer(), nullable=False),
        sa.Column("user", sa.Integer(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["team"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team", "user"),
    )
    op.create_table(
        "annotation_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("vector_type", sa.Integer(), nullable=False),
        sa.Column("product", sa.Integer(), nullable=False),
        sa.Column("color_code", sa.String(length=9), nullable=False),
        sa.Column("node_count", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("area_hit_test", sa.Boolean(), nullable=False),
        sa.Column("default_width", sa.Integer(), nullable=False),
        sa.Column("default_height", sa.Integer(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("multi_frame", sa.Boolean(), nullable=False),
        sa.Column("enable_concealed", sa.Boolean(), nullable=False),
        sa.Column("enable_blurred", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["product"], ["product.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_annotation_type_product"), "annotation_type", ["product"], unique=False)
    op.create_index(op.f("ix_annotation_type_remote_id"), "annotation_type", ["remote_id"], unique=False)
    op.create_table(
        "image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("image_set", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(), nullable=False),
        sa.Column("local_path", sa.Text(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("mpp", sa.Float(), nullable=False),
        sa.Column("objectivePower", sa.Float(), nullable=False),
        sa.Column("defaultFrame", sa.Integer(), nullable=False),
        sa.Column("image_type", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["image_set"], ["image_set.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_image_image_set"), "image", ["image_set"], unique=False)
    op.create_index(op.f("ix_image_remote_id"), "image", ["remote_id"], unique=False)
    op.create_table(
        "image_set_product",
        sa.Column("image_set", sa.Integer(), nullable=False),
        sa.Column("product", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["image_set"], ["image_set.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product"], ["product.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("image_set", "product"),
    )
    op.create_table(
        "annotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("annotation_type", sa.Integer(), nullable=False),
        sa.Column("image", sa.Integer(), nullable=False),
        sa.Column("vector", sa.JSON(), nullable=True),
        sa.Column("coords", sa.LargeBinary(), nullable=True),
        sa.Column("unique_identifier", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("meta_data", sa.JSON(), nullable=True),
        sa.Column("user", sa.Integer(), nullable=True),
        sa.Column("last_editor", sa.Integer(), nullable=True),
        sa.Column("time", sa.String(length=32), nullable=False),
        sa.Column("last_edit_time", sa.String(length=32), nullable=False),
        sa.Column("concealed", sa.Boolean(), nullable=False),
        sa.Column("blurred", sa.Boolean(), nullable=False),
        sa.Column("generated", sa.Boolean(), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["annotation_type"],
            ["annotation_type.id"],
        ),
        sa.ForeignKeyConstraint(["image"], ["image.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["last_editor"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("image", "unique_identifier", name="uq_annotation_image_uuid"),
    )
    op.create_index("ix_annotation_image_type", "annotation", ["image", "annotation_type"], unique=False)
    op.create_index("ix_annotation_last_edit_time", "annotation", ["last_edit_time"], unique=False)
    op.create_index(op.f("ix_annotation_remote_id"), "annotation", ["remote_id"], unique=False)
    op.create_table(
        "plugin_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.Integer(), nullable=False),
        sa.Column("image", sa.Integer(), nullable=False),
        sa.Column("creator", sa.Integer(), nullable=True),
        sa.Column("created_time", sa.String(length=32), nullable=False),
        sa.Column("updated_time", sa.String(length=32), nullable=False),
        sa.Column("eta_time", sa.String(length=32), nullable=True),
        sa.Column("processing_complete", sa.Float(), nullable=False),
        sa.Column("attached_worker", sa.String(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("error_detail", sa.Text(), nullable=False),
        sa.Column("result", sa.Integer(), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["creator"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["image"], ["image.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["plugin"], ["plugin.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_plugin_job_plugin_image", "plugin_job", ["plugin", "image"], unique=False)
    op.create_index(op.f("ix_plugin_job_remote_id"), "plugin_job", ["remote_id"], unique=False)
    op.create_index(op.f("ix_plugin_job_status"), "plugin_job", ["status"], unique=False)
    op.create_table(
        "plugin_product",
        sa.Column("plugin", sa.Integer(), nullable=False),
        sa.Column("annotation_type", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["annotation_type"], ["annotation_type.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["plugin"], ["plugin.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("plugin", "annotation_type"),
    )
    op.create_table(
        "annotation_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("annotation", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("annotation_type", sa.Integer(), nullable=False),
        sa.Column("vector", sa.JSON(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("meta_data", sa.JSON(), nullable=True),
        sa.Column("editor", sa.Integer(), nullable=True),
        sa.Column("time", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["annotation"], ["annotation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["editor"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("annotation", "version"),
    )
    op.create_table(
        "plugin_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("image", sa.Integer(), nullable=False),
        sa.Column("job", sa.Integer(), nullable=True),
        sa.Column("plugin", sa.Integer(), nullable=False),
        sa.Column("default_alpha", sa.Float(), nullable=False),
        sa.Column("created_time", sa.String(length=32), nullable=False),
        sa.Column("completed_time", sa.String(length=32), nullable=True),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["image"], ["image.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["job"], ["plugin_job.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["plugin"], ["plugin.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_plugin_result_image"), "plugin_result", ["image"], unique=False)
    op.create_index(op.f("ix_plugin_result_remote_id"), "plugin_result", ["remote_id"], unique=False)
    op.create_table(
        "plugin_result_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pluginresult", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("visible", sa.Boolean(), nullable=False),
        sa.Column("default_threshold", sa.Float(), nullable=False),
        sa.Column("created_time", sa.String(length=32), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["pluginresult"], ["plugin_result.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_plugin_result_entry_pluginresult"), "plugin_result_entry", ["pluginresult"], unique=False)
    op.create_index(op.f("ix_plugin_result_entry_remote_id"), "plugin_result_entry", ["remote_id"], unique=False)
    op.create_table(
        "plugin_result_annotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("annotation_type", sa.Integer(), nullable=False),
        sa.Column("pluginresultentry", sa.Integer(), nullable=False),
        sa.Column("image", sa.Integer(), nullable=False),
        sa.Column("vector", sa.JSON(), nullable=True),
        sa.Column("coords", sa.LargeBinary(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("meta_data", sa.JSON(), nullable=True),
        sa.Column("unique_identifier", sa.String(length=36), nullable=False),
        sa.Column("time", sa.String(length=32), nullable=False),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["annotation_type"],
            ["annotation_type.id"],
        ),
        sa.ForeignKeyConstraint(["image"], ["image.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pluginresultentry"], ["plugin_result_entry.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_plugin_result_annotation_image"), "plugin_result_annotation", ["image"], unique=False)
    op.create_index(
        op.f("ix_plugin_result_annotation_pluginresultentry"),
        "plugin_result_annotation",
        ["pluginresultentry"],
        unique=False,
    )
    op.create_index(
        op.f("ix_plugin_result_annotation_remote_id"), "plugin_result_annotation", ["remote_id"], unique=False
    )
    op.create_table(
        "plugin_result_bitmap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pluginresultentry", sa.Integer(), nullable=False),
        sa.Column("image", sa.Integer(), nullable=False),
        sa.Column("bitmap", sa.Text(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("scale_min", sa.Float(), nullable=False),
        sa.Column("scale_max", sa.Float(), nullable=False),
        sa.Column("default_alpha", sa.Float(), nullable=False),
        sa.Column("default_threshold", sa.Float(), nullable=False),
        sa.Column("location_rect", sa.JSON(), nullable=False),
        sa.Column("frame", sa.Integer(), nullable=False),
        sa.Column("meta_data", sa.JSON(), nullable=True),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["image"], ["image.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pluginresultentry"], ["plugin_result_entry.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_plugin_result_bitmap_image"), "plugin_result_bitmap", ["image"], unique=False)
    op.create_index(
        op.f("ix_plugin_result_bitmap_pluginresultentry"), "plugin_result_bitmap", ["pluginresultentry"], unique=False
    )
    op.create_index(op.f("ix_plugin_result_bitmap_remote_id"), "plugin_result_bitmap", ["remote_id"], unique=False)


def downgrade() -> None:

    op.drop_index(op.f("ix_plugin_result_bitmap_remote_id"), table_name="plugin_result_bitmap")
    op.drop_index(op.f("ix_plugin_result_bitmap_pluginresultentry"), table_name="plugin_result_bitmap")
    op.drop_index(op.f("ix_plugin_result_bitmap_image"), table_name="plugin_result_bitmap")
    op.drop_table("plugin_result_bitmap")
    op.drop_index(op.f("ix_plugin_result_annotation_remote_id"), table_name="plugin_result_annotation")
    op.drop_index(op.f("ix_plugin_result_annotation_pluginresultentry"), table_name="plugin_result_annotation")
    op.drop_index(op.f("ix_plugin_result_annotation_image"), table_name="plugin_result_annotation")
    op.drop_table("plugin_result_annotation")
    op.drop_index(op.f("ix_plugin_result_entry_remote_id"), table_name="plugin_result_entry")
    op.drop_index(op.f("ix_plugin_result_entry_pluginresult"), table_name="plugin_result_entry")
    op.drop_table("plugin_result_entry")
    op.drop_index(op.f("ix_plugin_result_remote_id"), table_name="plugin_result")
    op.drop_index(op.f("ix_plugin_result_image"), table_name="plugin_result")
    op.drop_table("plugin_result")
    op.drop_table("annotation_version")
    op.drop_table("plugin_product")
    op.drop_index(op.f("ix_plugin_job_status"), table_name="plugin_job")
    op.drop_index(op.f("ix_plugin_job_remote_id"), table_name="plugin_job")
    op.drop_index("ix_plugin_job_plugin_image", table_name="plugin_job")
    op.drop_table("plugin_job")
    op.drop_index(op.f("ix_annotation_remote_id"), table_name="annotation")
    op.drop_index("ix_annotation_last_edit_time", table_name="annotation")
    op.drop_index("ix_annotation_image_type", table_name="annotation")
    op.drop_table("annotation")
    op.drop_table("image_set_product")
    op.drop_index(op.f("ix_image_remote_id"), table_name="image")
    op.drop_index(op.f("ix_image_image_set"), table_name="image")
    op.drop_table("image")
    op.drop_index(op.f("ix_annotation_type_remote_id"), table_name="annotation_type")
    op.drop_index(op.f("ix_annotation_type_product"), table_name="annotation_type")
    op.drop_table("annotation_type")
    op.drop_table("team_membership")
    op.drop_index(op.f("ix_product_remote_id"), table_name="product")
    op.drop_table("product")
    op.drop_index(op.f("ix_image_set_remote_id"), table_name="image_set")
    op.drop_table("image_set")
    op.drop_index(op.f("ix_user_remote_id"), table_name="user")
    op.drop_table("user")
    op.drop_index(op.f("ix_team_remote_id"), table_name="team")
    op.drop_table("team")
    op.drop_index(op.f("ix_plugin_remote_id"), table_name="plugin")
    op.drop_table("plugin")
