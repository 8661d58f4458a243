"""Plugin tests under way, in the project file, so that one killed outright is tidied.

`plugin test` runs a script under a temporary plugin record that goes afterwards with its job,
results and the annotation types made for it. The record, those types and a `plugin_trial` row
naming the process that runs the test are written in one transaction, and go in one: a test
killed at any point leaves all of them or none. Whoever comes next (a test, a run, a window)
removes the ones whose process is gone, which only the caller can tell (`tidy`'s `gone`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import orjson
from sqlalchemy import Connection

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore, driver_cursor

# a type made for a test goes with it unless something else uses it by then: annotations, result
# annotations of another plugin, or another plugin of its product that produces its name
_UNUSED = """
    SELECT t.id FROM annotation_type t WHERE t.id IN ({made})
    AND NOT EXISTS (SELECT 1 FROM annotation a WHERE a.annotation_type = t.id)
    AND NOT EXISTS (SELECT 1 FROM plugin_result_annotation r
        JOIN plugin_result_entry n ON n.id = r.pluginresultentry JOIN plugin_result p ON p.id = n.pluginresult
        WHERE r.annotation_type = t.id AND p.plugin NOT IN ({going}))
    AND NOT EXISTS (SELECT 1 FROM plugin p JOIN plugin_product pp ON pp.plugin = p.id, json_each(p.produces) j
        WHERE pp.product = t.product AND j.value = t.name AND p.id NOT IN ({going}))
"""


# (type made for a test that ends, another test that produces it)
_HEIRS = """
    SELECT t.id, min(trial.plugin) FROM annotation_type t JOIN plugin_trial trial ON trial.plugin NOT IN ({going})
    JOIN plugin_product pp ON pp.plugin = trial.plugin AND pp.product = t.product
    JOIN plugin p ON p.id = trial.plugin, json_each(p.produces) j
    WHERE t.id IN ({made}) AND j.value = t.name GROUP BY t.id
"""


# the types a test an earlier version left produces that were made for a plugin (the registry
# places those from its sort order on): which were made for that test it did not record
_PRODUCED = """
    SELECT t.id FROM annotation_type t JOIN plugin_product pp ON pp.product = t.product
    JOIN plugin p ON p.id = pp.plugin, json_each(p.produces) j
    WHERE p.id = ? AND j.value = t.name AND t.sort_order >= ?
"""


@dataclass(frozen=True)
class Trial:
    plugin: int
    name: str
    host: str  # "": not recorded (a test of an earlier version), so this machine's
    pid: int  # 0: not known
    started: float | None  # the process's start time (seconds since the epoch); None: not recorded
    made_types: list[int]

    @property
    def adopted(self) -> bool:
        """Left by an earlier version, taken in by its name (migration 0018): its types not recorded."""
        return not self.host and self.started is None


class TrialBook:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def begin(
        self, plugin: e.Plugin, new_types: Sequence[e.AnnotationType], host: str, pid: int, started: float | None
    ) -> e.Plugin:
        """The test's record and the types made for it, stored with the process running it."""

        def record(conn: Connection, created: list[object]) -> None:
            made = [t.id for t in created[:-1]]  # type: ignore[attr-defined]
            driver_cursor(conn).execute(
                "INSERT INTO plugin_trial (plugin, host, pid, started, made_types) VALUES (?, ?, ?, ?, ?)",
                (created[-1].id, host, pid, started, orjson.dumps(made).decode()),  # type: ignore[attr-defined]
            )

        created = self.store.create_with([*new_types, plugin], record)
        return created[-1]  # type: ignore[no-any-return]

    def end(self, plugin: int, image: int) -> list[int]:
        """The test's record (its job, results and their index go with it) and the types made for it;
        the jobs of other images that went with the record (none but the test's image's are its own:
        a command that made them under the record must be told)."""
        others: list[int] = []

        def choose(conn: Connection) -> list[tuple[type, list[int]]]:
            found = driver_cursor(conn).execute("SELECT id FROM plugin_job WHERE plugin = ? AND image != ?",
                                                (plugin, image))  # fmt: skip
            others[:] = [row[0] for row in found]
            return _going(conn, [t for t in _trials(conn) if t.plugin == plugin])

        self.store.delete_chosen(choose)
        return others

    def tidy(self, gone: Callable[[Trial], bool], brought_from: int) -> list[Trial]:
        """Ends every test whose process is `gone`, all in one transaction; those it ended. One an
        earlier version left takes the types it produces from sort order `brought_from` on (made
        for a plugin), when nothing else uses them."""
        ended: list[Trial] = []

        def choose(conn: Connection) -> list[tuple[type, list[int]]]:
            cursor = driver_cursor(conn)
            ended[:] = [
                replace(t, made_types=[row[0] for row in cursor.execute(_PRODUCED, (t.plugin, brought_from))])
                if t.adopted else t
                for t in _trials(conn) if gone(t)
            ]  # fmt: skip
            return _going(conn, ended)

        self.store.delete_chosen(choose)
        return ended

    def trial(self, plugin: int) -> Trial | None:
        """The test whose record `plugin` is; None for a plugin of the project's."""
        with self.store.engine.connect() as conn:
            return next((t for t in _trials(conn) if t.plugin == plugin), None)

    def plugins(self) -> set[int]:
        """The records of the tests under way (or killed and not yet tidied): not the project's plugins."""
        with self.store.engine.connect() as conn:
            return {row[0] for row in driver_cursor(conn).execute("SELECT plugin FROM plugin_trial")}


def _trials(conn: Connection) -> list[Trial]:
    found = driver_cursor(conn).execute(
        "SELECT t.plugin, p.name, t.host, t.pid, t.started, t.made_types FROM plugin_trial t "
        "JOIN plugin p ON p.id = t.plugin ORDER BY t.plugin"
    )
    return [Trial(plugin, name, host, pid, start, orjson.loads(made)) for plugin, name, host, pid, start, made in found]


def _going(conn: Connection, trials: list[Trial]) -> list[tuple[type, list[int]]]:
    """What ending `trials` deletes: their records, then the types made for them that nothing else
    uses. One that another test uses becomes that test's to remove (it found it there, made none)."""
    if not trials:
        return []
    cursor = driver_cursor(conn)
    going = [t.plugin for t in trials]
    made = [id for t in trials for id in t.made_types]
    marks = {"made": ",".join("?" * len(made)) or "NULL", "going": ",".join("?" * len(going))}
    unused = [row[0] for row in cursor.execute(_UNUSED.format(**marks), (*made, *going, *going))]
    heirs = cursor.execute(_HEIRS.format(**marks), (*going, *made)).fetchall()
    cursor.executemany(
        "UPDATE plugin_trial SET made_types = json_insert(made_types, '$[#]', ?) WHERE plugin = ?", heirs
    )
    return [(e.Plugin, going), (e.AnnotationType, unused)]
