"""A `plugin test`'s record ("NAME (test 1a2b3c)") is not one of the project's plugins: it goes
with the test, taking every job under it along. The command line lists it as the window does
(not at all) and refuses it by name, saying whose it is."""

from __future__ import annotations

from exact_desktop.model import entities as e
from exact_desktop.project.process_mark import ProcessMark
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.trial_book import TrialBook

ADD_IT = "add the script with `plugin add`"


class PluginTestRecordError(LookupError):
    """A command was given a plugin test's record by name; the message says whose it is."""


def project_plugins(store: SqliteStore) -> list[e.Plugin]:
    """The project's plugins, without the records of tests running or left by a killed one."""
    tests = TrialBook(store).plugins()
    return [p for p in store.list(e.Plugin) if p.id not in tests]


def refuse_a_test(store: SqliteStore, name: str) -> None:
    """PluginTestRecordError when `name` is a test's record: whose it is, and what to do instead."""
    for plugin in store.list(e.Plugin, name=name):
        trial = TrialBook(store).trial(plugin.id)  # type: ignore[arg-type]
        if trial is None:
            continue
        mark = ProcessMark(trial.host, trial.pid, trial.started)
        if mark.gone():
            raise PluginTestRecordError(f"{name} was left by a killed plugin test (the next plugin test, run or window "
                              f"removes it); {ADD_IT}")  # fmt: skip
        where = f" on {trial.host}" if trial.host not in ("", ProcessMark.here().host) else ""
        raise PluginTestRecordError(f"{name} is a plugin test running in process {trial.pid}{where}; {ADD_IT}")


def project_plugin(store: SqliteStore, name: str) -> e.Plugin:
    """The project's plugin called `name`; LookupError names the ones it has, or whose test it is."""
    refuse_a_test(store, name)
    plugins = project_plugins(store)
    for plugin in plugins:
        if plugin.name == name:
            return plugin
    names = ", ".join(p.name for p in plugins) or "none"
    raise LookupError(f"no plugin named {name!r} in this project (registered: {names})")
