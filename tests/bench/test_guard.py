"""The benchmark guard: a figure more than 25 % worse than its table value fails the run,
whichever way is better; a quick run is held to quick values only; --record writes both files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TABLE = {
    "benchmarks": {
        "store": {
            "command": "exact-desktop bench store --json",
            "figures": {
                "insert_ratio": {"aim": 1.5, "better": "lower", "machine_free": True, "value": 1.2, "quick": None},
                "boxes_per_s": {"aim": None, "better": "higher", "value": 100_000, "quick": 90_000},
            },
        }
    }
}


def _guard(tmp_path: Path, result: dict, *options: str) -> tuple[int, str]:
    table, found = tmp_path / "performance.json", tmp_path / "store.json"
    if not table.exists():
        table.write_text(json.dumps(TABLE))
    found.write_text(json.dumps({"benchmark": "store", **result}))
    run = subprocess.run([sys.executable, "-m", "exact_desktop.bench.guard", str(table), str(found), *options],
                         capture_output=True, text=True)  # fmt: skip
    return run.returncode, run.stdout + run.stderr


def test_a_figure_a_quarter_worse_either_way_fails_and_names_itself(tmp_path):
    assert _guard(tmp_path, {"insert_ratio": 1.49, "boxes_per_s": 76_000})[0] == 0
    code, out = _guard(tmp_path, {"insert_ratio": 1.51, "boxes_per_s": 76_000})
    assert code == 1 and "WORSE store.insert_ratio: 1.51 against 1.2" in out and "holds on any machine" in out
    code, out = _guard(tmp_path, {"insert_ratio": 1.0, "boxes_per_s": 74_000})
    assert code == 1 and "WORSE store.boxes_per_s" in out and "moves with the machine" in out


def test_a_quick_run_is_held_to_quick_values_and_a_missing_result_fails(tmp_path):
    code, out = _guard(tmp_path, {"insert_ratio": 9.0, "boxes_per_s": 80_000}, "--quick")
    assert code == 0 and "1 figures compared" in out
    code, out = _guard(tmp_path, {"insert_ratio": 1.0}, str(tmp_path / "missing.json"))
    assert code == 1 and "missing.json: no figures" in out


def test_record_writes_the_table_and_its_markdown(tmp_path):
    page = tmp_path / "performance.md"
    page.write_text("# Performance\n\nWhat the figures mean.\n")
    code, _ = _guard(tmp_path, {"insert_ratio": 1.1, "boxes_per_s": 120_000}, "--record", "--markdown", str(page))
    assert code == 0
    rows = json.loads((tmp_path / "performance.json").read_text())["benchmarks"]["store"]["figures"]
    assert (
        rows["insert_ratio"]["value"] == 1.1 and rows["boxes_per_s"]["value"] == 120_000 and rows["boxes_per_s"]["date"]
    )
    text = page.read_text()
    assert text.startswith("# Performance\n\nWhat the figures mean.\n") and "| `boxes_per_s` | 120,000 |" in text
    assert "| `insert_ratio` | 1.1 | at most 1.5 |" in text
    _guard(tmp_path, {"insert_ratio": 1.0, "boxes_per_s": 1}, "--record", "--quick", "--markdown", str(page))
    assert page.read_text().count("### store") == 1


def test_every_benchmark_names_itself_so_the_guard_finds_its_row(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """bench review printed no "benchmark" key, so the guard compared none of its figures."""
    import argparse

    from exact_desktop.bench import run

    monkeypatch.setattr(run, "_run", lambda target, args, quick, objects: {"open_ms": 1.0})
    figures = run.run_bench("review", argparse.Namespace(quick=True))
    assert figures["benchmark"] == "review" and figures["quick"] is True


def test_the_overlay_benchmarks_naive_painter_is_an_overlay_the_view_can_attach() -> None:
    """bench overlay stopped with AttributeError once the view attached its overlays (Overlay protocol)."""
    from exact_desktop.bench.overlay_bench import NaivePainter
    from exact_desktop.viewer.overlay import Overlay

    painter: Overlay = NaivePainter(None, None, 1)  # type: ignore[arg-type]
    painter.attach(lambda _area: None)
    assert painter.complete
