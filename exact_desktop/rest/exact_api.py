"""EXACT's resources as the model's entities, over one `Connection`.

Every list names its `fields` (the real server lists annotations six times faster so) and pages
with `limit=1000`. Entities come back with the server's ids in `id` and in `remote_id`, foreign
keys as the server's ids too: mapping them to local rows is the caller's job (sync does it).
A server time is kept as the text the server sent beside the entity: the real server sends its
local time without an offset, so it is only ever compared with other times from that server.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from exact_desktop.model import entities as e
from exact_desktop.rest.connection import Connection

ANNOTATIONS = "/api/v1/annotations/annotations/"
TYPES = "/api/v1/annotations/annotation_types/"
IMAGE_SETS = "/api/v1/images/image_sets/"
IMAGES = "/api/v1/images/images/"
PRODUCTS = "/api/v1/administration/products/"
TEAMS = "/api/v1/users/teams/"

ANNOTATION_FIELDS = (
    "id,image,annotation_type,vector,unique_identifier,deleted,description,meta_data,time,last_edit_time,"
    "concealed,blurred,generated"
)
IMAGE_SET_FIELDS = "id,name,description,images,product_set,main_annotation_type,team,collaboration_type"
IMAGE_FIELDS = (
    "id,name,filename,width,height,depth,frames,channels,mpp,objectivePower,defaultFrame,image_type,image_set"
)
TYPE_FIELDS = (
    "id,name,vector_type,node_count,color_code,product,closed,area_hit_test,default_width,default_height,"
    "sort_order,multi_frame,enable_concealed,enable_blurred,active"
)
# all a push keeps of a created annotation (EXACT's list create honours `fields` as its lists do)
CREATED_FIELDS = "id,unique_identifier,last_edit_time"
PAGE = 1000
UUIDS_PER_QUERY = 150  # 37 characters each: the query string stays under 8 KB (gunicorn's request line limit)
CREATE_CHUNK = 1_000  # annotations per list POST (paired runs, a push of 100,000: 4.2-4.6 s; 4.8-5.3 s with 500)
PAGES_IN_FLIGHT = 4  # list pages asked for at once: the real server answers each slowly, several in parallel


@dataclass(frozen=True)
class RemoteAnnotation:
    """An annotation as the server holds it, and its `last_edit_time` as the server wrote it."""

    annotation: e.Annotation
    server_time: str


def server_time(text: str | None) -> datetime:
    """A server's time as an aware datetime; one without an offset is labelled UTC (see above)."""
    if not text:
        return e.utcnow()
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Created(NamedTuple):
    """A created annotation as a push records it: the server's id and edit time for its UUID."""

    unique_identifier: str
    remote_id: int
    server_time: str

    @classmethod
    def of(cls, remote: RemoteAnnotation) -> Created:
        a = remote.annotation
        return cls(a.unique_identifier, a.remote_id, remote.server_time)  # type: ignore[arg-type]


def annotation_from_json(body: dict[str, Any]) -> RemoteAnnotation:
    made = server_time(body.get("time"))
    annotation = e.Annotation(
        annotation_type=int(body["annotation_type"]), image=int(body["image"]), vector=body.get("vector"),
        unique_identifier=str(body["unique_identifier"]), deleted=bool(body.get("deleted", False)),
        description=body.get("description") or "", meta_data=body.get("meta_data"), time=made,
        last_edit_time=server_time(body.get("last_edit_time")), concealed=bool(body.get("concealed", False)),
        blurred=bool(body.get("blurred", False)), generated=bool(body.get("generated", False)),
        id=int(body["id"]), remote_id=int(body["id"]),
    )  # fmt: skip
    return RemoteAnnotation(annotation, str(body.get("last_edit_time") or ""))


class ExactApi:
    def __init__(self, connection: Connection, server: str | None = None) -> None:
        """`server` names the server when the connection goes another way to it (a proxy)."""
        self.connection = connection
        self.server = server or connection.url

    # --- the frame: teams, products, types, image sets, images ------------------------------
    def image_sets(self) -> list[tuple[e.ImageSet, int]]:
        """Every image set the user can see, with its image count."""
        return [
            (_image_set(body), len(body.get("images") or []))
            for body in self.connection.iterate(IMAGE_SETS, fields=IMAGE_SET_FIELDS)
        ]

    def image_set(self, id: int) -> e.ImageSet:
        return _image_set(self.connection.get(f"{IMAGE_SETS}{id}/", fields=IMAGE_SET_FIELDS))

    def team(self, id: int) -> e.Team:
        body = self.connection.get(f"{TEAMS}{id}/", fields="id,name")
        return e.Team(body["name"], id=body["id"], remote_id=body["id"])

    def product(self, id: int) -> e.Product:
        body = self.connection.get(f"{PRODUCTS}{id}/", fields="id,name,team,description")
        return e.Product(body["name"], body.get("team"), body.get("description") or "", id=body["id"],
                         remote_id=body["id"])  # fmt: skip

    def annotation_types(self, product: int) -> list[e.AnnotationType]:
        found = []
        for body in self.connection.iterate(TYPES, product=product, fields=TYPE_FIELDS):
            if body["product"] == product:  # kept client-side: do not trust a filter to be applied
                known = {k: body[k] for k in TYPE_FIELDS.split(",") if k in body and k != "id"}
                found.append(e.AnnotationType(**known, id=body["id"], remote_id=body["id"]))
        return found

    def images(self, image_set: int) -> list[e.Image]:
        found = []
        for body in self.connection.iterate(IMAGES, image_set=image_set, fields=IMAGE_FIELDS):
            if body.get("image_set") == image_set:
                known = {k: body[k] for k in IMAGE_FIELDS.split(",") if k in body and k != "id" and body[k] is not None}
                found.append(e.Image(**known, id=body["id"], remote_id=body["id"]))
        return found

    # --- annotations ------------------------------------------------------------------------
    def annotation_pages(self, image_set: int, since: str | None = None) -> Iterator[list[RemoteAnnotation]]:
        """The image set's annotations (deleted ones too: that is how a deletion travels), page by
        page in id order; with `since`, only those edited at or after that server time. After the
        first page (which gives the count) PAGES_IN_FLIGHT pages are fetched at once."""
        params: dict[str, Any] = {"image__image_set": image_set, "fields": ANNOTATION_FIELDS, "limit": PAGE}
        if since:
            params["last_edit_time__gte"] = since
        first = self.connection.get(ANNOTATIONS, **params)
        yield [annotation_from_json(body) for body in first["results"]]
        offsets = range(len(first["results"]), int(first["count"]), PAGE) if first.get("next") else range(0)

        def fetched(offset: int) -> list[RemoteAnnotation]:
            # decoded here, beside the caller's writing: the mirror writes rows in multi-row
            # statements, during which this thread has the GIL to itself
            return [
                annotation_from_json(body)
                for body in self.connection.get(ANNOTATIONS, **params, offset=offset)["results"]
            ]

        with ThreadPoolExecutor(PAGES_IN_FLIGHT) as pool:
            yield from pool.map(fetched, offsets)

    def annotations_by_uuid(self, uuids: Sequence[str]) -> list[RemoteAnnotation]:
        found = []
        for start in range(0, len(uuids), UUIDS_PER_QUERY):
            chunk = ",".join(uuids[start : start + UUIDS_PER_QUERY])
            found += [
                annotation_from_json(b)
                for b in self.connection.iterate(ANNOTATIONS, unique_identifier__in=chunk, fields=ANNOTATION_FIELDS)
            ]
        return found

    def annotations_by_id(self, ids: Sequence[int]) -> list[RemoteAnnotation]:
        found = []
        for start in range(0, len(ids), PAGE):
            chunk = ",".join(str(i) for i in ids[start : start + PAGE])
            found += [
                annotation_from_json(b)
                for b in self.connection.iterate(ANNOTATIONS, id__in=chunk, fields=ANNOTATION_FIELDS)
            ]
        return found

    def create_annotations(self, bodies: Sequence[Any]) -> list[Created]:
        """One list POST (EXACT's bulk create, no upsert). Its outcome may be unknown
        (`UnknownOutcomeError`): then look the UUIDs up before sending again. The answer
        holds only what a push keeps: parsing whole annotations cost the client a fifth of a push."""
        made = self.connection.post(ANNOTATIONS, bodies, fields=CREATED_FIELDS)
        return [Created(str(b["unique_identifier"]), int(b["id"]), str(b.get("last_edit_time") or "")) for b in made]

    def create_annotation(self, body: Any) -> RemoteAnnotation:
        """One POST of an object: the server upserts on (image, unique_identifier), so it can be
        sent again after an unknown outcome."""
        return annotation_from_json(self.connection.post(ANNOTATIONS, body))

    def update_annotation(self, id: int, **fields: Any) -> RemoteAnnotation:
        return annotation_from_json(self.connection.json("PATCH", f"{ANNOTATIONS}{id}/", json=fields))


def _image_set(body: dict[str, Any]) -> e.ImageSet:
    return e.ImageSet(
        body["name"], body.get("team"), body.get("description") or "", list(body.get("product_set") or []),
        body.get("main_annotation_type"), int(body.get("collaboration_type") or 0), id=body["id"], remote_id=body["id"],
    )  # fmt: skip
