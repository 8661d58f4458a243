"""The plugins a server window can offer: the installed ones (built-in and entry points), each
described once per process, matched by name with the server's plugin records (Qt-free)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from exact_desktop.model import entities as e
from exact_desktop.plugins.registry import describe, discovered_scripts, installed_plugin

DESCRIBING_AT_ONCE = 4  # each description is a Python start-up in a process of its own
_described: dict[str, e.Plugin] = {}  # script -> its plugin: installed scripts do not change while we run
_describing = threading.Lock()


def installed_plugins() -> list[e.Plugin]:
    """The built-in and entry-point plugins, each script described once per process (several at
    a time): what a server window offers to run, without a description per question."""
    scripts = discovered_scripts()
    with _describing:
        missing = [script for script in scripts if script not in _described]
        if missing:
            with ThreadPoolExecutor(min(DESCRIBING_AT_ONCE, len(missing)), "describe") as pool:
                for script, manifest in zip(missing, pool.map(describe, missing), strict=True):
                    _described[script] = installed_plugin(script, manifest)
        return [_described[script] for script in scripts]


@dataclass(frozen=True)
class CatalogueEntry:
    """One plugin as the server window's manager lists it: the server's record of it, the
    plugin here that can run its jobs, or both (while an answer is awaited, its `_read` is False)."""

    name: str
    record: dict[str, Any] | None
    here: e.Plugin | None
    records_read: bool = True
    here_read: bool = True

    @property
    def state(self) -> str:
        if self.record is not None and self.here is not None:
            return "on the server, runs here"
        if not self.records_read:
            return "here; the server's records are not read yet"
        if not self.here_read:
            return "on the server; the plugins here are not described yet"
        if self.record is not None:
            return "on the server only: no plugin of that name is installed here"
        return "here only: not registered on the server"


def catalogue(records: dict[str, dict[str, Any]] | None, here: list[e.Plugin] | None) -> list[CatalogueEntry]:
    """The server's records and the plugins here matched by name, either still unknown (None):
    what a manager lists while the answers arrive."""
    mine = {p.name: p for p in here or []}
    names = sorted({*(records or {}), *mine}, key=str.lower)
    return [
        CatalogueEntry(n, (records or {}).get(n), mine.get(n), records is not None, here is not None) for n in names
    ]
