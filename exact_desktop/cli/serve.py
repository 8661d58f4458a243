"""`exact-desktop serve` and `exact-desktop users add`: the project through the embedded EXACT API."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from exact_desktop.cli.counts import processes
from exact_desktop.cli.opening import CommandRefusedError, fail, opened_store
from exact_desktop.cli.output import OutputRefusedError
from exact_desktop.model.entities import stored_id


def add_commands(commands: Any) -> None:
    serve = commands.add_parser("serve", help="serve the project through the EXACT REST API on loopback")
    serve.add_argument(
        "--db", type=Path, metavar="FILE", help="project database (default: DATA/projects/local-project.db)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="port (default: a free one, printed on the first line)")
    serve.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    serve.add_argument(
        "--workers", type=processes, default=None, metavar="N",
        help="processes answering requests (default: 2 on a machine with 2 or more cores; always 1 without fork)",
    )  # fmt: skip

    users = commands.add_parser("users", help="local users (for HTTP Basic against `serve`)")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    add_user = users_commands.add_parser(
        "add", help="add a user or set a password; the password is asked, or read from EXACT_DESKTOP_PASSWORD"
    )
    add_user.add_argument("name")
    add_user.add_argument("--db", type=Path, metavar="FILE", help="project database")


def serve(args: argparse.Namespace) -> int:
    from exact_desktop.server.server import RemoteBindRefused, check_host, default_workers, serve_forever

    try:
        check_host(args.host, args.allow_remote)
    except RemoteBindRefused as err:
        raise CommandRefusedError(str(err)) from None
    store = opened_store(args.db)
    try:
        return serve_forever(store, args.host, args.port, args.workers or default_workers())
    except OutputRefusedError:
        raise  # listening worked; its first line (address, token) could not be written: main says so
    except OSError as err:
        return fail(f"cannot listen on {args.host}:{args.port}: {err.strerror}")
    finally:
        store.close()


def add_user(args: argparse.Namespace) -> int:
    import getpass

    from exact_desktop.model.entities import User
    from exact_desktop.server.passwords import hash_password

    password = os.environ.get("EXACT_DESKTOP_PASSWORD")
    if password is None and not sys.stdin.isatty():
        return fail("no terminal to ask the password on: set EXACT_DESKTOP_PASSWORD")
    if password is None:
        password = getpass.getpass(f"Password for {args.name}: ")
        if password != getpass.getpass("Again: "):
            return fail("the passwords differ; nothing changed")
    if len(password) < 8:
        return fail("a password needs at least 8 characters; nothing changed")
    store = opened_store(args.db)
    found = store.list(User, username=args.name)
    user = found[0] if found else store.create(User(args.name))
    store.set_password_hash(stored_id(user), hash_password(password))
    print(f"exact-desktop: user {args.name} {'updated' if found else 'added'} in {store.path}", file=sys.stderr)
    store.close()
    return 0
