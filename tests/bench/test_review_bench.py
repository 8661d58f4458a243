"""bench review, shrunk to a few results on a tiny slide: it prints every figure its rows of the
table name (the guard compares none it does not find)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exact_desktop.bench import review_bench

TABLE = Path(__file__).parents[2] / "docs" / "performance.json"


def test_bench_review_prints_every_figure_of_its_table_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"QUICK_RESULTS": 300, "THRESHOLDS": 3, "STEPS": 3, "PAGES": 2}.items():
        monkeypatch.setattr(review_bench, name, value)
    figures = review_bench.bench_review(tmp_path, slide_size=(1_024, 1_024))
    rows = json.loads(TABLE.read_text(encoding="utf-8"))["benchmarks"]["review"]["figures"]
    assert {"threshold_cpu_ms_p95", "gallery_page_cpu_ms_p95"} <= set(rows)
    for figure in rows:
        assert isinstance(figures.get(figure), float) and figures[figure] >= 0, figure
