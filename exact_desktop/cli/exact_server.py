"""Commands that talk to an EXACT server: login, and plugins registered and run there.

Secrets never come from argv: `login` asks for them (or reads EXACT_TOKEN / EXACT_USER with
EXACT_PASSWORD) and keeps them in the keyring; the other commands take the environment first,
then the keyring. Every failure is one line naming the server and the problem, exit status 2.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

from exact_desktop.cli.opening import fail, opened_store
from exact_desktop.rest.answers import checked
from exact_desktop.rest.connection import Connection, tls_verified
from exact_desktop.rest.errors import ExactApiError, RefusedError
from exact_desktop.rest.processing import PLUGINS, item, job_read, jobs_listed
from exact_desktop.store.credentials import Credentials, CredentialsError, credentials_for, normalise_url, save

TOKENS = "/users/api/tokens/"  # EXACT's personal access tokens


def add_commands(commands: Any, plugin_commands: Any) -> None:
    login = commands.add_parser("login", help="log in to an EXACT server; the secret is kept in the keyring")
    login.add_argument("url")
    login.add_argument("--token", action="store_true", help="give a personal access token instead of a password")

    add = plugin_commands.add_parser(
        "add", help="register a plugin script in the local project; runs `SCRIPT --describe` (it must print its "
        "manifest as JSON, see plugins/manifest.py) without any server's address or secret",
    )  # fmt: skip
    add.add_argument("script")
    add.add_argument("--product", type=int, metavar="ID", help="product for its annotation types (default: the first)")
    add.add_argument("--queue", choices=["local", "celery"], default="local")
    add.add_argument("--db", type=Path, metavar="FILE", help="project database")

    register = plugin_commands.add_parser("register", help="create or update the plugin's record on a server")
    register.add_argument("name")
    register.add_argument("--server", required=True, metavar="URL")
    register.add_argument("--product", type=int, required=True, metavar="ID")
    register.add_argument("--db", type=Path, metavar="FILE", help="project database (to find the plugin)")

    work = plugin_commands.add_parser("work", help="work on a server's pending jobs of a plugin")
    work.add_argument("name")
    work.add_argument("--server", required=True, metavar="URL")
    work.add_argument("--idle-exit", type=float, default=0.0, metavar="S", help="wait S seconds for new jobs")
    work.add_argument("--db", type=Path, metavar="FILE", help="project database (to find the plugin)")


def connect(url: str) -> tuple[Connection, Credentials]:
    credentials = credentials_for(url)
    connection = Connection(credentials.url, credentials.token, credentials.user, credentials.password,
                            verify_tls(credentials.url))  # fmt: skip
    return connection, credentials


def verify_tls(url: str) -> bool:
    """EXACT_VERIFY_TLS, with a warning when it turns the check off for an https server."""
    verify = tls_verified()
    if not verify and url.startswith("https:"):
        print(f"exact-desktop: warning: the TLS certificate of {url} is not checked (EXACT_VERIFY_TLS)",
              file=sys.stderr)  # fmt: skip
    return verify


def check_login(connection: Connection) -> None:
    """One cheap request that needs valid credentials; raises with the server's reason."""
    connection.get("/api/v1/users/teams/", limit=1, fields="id")


def login(args: argparse.Namespace) -> int:
    try:
        url = normalise_url(args.url)
        credentials = _asked_credentials(url, args.token)
    except CredentialsError as err:
        return fail(str(err))
    connection = Connection(url, credentials.token, credentials.user, credentials.password, verify=verify_tls(url))
    try:
        check_login(connection)
        credentials = _prefer_token(connection, credentials)
    except ExactApiError as err:
        return fail(f"{url} refused the login: {err}" if isinstance(err, RefusedError) else str(err))
    save(credentials)
    kind = "a personal access token" if credentials.token else "the password"
    print(f"exact-desktop: logged in to {url}; {kind} is kept in the keyring", file=sys.stderr)
    return 0


def _asked_credentials(url: str, token: bool) -> Credentials:
    """The environment's secret, else asked for on the terminal; CredentialsError when the input
    ends before one is given."""
    try:
        if token:
            secret = os.environ.get("EXACT_TOKEN") or getpass.getpass(f"Personal access token for {url}: ")
            return Credentials(url, token=secret.strip(), source="login")
        user = os.environ.get("EXACT_USER") or _ask(f"User on {url}: ")
        password = os.environ.get("EXACT_PASSWORD") or getpass.getpass(f"Password for {user}: ")
    except EOFError:
        raise CredentialsError(f"the input ended before a {'token' if token else 'password'} for {url} was given: "
                               "nothing was saved") from None  # fmt: skip
    return Credentials(url, user=user, password=password, source="login")


def _ask(prompt: str) -> str:
    if not sys.stdin.isatty():
        raise SystemExit(fail("no terminal to ask on: set EXACT_USER and EXACT_PASSWORD (or EXACT_TOKEN)"))
    return input(prompt).strip()


def _prefer_token(connection: Connection, credentials: Credentials) -> Credentials:
    """Trade a password for a personal access token where the server makes them: a token costs the
    server a hash per request, a password its whole password hasher (EXACT: about 6x slower)."""
    if credentials.token:
        return credentials
    try:
        made = connection.post(TOKENS, {"name": f"exact-desktop on {socket.gethostname()}"})
    except RefusedError:
        return credentials  # this server makes no tokens (`exact-desktop serve` for one)
    made = checked(made, {"token": str}, credentials.url, f"the POST to {TOKENS}")
    return Credentials(credentials.url, user=credentials.user, token=made["token"], source="login")


def plugin_command(args: argparse.Namespace) -> int | None:
    """Handles the server-side plugin commands; None for the others."""
    if args.plugin_command == "add":
        return _add(args)
    if args.plugin_command == "register":
        return _with_server(args, _register)
    if args.plugin_command == "work":
        return _with_server(args, _work)
    if args.plugin_command == "run" and args.server:
        return _with_server(args, _run)
    if args.plugin_command in ("jobs", "cancel") and args.server:
        return _server_jobs(args)
    return None


def _project(args: argparse.Namespace) -> Any:
    """The project named by --db (which must exist), else the default one if there is one."""
    return opened_store(args.db) if getattr(args, "db", None) or _default_project_exists() else None


def _default_project_exists() -> bool:
    from exact_desktop.store.project import project_path

    return project_path().exists()


def _add(args: argparse.Namespace) -> int:
    from exact_desktop.model import entities as e
    from exact_desktop.plugins.registry import PluginRegistryError, describe, register, script_as_stored
    from exact_desktop.store.base import StoreError
    from exact_desktop.store.project import project_path

    try:
        describe(script_as_stored(args.script))  # a script that cannot be added makes no project
    except PluginRegistryError as err:
        return fail(str(err))
    new = not project_path(args.db).exists()  # a worker machine's first plugin makes its project
    store = opened_store(args.db, may_make=True)
    if new:
        print(f"exact-desktop: made the project {store.path} for the plugin", file=sys.stderr)
    try:
        product = args.product
        if product is None:
            products = store.list(e.Product)
            product = products[0].id if products else store.create(e.Product("Plugins")).id
        plugin = register(store, args.script, product, args.queue)
    except (PluginRegistryError, StoreError) as err:
        return fail(str(err))
    finally:
        store.close()
    print(json.dumps({"id": plugin.id, "name": plugin.name, "script": plugin.script, "queue": plugin.queue,
                      "products": plugin.products, "produces": plugin.produces}))  # fmt: skip
    return 0


def _with_server(args: argparse.Namespace, action: Any) -> int:
    from exact_desktop.plugins.registry import PluginRegistryError, local_plugin
    from exact_desktop.project.test_records import PluginTestRecordError, refuse_a_test
    from exact_desktop.store.base import StoreError

    try:
        connection, credentials = connect(args.server)
        store = _project(args)
        try:
            if store is not None:
                refuse_a_test(store, args.name)
            plugin = local_plugin(store, args.name)
        finally:
            if store is not None:
                store.close()
        return action(args, connection, credentials, plugin)
    except (CredentialsError, PluginRegistryError, PluginTestRecordError, StoreError, ValueError) as err:
        return fail(str(err))
    except (LookupError, ExactApiError) as err:
        return fail(f"{args.server}: {err}")


def _register(args: argparse.Namespace, connection: Connection, _c: Credentials, plugin: Any) -> int:
    from exact_desktop.plugins.exact_registry import register_on_server
    from exact_desktop.plugins.registry import describe

    record = register_on_server(connection, describe(plugin.script), args.product, name=plugin.name)
    print(json.dumps(record))
    return 0


def _work(args: argparse.Namespace, connection: Connection, credentials: Credentials, plugin: Any) -> int:
    import subprocess

    from exact_desktop.plugins.exact_runner import server_summary
    from exact_desktop.plugins.jobs import check_parameters
    from exact_desktop.plugins.registry import command_for
    from exact_desktop.plugins.sdk.worker import find_plugin, worker_name

    record = find_plugin(connection, plugin.name)  # fails early, naming the server, if it is not there
    me = worker_name()
    before = _job_states(connection, record["id"])
    given = json.loads(os.environ.get("EXACT_PLUGIN_PARAMS") or "{}")  # what the person set, if anything
    defaults = check_parameters(plugin.parameter_schema, given)  # a server's job carries no parameters
    env = {**os.environ, **credentials.environment(), "EXACT_PLUGIN": plugin.name, "EXACT_WORKER": me,
           "EXACT_PROGRESS": "stderr", "EXACT_PLUGIN_PARAMS": json.dumps(defaults)}  # fmt: skip
    done = subprocess.run([*command_for(plugin.script), "--idle-exit", str(args.idle_exit)], env=env,
                          stdout=subprocess.DEVNULL, check=False)  # fmt: skip
    after = _job_states(connection, record["id"])
    # ours: held by this worker's name, or moved on while it ran (a plugin without the SDK may
    # not name its worker as asked, or clear the name when it is done)
    mine = [j for j, state in after.items() if state[0] == me or (j in before and before[j][1:] != state[1:])]
    summary = server_summary(connection, plugin.name, mine, [])
    summary["worker"], summary["exit_code"] = me, done.returncode
    print(json.dumps(summary))
    return 0 if done.returncode == 0 and not summary["errors"] else 1


def _job_states(connection: Connection, plugin_id: int) -> dict[int, tuple[str, float, str]]:
    """Job id -> (worker, progress, error message) of the plugin's jobs on the server."""
    return {
        j["id"]: (j.get("attached_worker") or "", float(j.get("processing_complete") or 0),
                  j.get("error_message") or "")
        for j in jobs_listed(connection) if j["plugin"] == plugin_id
    }  # fmt: skip


def _run(args: argparse.Namespace, connection: Connection, credentials: Credentials, plugin: Any) -> int:
    from exact_desktop.cli.plugin import parse_params, say_skipped
    from exact_desktop.plugins.exact_runner import RunCutOffError, run_on_server
    from exact_desktop.plugins.job_book import ExactJobBook
    from exact_desktop.plugins.progress import ProgressLines
    from exact_desktop.plugins.stop_signals import StopSignal, stop_signals_raise

    params = parse_params(args.param)
    lines = ProgressLines(ExactJobBook(connection))
    try:
        with stop_signals_raise():
            summary = run_on_server(connection, credentials.environment(), plugin, args.image_set, params,
                                    run_again=args.run_again, workers=args.workers, report=lines)  # fmt: skip
            lines.flush([j["job"] for j in summary["jobs"]])
    except RunCutOffError as cut:  # jobs were made: not a refusal with nothing changed (exit 2)
        print(f"exact-desktop: {connection.url}: {cut}", file=sys.stderr)
        return 1
    except StopSignal as stop:
        print(f"exact-desktop: stopped by {stop}: the plugin's workers were ended and the run's unfinished jobs on "
              f"{connection.url} marked interrupted; the same command takes them up", file=sys.stderr)  # fmt: skip
        return stop.exit_code
    say_skipped(summary)
    print(json.dumps(summary))
    return 1 if summary["errors"] else 0


def _server_jobs(args: argparse.Namespace) -> int:
    """`plugin jobs --server` and `plugin cancel JOB --server`."""
    from exact_desktop.model.entities import CANCELLED_MESSAGE, JobStatus, status_from_exact
    from exact_desktop.plugins.exact_runner import JOBS
    from exact_desktop.plugins.progress import detail_tail

    try:
        connection, _credentials = connect(args.server)
        if args.plugin_command == "cancel":
            job = job_read(connection, args.job)
            status = status_from_exact(job)
            if status not in (JobStatus.PENDING, JobStatus.RUNNING):
                return fail(f"{args.server}: job {args.job} has ended ({status}): nothing to cancel")
            connection.patch(item(JOBS, args.job), error_message=f"{CANCELLED_MESSAGE} by the command line")
            print(f"exact-desktop: job {args.job} on {args.server} cancelled", file=sys.stderr)
            return 0
        names = {p["id"]: p["name"] for p in connection.iterate(PLUGINS, fields="id,name")}
        listed = [
            {"job": j["id"], "plugin": names.get(j["plugin"]), "image": j["image"], "status": status_from_exact(j),
             "processing_complete": j["processing_complete"], "error": j.get("error_message") or None,
             "detail": detail_tail(j.get("error_detail") or "") or None}
            for j in jobs_listed(connection) if not args.plugin or names.get(j["plugin"]) == args.plugin
        ]  # fmt: skip
    except CredentialsError as err:
        return fail(str(err))
    except ExactApiError as err:
        return fail(f"{args.server}: {err}")
    print(json.dumps(sorted(listed, key=lambda j: j["job"])))
    return 0
