"""The synthetic slide: a real Aperio file that looks like H&E and matches its ground truth."""

from __future__ import annotations

import json

import numpy as np
import openslide
import pytest

from exact_desktop.demo.synthetic_slide import ensure_demo_slides


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    main, small = ensure_demo_slides(folder, size=(6000, 4000))
    truth = json.loads(main.ground_truth.read_text(encoding="utf-8"))
    return main, small, truth


def luminance(rgb: np.ndarray) -> float:
    return float(np.mean(rgb.astype(float) @ [0.299, 0.587, 0.114]))


def test_openslide_reads_it_as_aperio_with_mpp(demo):
    main, small, _ = demo
    slide = openslide.OpenSlide(str(main.slide))
    assert slide.properties["openslide.vendor"] == "aperio"
    assert float(slide.properties["openslide.mpp-x"]) == 0.25
    assert slide.dimensions == (6000, 4000)
    assert slide.level_count >= 2 and slide.level_downsamples[1] == pytest.approx(4)
    assert openslide.OpenSlide(str(small.slide)).dimensions != slide.dimensions


def test_ground_truth_has_the_promised_shape(demo):
    main, _, truth = demo
    assert truth["slide"] == str(main.slide) and truth["mpp"] == 0.25
    populations = {n[2] for n in truth["nuclei"]}
    assert populations == {"lymphocyte", "tumor", "mitosis", "apoptotic_body", "dark_lymphocyte", "pyknotic"}
    assert all(len(n) == 6 and 0 <= n[0] < 6000 and 0 <= n[1] < 4000 for n in truth["nuclei"])
    assert len(truth["tissue"]) >= 1 and all(len(p) >= 3 for p in truth["tissue"])
    assert {r["class"] for r in truth["regions"]} == {"tumor", "stroma"}


def test_pixels_follow_the_ground_truth(demo):
    main, _, truth = demo
    slide = openslide.OpenSlide(str(main.slide))

    def patch(x: float, y: float, r: int = 2) -> np.ndarray:
        return np.asarray(slide.read_region((int(x) - r, int(y) - r), 0, (2 * r + 1, 2 * r + 1)))[..., :3]

    nuclei = {pop: [n for n in truth["nuclei"] if n[2] == pop][:200] for pop in ("lymphocyte", "tumor")}
    lymph = np.mean([luminance(patch(x, y)) for x, y, *_ in nuclei["lymphocyte"]])
    tumour = np.mean([luminance(patch(x, y)) for x, y, *_ in nuclei["tumor"]])
    glass = luminance(patch(5, 5))
    assert glass > 235
    assert lymph < tumour - 15  # two visibly different populations: lymphocytes darker
    assert tumour < glass - 60
    figures = [n for n in truth["nuclei"] if n[2] in ("mitosis", "pyknotic")]
    assert figures and np.mean([luminance(patch(x, y, 1)) for x, y, *_ in figures]) < lymph  # the dark figures

    def region_patch(name: str) -> np.ndarray:
        polygon = np.array(next(r["polygon"] for r in truth["regions"] if r["class"] == name))
        cx, cy = polygon.mean(axis=0)
        return np.asarray(slide.read_region((int(cx) - 100, int(cy) - 100), 0, (200, 200)))[..., :3]

    tumour_region, stroma_region = region_patch("tumor"), region_patch("stroma")
    assert luminance(tumour_region) < luminance(stroma_region) - 20  # dense nuclei darken the tumour
    # stroma is fibrous: brightness varies more along y (across fibres) than along x
    grey = stroma_region.astype(float).mean(axis=2)
    assert np.abs(np.diff(grey, axis=0)).mean() > 1.3 * np.abs(np.diff(grey, axis=1)).mean()


def test_two_writers_making_the_same_slide_at_once_both_succeed(tmp_path, monkeypatch):
    """Two processes asking for a missing demo slide at once (a benchmark beside a test run)
    wrote the same `.partial` file, and the second to finish found it already moved: a
    FileNotFoundError. Each writer now has its own unfinished file."""
    import threading

    from exact_desktop.demo import synthetic_slide

    both_written = threading.Barrier(2)
    write = synthetic_slide.write_slide

    def write_then_wait(layout, path, workers=None):
        write(layout, path, workers=1)
        both_written.wait(timeout=60)

    monkeypatch.setattr(synthetic_slide, "write_slide", write_then_wait)
    made, errors = [], []

    def make():
        try:
            made.append(synthetic_slide.ensure_demo_slide(tmp_path, "race", (1200, 800), seed=1))
        except Exception as err:  # the test's finding
            errors.append(err)

    writers = [threading.Thread(target=make) for _ in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert errors == [] and len(made) == 2
    assert openslide.OpenSlide(str(made[0].slide)).dimensions == (1200, 800)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["race-ground-truth.json", "race-slide.svs"]


def test_a_killed_writers_unfinished_file_is_removed_by_the_next_writer(tmp_path):
    """Each writer's own `.partial` stayed for good when its process was killed mid-write
    (found by an outside tester); a live writer's is left alone."""
    import os
    import subprocess
    import sys

    from exact_desktop.demo.synthetic_slide import ensure_demo_slide

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"race-slide.svs.{int(gone.stdout)}-1.partial"
    live = tmp_path / f"race-slide.svs.{os.getppid()}-1.partial"
    for leftover in (dead, live):
        leftover.write_bytes(b"half a slide")
    ensure_demo_slide(tmp_path, "race", (1200, 800), seed=1)
    assert not dead.exists() and live.exists()
