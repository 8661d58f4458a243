"""What a window asks of plugins, jobs and results, whatever kind of project it shows.

Two implementations, chosen when the project opens (`project/`): `local_plugins.LocalPlugins`
(jobs in the project file, run against it served on loopback) and `exact_plugins.ExactPlugins`
(jobs on the EXACT server the project mirrors, their results pulled into the mirror). The
window asks this interface and never which kind it has, as the queue's supervisor asks a
`JobBook` (`job_book.py`).
"""

from __future__ import annotations

from typing import Any, Protocol

from exact_desktop.model import entities as e
from exact_desktop.model.jobs import JobView
from exact_desktop.project.exact_plugins import ExactPlugins
from exact_desktop.server.server import RunningServer
from exact_desktop.sync.results_pull import ResultsPulled


class PluginSession(Protocol):
    @property
    def where(self) -> str:
        """Said after a plugin's name in a message: "" here, " on URL" on a server."""
        ...

    @property
    def skipped_why(self) -> str:
        """Why a run leaves an image out."""
        ...

    @property
    def api(self) -> RunningServer | None:
        """The project served on loopback for the plugin processes, if it is."""
        ...

    @property
    def interrupted(self) -> list[int]:
        """Jobs found running at the start, that nothing ran any more."""
        ...

    def ready_plugins(self) -> list[e.Plugin] | None:
        """The plugins that can run, when that is known without waiting (None: ask `plugins`
        off the GUI thread)."""
        ...

    def plugins(self) -> list[e.Plugin]: ...

    def on_server(self) -> ExactPlugins | None:
        """Where the jobs are a server's: its plugin records and registering plugins there, which
        the plugin manager then shows (None: the plugins are this project's own records)."""
        ...

    def jobs(self) -> list[JobView]:
        """The jobs as the panel shows them; runs on the poller thread."""
        ...

    def pull_results(self, image_id: int) -> ResultsPulled:
        """The image's results brought into the project, where they are made elsewhere."""
        ...

    def submit(self, plugin: e.Plugin, params: dict[str, Any], image_set: int, images: list[int] | None,
               run_again: bool) -> tuple[list[int], list[int]]:  # fmt: skip
        """Makes the jobs (`images`: the project's ids, None for the whole set) and starts them;
        (job ids, images skipped). Raises ParameterError or ExactApiError before anything runs."""
        ...

    def cancel(self, job_id: int) -> None: ...

    def retry(self, job_id: int, plugin_name: str) -> None: ...

    def close(self) -> None: ...
