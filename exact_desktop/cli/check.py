"""`exact-desktop check --db FILE`: is the project file whole? SQLite's integrity check, on demand."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_commands(commands: Any) -> None:
    check = commands.add_parser(
        "check", help="check a project file's pages and indexes (SQLite's integrity check); exit 1 if damaged"
    )
    check.add_argument("--db", type=Path, metavar="FILE", help="project database (default: the local project)")


def run(args: argparse.Namespace) -> int:
    from exact_desktop.cli.opening import CommandRefusedError
    from exact_desktop.store.base import StoreError
    from exact_desktop.store.project import check_existing_project_file, project_path
    from exact_desktop.store.sqlite.integrity import integrity_findings

    path = project_path(args.db)
    try:
        check_existing_project_file(path)
    except StoreError as err:
        raise CommandRefusedError(str(err)) from None
    findings = integrity_findings(path)
    if not findings:
        print(f"exact-desktop: {path}: whole (SQLite's integrity check found nothing)", file=sys.stderr)
        return 0
    print(f"exact-desktop: {path}: damaged; SQLite's integrity check found:", file=sys.stderr)
    for finding in findings:
        print(f"  {finding}", file=sys.stderr)
    return 1
