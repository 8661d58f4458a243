"""Every built-in plugin, unchanged, on both servers: registered and run through the CLI.

Results must be of the plugin's annotation types with vectors of their vector type, the same
number for the same image on both servers, and a job says 100 % only when the server holds all
its results (counted here from the server, independently of what the CLI says).
"""

from __future__ import annotations

import pytest

from exact_desktop.plugins.exact_runner import stored_results
from tests.contract.conftest import Target, cli

P = "/api/v1/processing"
BUILTINS = {  # plugin -> {type name: vector type}
    "Nuclei detector": {"Nucleus": 1},
    "Segmentation": {"Nucleus outline": 5, "Tissue outline": 5},
    "Tissue finder (exact-sync)": {"Tissue": 5},
}


def _run(target: Target, name: str) -> dict[str, dict]:
    code, record, err = cli(
        target, "plugin", "register", name, "--server", target.url, "--product", str(target.product)
    )
    assert code == 0, err
    assert set(record["annotation_types"]) == set(BUILTINS[name]) and record["products"] == [target.product]
    code, summary, err = cli(target, "plugin", "run", name, "--image-set", str(target.image_set), "--server",
                             target.url, "--run-again", "--workers", "1")  # fmt: skip
    assert code == 0, err
    assert summary["errors"] == [] and len(summary["jobs"]) == len(target.images)
    return {image: job for job in summary["jobs"] for image, i in target.images.items() if i == job["image"]}


def _check_stored(target: Target, name: str, job: dict) -> list[dict]:
    connection = target.connection()
    server_job = connection.get(f"{P}/pluginjobs/{job['job']}/")
    assert server_job["processing_complete"] == 100 and not server_job["error_message"]
    annotations, _bitmaps = stored_results(connection, job["job"])
    assert annotations == job["result_annotations"]
    results = [r for r in connection.iterate(f"{P}/pluginresults/", job_id=job["job"]) if r["job"] == job["job"]]
    assert len(results) == 1  # run again replaced the old result
    stored = [a for entry in results[0]["entries"]
              for a in connection.iterate(f"{P}/pluginresultannotations/", pluginresultentry=entry)]  # fmt: skip
    assert len(stored) == annotations
    kinds = {
        connection.get(f"/api/v1/annotations/annotation_types/{t}/")["name"]
        for t in {a["annotation_type"] for a in stored}
    }
    assert kinds <= set(BUILTINS[name])
    for result in stored:
        vector = result["vector"]
        nodes = sum(1 for key in vector if key.startswith("x"))
        if BUILTINS[name][next(iter(kinds))] == 1:
            assert set(vector) == {"x1", "y1", "x2", "y2"} and vector["x2"] > vector["x1"]
        else:
            assert nodes >= 3
    return stored


@pytest.mark.parametrize("name", list(BUILTINS))
def test_builtin_plugins_give_the_same_results_on_both_servers(exact_target: Target, embedded_target: Target, name):
    counts = {}
    for target in (exact_target, embedded_target):
        jobs = _run(target, name)
        counts[target.name] = {image: len(_check_stored(target, name, job)) for image, job in jobs.items()}
    assert counts["exact"] == counts["embedded"]
    assert counts["exact"]["contract.svs"] > 0  # the synthetic slide has something to find
