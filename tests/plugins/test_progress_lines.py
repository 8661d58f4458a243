"""What `plugin run` and `plugin test` say of a job's end on stderr: said once, and said even
when the job ended between two rounds of supervision (a fast failure's reason was then missing)."""

from __future__ import annotations

import io

from exact_desktop.plugins.job_book import JobState
from exact_desktop.plugins.progress import ProgressLines


class Book:
    def __init__(self, states: list[JobState]) -> None:
        self.found = states

    def states(self, job_ids: list[int]) -> list[JobState]:
        return [s for s in self.found if s.id in job_ids]


def summary_job(job: int, status: str, error: str | None) -> dict[str, object]:
    return {"job": job, "image": 2, "status": status, "processing_complete": 0.0, "error": error,
            "detail": "Traceback ...\nInvalidVectorError: x2 is not a finite number" if error else None}  # fmt: skip


def test_an_end_not_seen_while_running_is_said_from_the_summary_once() -> None:
    said = io.StringIO()
    lines = ProgressLines(Book([JobState(1, "done", 100.0, "", "", 2)]), said)  # type: ignore[arg-type]
    lines.flush([1])  # job 1's end seen while it ran; job 2 failed (and was removed) before any round
    lines.ends([summary_job(1, "done", None), summary_job(2, "failed", "InvalidVectorError: x2 is not finite")])
    lines.ends([summary_job(2, "failed", "InvalidVectorError: x2 is not finite")])
    text = said.getvalue()
    assert text.count("job 1 (image 2): done") == 1
    assert text.count("job 2 (image 2): failed: InvalidVectorError: x2 is not finite") == 1
    assert "    InvalidVectorError: x2 is not a finite number" in text  # the traceback's end, as while running
