"""What `plugin test`s killed outright left, removed by whoever opens the project's plugins next:
a test, a run, a window. A test whose process still runs is left alone."""

from __future__ import annotations

from exact_desktop.plugins.registry import PLUGIN_SORT_ORDER
from exact_desktop.project.process_mark import ProcessMark
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.trial_book import TrialBook


def tidy_dead_tests(store: SqliteStore) -> list[str]:
    """Their records, jobs, results and the types made for them, in one transaction; their names."""
    gone = TrialBook(store).tidy(lambda t: ProcessMark(t.host, t.pid, t.started).gone(), PLUGIN_SORT_ORDER)
    return [t.name for t in gone]
