"""The `exact-desktop` command: demo, open, bench."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from exact_desktop import __version__


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None
    if width < 512 or height < 512:
        raise argparse.ArgumentTypeError("a demo slide needs at least 512x512 pixels")
    return width, height


def _view(text: str) -> tuple[float, float, float]:
    try:
        x, y, ds = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected X,Y,DOWNSAMPLE, got {text!r}") from None
    return x, y, ds


def _add_gui_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="FILE",
        help="save the window as PNG once the first frame is complete, then exit",
    )
    parser.add_argument(
        "--view", type=_view, metavar="X,Y,DOWNSAMPLE", help="centre (level-0 px) and downsample to show first"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exact-desktop", description="Whole-slide image annotation, EXACT-compatible, offline first."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="make (once) the synthetic demo slides and open them")
    demo.add_argument("--dir", type=Path, help="where the demo slides live (default: DATA/demo)")
    demo.add_argument("--no-gui", action="store_true", help="only make the demo data; print where it is as JSON")
    demo.add_argument("--size", type=_size, help=argparse.SUPPRESS)
    demo.add_argument(
        "--db", type=Path, metavar="FILE", help="project database (default: DATA/projects/local-project.db)"
    )
    _add_gui_options(demo)

    open_ = commands.add_parser("open", help="open slide files")
    open_.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    _add_gui_options(open_)

    bench = commands.add_parser("bench", help="measure speed; prints JSON")
    bench.add_argument("target", choices=["viewer", "store"])
    bench.add_argument("--json", action="store_true", help="print one JSON object (the default output)")
    bench.add_argument("--dir", type=Path, help="viewer: demo slide folder (default: DATA/demo); store: scratch folder")
    # store files are picked with --db everywhere they are used
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        return _demo(args)
    if args.command == "open":
        return _run_gui(args.paths, args)
    if args.command == "bench":
        return _bench(args)
    return 2


def _demo(args: argparse.Namespace) -> int:
    from exact_desktop.demo.project import ensure_demo_project
    from exact_desktop.demo.synthetic_slide import DEMO_SIZE, ensure_demo_slides
    from exact_desktop.paths import demo_dir
    from exact_desktop.store.base import StoreError
    from exact_desktop.store.project import open_project

    folder = args.dir or demo_dir()
    print(f"exact-desktop: preparing the demo slides in {folder} (made once, then reused)", file=sys.stderr)
    slides = ensure_demo_slides(folder, args.size or DEMO_SIZE)
    try:
        store = open_project(args.db)
    except StoreError as err:
        print(f"exact-desktop: {err}", file=sys.stderr)
        return 2
    image_set = ensure_demo_project(store, slides)
    if args.no_gui:
        summary = {
            "slides": [str(s.slide) for s in slides],
            "ground_truth": str(slides[0].ground_truth),
            "project": str(store.path),
            "image_set": image_set.id,
        }
        print(json.dumps(summary))
        store.close()
        return 0
    return _run_gui([], args, store=store, image_set=image_set.id)


def _run_gui(paths: list[Path], args: argparse.Namespace, store: object = None, image_set: int | None = None) -> int:
    if args.screenshot and "QT_QPA_PLATFORM" not in os.environ and not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from exact_desktop.ui.app import run_gui

    return run_gui(paths, screenshot=args.screenshot, view=args.view, store=store, image_set=image_set)


def _bench(args: argparse.Namespace) -> int:
    if args.target == "store":
        from exact_desktop.bench.store_bench import bench_store

        print(json.dumps(bench_store(args.dir)))
        return 0
    if "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from exact_desktop.bench.viewer_bench import bench_viewer
    from exact_desktop.paths import demo_dir

    print(json.dumps(bench_viewer(args.dir or demo_dir())))
    return 0
