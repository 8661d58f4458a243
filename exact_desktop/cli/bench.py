"""`exact-desktop bench TARGET`: measure speed; prints one JSON object."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

TARGETS = [
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
    "learn",
]


def add_commands(commands: Any) -> None:
    bench = commands.add_parser("bench", help="measure speed; prints JSON")
    bench.add_argument("target", choices=TARGETS)
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


def run(args: argparse.Namespace) -> int:
    from exact_desktop.bench.run import run_bench

    print(json.dumps(run_bench(args.target, args)))
    return 0
