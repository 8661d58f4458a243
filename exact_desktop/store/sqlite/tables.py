"""The current schema as SQLAlchemy tables. Migrations (Alembic) bring older files here.

Names follow EXACT. Extra desktop columns: `remote_id` (the row's id on an EXACT server),
`local_path` (images), `script`/`queue`/`parameter_schema` (plugins), `parameters`/`status`
(jobs), and `coords` (the vector's nodes as float32 pairs, so viewport queries skip JSON; NULL
for boxes written in bulk, whose corners the viewport reads from their spatial index entry).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)

metadata = MetaData()


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes stored as ISO-8601 text, which sorts and compares correctly."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return to_iso(value) if value is not None else None

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        return from_iso(value) if value is not None else None


def to_iso(value: datetime) -> str:
    """Always UTC with microseconds, so the text sorts like the time."""
    if value.tzinfo is not UTC:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def from_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True)


def _remote() -> Column[int]:
    return Column("remote_id", Integer, nullable=True, index=True)


team = Table("team", metadata, _id(), Column("name", String, nullable=False), _remote())

user = Table(
    "user", metadata, _id(),
    Column("username", String, nullable=False, unique=True),
    Column("password_hash", String, nullable=True),
    Column("is_local", Boolean, nullable=False, default=True),
    _remote(),
)  # fmt: skip

team_membership = Table(
    "team_membership", metadata, _id(),
    Column("team", ForeignKey("team.id", ondelete="CASCADE"), nullable=False),
    Column("user", ForeignKey("user.id", ondelete="CASCADE"), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    UniqueConstraint("team", "user"),
)  # fmt: skip

product = Table(
    "product", metadata, _id(),
    Column("name", String, nullable=False),
    Column("team", ForeignKey("team.id", ondelete="SET NULL"), nullable=True),
    Column("description", Text, nullable=False, default=""),
    _remote(),
)  # fmt: skip

image_set = Table(
    "image_set", metadata, _id(),
    Column("name", String, nullable=False),
    Column("team", ForeignKey("team.id", ondelete="SET NULL"), nullable=True),
    Column("description", Text, nullable=False, default=""),
    Column("main_annotation_type", Integer, nullable=True),
    Column("collaboration_type", Integer, nullable=False, default=0),
    _remote(),
)  # fmt: skip

image_set_product = Table(
    "image_set_product", metadata,
    Column("image_set", ForeignKey("image_set.id", ondelete="CASCADE"), primary_key=True),
    Column("product", ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
)  # fmt: skip

image = Table(
    "image", metadata, _id(),
    Column("name", String, nullable=False),
    Column("image_set", ForeignKey("image_set.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("filename", String, nullable=False, default=""),
    Column("local_path", Text, nullable=True),
    Column("width", Integer, nullable=False, default=0),
    Column("height", Integer, nullable=False, default=0),
    Column("depth", Integer, nullable=False, default=1),
    Column("frames", Integer, nullable=False, default=1),
    Column("channels", Integer, nullable=False, default=3),
    Column("mpp", Float, nullable=False, default=0.0),
    Column("objectivePower", Float, nullable=False, default=0.0),
    Column("defaultFrame", Integer, nullable=False, default=1),
    Column("image_type", Integer, nullable=False, default=0),
    Column("time", UTCDateTime, nullable=False),
    _remote(),
)  # fmt: skip

annotation_type = Table(
    "annotation_type", metadata, _id(),
    Column("name", String, nullable=False),
    Column("vector_type", Integer, nullable=False),
    Column("product", ForeignKey("product.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("color_code", String(9), nullable=False, default="#FF0000"),
    Column("node_count", Integer, nullable=False, default=0),
    Column("closed", Boolean, nullable=False, default=False),
    Column("area_hit_test", Boolean, nullable=False, default=True),
    Column("default_width", Integer, nullable=False, default=50),
    Column("default_height", Integer, nullable=False, default=50),
    Column("sort_order", Integer, nullable=False, default=0),
    Column("multi_frame", Boolean, nullable=False, default=False),
    Column("enable_concealed", Boolean, nullable=False, default=False),
    Column("enable_blurred", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    _remote(),
)  # fmt: skip

screening_mode = Table(
    "screening_mode", metadata, _id(),
    Column("image", ForeignKey("image.id", ondelete="CASCADE"), nullable=False),
    Column("user", ForeignKey("user.id", ondelete="SET NULL"), nullable=True),
    Column("screening_tiles", JSON, nullable=True),
    Column("x_steps", Integer, nullable=False, default=0),
    Column("y_steps", Integer, nullable=False, default=0),
    Column("x_resolution", Integer, nullable=False, default=0),
    Column("y_resolution", Integer, nullable=False, default=0),
    Column("current_index", Integer, nullable=False, default=0),
    _remote(),
    UniqueConstraint("image", "user"),
)  # fmt: skip

annotation = Table(
    "annotation", metadata, _id(),
    Column("annotation_type", ForeignKey("annotation_type.id"), nullable=False),
    Column("image", ForeignKey("image.id", ondelete="CASCADE"), nullable=False),
    Column("vector", JSON, nullable=True),
    Column("coords", LargeBinary, nullable=True),
    Column("unique_identifier", String(36), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("description", Text, nullable=False, default=""),
    Column("meta_data", JSON, nullable=True),
    Column("user", ForeignKey("user.id", ondelete="SET NULL"), nullable=True),
    Column("last_editor", ForeignKey("user.id", ondelete="SET NULL"), nullable=True),
    Column("time", UTCDateTime, nullable=False),
    Column("last_edit_time", UTCDateTime, nullable=False),
    Column("concealed", Boolean, nullable=False, default=False),
    Column("blurred", Boolean, nullable=False, default=False),
    Column("generated", Boolean, nullable=False, default=False),
    Column("remote_id", Integer, nullable=True),
    UniqueConstraint("image", "unique_identifier", name="uq_annotation_image_uuid"),
    Index("ix_annotation_image_type", "image", "annotation_type"),
    Index("ix_annotation_image", "image"),  # an image's annotations in id order: list pages without a sort
    # rows made here have no server id: no entry each (migrations 0015, 0016 for results)
    Index("ix_annotation_remote_id", "remote_id", sqlite_where=text("remote_id IS NOT NULL")),
)  # fmt: skip

annotation_version = Table(
    "annotation_version", metadata, _id(),
    Column("annotation", ForeignKey("annotation.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("annotation_type", Integer, nullable=False),
    Column("vector", JSON, nullable=True),
    Column("deleted", Boolean, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("meta_data", JSON, nullable=True),
    Column("editor", ForeignKey("user.id", ondelete="SET NULL"), nullable=True),
    Column("time", UTCDateTime, nullable=False),
    UniqueConstraint("annotation", "version"),
)  # fmt: skip

verification = Table(
    "verification", metadata, _id(),
    Column("annotation", ForeignKey("annotation.id", ondelete="CASCADE"), nullable=False),
    Column("user", ForeignKey("user.id", ondelete="SET NULL"), nullable=True),
    Column("verified", Boolean, nullable=False, default=False),
    Column("time", UTCDateTime, nullable=False),
    _remote(),
    UniqueConstraint("annotation", "user", name="uq_verification_annotation_user"),
)  # fmt: skip

plugin = Table(
    "plugin", metadata, _id(),
    Column("name", String, nullable=False, unique=True),
    Column("author", String, nullable=False, default=""),
    Column("package", String, nullable=False, default=""),
    Column("contact", String, nullable=False, default=""),
    Column("abouturl", String, nullable=False, default=""),
    Column("icon", String, nullable=False, default=""),
    Column("script", Text, nullable=False, default=""),
    Column("queue", String, nullable=False, default="local"),
    Column("parameter_schema", JSON, nullable=False, default=list),
    Column("produces", JSON, nullable=False, default=list, server_default="[]"),
    _remote(),
)  # fmt: skip

# EXACT's Plugin.products: administration products, whose annotation types the plugin produces
plugin_product = Table(
    "plugin_product", metadata,
    Column("plugin", ForeignKey("plugin.id", ondelete="CASCADE"), primary_key=True),
    Column("product", ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
)  # fmt: skip

# a `plugin test` under way: its temporary plugin, the process running it (host, pid, start time)
# and the annotation types made for it, so that one killed outright is tidied (see trial_book.py)
plugin_trial = Table(
    "plugin_trial", metadata,
    Column("plugin", ForeignKey("plugin.id", ondelete="CASCADE"), primary_key=True),
    Column("host", String, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started", Float, nullable=True),
    Column("made_types", JSON, nullable=False, default=list),
)  # fmt: skip

plugin_job = Table(
    "plugin_job", metadata, _id(),
    Column("plugin", ForeignKey("plugin.id", ondelete="CASCADE"), nullable=False),
    Column("image", ForeignKey("image.id", ondelete="CASCADE"), nullable=False),
    Column("creator", ForeignKey("user.id", ondelete="SET NULL"), nullable=True),
    Column("created_time", UTCDateTime, nullable=False),
    Column("updated_time", UTCDateTime, nullable=False),
    Column("eta_time", UTCDateTime, nullable=True),
    Column("processing_complete", Float, nullable=False, default=0.0),
    Column("attached_worker", String, nullable=False, default=""),
    Column("error_message", Text, nullable=False, default=""),
    Column("error_detail", Text, nullable=False, default=""),
    Column("result", Integer, nullable=True),
    Column("parameters", JSON, nullable=False, default=dict),
    Column("status", String(16), nullable=False, default="pending", index=True),
    Column("set_aside", JSON, nullable=False, default=list, server_default="[]"),  # see plugins/jobs.py
    _remote(),
    Index("ix_plugin_job_plugin_image", "plugin", "image", unique=True),  # one job per image, as EXACT
)  # fmt: skip

plugin_result = Table(
    "plugin_result", metadata, _id(),
    Column("image", ForeignKey("image.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("job", ForeignKey("plugin_job.id", ondelete="SET NULL"), nullable=True),
    Column("plugin", ForeignKey("plugin.id", ondelete="CASCADE"), nullable=False),
    Column("default_alpha", Float, nullable=False, default=1.0),
    Column("created_time", UTCDateTime, nullable=False),
    Column("completed_time", UTCDateTime, nullable=True),
    _remote(),
    # one result per job, as EXACT keeps it; results without a job are free
    Index("ix_plugin_result_job", "job", unique=True, sqlite_where=text("job IS NOT NULL")),
)  # fmt: skip

plugin_result_entry = Table(
    "plugin_result_entry", metadata, _id(),
    Column("pluginresult", ForeignKey("plugin_result.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String, nullable=False),
    Column("visible", Boolean, nullable=False, default=True),
    Column("default_threshold", Float, nullable=False, default=0.0),
    Column("created_time", UTCDateTime, nullable=False),
    _remote(),
)  # fmt: skip

plugin_result_annotation = Table(
    "plugin_result_annotation", metadata, _id(),
    Column("annotation_type", ForeignKey("annotation_type.id"), nullable=False),
    Column("pluginresultentry", ForeignKey("plugin_result_entry.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("image", ForeignKey("image.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("vector", JSON, nullable=True),
    Column("coords", LargeBinary, nullable=True),
    Column("score", Float, nullable=False, default=1.0),
    Column("meta_data", JSON, nullable=True),
    Column("unique_identifier", String(36), nullable=False),
    Column("time", UTCDateTime, nullable=False),
    Column("remote_id", Integer, nullable=True),
    Index("ix_plugin_result_annotation_remote_id", "remote_id", sqlite_where=text("remote_id IS NOT NULL")),
)  # fmt: skip

plugin_result_bitmap = Table(
    "plugin_result_bitmap", metadata, _id(),
    Column("pluginresultentry", ForeignKey("plugin_result_entry.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("image", ForeignKey("image.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("bitmap", Text, nullable=False),
    Column("name", String, nullable=False, default=""),
    Column("channels", Integer, nullable=False, default=1),
    Column("scale_min", Float, nullable=False, default=0.0),
    Column("scale_max", Float, nullable=False, default=1.0),
    Column("default_alpha", Float, nullable=False, default=0.5),
    Column("default_threshold", Float, nullable=False, default=0.0),
    Column("location_rect", JSON, nullable=False, default=dict),
    Column("frame", Integer, nullable=False, default=1),
    Column("meta_data", JSON, nullable=True),
    _remote(),
)  # fmt: skip

spatial_band = Table(
    "spatial_band", metadata,
    Column("band", Integer, primary_key=True),
    Column("tree", String, nullable=False),
    Column("image", ForeignKey("image.id", ondelete="CASCADE"), nullable=False),
    Column("grp", Integer, nullable=False),
    UniqueConstraint("tree", "image", "grp"),
)  # fmt: skip

# counts per cell of each band, per score bucket, beside the trees (see density.py)
spatial_density = Table(
    "spatial_density", metadata,
    Column("band", Integer, primary_key=True),
    Column("bucket", Integer, primary_key=True),
    Column("cx", Integer, primary_key=True),
    Column("cy", Integer, primary_key=True),
    Column("counts", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)  # fmt: skip

# the sync ledger (migration 0007 says what each holds); triggers fill sync_outbox
sync_image_set = Table(
    "sync_image_set", metadata,
    Column("image_set", ForeignKey("image_set.id", ondelete="CASCADE"), primary_key=True),
    Column("server", String, nullable=False),
    Column("remote_id", Integer, nullable=False),
    Column("cursor", String, nullable=True),
    Column("last_sync", String, nullable=True),
    UniqueConstraint("server", "remote_id"),
)  # fmt: skip

sync_outbox = Table(
    "sync_outbox", metadata,
    Column("annotation", ForeignKey("annotation.id", ondelete="CASCADE"), primary_key=True),
)  # fmt: skip

sync_base = Table(
    "sync_base", metadata,
    Column("annotation", ForeignKey("annotation.id", ondelete="CASCADE"), primary_key=True),
    Column("remote_time", String, nullable=False),
)  # fmt: skip

# the verdict a server holds of each verification sent to it (migration 0012)
sync_verification = Table(
    "sync_verification", metadata,
    Column("verification", ForeignKey("verification.id", ondelete="CASCADE"), primary_key=True),
    Column("remote_id", Integer, nullable=False),
    Column("verified", Boolean, nullable=False),
)  # fmt: skip

# the server's ids of verifications sent and then taken back here, to delete there (migration 0013)
sync_verification_gone = Table(
    "sync_verification_gone", metadata,
    Column("remote_id", Integer, primary_key=True, autoincrement=False),
    Column("image_set", Integer, nullable=True),  # None: its annotation was already gone for good
)  # fmt: skip

# a row only inside a transaction applying the server's changes: the outbox triggers skip them
sync_applying = Table("sync_applying", metadata, Column("id", Integer, primary_key=True))

sync_conflict = Table(
    "sync_conflict", metadata, _id(),
    Column("annotation", ForeignKey("annotation.id", ondelete="CASCADE"), nullable=False),
    Column("copy", ForeignKey("annotation.id", ondelete="SET NULL"), nullable=True),
    Column("unique_identifier", String, nullable=False),
    Column("local_change", String, nullable=False),
    Column("server_change", String, nullable=False),
    Column("found", String, nullable=False),
    Column("resolved", String, nullable=True, index=True),
)  # fmt: skip

# review decisions and places (migration 0010 says what each holds)
review_decision = Table(
    "review_decision", metadata,
    Column("result_annotation", ForeignKey("plugin_result_annotation.id", ondelete="CASCADE"), primary_key=True),
    Column("decision", String(8), nullable=False),  # accept | relabel | reject
    Column("annotation_type", ForeignKey("annotation_type.id", ondelete="SET NULL"), nullable=True),
    Column("reviewer", ForeignKey("user.id", ondelete="SET NULL"), nullable=True),
    Column("time", UTCDateTime, nullable=False),
)  # fmt: skip

review_place = Table(
    "review_place", metadata,
    Column("scope", String, primary_key=True),
    Column("settings", JSON, nullable=False),
    Column("current", Integer, nullable=True),
)  # fmt: skip

# the review's learning: features of each described candidate (migration 0014)
candidate_features = Table(
    "candidate_features", metadata,
    Column("result_annotation", ForeignKey("plugin_result_annotation.id", ondelete="CASCADE"), primary_key=True),
    Column("version", String, nullable=False),
    Column("features", LargeBinary, nullable=False),  # float32, in the order of the version's list
)  # fmt: skip

# spatial grid tables (created by migration 0008, outside SQLAlchemy's metadata; corners by 0019):
# (band, cell, id, min_x, max_x, min_y, max_y, corners) of live geometry only; see spatial.py
ANNOTATION_GRID = "annotation_grid"
RESULT_GRID = "plugin_result_annotation_grid"

# Column lists the bulk path sends with the driver's executemany; they must match the tables.
ANNOTATION_COLUMNS_SQL = ", ".join(f'"{c}"' for c in (
    "id", "annotation_type", "image", "vector", "coords", "unique_identifier", "deleted", "description",
    "meta_data", "user", "last_editor", "time", "last_edit_time", "concealed", "blurred", "generated", "remote_id",
))  # fmt: skip
RESULT_COLUMNS_SQL = ", ".join(f'"{c}"' for c in (
    "id", "annotation_type", "pluginresultentry", "image", "vector", "coords", "score", "meta_data",
    "unique_identifier", "time", "remote_id",
))  # fmt: skip
