"""`exact-desktop demo` and `exact-desktop open`: the commands that open the window."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exact_desktop.cli.opening import opened_project

if TYPE_CHECKING:
    from exact_desktop.project.base import Project


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


def add_commands(commands: Any) -> None:
    demo = commands.add_parser("demo", help="make (once) the synthetic demo slides and open them")
    demo.add_argument("--dir", type=Path, help="where the demo slides live (default: DATA/demo)")
    demo.add_argument("--no-gui", action="store_true", help="only make the demo data; print where it is as JSON")
    demo.add_argument("--size", type=_size, help=argparse.SUPPRESS)
    demo.add_argument(
        "--db", type=Path, metavar="FILE", help="project database (default: DATA/projects/local-project.db)"
    )
    _add_gui_options(demo)

    open_ = commands.add_parser(
        "open", help="open slide files, or a project file; with none, the last project at its last image"
    )
    open_.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    _add_gui_options(open_)


def demo(args: argparse.Namespace) -> int:
    from exact_desktop.demo.project import ensure_demo_project
    from exact_desktop.demo.synthetic_slide import DEMO_SIZE, ensure_demo_slides
    from exact_desktop.paths import demo_dir

    project = opened_project(args.db, may_make=True)  # before the slides are made: a bad file is refused at once
    store = project.store
    folder = args.dir or demo_dir()
    print(f"exact-desktop: preparing the demo slides in {folder} (made once, then reused)", file=sys.stderr)
    slides = ensure_demo_slides(folder, args.size or DEMO_SIZE)
    image_set = ensure_demo_project(store, slides)
    if args.no_gui:
        summary = {
            "slides": [str(s.slide) for s in slides],
            "ground_truth": str(slides[0].ground_truth),
            "project": str(store.path),
            "image_set": image_set.id,
        }
        print(json.dumps(summary))
        project.close()
        return 0
    return _run_gui([], args, project=project, image_set=image_set.id)


def open_(args: argparse.Namespace) -> int:
    from exact_desktop.store.project import is_project_file

    if len(args.paths) == 1 and is_project_file(args.paths[0]):
        return _open_project_file(args.paths[0], args)
    return _run_gui(args.paths, args) if args.paths else _open_last(args)


def _open_project_file(path: Path, args: argparse.Namespace) -> int:
    """A project file, of the kind it says, at the image set it showed last (else its first)."""
    from exact_desktop.project.opening import image_set_to_show
    from exact_desktop.ui.settings import last_project

    last = last_project()
    image_set = last[1] if last is not None and last[0].resolve() == path.resolve() else None
    project = opened_project(path, image_set=image_set)
    return _run_gui([], args, project=project, image_set=image_set_to_show(project, image_set))


def _open_last(args: argparse.Namespace) -> int:
    from exact_desktop.cli.opening import fail
    from exact_desktop.project.opening import image_set_to_show
    from exact_desktop.ui.settings import last_project

    last = last_project()
    if last is None:
        return fail("no project was open before; give slide files, or run `exact-desktop demo`")
    path, image_set = last
    project = opened_project(path, image_set=image_set)  # of the kind its file says; never made anew
    return _run_gui([], args, project=project, image_set=image_set_to_show(project, image_set))


def _run_gui(paths: list[Path], args: argparse.Namespace, project: Project | None = None,
             image_set: int | None = None) -> int:  # fmt: skip
    if args.screenshot and "QT_QPA_PLATFORM" not in os.environ and not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from exact_desktop.ui.app import run_gui

    return run_gui(paths, screenshot=args.screenshot, view=args.view, project=project, image_set=image_set)
