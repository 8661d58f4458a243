"""EXACT's resources as the model's entities, over one `Connection`.

Every list names its `fields` (the real server lists annotations six times faster so) and pages
with `limit=1000`. Entities come back with the server's ids in `id` and in `remote_id`, foreign
keys as the server's ids too: mapping them to local rows is the caller's job (sync does it).
An entity's times are UTC, read by the server's clock (the real server writes its wall time
without an offset); the text the server sent is kept beside it as the version it wrote.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple

from exact_desktop.model import entities as e
from exact_desktop.rest.answers import Shape, checked, checked_list
from exact_desktop.rest.connection import BearerToken, Connection
from exact_desktop.rest.errors import ExactApiError
from exact_desktop.rest.paging import PageError, Pages, page_name
from exact_desktop.rest.server_clock import ClockError, ServerClock

ANNOTATIONS = "/api/v1/annotations/annotations/"
TYPES = "/api/v1/annotations/annotation_types/"
IMAGE_SETS = "/api/v1/images/image_sets/"
IMAGES = "/api/v1/images/images/"
PRODUCTS = "/api/v1/administration/products/"
TEAMS = "/api/v1/users/teams/"
TOKENS = "/users/api/tokens/"  # EXACT's personal access tokens of the user
SCREENING_MODES = "/api/v1/images/screening_modes/"
USERS = "/api/v1/users/users/"

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
NONE = type(None)
IMAGE_SET_SHAPE: Shape = {
    "id": int, "name": str, "team": (int, NONE), "description": (str, NONE), "product_set": (list, NONE),
    "main_annotation_type": (int, NONE), "collaboration_type": (int, NONE),
}  # fmt: skip
CREATED_SHAPE: Shape = {"id": int, "unique_identifier": str, "last_edit_time": (str, NONE)}
PAGE = 1000
UUIDS_PER_QUERY = 150  # 37 characters each: the query string stays under 8 KB (gunicorn's request line limit)
CREATE_CHUNK = 1_000  # annotations per list POST (paired runs, a push of 100,000: 4.2-4.6 s; 4.8-5.3 s with 500)
PAGES_IN_FLIGHT = 4  # list pages asked for at once: the real server answers each slowly, several in parallel


@dataclass(frozen=True)
class RemoteAnnotation:
    """An annotation as the server holds it, and its `last_edit_time` as the server wrote it."""

    annotation: e.Annotation
    server_time: str


class Created(NamedTuple):
    """A created annotation as a push records it: the server's id and edit time for its UUID."""

    unique_identifier: str
    remote_id: int
    server_time: str

    @classmethod
    def of(cls, remote: RemoteAnnotation) -> Created:
        a = remote.annotation
        return cls(a.unique_identifier, e.remote_id_of(a), remote.server_time)


def annotation_from_json(body: dict[str, Any], clock: ServerClock) -> RemoteAnnotation:
    """KeyError, TypeError or ValueError (ClockError among them) for a body that is not one."""
    edited = str(body.get("last_edit_time") or "")
    annotation = e.Annotation(
        annotation_type=int(body["annotation_type"]), image=int(body["image"]), vector=body.get("vector"),
        unique_identifier=str(body["unique_identifier"]), deleted=bool(body.get("deleted", False)),
        description=body.get("description") or "", meta_data=body.get("meta_data"),
        time=clock.instant(body["time"]) if body.get("time") else e.utcnow(),
        last_edit_time=clock.instant(edited) if edited else e.utcnow(), concealed=bool(body.get("concealed", False)),
        blurred=bool(body.get("blurred", False)), generated=bool(body.get("generated", False)),
        id=int(body["id"]), remote_id=int(body["id"]),
    )  # fmt: skip
    return RemoteAnnotation(annotation, edited)


class ExactApi:
    def __init__(self, connection: Connection, server: str | None = None, clock: ServerClock | None = None) -> None:
        """`server` names the server when the connection goes another way to it (a proxy)."""
        self.connection = connection
        self.server = server or connection.url
        self.clock = clock or ServerClock()
        self.clock_notes: list[str] = []  # what checking the clock against `Date` found
        self.counted = 0  # the count the server gave on the first page of the annotations listed last

    def _annotations(self, bodies: list[dict[str, Any]], where: str) -> list[RemoteAnnotation]:
        found = []
        for n, body in enumerate(bodies, 1):
            try:
                found.append(annotation_from_json(body, self.clock))
            except ClockError as err:
                raise PageError(f"{self.server}: annotation {n} of {where}: {err}") from None
            except (KeyError, TypeError, ValueError) as err:
                raise PageError(f"{self.server}: annotation {n} of {where} is not an annotation ({err!r})") from None
        return found

    def check_clock(self) -> None:
        """Checks the zone the server's times are read in before anything is read: EXACT stamps
        a personal access token's `last_used_at` with its wall time at every request the token
        signs, so the token list read now shows the server's clock of this very moment beside
        the `Date` of that answer. Nothing to check without a token, or where there is no such
        list (`serve`, which writes its offsets anyway); a push checks its answers too."""
        if not isinstance(self.connection.session.auth, BearerToken):
            return
        try:
            listed = self.connection.get(TOKENS, limit=100)
        except ExactApiError:
            return
        rows = listed.get("results") if isinstance(listed, dict) else listed
        used = [str(r["last_used_at"]) for r in rows or [] if isinstance(r, dict) and r.get("last_used_at")]
        self._check_clock([max(used)] if used else [])

    def _check_clock(self, written: list[str]) -> None:
        """The server's clock against the `Date` of the answer that wrote `written`."""
        note = self.clock.check(self.connection.server_date, written[-1] if written else None)
        if note:
            self.clock_notes.append(f"{self.server}: {note}")

    # --- screening progress -----------------------------------------------------------------
    def user_id(self, username: str) -> int | None:
        """The server's id of a user, by name."""
        found = [u for u in self.connection.iterate(USERS, username=username) if u.get("username") == username]
        return checked(found[0], {"id": int}, self.server, f"{USERS} for {username!r}")["id"] if found else None

    def screening_mode(self, image: int, user: int) -> dict[str, Any] | None:
        """The user's screening of an image (EXACT keeps one per pair), or None."""
        answer = self.connection.get(SCREENING_MODES, image=image, user=user)
        found = checked(answer, {"results": list}, self.server, SCREENING_MODES)["results"]
        return checked(found[0], {"id": int}, self.server, SCREENING_MODES) if found else None

    def save_screening_mode(self, body: dict[str, Any], remote_id: int | None = None) -> dict[str, Any]:
        """Create it (`body` names image and user) or, given its id, change it."""
        if remote_id is None:
            return self.connection.post(SCREENING_MODES, body)  # type: ignore[no-any-return]
        return self.connection.patch(f"{SCREENING_MODES}{remote_id}/", **body)  # type: ignore[no-any-return]

    # --- the frame: teams, products, types, image sets, images ------------------------------
    def image_sets(self) -> list[tuple[e.ImageSet, int]]:
        """Every image set the user can see, with its image count."""
        listed = []
        for body in self.connection.iterate(IMAGE_SETS, fields=IMAGE_SET_FIELDS):
            checked(body, {**IMAGE_SET_SHAPE, "images": (list, NONE)}, self.server, f"the list of {IMAGE_SETS}")
            listed.append((_image_set(body), len(body.get("images") or [])))
        return listed

    def image_set(self, id: int) -> e.ImageSet:
        path = f"{IMAGE_SETS}{id}/"
        return _image_set(
            checked(self.connection.get(path, fields=IMAGE_SET_FIELDS), IMAGE_SET_SHAPE, self.server, path)
        )

    def team(self, id: int) -> e.Team:
        path = f"{TEAMS}{id}/"
        body = checked(self.connection.get(path, fields="id,name"), {"id": int, "name": str}, self.server, path)
        return e.Team(body["name"], id=body["id"], remote_id=body["id"])

    def product(self, id: int) -> e.Product:
        path = f"{PRODUCTS}{id}/"
        shape: Shape = {"id": int, "name": str, "team": (int, NONE), "description": (str, NONE)}
        body = checked(self.connection.get(path, fields="id,name,team,description"), shape, self.server, path)
        return e.Product(body["name"], body.get("team"), body.get("description") or "", id=body["id"],
                         remote_id=body["id"])  # fmt: skip

    def annotation_types(self, product: int) -> list[e.AnnotationType]:
        found = []
        for body in self.connection.iterate(TYPES, product=product, fields=TYPE_FIELDS):
            checked(body, {"id": int, "name": str, "product": int}, self.server, f"the list of {TYPES}")
            if body["product"] == product:  # kept client-side: do not trust a filter to be applied
                known = {k: body[k] for k in TYPE_FIELDS.split(",") if k in body and k != "id"}
                found.append(e.AnnotationType(**known, id=body["id"], remote_id=body["id"]))
        return found

    def images(self, image_set: int) -> list[e.Image]:
        found = []
        for body in self.connection.iterate(IMAGES, image_set=image_set, fields=IMAGE_FIELDS):
            checked(body, {"id": int, "name": str}, self.server, f"the list of {IMAGES}")
            if body.get("image_set") == image_set:
                known = {k: body[k] for k in IMAGE_FIELDS.split(",") if k in body and k != "id" and body[k] is not None}
                found.append(e.Image(**known, id=body["id"], remote_id=body["id"]))
        return found

    # --- annotations ------------------------------------------------------------------------
    def annotation_pages(self, image_set: int, since: str | None = None) -> Iterator[list[RemoteAnnotation]]:
        """The image set's annotations (deleted ones too: that is how a deletion travels), page by
        page in id order, each once; with `since` (a server time), only those edited at or after
        it. The first page shows the count and the server's page size (maybe less than asked:
        offsets go by it); then PAGES_IN_FLIGHT pages are fetched at once, and what a page
        lacks is asked for again from where it ended. A list that ends short is a PageError."""
        params: dict[str, Any] = {"image__image_set": image_set, "fields": ANNOTATION_FIELDS, "limit": PAGE}
        if since:
            params["last_edit_time__gte"] = since
        pages = Pages(self.server, ANNOTATIONS, ids=True)

        def fetched(offset: int) -> tuple[int, Any]:
            return offset, self.connection.get(ANNOTATIONS, **params, offset=offset)

        def page(offset: int, answer: Any) -> list[RemoteAnnotation]:
            # decoded here, beside the caller's writing: the mirror writes rows in multi-row
            # statements, during which this thread has the GIL to itself
            return self._annotations(pages.take(answer, offset), page_name(ANNOTATIONS, offset))

        first = page(*fetched(0))
        self.counted = pages.count
        yield first
        step = pages.offset
        if pages.more:
            with ThreadPoolExecutor(PAGES_IN_FLIGHT) as pool:
                for offset, answer in pool.map(fetched, range(step, pages.count, step)):
                    yield page(offset, answer)
                    end, at = min(offset + step, pages.count), offset + pages.last_size
                    while pages.last_size and at < end:  # a short page: the rest of it
                        yield page(*fetched(at))
                        at += pages.last_size
        pages.check_total()

    def annotations_by_uuid(self, uuids: Sequence[str]) -> list[RemoteAnnotation]:
        found = []
        for start in range(0, len(uuids), UUIDS_PER_QUERY):
            chunk = ",".join(uuids[start : start + UUIDS_PER_QUERY])
            bodies = list(self.connection.iterate(ANNOTATIONS, unique_identifier__in=chunk, fields=ANNOTATION_FIELDS))
            found += self._annotations(bodies, f"{ANNOTATIONS} by UUID")
        return found

    def annotations_by_id(self, ids: Sequence[int]) -> list[RemoteAnnotation]:
        found = []
        for start in range(0, len(ids), PAGE):
            chunk = ",".join(str(i) for i in ids[start : start + PAGE])
            bodies = list(self.connection.iterate(ANNOTATIONS, id__in=chunk, fields=ANNOTATION_FIELDS))
            found += self._annotations(bodies, f"{ANNOTATIONS} by id")
        return found

    def create_annotations(self, bodies: Sequence[Any]) -> list[Created]:
        """One list POST (EXACT's bulk create, no upsert). Its outcome may be unknown
        (`UnknownOutcomeError`): then look the UUIDs up before sending again. The answer
        holds only what a push keeps: parsing whole annotations cost the client a fifth of a push."""
        made = self.connection.post(ANNOTATIONS, bodies, fields=CREATED_FIELDS)
        made = checked_list(
            made, CREATED_SHAPE, self.server, f"the POST of {len(bodies):,} annotations to {ANNOTATIONS}"
        )
        created = [Created(b["unique_identifier"], b["id"], b.get("last_edit_time") or "") for b in made]
        self._check_clock([c.server_time for c in created])
        return created

    def create_annotation(self, body: Any) -> RemoteAnnotation:
        """One POST of an object: the server upserts on (image, unique_identifier), so it can be
        sent again after an unknown outcome."""
        return self._written(self.connection.post(ANNOTATIONS, body), "the annotation created")

    def update_annotation(self, id: int, **fields: Any) -> RemoteAnnotation:
        return self._written(self.connection.json("PATCH", f"{ANNOTATIONS}{id}/", json=fields), f"annotation {id}")

    def _written(self, body: Any, what: str) -> RemoteAnnotation:
        if not isinstance(body, dict):
            raise PageError(f"{self.server} answered about {what} with something that is not an annotation")
        (found,) = self._annotations([body], f"the answer about {what}")
        self._check_clock([found.server_time])
        return found


def _image_set(body: dict[str, Any]) -> e.ImageSet:
    return e.ImageSet(
        body["name"], body.get("team"), body.get("description") or "", list(body.get("product_set") or []),
        body.get("main_annotation_type"), int(body.get("collaboration_type") or 0), id=body["id"], remote_id=body["id"],
    )  # fmt: skip
