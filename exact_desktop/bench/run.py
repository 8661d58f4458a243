"""`exact-desktop bench TARGET [--quick]`: each benchmark at its full size, or at a small one
that runs in seconds (for `scripts/bench.sh --quick`, compared with docs/performance.json).

A quick run scales its per-count figures (`insert_1m_boxes_s`, ...) from fewer objects, so
it is compared only with quick figures; the benchmarks that need slides make a small demo
slide of their own (once, in DATA/bench-quick) rather than the 60,000 x 40,000 demo.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

QUICK_SLIDE = (6_144, 4_096)
QUICK_OBJECTS = {"boxes": 50_000, "polygons": 5_000}
QUICK_API = 5_000
QUICK_SYNC = 5_000


def run_bench(target: str, args: argparse.Namespace) -> dict[str, Any]:
    """The figures of one benchmark, as the command prints them."""
    quick = bool(getattr(args, "quick", False))
    objects: dict[str, Any] = QUICK_OBJECTS if quick else {}
    figures = _run(target, args, quick, objects)
    return {"benchmark": target, **figures, "quick": quick}


def _slides(args: argparse.Namespace, quick: bool) -> tuple[Any, tuple[int, int] | None]:
    """The demo slide folder and size: the quick one is small and kept apart from the demo's."""
    from exact_desktop.paths import data_home, demo_dir

    if quick:
        return args.dir or data_home() / "bench-quick", QUICK_SLIDE
    return args.dir or demo_dir(), None


def _run(target: str, args: argparse.Namespace, quick: bool, objects: dict[str, Any]) -> dict[str, Any]:
    if target == "store":
        from exact_desktop.bench.store_bench import bench_store

        return bench_store(args.dir, **objects)
    if target == "annotate":
        from exact_desktop.bench.annotate_bench import bench_annotate

        return bench_annotate(args.dir, **objects)
    if target == "api":
        from exact_desktop.bench.api_bench import bench_api

        return bench_api(args.dir, **({"total": QUICK_API} if quick else {}))
    if target == "sync":
        from exact_desktop.bench.sync_bench import bench_sync

        sizes = {"total": QUICK_SYNC, "repeat": 1} if quick else {"repeat": args.repeat}
        return bench_sync(args.dir, server=args.server, image_set=args.image_set, count=args.count, **sizes)
    if target == "tools":
        from exact_desktop.bench.tools_bench import bench_tools

        return bench_tools(args.dir, quick=quick)
    if "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    folder, size = _slides(args, quick)
    if target == "review":
        from exact_desktop.bench.review_bench import bench_review

        return bench_review(folder, slide_size=size)
    if target == "plugins":
        from exact_desktop.bench.plugins_bench import bench_plugins

        return bench_plugins(folder, args.server, args.product, slide_size=size)
    if target == "plugins-quality":
        from exact_desktop.bench.quality_bench import bench_plugins_quality

        return bench_plugins_quality(folder, size)
    if target == "learn":
        from exact_desktop.bench.learn_bench import bench_learn

        return bench_learn(folder, size)
    if target == "overlay":
        from exact_desktop.bench.overlay_bench import bench_overlay

        return bench_overlay(folder, slide_size=size, **objects)
    from exact_desktop.bench.viewer_bench import bench_viewer

    return bench_viewer(folder, slide_size=size)
