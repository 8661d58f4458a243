"""A `plugin test`'s record on the command line, as in the window: `plugin list` and `plugin jobs`
leave it and its job out, and a command given it by name refuses it (a `plugin run` under it
made jobs the test's end deleted in silence)."""

from __future__ import annotations

import json

from exact_desktop.cli.main import main
from exact_desktop.model import entities as e
from exact_desktop.project.process_mark import ProcessMark
from exact_desktop.store.sqlite.trial_book import TrialBook
from tests.plugins.conftest import ended_mark, plant_test


def test_list_and_jobs_leave_tests_out_and_run_refuses_one(project, capsys):
    store, s, behaviours, _third = project
    running = plant_test(store, s.image.id, s.product.id, ProcessMark.here())
    dead = plant_test(store, s.image.id, s.product.id, ended_mark())
    db = ["--db", str(store.path)]
    assert main(["plugin", "list", *db]) == 0
    assert [p["name"] for p in json.loads(capsys.readouterr().out)] == [behaviours.name]
    assert main(["plugin", "jobs", *db]) == 0
    assert json.loads(capsys.readouterr().out) == []  # neither test's job "running"
    jobs = store.count(e.PluginJob)
    assert main(["plugin", "run", running.name, "--image-set", str(s.image_set.id), *db]) == 2
    said = capsys.readouterr().err.strip()
    assert said == f"exact-desktop: {running.name} is a plugin test running in process {ProcessMark.here().pid}; " \
                   "add the script with `plugin add`"  # fmt: skip
    assert main(["plugin", "jobs", "--plugin", dead.name, *db]) == 2
    said = capsys.readouterr().err.strip()
    assert said.startswith(f"exact-desktop: {dead.name} was left by a killed plugin test") and "\n" not in said
    assert main(["plugin", "run", "Nothing", "--image-set", str(s.image_set.id), *db]) == 2
    assert f"(registered: {behaviours.name})" in capsys.readouterr().err  # tests not offered
    assert store.count(e.PluginJob) == jobs and store.count(e.Plugin) == 3  # nothing made, nothing tidied


def test_a_tests_end_names_the_jobs_another_command_made_under_its_record(project):
    """Refused on the command line and the API, still: were one made, the test's end says so."""
    store, s, _behaviours, _third = project
    trial = plant_test(store, s.image.id, s.product.id, ProcessMark.here())
    other = store.create(e.PluginJob(trial.id, s.other_image.id, status="done"))
    assert TrialBook(store).end(trial.id, s.image.id) == [other.id]
    assert store.count(e.PluginJob) == 0 and not store.list(e.Plugin, name=trial.name)
