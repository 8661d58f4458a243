"""EXACT's entities as plain dataclasses, with EXACT's own field names.

Every store (the local SQLite mirror, the REST client) speaks these, so sync is a copy.
`id` is the store's own id; `remote_id` is the id on an EXACT server when the row came from,
or went to, one. Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any, Protocol

import uuid6


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    """A time-ordered UUID (version 7): valid anywhere a UUID is, and new rows land at the end
    of the (image, unique_identifier) index instead of all over it (30 % faster bulk inserts)."""
    return str(uuid6.uuid7())


class Identified(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(entity: Identified) -> int:
    """The id of an entity a store returned. Every entity has `id: int | None`, None only before
    it is stored; this is the one place that narrows it, and it says so if it was not stored."""
    if entity.id is None:
        raise ValueError(f"{type(entity).__name__} has no id: it was never stored")
    return entity.id


class Linked(Protocol):
    @property
    def remote_id(self) -> int | None: ...


def remote_id_of(entity: Linked) -> int:
    """The server's id of an entity that came from, or went to, an EXACT server (every entity the
    REST client reads has one); says so if it has none."""
    if entity.remote_id is None:
        raise ValueError(f"{type(entity).__name__} has no server id: it never came from or went to one")
    return entity.remote_id


class VectorType(IntEnum):
    """AnnotationType.vector_type codes as EXACT defines them."""

    BOUNDING_BOX = 1
    POINT = 2
    LINE = 3
    MULTI_LINE = 4
    POLYGON = 5
    FIXED_SIZE_BOUNDING_BOX = 6
    GLOBAL = 7
    SEGMENTATION = 8


class JobStatus:
    """The desktop's own job states (EXACT only has processing_complete and error fields)."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


CANCELLED_MESSAGE = "Cancelled"  # how a job's error_message begins when it was cancelled (EXACT has no state)
INTERRUPTED_MESSAGE = "Interrupted"  # ... and when the run that held it was stopped (a later run takes it up)


def status_from_exact(job: Mapping[str, Any]) -> str:
    """The desktop's state of a job from EXACT's fields, the only ones a server has."""
    message = job.get("error_message") or ""
    if message.startswith(CANCELLED_MESSAGE):
        return JobStatus.CANCELLED
    if message.startswith(INTERRUPTED_MESSAGE):
        return JobStatus.INTERRUPTED
    if message:
        return JobStatus.FAILED
    if (job.get("processing_complete") or 0) >= 100:
        return JobStatus.DONE
    return JobStatus.RUNNING if job.get("attached_worker") else JobStatus.PENDING


@dataclass
class Team:
    name: str
    id: int | None = None
    remote_id: int | None = None


@dataclass
class User:
    username: str
    id: int | None = None
    remote_id: int | None = None
    is_local: bool = True


@dataclass
class TeamMembership:
    team: int
    user: int
    is_admin: bool = False
    id: int | None = None


@dataclass
class Product:
    name: str
    team: int | None = None
    description: str = ""
    id: int | None = None
    remote_id: int | None = None


@dataclass
class ImageSet:
    name: str
    team: int | None = None
    description: str = ""
    product_set: list[int] = field(default_factory=list)
    main_annotation_type: int | None = None
    collaboration_type: int = 0
    id: int | None = None
    remote_id: int | None = None


@dataclass
class Image:
    name: str
    image_set: int
    filename: str = ""
    local_path: str | None = None
    width: int = 0
    height: int = 0
    depth: int = 1
    frames: int = 1
    channels: int = 3
    mpp: float = 0.0
    objectivePower: float = 0.0  # noqa: N815 - EXACT's field name
    defaultFrame: int = 1  # noqa: N815
    image_type: int = 0
    time: datetime = field(default_factory=utcnow)  # when it was added
    id: int | None = None
    remote_id: int | None = None


@dataclass
class ScreeningMode:
    """EXACT's screening progress of one user on one image (one per pair): the image cut into
    fields, `screening_tiles` {"0": {"x_min", "y_min", "x_max", "y_max", "Screened"}, ...}
    row by row with `x_steps` per row, each `x_resolution` x `y_resolution` level-0 px, and
    the field the screener is at (`current_index`). The desktop marks glass fields
    `"Glass": true` (EXACT keeps keys it does not know)."""

    image: int
    user: int | None
    screening_tiles: dict[str, Any] | None = None
    x_steps: int = 0
    y_steps: int = 0
    x_resolution: int = 0
    y_resolution: int = 0
    current_index: int = 0
    id: int | None = None
    remote_id: int | None = None


@dataclass
class AnnotationType:
    name: str
    vector_type: int
    product: int
    color_code: str = "#FF0000"
    node_count: int = 0
    closed: bool = False
    area_hit_test: bool = True
    default_width: int = 50
    default_height: int = 50
    sort_order: int = 0
    multi_frame: bool = False
    enable_concealed: bool = False
    enable_blurred: bool = False
    active: bool = True
    id: int | None = None
    remote_id: int | None = None


@dataclass
class Annotation:
    annotation_type: int
    image: int
    vector: dict[str, Any] | None
    unique_identifier: str = field(default_factory=new_uuid)
    deleted: bool = False
    description: str = ""
    meta_data: dict[str, Any] | None = None
    user: int | None = None
    last_editor: int | None = None
    time: datetime = field(default_factory=utcnow)
    last_edit_time: datetime = None  # type: ignore[assignment]  # defaults to `time`
    concealed: bool = False
    blurred: bool = False
    generated: bool = False
    id: int | None = None
    remote_id: int | None = None

    def __post_init__(self) -> None:
        if self.last_edit_time is None:
            self.last_edit_time = self.time


@dataclass
class AnnotationVersion:
    """One state of an annotation, written with every change: history for undo and audit."""

    annotation: int
    version: int
    action: str  # "create" | "update" | "delete" | "restore"
    annotation_type: int
    vector: dict[str, Any] | None
    deleted: bool
    description: str = ""
    meta_data: dict[str, Any] | None = None
    editor: int | None = None
    time: datetime = field(default_factory=utcnow)
    id: int | None = None


@dataclass
class Verification:
    """A user's verdict on an annotation, as EXACT keeps it: one per (annotation, user)."""

    annotation: int
    user: int | None
    verified: bool = False
    time: datetime = field(default_factory=utcnow)
    id: int | None = None
    remote_id: int | None = None


@dataclass
class Plugin:
    name: str
    author: str = ""
    package: str = ""
    contact: str = ""
    abouturl: str = ""
    icon: str = ""
    products: list[int] = field(default_factory=list)  # Product ids, as on EXACT
    script: str = ""  # path to an executable or .py file, or "module:function"
    queue: str = "local"
    parameter_schema: list[dict[str, Any]] = field(default_factory=list)
    produces: list[str] = field(default_factory=list)  # annotation type names, found in `products`
    id: int | None = None
    remote_id: int | None = None


@dataclass
class PluginJob:
    plugin: int
    image: int
    creator: int | None = None
    created_time: datetime = field(default_factory=utcnow)
    updated_time: datetime = field(default_factory=utcnow)
    eta_time: datetime | None = None
    processing_complete: float = 0.0
    attached_worker: str = ""
    error_message: str = ""
    error_detail: str = ""
    result: int | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    status: str = JobStatus.PENDING
    set_aside: list[int] = field(default_factory=list)  # its earlier run's results while it runs again
    id: int | None = None
    remote_id: int | None = None


@dataclass
class PluginResult:
    image: int
    job: int | None
    plugin: int
    default_alpha: float = 1.0
    created_time: datetime = field(default_factory=utcnow)
    completed_time: datetime | None = None
    id: int | None = None
    remote_id: int | None = None


@dataclass
class PluginResultEntry:
    pluginresult: int
    name: str
    visible: bool = True
    default_threshold: float = 0.0
    created_time: datetime = field(default_factory=utcnow)
    id: int | None = None
    remote_id: int | None = None


@dataclass
class PluginResultAnnotation:
    annotation_type: int
    pluginresultentry: int
    image: int
    vector: dict[str, Any] | None
    score: float = 1.0
    meta_data: dict[str, Any] | None = None
    unique_identifier: str = field(default_factory=new_uuid)
    time: datetime = field(default_factory=utcnow)
    id: int | None = None
    remote_id: int | None = None


@dataclass
class PluginResultBitmap:
    pluginresultentry: int
    image: int
    bitmap: str  # file name inside the project's bitmap folder
    name: str = ""
    channels: int = 1
    scale_min: float = 0.0
    scale_max: float = 1.0
    default_alpha: float = 0.5
    default_threshold: float = 0.0
    location_rect: dict[str, float] = field(default_factory=dict)  # {x, y, w, h} level-0 px
    frame: int = 1
    meta_data: dict[str, Any] | None = None
    id: int | None = None
    remote_id: int | None = None


ENTITIES: tuple[type, ...] = (
    Team, User, TeamMembership, Product, ImageSet, Image, AnnotationType, Annotation,
    AnnotationVersion, Verification, Plugin, PluginJob, PluginResult, PluginResultEntry,
    PluginResultAnnotation, PluginResultBitmap,
)  # fmt: skip
