"""The `exact-desktop` command: demo, open, serve, users, plugin, login, bench."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from exact_desktop import __version__, cli_check, cli_exchange, cli_plugin, cli_review, cli_server, cli_sync


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None
    if width < 512 or height < 512:
        raise argparse.ArgumentTypeError("a demo slide needs at least 512x512 pixels")
    return width, height


def _workers(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= 64:
        raise argparse.ArgumentTypeError(f"expected a number of processes from 1 to 64, got {text!r}")
    return count


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

    open_ = commands.add_parser("open", help="open slide files; with none, the last project at its last image")
    open_.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    _add_gui_options(open_)

    serve = commands.add_parser("serve", help="serve the project through the EXACT REST API on loopback")
    serve.add_argument(
        "--db", type=Path, metavar="FILE", help="project database (default: DATA/projects/local-project.db)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="port (default: a free one, printed on the first line)")
    serve.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    serve.add_argument(
        "--workers", type=_workers, default=None, metavar="N",
        help="processes answering requests (default: 2 on a machine with 2 or more cores; always 1 without fork)",
    )  # fmt: skip

    users = commands.add_parser("users", help="local users (for HTTP Basic against `serve`)")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    add_user = users_commands.add_parser(
        "add", help="add a user or set a password; the password is asked, or read from EXACT_DESKTOP_PASSWORD"
    )
    add_user.add_argument("name")
    add_user.add_argument("--db", type=Path, metavar="FILE", help="project database")

    plugin = commands.add_parser("plugin", help="plugins: add, list and run them; their jobs")
    plugin_commands = plugin.add_subparsers(dest="plugin_command", required=True)
    cli_plugin.add_commands(plugin_commands)
    cli_server.add_commands(commands, plugin_commands)
    cli_exchange.add_commands(commands)
    cli_sync.add_commands(commands)
    cli_review.add_commands(commands)
    cli_check.add_commands(commands)

    bench = commands.add_parser("bench", help="measure speed; prints JSON")
    bench.add_argument(
        "target",
        choices=[
            "viewer",
            "overlay",
            "store",
            "api",
            "plugins",
            "plugins-quality",
            "annotate",
            "sync",
            "tools",
            "review",
        ],
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object (the default output)")
    bench.add_argument(
        "--quick", action="store_true", help="a small size that runs in seconds (figures for scripts/bench.sh --quick)"
    )
    bench.add_argument("--dir", type=Path, help="viewer: demo slide folder (default: DATA/demo); store: scratch folder")
    bench.add_argument("--server", metavar="URL", help="plugins: also measure result writes into this EXACT server")
    bench.add_argument("--image-set", type=int, metavar="ID", help="sync: the server's image set to copy from")
    bench.add_argument("--count", type=int, default=2000, help="sync: annotations each way on --server")
    bench.add_argument("--repeat", type=int, default=3, help="sync: runs against serve (the median is the figure)")
    bench.add_argument(
        "--product", type=int, metavar="ID", help="plugins: the server's product to use (default: first)"
    )
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
        return _run_gui(args.paths, args) if args.paths else _open_last(args)
    if args.command == "bench":
        return _bench(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "users":
        return _add_user(args)
    if args.command == "plugin":
        handled = cli_server.plugin_command(args)
        return cli_plugin.run(args) if handled is None else handled
    if args.command == "check":
        return cli_check.run(args)
    if args.command in ("export", "import"):
        return cli_exchange.run(args)
    if args.command == "sync":
        return cli_sync.run(args)
    if args.command == "review":
        return cli_review.run(args)
    if args.command == "login":
        return cli_server.login(args)
    return 2


def _serve(args: argparse.Namespace) -> int:
    from exact_desktop.server.server import RemoteBindRefused, check_host, default_workers, serve_forever
    from exact_desktop.store.base import StoreError
    from exact_desktop.store.project import open_existing_project

    try:
        check_host(args.host, args.allow_remote)
        store = open_existing_project(args.db)
    except (RemoteBindRefused, StoreError) as err:
        print(f"exact-desktop: {err}", file=sys.stderr)
        return 2
    try:
        return serve_forever(store, args.host, args.port, args.workers or default_workers())
    except OSError as err:
        print(f"exact-desktop: cannot listen on {args.host}:{args.port}: {err.strerror}", file=sys.stderr)
        return 2
    finally:
        store.close()


def _add_user(args: argparse.Namespace) -> int:
    import getpass

    from exact_desktop.model.entities import User
    from exact_desktop.server.passwords import hash_password
    from exact_desktop.store.base import StoreError
    from exact_desktop.store.project import open_existing_project

    password = os.environ.get("EXACT_DESKTOP_PASSWORD")
    if password is None and not sys.stdin.isatty():
        print("exact-desktop: no terminal to ask the password on: set EXACT_DESKTOP_PASSWORD", file=sys.stderr)
        return 2
    if password is None:
        password = getpass.getpass(f"Password for {args.name}: ")
        if password != getpass.getpass("Again: "):
            print("exact-desktop: the passwords differ; nothing changed", file=sys.stderr)
            return 2
    if len(password) < 8:
        print("exact-desktop: a password needs at least 8 characters; nothing changed", file=sys.stderr)
        return 2
    try:
        store = open_existing_project(args.db)
    except StoreError as err:
        print(f"exact-desktop: {err}", file=sys.stderr)
        return 2
    found = store.list(User, username=args.name)
    user = found[0] if found else store.create(User(args.name))
    store.set_password_hash(user.id, hash_password(password))  # type: ignore[arg-type]
    print(f"exact-desktop: user {args.name} {'updated' if found else 'added'} in {store.path}", file=sys.stderr)
    store.close()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from exact_desktop.demo.project import ensure_demo_project
    from exact_desktop.demo.synthetic_slide import DEMO_SIZE, ensure_demo_slides
    from exact_desktop.paths import demo_dir
    from exact_desktop.store.base import StoreError
    from exact_desktop.store.project import open_project

    try:  # before the slides are made: a project file that cannot be is refused at once
        store = open_project(args.db)
    except StoreError as err:
        print(f"exact-desktop: {err}", file=sys.stderr)
        return 2
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
        store.close()
        return 0
    return _run_gui([], args, store=store, image_set=image_set.id)


def _open_last(args: argparse.Namespace) -> int:
    from exact_desktop.store.base import StoreError
    from exact_desktop.store.project import open_project
    from exact_desktop.ui.settings import last_project

    last = last_project()
    if last is None:
        print(
            "exact-desktop: no project was open before; give slide files, or run `exact-desktop demo`", file=sys.stderr
        )
        return 2
    path, image_set = last
    try:
        store = open_project(path)
    except StoreError as err:
        print(f"exact-desktop: {err}", file=sys.stderr)
        return 2
    return _run_gui([], args, store=store, image_set=image_set)


def _run_gui(paths: list[Path], args: argparse.Namespace, store: object = None, image_set: int | None = None) -> int:
    if args.screenshot and "QT_QPA_PLATFORM" not in os.environ and not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from exact_desktop.ui.app import run_gui

    return run_gui(paths, screenshot=args.screenshot, view=args.view, store=store, image_set=image_set)


def _bench(args: argparse.Namespace) -> int:
    from exact_desktop.bench.run import run_bench

    print(json.dumps(run_bench(args.target, args)))
    return 0
