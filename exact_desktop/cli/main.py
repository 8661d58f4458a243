"""The `exact-desktop` command's parser and entry point; each command group lives in its own module."""

from __future__ import annotations

import argparse
import os
import select
import sys
from typing import TextIO, cast

from exact_desktop import __version__
from exact_desktop.cli import bench, check, exact_server, exchange, gui, model, plugin, review, serve, sync
from exact_desktop.cli.opening import CommandRefusedError, fail
from exact_desktop.cli.output import GuardedOutput, OutputRefusedError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exact-desktop", description="Whole-slide image annotation, EXACT-compatible, offline first."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    gui.add_commands(commands)
    serve.add_commands(commands)
    plugins = commands.add_parser("plugin", help="plugins: add, list and run them; their jobs")
    plugin_commands = plugins.add_subparsers(dest="plugin_command", required=True)
    plugin.add_commands(plugin_commands)
    exact_server.add_commands(commands, plugin_commands)
    exchange.add_commands(commands)
    sync.add_commands(commands)
    review.add_commands(commands)
    model.add_commands(commands)
    check.add_commands(commands)
    bench.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    given = sys.stdout  # None when the command was started with standard output closed
    if given is not None:
        sys.stdout = cast(TextIO, GuardedOutput(given))
    try:
        code = _dispatch(args)
        if sys.stdout is not None:  # None when the command was started with standard output closed
            sys.stdout.flush()  # here, not at exit: a reader that has gone is answered below
        return code
    except CommandRefusedError as refused:
        return fail(str(refused))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        if not _reader_gone():
            raise
        # `exact-desktop plugin list | head`: the reader has what it wanted; the work was done
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell says of a command ended by SIGPIPE
    except OutputRefusedError as refused:  # `exact-desktop plugin list > /dev/full`: the work was done
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # what it still holds goes nowhere at exit
        return fail(f"could not write the output: {refused.strerror}")
    finally:
        sys.stdout = given


def _reader_gone() -> bool:
    """True when standard output is a pipe whose reading end is closed (the broken pipe is
    ours to answer; any other is a fault, not a reader that stopped reading)."""
    try:
        poll = select.poll()
        poll.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poll.poll(0))
    except (OSError, ValueError):
        return False


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "plugin":
        handled = exact_server.plugin_command(args)
        return plugin.run(args) if handled is None else handled
    commands = {
        "demo": gui.demo,
        "open": gui.open_,
        "bench": bench.run,
        "serve": serve.serve,
        "users": serve.add_user,
        "check": check.run,
        "export": exchange.run,
        "import": exchange.run,
        "sync": sync.run,
        "review": review.run,
        "model": model.run,
        "login": exact_server.login,
    }
    return commands[args.command](args)
