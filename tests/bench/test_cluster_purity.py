"""The clustering benchmark's purity is measured over the populations the clusters are for."""

from __future__ import annotations

from exact_desktop.bench.quality_bench import cluster_purity
from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore
from tests.review.conftest import add_results
from tests.store.conftest import box


def test_rare_figures_of_the_mitosis_review_do_not_count_against_the_clusters(tmp_path):
    """Two clean clusters plus mitoses and mimics (the demo's generator 4) gave 0.8: the rare
    figures were counted as errors whichever cluster took them."""
    store = SqliteStore(tmp_path / "p.db")
    r = add_results(store, count=0)
    image = r.seed.image.id
    one, two = (store.create(e.AnnotationType(f"Cluster {i}", 1, r.seed.product.id)) for i in (1, 2))
    nuclei = [[100 + 40 * i, 100, "tumor" if i < 4 else "lymphocyte"] for i in range(8)]
    nuclei += [[100 + 40 * i, 300, "mitosis" if i % 2 else "apoptotic_body"] for i in range(2)]
    store.bulk_create([
        e.PluginResultAnnotation(stored_type.id, r.entry.id, image, box(x - 5, y - 5), 0.5)
        for (x, y, _population), stored_type in zip(
            nuclei, [one] * 4 + [two] * 4 + [one, two], strict=True
        )
    ])  # fmt: skip
    assert cluster_purity(store, image, {"nuclei": nuclei}) == 1.0
    nuclei[0][2] = "lymphocyte"  # one lymphocyte among the tumour cells' cluster: a real error
    assert cluster_purity(store, image, {"nuclei": nuclei}) == 7 / 8
    store.close()
