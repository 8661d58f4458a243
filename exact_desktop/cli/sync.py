"""`exact-desktop sync pull|push|both|conflicts|resolve`: the local mirror and a server, in step."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_commands(commands: Any) -> None:
    sync = commands.add_parser("sync", help="synchronise an image set between a server and the local project")
    actions = sync.add_subparsers(dest="sync_command", required=True)
    for name, text in (
        ("pull", "bring the server's changes here"),
        ("push", "send this project's changes (the outbox) to the server"),
        ("both", "pull, then push"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("--server", required=True, metavar="URL")
        action.add_argument("--image-set", type=int, required=True, metavar="ID", help="the server's image set id")
        action.add_argument("--json", action="store_true", help="print the summary as one JSON object (default)")
        action.add_argument("--db", type=Path, metavar="FILE",
                            help="project database (default: this server's mirror, as the window uses)")  # fmt: skip
    conflicts = actions.add_parser("conflicts", help="list the conflicts kept for a person to resolve, as JSON")
    conflicts.add_argument("--all", action="store_true", help="resolved ones too")
    resolve = actions.add_parser("resolve", help="resolve one conflict")
    resolve.add_argument("conflict", type=int, metavar="ID")
    resolve.add_argument("--keep", choices=["server", "local", "both"], required=True)
    for command in (conflicts, resolve):
        where = command.add_mutually_exclusive_group()
        where.add_argument("--server", metavar="URL", help="in the mirror of this server (where sync keeps them)")
        where.add_argument("--db", type=Path, metavar="FILE", help="project database (default: the local project)")


def run(args: argparse.Namespace) -> int:
    from exact_desktop.cli.opening import fail, opened_store
    from exact_desktop.store.base import StoreError
    from exact_desktop.store.credentials import CredentialsError
    from exact_desktop.store.sqlite.sync_ledger import SyncLedger

    try:
        if args.sync_command not in ("conflicts", "resolve"):
            return _sync(args)
        store = opened_store(_mirror(args.server) if args.server else args.db)  # never a new empty one
    except (CredentialsError, StoreError) as err:
        return fail(str(err))
    try:
        ledger = SyncLedger(store)
        if args.sync_command == "conflicts":
            print(json.dumps([vars(c) for c in ledger.conflicts(open_only=not args.all)]))
        else:
            print(json.dumps(vars(ledger.resolve(args.conflict, args.keep))))
        return 0
    except StoreError as err:
        return fail(str(err))
    finally:
        store.close()


def _mirror(server: str) -> Path:
    """The mirror file of `server` that a sync made; StoreError if there is none yet."""
    from exact_desktop.store.base import StoreError
    from exact_desktop.store.credentials import normalise_url
    from exact_desktop.sync.exact_mirror import mirror_path

    url = normalise_url(server)
    path = mirror_path(url)
    if not path.is_file():
        raise StoreError(f"nothing of {url} is kept here yet: run `exact-desktop sync pull --server {url} "
                         "--image-set ID` first")  # fmt: skip
    return path


def _sync(args: argparse.Namespace) -> int:
    """Into the project `--db` names, else into the mirror of that server the window works on."""
    from exact_desktop.cli.exact_server import connect
    from exact_desktop.cli.opening import fail, opened_store
    from exact_desktop.rest.errors import ExactApiError
    from exact_desktop.rest.exact_api import ExactApi
    from exact_desktop.rest.server_clock import ClockError
    from exact_desktop.sync.engine import Synchroniser
    from exact_desktop.sync.exact_mirror import mirror_path
    from exact_desktop.sync.failure import sync_failure

    connection, _ = connect(args.server)
    # a mistyped --db is refused, never a new project; the server's own mirror is made when first used
    store = opened_store(args.db) if args.db else opened_store(mirror_path(connection.url), may_make=True)

    def progress(stage: str, done: int, total: int) -> None:
        print(f"exact-desktop: {stage} {done:,}/{total:,}", file=sys.stderr)

    try:
        summary = Synchroniser(store, ExactApi(connection), progress).run(args.sync_command, args.image_set)
    except ClockError as err:
        return fail(str(err))
    except ExactApiError as err:
        return fail(sync_failure(connection.url, err))
    finally:
        store.close()
    print(json.dumps(summary.as_json()))
    for line in [*summary.notes, *summary.errors[:20]]:
        print(f"exact-desktop: {line}", file=sys.stderr)
    return 1 if summary.errors else 0
