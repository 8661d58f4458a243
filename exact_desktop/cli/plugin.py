"""`exact-desktop plugin list|run|jobs|cancel|test` on a local project (with --server: on that server).

`run` says each job's progress on stderr and ends with the summary as JSON on stdout. A stop
signal (Ctrl+C, SIGTERM) ends the workers and marks the run's unfinished jobs interrupted; a
later `run` takes them up.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from exact_desktop.cli.counts import processes
from exact_desktop.cli.opening import fail, opened_store


def add_commands(plugin_commands: Any) -> None:
    listed = plugin_commands.add_parser("list", help="the project's plugins as JSON")
    listed.add_argument("--db", type=Path, metavar="FILE", help="project database")
    run = plugin_commands.add_parser("run", help="run a plugin on an image set (one job per image) and wait")
    run.add_argument("name")
    run.add_argument("--image-set", type=int, required=True, metavar="ID")
    run.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="a plugin parameter (repeatable)"
    )
    run.add_argument(
        "--run-again", action="store_true",
        help="also images whose job of this plugin has finished (their results are replaced once the new job is done)",
    )  # fmt: skip
    run.add_argument("--workers", type=processes, help="worker processes (default: cores - 1, at least 1)")
    run.add_argument("--json", action="store_true", help="print the summary as JSON (the default)")
    run.add_argument("--db", type=Path, metavar="FILE", help="project database")
    run.add_argument("--server", metavar="URL", help="run on that EXACT server's image set (jobs made there)")
    jobs = plugin_commands.add_parser("jobs", help="the jobs, newest last, as JSON")
    jobs.add_argument("--plugin", metavar="NAME", help="only this plugin's jobs")
    jobs.add_argument("--db", type=Path, metavar="FILE", help="project database")
    jobs.add_argument("--server", metavar="URL", help="that EXACT server's jobs")
    cancel = plugin_commands.add_parser("cancel", help="cancel a pending or running job (its results so far stay)")
    cancel.add_argument("job", type=int, metavar="JOB")
    cancel.add_argument("--db", type=Path, metavar="FILE", help="project database")
    cancel.add_argument("--server", metavar="URL", help="a job on that EXACT server")
    test = plugin_commands.add_parser(
        "test", help="try a plugin script on one image of the project; keeps nothing unless --keep"
    )
    test.add_argument("script")
    test.add_argument("--image", type=int, required=True, metavar="ID")
    test.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="a plugin parameter (repeatable)"
    )
    test.add_argument("--keep", action="store_true", help="add the plugin and keep the job and its results")
    test.add_argument("--db", type=Path, metavar="FILE", help="project database")


def parse_params(items: list[str]) -> dict[str, str]:
    """KEY=VALUE pairs; a pair without "=" is refused, not taken as an empty value."""
    params = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise ValueError(f"--param {item!r}: expected KEY=VALUE")
        params[key] = value
    return params


def run(args: argparse.Namespace) -> int:
    """The local project's plugin commands (the --server ones are in exact_server.py)."""
    from exact_desktop.plugins.jobs import ParameterError
    from exact_desktop.plugins.registry import PluginRegistryError
    from exact_desktop.plugins.stop_signals import StopSignal
    from exact_desktop.store.base import StoreError

    store = opened_store(args.db)
    try:
        if args.plugin_command == "list":
            return _list(store)
        if args.plugin_command == "jobs":
            return _jobs(store, args.plugin)
        if args.plugin_command == "cancel":
            return _cancel(store, args.job)
        return _run(store, args) if args.plugin_command == "run" else _test(store, args)
    except StopSignal as stop:
        if args.plugin_command == "test":  # a test ends as a failure does: what it made is gone
            print(f"exact-desktop: stopped by {stop}: the test was ended; nothing of it was kept", file=sys.stderr)
        else:
            print(f"exact-desktop: stopped by {stop}: the plugin's workers were ended and the run's unfinished "
                  "jobs marked interrupted (results so far kept); the same command takes them up",
                  file=sys.stderr)  # fmt: skip
        return stop.exit_code
    except (LookupError, ParameterError, PluginRegistryError, StoreError, ValueError) as err:
        return fail(str(err))
    finally:
        store.close()


def _list(store: Any) -> int:
    from exact_desktop.project.test_records import project_plugins

    listed = [
        {"id": p.id, "name": p.name, "script": p.script, "queue": p.queue, "products": p.products,
         "produces": p.produces, "parameters": p.parameter_schema}
        for p in project_plugins(store)  # not a plugin test's record, as in the window
    ]  # fmt: skip
    print(json.dumps(listed))
    return 0


def _run(store: Any, args: argparse.Namespace) -> int:
    from exact_desktop.plugins.job_book import StoreJobBook
    from exact_desktop.plugins.progress import ProgressLines
    from exact_desktop.plugins.stop_signals import stop_signals_raise
    from exact_desktop.project.local_run import run_plugin

    params = parse_params(args.param)
    with stop_signals_raise():
        lines = ProgressLines(StoreJobBook(store))
        result = run_plugin(store, args.name, args.image_set, params, run_again=args.run_again,
                            workers=args.workers, report=lines)  # fmt: skip
        lines.flush([j["job"] for j in result["jobs"]])
    _say_why_skipped(store, args.name, result["skipped_images"])
    if "review_decisions" in result:
        before, kept = result["review_decisions"]["before"], result["review_decisions"]["kept"]
        print(f"exact-desktop: review decisions on the plugin's results of the image set: {before:,} before the "
              f"run, {kept:,} now (a result found again keeps its decision)", file=sys.stderr)  # fmt: skip
    print(json.dumps(result))
    return 1 if result["errors"] else 0


def _say_why_skipped(store: Any, plugin_name: str, images: list[int]) -> None:
    """Per state: done ones need --run-again; a queued or running one belongs to another run or
    window, or to one that was killed outright, which `plugin cancel` frees for the next run."""
    from exact_desktop.model import entities as e
    from exact_desktop.project.test_records import project_plugin

    if not images:
        return
    plugin = project_plugin(store, plugin_name)
    jobs = [j for image in images for j in store.list(e.PluginJob, plugin=plugin.id, image=image)]
    done = sum(j.status == "done" for j in jobs)
    if done:
        print(f"exact-desktop: {done} image(s) skipped: their job is done (--run-again runs them again)",
              file=sys.stderr)  # fmt: skip
    held = [str(j.id) for j in jobs if j.status != "done"]
    if held:
        print(f"exact-desktop: {len(held)} image(s) skipped: jobs {', '.join(held)} are queued or running "
              "elsewhere (if nothing runs them any more, `exact-desktop plugin cancel JOB` frees them for the "
              "next run)", file=sys.stderr)  # fmt: skip


def _test(store: Any, args: argparse.Namespace) -> int:
    from exact_desktop.plugins.job_book import StoreJobBook
    from exact_desktop.plugins.progress import ProgressLines
    from exact_desktop.plugins.stop_signals import stop_signals_raise
    from exact_desktop.project.plugin_trial import try_plugin

    params = parse_params(args.param)
    report = ProgressLines(StoreJobBook(store), every_s=0.5)
    with stop_signals_raise():
        result = try_plugin(store, args.script, args.image, params, keep=args.keep, report=report)
    report.ends(result["jobs"])
    for name in result["tidied"]:
        print(f"exact-desktop: removed what a killed plugin test left: {name}", file=sys.stderr)
    for name, kind in result["by_type"].items():
        print(f"exact-desktop: {kind['count']:,} {name} (score {kind['score_min']:.3g} to {kind['score_max']:.3g})",
              file=sys.stderr)  # fmt: skip
    if result.get("removed_jobs"):
        print(f"exact-desktop: jobs {', '.join(map(str, result['removed_jobs']))} were made under the test's record "
              "by another command; they went with it, with their results", file=sys.stderr)  # fmt: skip
    if not result["kept"]:
        print("exact-desktop: nothing was kept (--keep adds the plugin and keeps its results)", file=sys.stderr)
    print(json.dumps(result))
    return 1 if result["errors"] else 0


def say_skipped(summary: dict[str, Any]) -> None:
    skipped = summary["skipped_images"]
    if skipped:
        print(f"exact-desktop: {len(skipped)} image(s) skipped: their job is done, queued or running "
              "(--run-again runs done ones again)", file=sys.stderr)  # fmt: skip


def _jobs(store: Any, plugin_name: str | None) -> int:
    from exact_desktop.model import entities as e
    from exact_desktop.plugins.progress import detail_tail
    from exact_desktop.project.test_records import project_plugin, project_plugins

    names = {p.id: p.name for p in project_plugins(store)}  # a plugin test's job is not listed
    only = {"plugin": project_plugin(store, plugin_name).id} if plugin_name else {}
    listed = [
        {"job": j.id, "plugin": names.get(j.plugin), "image": j.image, "status": j.status,
         "processing_complete": j.processing_complete, "error": j.error_message or None,
         "detail": detail_tail(j.error_detail) or None}
        for j in store.list(e.PluginJob, **only) if j.plugin in names
    ]  # fmt: skip
    print(json.dumps(listed))
    return 0


def _cancel(store: Any, job_id: int) -> int:
    from exact_desktop.model import entities as e
    from exact_desktop.model.entities import JobStatus
    from exact_desktop.plugins.jobs import cancel_job
    from exact_desktop.store.base import NotFoundError

    try:
        job = store.get(e.PluginJob, job_id)
    except NotFoundError:
        return fail(f"no job {job_id} in {store.path}")
    if job.status not in (JobStatus.PENDING, JobStatus.RUNNING):
        return fail(f"job {job_id} has ended ({job.status}): nothing to cancel")
    cancel_job(store, job_id, "the command line")
    print(f"exact-desktop: job {job_id} cancelled; its worker stops at its next progress report", file=sys.stderr)
    return 0
