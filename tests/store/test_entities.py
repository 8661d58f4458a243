"""Every entity of EXACT's model goes in, comes back equal, changes and goes away."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from exact_desktop.model import entities as e
from exact_desktop.store.base import NotFoundError, StoreError
from tests.store.conftest import box


def make_each(store, s):
    """One instance of every entity kind, built on the seed."""
    plugin = store.create(
        e.Plugin(
            "Nuclei detector",
            script="exact_desktop.plugins.builtin:nuclei",
            products=[s.product.id],
            produces=[s.box.name],
            parameter_schema=[{"name": "threshold", "type": "float", "default": 0.5}],
        )
    )
    job = store.create(e.PluginJob(plugin.id, s.image.id, creator=s.user.id, parameters={"threshold": 0.7}))
    result = store.create(e.PluginResult(s.image.id, job.id, plugin.id))
    entry = store.create(e.PluginResultEntry(result.id, "nuclei"))
    annotation = store.create(e.Annotation(s.box.id, s.image.id, box(5, 5), user=s.user.id, meta_data={"k": [1, 2]}))
    return {
        e.Team: s.team, e.User: s.user, e.Product: s.product, e.ImageSet: s.image_set, e.Image: s.image,
        e.AnnotationType: s.box, e.Annotation: annotation, e.Plugin: plugin, e.PluginJob: job,
        e.PluginResult: result, e.PluginResultEntry: entry,
        e.TeamMembership: store.create(e.TeamMembership(s.team.id, s.user.id, is_admin=True)),
        e.PluginResultAnnotation: store.create(e.PluginResultAnnotation(s.box.id, entry.id, s.image.id, box(1, 1), score=0.9)),
        e.PluginResultBitmap: store.create(e.PluginResultBitmap(entry.id, s.image.id, "heat.png", location_rect={"x": 0, "y": 0, "w": 100, "h": 50})),
        e.Verification: store.create(e.Verification(annotation.id, s.user.id, verified=True)),
        e.AnnotationVersion: None,
    }  # fmt: skip


def test_every_entity_round_trips(store, seeded):
    made = make_each(store, seeded)
    assert set(made) == set(e.ENTITIES)
    for kind, entity in made.items():
        if entity is None:
            continue
        assert entity.id is not None
        assert store.get(kind, entity.id) == entity, kind.__name__
        assert entity in store.list(kind)
        assert store.count(kind, id=entity.id) == 1


def test_update_changes_fields_and_links(store, seeded):
    other = store.create(e.Product("Other", team=seeded.team.id))
    changed = store.update(e.ImageSet, seeded.image_set.id, name="Renamed", product_set=[seeded.product.id, other.id])
    again = store.get(e.ImageSet, seeded.image_set.id)
    assert again == changed and again.name == "Renamed" and again.product_set == sorted([seeded.product.id, other.id])
    job = make_each(store, seeded)[e.PluginJob]
    eta = datetime(2030, 1, 1, tzinfo=UTC)
    store.update(e.PluginJob, job.id, processing_complete=55.0, attached_worker="w1", eta_time=eta)
    stored = store.get(e.PluginJob, job.id)
    assert (stored.processing_complete, stored.attached_worker, stored.eta_time) == (55.0, "w1", eta)
    with pytest.raises(StoreError, match="cannot change"):
        store.update(e.PluginJob, job.id, no_such_field=1)


def test_deleting_removes_rows_but_annotations_only_soft(store, seeded):
    made = make_each(store, seeded)
    store.delete(e.PluginResultBitmap, made[e.PluginResultBitmap].id)
    with pytest.raises(NotFoundError):
        store.get(e.PluginResultBitmap, made[e.PluginResultBitmap].id)
    annotation = made[e.Annotation]
    store.delete(e.Annotation, annotation.id)
    kept = store.get(e.Annotation, annotation.id)
    assert kept.deleted is True
    assert store.count(e.Annotation, image=seeded.image.id, deleted=False) == 0
    with pytest.raises(NotFoundError):
        store.delete(e.Team, 999)


def test_filters_pagination_and_in(store, seeded):
    for i in range(7):
        store.create(e.Annotation(seeded.box.id, seeded.image.id, box(i * 100, 0)))
    store.create(
        e.Annotation(seeded.polygon.id, seeded.other_image.id, {"x1": 0, "y1": 0, "x2": 9, "y2": 0, "x3": 9, "y3": 9})
    )
    first = store.list(e.Annotation, image=seeded.image.id, limit=5)
    rest = store.list(e.Annotation, image=seeded.image.id, limit=5, offset=5)
    assert len(first) == 5 and len(rest) == 2 and {a.id for a in first}.isdisjoint(a.id for a in rest)
    assert store.count(e.Annotation, image__in=[seeded.image.id, seeded.other_image.id]) == 8
    assert store.count(e.Annotation, annotation_type=seeded.polygon.id) == 1
    with pytest.raises(StoreError, match="unknown filter"):
        store.list(e.Annotation, colour="red")
    ids = [a.id for a in first + rest]
    assert store.count(e.Annotation, id__in=range(ids[1], ids[-1] + 1)) == 6  # a range: one BETWEEN
    assert store.count(e.Annotation, id__in=range(ids[1], ids[-1] + 1, 2)) == 3
    assert [a.id for a in store.list(e.Annotation, id__in=range(ids[0], ids[0] + 1))] == ids[:1]
    with pytest.raises(StoreError, match="out of range"):
        store.count(e.Annotation, id__in=range(2**63 - 2, 2**63 + 1))


def test_annotation_create_upserts_on_image_and_uuid(store, seeded):
    first = store.create(e.Annotation(seeded.box.id, seeded.image.id, box(0, 0)))
    again = store.create(replace(first, id=None, vector=box(50, 50), description="moved"))
    assert again.id == first.id
    assert store.count(e.Annotation) == 1
    assert store.get(e.Annotation, first.id).vector == box(50, 50)
    same_uuid_other_image = store.create(replace(first, id=None, image=seeded.other_image.id))
    assert same_uuid_other_image.id != first.id


def test_every_change_keeps_the_state_before_it(store, seeded):
    a = store.create(e.Annotation(seeded.box.id, seeded.image.id, box(0, 0), user=seeded.user.id))
    store.update(e.Annotation, a.id, vector=box(10, 10), last_editor=seeded.user.id)
    store.delete(e.Annotation, a.id)
    store.update(e.Annotation, a.id, deleted=False)
    versions = store.list(e.AnnotationVersion, annotation=a.id)
    assert [(v.version, v.action) for v in versions] == [(1, "update"), (2, "delete"), (3, "restore")]
    assert versions[0].vector == box(0, 0) and versions[1].vector == box(10, 10)
    assert versions[0].editor == seeded.user.id
    current = store.get(e.Annotation, a.id)
    assert current.last_edit_time > current.time
    store.update(e.Annotation, a.id, description=current.description)  # no change: no version
    assert store.count(e.AnnotationVersion, annotation=a.id) == 3


def test_references_to_missing_rows_are_refused_with_a_reason(store, seeded):
    with pytest.raises(StoreError, match="refers to a row that does not exist"):
        store.create(e.Image("x", image_set=999))
    with pytest.raises(StoreError, match="unknown annotation type 999"):
        store.create(e.Annotation(999, seeded.image.id, box(0, 0)))


def test_bulk_create_is_all_or_nothing(store, seeded):
    good = [e.Annotation(seeded.box.id, seeded.image.id, box(i, i)) for i in range(50)]
    bad = e.Annotation(seeded.polygon.id, seeded.image.id, {"x1": 0, "y1": 0, "x2": 5, "y2": 5})
    with pytest.raises(
        StoreError, match=f"annotation {bad.unique_identifier}: a polygon needs at least 3 nodes, got 2"
    ):
        store.bulk_create([*good, bad])
    assert store.count(e.Annotation) == 0
    duplicate = [*good, replace(good[0])]
    with pytest.raises(StoreError, match="nothing written"):
        store.bulk_create(duplicate)
    assert store.count(e.Annotation) == 0
    ids = store.bulk_create(good)
    assert len(ids) == 50 and ids == sorted(ids)
    assert [a.id for a in store.list(e.Annotation)] == ids
    teams = store.bulk_create([e.Team(f"t{i}") for i in range(3)])
    assert [store.get(e.Team, i).name for i in teams] == ["t0", "t1", "t2"]
